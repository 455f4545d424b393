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
///
/// Written for plan construction speed: the peak and the threshold loops vectorise, and each
/// row is then scanned in blocks of kBlock values, element by element only in blocks that mix
/// zeros and non-zeros.
template <class T>
std::vector<RowSpans> sparsify_rows(std::vector<T>& f, long rows, long cols) {
  constexpr long kBlock = 16;
  // Peak |f| with kBlock independent maxima (x > m ? x : m is exactly one SIMD max).
  T acc[kBlock] = {};
  const long n = static_cast<long>(f.size()), nb = n - n % kBlock;
  T* data = f.data();
  for (long i = 0; i < nb; i += kBlock)
    for (long k = 0; k < kBlock; ++k) {
      const T a = std::abs(data[i + k]);
      acc[k] = a > acc[k] ? a : acc[k];
    }
  T peak = 0;
  for (long k = 0; k < kBlock; ++k) peak = std::max(peak, acc[k]);
  for (long i = nb; i < n; ++i) peak = std::max(peak, static_cast<T>(std::abs(data[i])));
  const T thr = static_cast<T>(static_cast<double>(peak) * filter_drop_relative<T>());
  std::vector<RowSpans> spans(static_cast<size_t>(rows));
  for (long r = 0; r < rows; ++r) {
    T* row = data + r * cols;
    for (long i = 0; i < cols; ++i) row[i] = std::abs(row[i]) < thr ? T(0) : row[i];
    // The support is the complement of the longest circular run of zeros, i.e. of the largest
    // gap between consecutive non-zeros (the wrap-around gap included).
    long first = -1, last = -1, gap_after = -1, best_gap = 0;
    auto nonzero_at = [&](long i) {
      if (first < 0) first = i;
      if (last >= 0 && i - last - 1 > best_gap) {
        best_gap = i - last - 1;
        gap_after = last;
      }
      last = i;
    };
    for (long i = 0; i < cols; i += kBlock) {
      if (i + kBlock <= cols) {
        long count = 0;
        for (long k = 0; k < kBlock; ++k) count += row[i + k] != 0 ? 1 : 0;
        if (count == 0) continue;
        if (count == kBlock) {  // consecutive non-zeros: only the first can end a gap
          nonzero_at(i);
          last = i + kBlock - 1;
          continue;
        }
      }
      for (long k = i; k < std::min(cols, i + kBlock); ++k)
        if (row[k] != 0) nonzero_at(k);
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
