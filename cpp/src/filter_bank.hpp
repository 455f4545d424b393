// Filter construction one filter at a time, for engines that convert each filter as it comes.
#pragma once

#include <cstddef>
#include <functional>
#include <vector>

namespace scatkit {
namespace detail {

/// Receives filter n with its levels: n < J*L is wavelet n (levels as FilterBank::psi[n]),
/// n == J*L the low-pass (levels as FilterBank::phi). Called from the construction threads,
/// concurrently for different n; it may keep or release the levels.
using FilterSink = std::function<void(int n, std::vector<std::vector<double>>& levels)>;

/// Builds the filters of make_filter_bank() and hands each to sink as soon as it is complete,
/// so the whole double-precision bank never needs to exist at once.
void make_filters(std::size_t padded_rows, std::size_t padded_cols, int J, int L, int threads,
                  const FilterSink& sink);

}  // namespace detail
}  // namespace scatkit
