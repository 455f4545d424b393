// Internals of the filter bank (SPEC section 2), exposed for the unit tests.
#pragma once

#include <cstddef>

#include "scatkit/scattering2d.hpp"

namespace scatkit {
namespace detail {

/// Squared radius of the disc outside which the Gabor envelope with this sigma and slant is
/// skipped (its Gaussian factor is below the cutoff there).
double gabor_cutoff_r2(double sigma, double slant);

/// The wavelet n = j*L + t is the column mirror of wavelet mirror_source(...) (theta -> -theta:
/// psi_n(k, l) = psi_src(k, -l)) when that holds exactly up to summation order on a grid with Q
/// columns; -1 when n is built from the formula (or when allow is false).
int mirror_source(long Q, int L, int n, bool allow);

/// make_filter_bank(), optionally without the mirror shortcut (every wavelet from the formula).
FilterBank make_filter_bank(std::size_t padded_rows, std::size_t padded_cols, int J, int L,
                            int threads, bool mirror);

}  // namespace detail
}  // namespace scatkit
