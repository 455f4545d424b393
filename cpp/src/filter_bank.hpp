// Internals of the filter bank (SPEC section 2), exposed for the unit tests.
#pragma once

#include <cstddef>
#include <functional>
#include <vector>

#include "scatkit/scattering2d.hpp"

namespace scatkit {
namespace detail {

/// Squared radius of the disc outside which the Gabor envelope with this sigma and slant is
/// skipped (its Gaussian factor is below the cutoff there).
double gabor_cutoff_r2(double sigma, double slant);

/// Index maps that turn one level-0 wavelet into another exactly (they only move values).
enum class Derive {
  None,             ///< built from the formula
  MirrorCols,       ///< out(k, l) = src(k, -l): angle theta -> -theta
  QuarterTurn,      ///< out(k, l) = src(-l, k): angle theta -> theta - pi/2 (square grids)
  QuarterTurnBack,  ///< out(k, l) = src(l, -k): angle theta -> theta + pi/2 (square grids)
};

/// How wavelet n is obtained: from the formula (src < 0), or from wavelet src (same scale) by op.
struct Derivation {
  int src = -1;
  Derive op = Derive::None;
};

/// For each wavelet n = j*L + t of a P x Q grid, how make_filter_bank() builds it: wavelets are
/// derived only where the result equals the formula's to rounding, and never when allow is
/// false. Following src links from any wavelet ends at one built from the formula.
std::vector<Derivation> derivations(long P, long Q, int J, int L, bool allow);

/// out (P x Q) = op applied to the level-0 filter f (P x Q); P == Q for the quarter turns.
void derive_filter(const double* f, double* out, long P, long Q, Derive op);

/// Receives filter n with its levels: n < J*L is wavelet n (levels as FilterBank::psi[n]),
/// n == J*L the low-pass (levels as FilterBank::phi). Called from the construction threads,
/// concurrently for different n; it may keep or release the levels.
using FilterSink = std::function<void(int n, std::vector<std::vector<double>>& levels)>;

/// Builds the filters of make_filter_bank() and hands each to sink as soon as it (with the
/// wavelets derived from it) is complete, so the whole double-precision bank never needs to
/// exist at once.
void make_filters(std::size_t padded_rows, std::size_t padded_cols, int J, int L, int threads,
                  const FilterSink& sink, bool symmetries = true, bool split_ffts = true);

/// make_filter_bank(), optionally without the symmetries (every wavelet from the formula); its
/// FFTs follow the environment's default (SCATKIT_FFT), as Config::engine.fft = Auto does.
FilterBank make_filter_bank(std::size_t padded_rows, std::size_t padded_cols, int J, int L,
                            int threads, bool symmetries);

}  // namespace detail
}  // namespace scatkit
