// sparsify_rows (support.hpp) against a plain element-by-element version of the same rule:
// values below the relative threshold become zero, and each row's spans are the smallest
// circular interval holding its non-zeros (ties: the wrap-around gap, then the first gap).
#include <algorithm>
#include <cmath>
#include <vector>

#include "check.hpp"
#include "naive.hpp"
#include "support.hpp"

using scatkit::detail::RowSpans;

namespace {

template <class T>
std::vector<RowSpans> reference_sparsify(std::vector<T>& f, long rows, long cols) {
  T peak = 0;
  for (const T v : f) peak = std::max(peak, static_cast<T>(std::abs(v)));
  const T thr =
      static_cast<T>(static_cast<double>(peak) * scatkit::detail::filter_drop_relative<T>());
  for (T& v : f)
    if (std::abs(v) < thr) v = 0;
  std::vector<RowSpans> spans(static_cast<size_t>(rows));
  for (long r = 0; r < rows; ++r) {
    const T* row = f.data() + r * cols;
    std::vector<long> nz;
    for (long i = 0; i < cols; ++i)
      if (row[i] != 0) nz.push_back(i);
    if (nz.empty()) continue;
    // Gap after each non-zero (to the next one, circularly); the last one's gap wraps around.
    long best = -1, best_len = -1;
    for (size_t k = 0; k + 1 < nz.size(); ++k) {
      const long len = nz[k + 1] - nz[k] - 1;
      if (len > best_len) best_len = len, best = static_cast<long>(k);
    }
    const long wrap = cols - 1 - nz.back() + nz.front();
    RowSpans& s = spans[static_cast<size_t>(r)];
    s.lo0 = static_cast<int>(nz.front());
    if (best < 0 || wrap >= best_len) {
      s.hi0 = static_cast<int>(nz.back() + 1);
    } else {
      s.hi0 = static_cast<int>(nz[static_cast<size_t>(best)] + 1);
      s.lo1 = static_cast<int>(nz[static_cast<size_t>(best) + 1]);
      s.hi1 = static_cast<int>(nz.back() + 1);
    }
  }
  return spans;
}

// Rows of runs of zeros, tiny values (below the threshold), and ordinary values, of random
// lengths from 1 to 40 (so runs start and end anywhere relative to the 16-value blocks).
template <class T>
std::vector<T> random_filter(long rows, long cols, std::uint64_t seed) {
  scatkit_test::Rng rng(seed);
  std::vector<T> f(static_cast<size_t>(rows * cols));
  const double tiny = scatkit::detail::filter_drop_relative<T>();
  size_t i = 0;
  while (i < f.size()) {
    const int kind = static_cast<int>(3 * (rng.next() + 1) / 2);  // 0, 1 or 2
    const size_t len = 1 + static_cast<size_t>(20 * (rng.next() + 1));
    for (size_t k = 0; k < len && i < f.size(); ++k, ++i) {
      const double u = rng.next();
      f[i] = kind == 0 ? T(0) : static_cast<T>(kind == 1 ? u * tiny : u);
    }
  }
  if (!f.empty()) f[f.size() / 2] = T(2);  // a known peak
  return f;
}

template <class T>
bool same(const std::vector<RowSpans>& a, const std::vector<RowSpans>& b) {
  if (a.size() != b.size()) return false;
  for (size_t r = 0; r < a.size(); ++r)
    if (a[r].lo0 != b[r].lo0 || a[r].hi0 != b[r].hi0 || a[r].lo1 != b[r].lo1 ||
        a[r].hi1 != b[r].hi1)
      return false;
  return true;
}

template <class T>
void check_against_reference(std::vector<T> f, long rows, long cols, const char* what) {
  std::vector<T> g = f;
  const auto want = reference_sparsify(f, rows, cols);
  const auto got = scatkit::detail::sparsify_rows(g, rows, cols);
  const bool spans_ok = CHECK(same<T>(got, want));  // both checks run, each reports
  const bool values_ok = CHECK(f == g);
  const bool ok = spans_ok && values_ok;
  if (!ok) std::fprintf(stderr, "  %s rows=%ld cols=%ld\n", what, rows, cols);
}

template <class T>
void run_all() {
  const long widths[] = {1, 2, 7, 15, 16, 17, 31, 32, 33, 48, 100, 257};
  std::uint64_t seed = 1;
  for (const long cols : widths)
    for (const long rows : {1L, 5L, 23L}) {
      check_against_reference(random_filter<T>(rows, cols, seed++), rows, cols, "random");
      // One non-zero anywhere in a row, e.g. at either end.
      for (long at : {0L, cols / 2, cols - 1}) {
        std::vector<T> f(static_cast<size_t>(rows * cols), T(0));
        for (long r = 0; r < rows; ++r) f[static_cast<size_t>(r * cols + at)] = T(-1);
        check_against_reference(f, rows, cols, "single");
      }
      // A support wrapping around column 0, and a full row.
      std::vector<T> w(static_cast<size_t>(rows * cols), T(0)), full(w.size(), T(0.5));
      for (long r = 0; r < rows; ++r)
        for (long c = 0; c < cols; ++c)
          if (c < cols / 4 + 1 || c >= cols - cols / 3) w[static_cast<size_t>(r * cols + c)] = T(1);
      check_against_reference(w, rows, cols, "wrap");
      check_against_reference(full, rows, cols, "full");
    }
  // All zero (peak 0: nothing is dropped), and negative zeros.
  check_against_reference(std::vector<T>(64, T(0)), 2, 32, "zero");
  check_against_reference(std::vector<T>(64, T(-0.0)), 4, 16, "negative zero");
}

}  // namespace

TEST_CASE(sparsify_rows_float_matches_reference) { run_all<float>(); }

TEST_CASE(sparsify_rows_double_matches_reference) { run_all<double>(); }

SCATKIT_TEST_MAIN()
