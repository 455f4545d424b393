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
    // The support is the complement of the longest circular run of zeros.
    long best_len = 0, best_start = 0, run = 0, run_start = 0, nnz = 0;
    for (long i = 0; i < 2 * cols; ++i) {
      if (row[i % cols] == 0) {
        if (run == 0) run_start = i;
        if (++run > best_len && run <= cols) {
          best_len = run;
          best_start = run_start;
        }
      } else {
        run = 0;
        if (i < cols) ++nnz;
      }
    }
    RowSpans s;
    if (nnz == 0) {
      spans[static_cast<size_t>(r)] = s;
      continue;
    }
    const long start = (best_start + best_len) % cols;  // first non-zero after the gap
    const long len = cols - best_len;
    if (start + len <= cols) {
      s.lo0 = static_cast<int>(start);
      s.hi0 = static_cast<int>(start + len);
    } else {
      s.lo0 = 0;
      s.hi0 = static_cast<int>(start + len - cols);
      s.lo1 = static_cast<int>(start);
      s.hi1 = static_cast<int>(cols);
    }
    spans[static_cast<size_t>(r)] = s;
  }
  return spans;
}

}  // namespace detail
}  // namespace scatkit
