// Where a Fourier filter is non-zero, row by row, so products and folds skip the rest.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

namespace scatkit {
namespace detail {

/// Wavelet Fourier values below this fraction of the filter's peak are set to zero by the
/// engines: 1e-9 in float32 and 1e-16 in float64, each far below the rounding of its precision
/// (float32 outputs move by ~1e-10 relative, float64 by ~1e-17; measured against the reference
/// in tests/python/test_engine.py). In exchange each wavelet keeps only its pass band and the
/// second-order products touch a fraction of the grid.
template <class T>
constexpr double filter_drop_relative() {
  return sizeof(T) == 4 ? 1e-9 : 1e-16;
}

/// Non-zero columns of one filter row: up to two half-open column ranges, in increasing order.
struct RowSpans {
  int lo0 = 0, hi0 = 0;  ///< first range [lo0, hi0)
  int lo1 = 0, hi1 = 0;  ///< second range [lo1, hi1), empty when lo1 == hi1
};

/// Zeroes the values of f (rows x cols) below filter_drop_relative<T>() of its peak and
/// returns, for each row, the smallest circular column interval holding all its non-zeros,
/// split into at most two linear ranges.
template <class T>
std::vector<RowSpans> sparsify_rows(std::vector<T>& f, long rows, long cols) {
  T peak = 0;
  for (const T v : f) peak = std::max(peak, static_cast<T>(std::abs(v)));
  const T thr = static_cast<T>(static_cast<double>(peak) * filter_drop_relative<T>());
  for (T& v : f)
    if (std::abs(v) < thr) v = 0;
  std::vector<RowSpans> spans(static_cast<size_t>(rows));
  for (long r = 0; r < rows; ++r) {
    const T* row = f.data() + r * cols;
    // The support is the complement of the longest circular run of zeros, i.e. of the largest
    // gap between consecutive non-zeros (the wrap-around gap included).
    long first = -1, last = -1, prev = -1, gap_after = -1, best_gap = 0;
    for (long i = 0; i < cols; ++i) {
      if (row[i] == 0) continue;
      if (first < 0) first = i;
      if (prev >= 0 && i - prev - 1 > best_gap) {
        best_gap = i - prev - 1;
        gap_after = prev;
      }
      prev = last = i;
    }
    RowSpans s;
    if (first >= 0) {
      const long wrap_gap = cols - 1 - last + first;
      if (wrap_gap >= best_gap) {  // support [first, last]
        s.lo0 = static_cast<int>(first);
        s.hi0 = static_cast<int>(last + 1);
      } else {  // the largest gap is inside: [first, gap_after] and [after the gap, last]
        s.lo0 = static_cast<int>(first);
        s.hi0 = static_cast<int>(gap_after + 1);
        s.lo1 = static_cast<int>(gap_after + best_gap + 1);
        s.hi1 = static_cast<int>(last + 1);
      }
    }
    spans[static_cast<size_t>(r)] = s;
  }
  return spans;
}

}  // namespace detail
}  // namespace scatkit
