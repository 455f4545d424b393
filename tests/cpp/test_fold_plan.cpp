// The CPU engine's folds alone (cpu/fold_plan.hpp): FoldLayout's block permutation and padding,
// and FoldPlan (gathered and streamed orders, one to kFoldSources aliases per pass) against
// product_periodize, the elementwise definition, value for value.
#include <cmath>
#include <random>
#include <vector>

#include "check.hpp"
#include "cpu/fold_plan.hpp"

using scatkit::detail::Complex;
using scatkit::detail::FoldLayout;
using scatkit::detail::FoldPlan;
using scatkit::detail::product_periodize;
using scatkit::detail::RowSpans;
using scatkit::detail::sparsify_rows;

namespace {

template <class T>
void check_layout() {
  using Lay = FoldLayout<T>;
  for (long n = 0; n <= 3 * Lay::kReals + Lay::kComplex + 3; ++n) {
    std::vector<T> f(static_cast<size_t>(n)), out;
    for (long i = 0; i < n; ++i) f[static_cast<size_t>(i)] = static_cast<T>(i + 1);
    Lay::append(f.data(), n, out);
    CHECK_EQ(static_cast<long>(out.size()), Lay::stored(n));
    // Whole blocks permuted by slot(), then a padded half block, then the rest in order.
    long b = 0;
    for (; b + Lay::kReals <= n; b += Lay::kReals)
      for (int m = 0; m < Lay::kReals; ++m) CHECK_EQ(out[b + Lay::slot(m)], f[b + m]);
    long o = b;
    if (Lay::stored(n) > n) {
      for (int m = 0; m < Lay::kComplex; ++m) CHECK_EQ(out[o + Lay::slot(m)], f[b + m]);
      o += Lay::kReals;
      b += Lay::kComplex;
    }
    for (; b < n; ++b, ++o) CHECK_EQ(out[o], f[b]);
  }
}

// A filter of rows x cols that is zero outside a band around (r0, c0), wrapping around the grid
// like a wavelet's pass band, with its spans.
template <class T>
std::vector<T> band_filter(long rows, long cols, long r0, long c0, double width,
                           std::vector<RowSpans>& spans) {
  std::vector<T> f(static_cast<size_t>(rows * cols));
  for (long r = 0; r < rows; ++r)
    for (long c = 0; c < cols; ++c) {
      const double dr = static_cast<double>((r - r0 + rows + rows / 2) % rows - rows / 2);
      const double dc = static_cast<double>((c - c0 + cols + cols / 2) % cols - cols / 2);
      const double g = std::exp(-(dr * dr + dc * dc) / (2 * width * width));
      f[static_cast<size_t>(r * cols + c)] = g > 1e-6 ? static_cast<T>(g) : T(0);
    }
  spans = sparsify_rows(f, rows, cols);
  return f;
}

template <class T>
void check_fold(long rows, long cols, long k, bool gather) {
  std::vector<RowSpans> spans;
  const std::vector<T> f = band_filter<T>(rows, cols, rows / 3, cols - 2, rows / 6.0, spans);
  std::mt19937 g(static_cast<unsigned>(rows * 7 + cols + k));
  std::uniform_real_distribution<double> u(-1, 1);
  std::vector<Complex<T>> src(static_cast<size_t>(rows * cols));
  for (auto& v : src) v = Complex<T>{static_cast<T>(u(g)), static_cast<T>(u(g))};
  const long dr = rows / k, dc = cols / k;
  const FoldPlan<T> fp = FoldPlan<T>::make(f.data(), rows, cols, spans, cols, dr, dc, gather);
  // NaN everywhere first: the plan must write every destination element.
  std::vector<Complex<T>> y(static_cast<size_t>(dr * dc), Complex<T>{T(NAN), T(NAN)});
  fp.apply(src.data(), y.data());
  long bad = 0;
  for (long a = 0; a < dr; ++a)
    for (long b = 0; b < dc; ++b) {
      const Complex<T> want = product_periodize(src.data(), f.data(), rows, cols, k, a, b);
      const Complex<T> got = y[static_cast<size_t>(a * dc + b)];
      // == : the same bits, except that an all-zero sum may come out as -0 (gathered order).
      bad += !(got.re == want.re && got.im == want.im);
    }
  CHECK_EQ(bad, 0L);
  CHECK(fp.bytes() > 0);
}

}  // namespace

TEST_CASE(fold_layout_float) { check_layout<float>(); }
TEST_CASE(fold_layout_double) { check_layout<double>(); }

TEST_CASE(fold_plan_matches_product_periodize) {
  // Small sources (gathered when allowed) and one past kGatherFoldBytes (always streamed), folds
  // by 1, 2, 4 and 8 (up to 64 aliases, several passes of kFoldSources), odd destination sizes.
  const long shapes[][2] = {{24, 40}, {40, 24}, {48, 56}, {136, 136}};
  for (const auto& s : shapes)
    for (long k : {1L, 2L, 4L, 8L}) {
      if (s[0] % k || s[1] % k) continue;
      for (bool gather : {true, false}) {
        check_fold<float>(s[0], s[1], k, gather);
        check_fold<double>(s[0], s[1], k, gather);
      }
    }
}

SCATKIT_TEST_MAIN()
