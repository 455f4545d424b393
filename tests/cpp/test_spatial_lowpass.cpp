// The spatial low-pass (cpu/spatial_lowpass.hpp) against a direct double-precision sum over the
// whole circular kernel: compact kernels that wrap around the edges and whole-grid kernels,
// sides shorter and longer than a vector with every remainder, one to many output lines,
// float and double; plus the separability split and the axis impulse response.
#include <cmath>
#include <complex>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "check.hpp"
#include "cpu/spatial_lowpass.hpp"

using scatkit::detail::axis_impulse_response;
using scatkit::detail::SpatialLowpass;
using scatkit::detail::split_separable;

#define SK_EXPECT(cond, msg) ::scatkit_test::record((cond), __FILE__, __LINE__, (msg))

namespace {

// A circular kernel of length n: a Gaussian of width sigma around 0, plus `ripple` times a
// slowly decaying oscillation over the whole axis (as when a level's band cuts phi).
std::vector<double> kernel(long n, double sigma, double ripple) {
  std::vector<double> h(static_cast<size_t>(n));
  for (long x = 0; x < n; ++x) {
    const double d = static_cast<double>(std::min(x, n - x));
    h[static_cast<size_t>(x)] =
        std::exp(-d * d / (2 * sigma * sigma)) + ripple * std::cos(2.9 * d) / (1.0 + d);
  }
  return h;
}

// out[i][c] = sum_x sum_y a[(k(i+1) - x) mod P] b[(k(c+1) - y) mod Q] u[x][y], in double.
std::vector<double> direct(const std::vector<double>& a, const std::vector<double>& b, long k,
                           long orows, long ocols, const std::vector<double>& u) {
  const long P = static_cast<long>(a.size()), Q = static_cast<long>(b.size());
  std::vector<double> out(static_cast<size_t>(orows * ocols));
  for (long i = 0; i < orows; ++i)
    for (long c = 0; c < ocols; ++c) {
      double s = 0;
      for (long x = 0; x < P; ++x)
        for (long y = 0; y < Q; ++y)
          s += a[static_cast<size_t>(((k * (i + 1) - x) % P + P) % P)] *
               b[static_cast<size_t>(((k * (c + 1) - y) % Q + Q) % Q)] *
               u[static_cast<size_t>(x * Q + y)];
      out[static_cast<size_t>(i * ocols + c)] = s;
    }
  return out;
}

template <class T>
void check_case(long P, long Q, long k, long orows, long ocols, double sigma, double ripple,
                double tol) {
  const std::vector<double> a = kernel(P, sigma, ripple), b = kernel(Q, 0.7 * sigma, ripple);
  std::mt19937 rng(static_cast<unsigned>(P * 1000 + Q * 10 + k));
  std::uniform_real_distribution<double> dist(-1.0, 1.0);
  std::vector<double> u(static_cast<size_t>(P * Q));
  for (double& v : u) v = dist(rng);
  const double eps = sizeof(T) == 4 ? 1e-9 : 1e-16;
  const SpatialLowpass<T> s = SpatialLowpass<T>::make(a, b, k, orows, ocols, eps);
  // Scratch and output with guard values behind them: nothing may be written past the end.
  const T guard = T(12345.0);
  const size_t ns = SpatialLowpass<T>::scratch_size(orows, Q, ocols);
  std::vector<T> ut(u.begin(), u.end()), scratch(ns + 64, guard),
      out(static_cast<size_t>(orows * ocols) + 64, guard);
  s.apply(ut.data(), scratch.data(), out.data());
  const std::vector<double> want = direct(a, b, k, orows, ocols, u);
  double num = 0, den = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    num = std::max(num, std::abs(static_cast<double>(out[i]) - want[i]));
    den = std::max(den, std::abs(want[i]));
  }
  bool guards = true;
  for (size_t i = ns; i < scratch.size(); ++i) guards = guards && scratch[i] == guard;
  for (size_t i = want.size(); i < out.size(); ++i) guards = guards && out[i] == guard;
  const std::string what = std::string(sizeof(T) == 4 ? "float" : "double") +
                           " P=" + std::to_string(P) + " Q=" + std::to_string(Q) +
                           " k=" + std::to_string(k) + " out " + std::to_string(orows) + "x" +
                           std::to_string(ocols) + (ripple > 0 ? " whole-grid" : " compact");
  SK_EXPECT(num <= tol * den, what + ": max error " + std::to_string(num / den));
  SK_EXPECT(guards, what + ": wrote past the scratch or the output");
  SK_EXPECT(
      SpatialLowpass<T>::estimate_multiply_adds(a, b, k, orows, ocols, eps) == s.multiply_adds(),
      what + ": the cost estimate matches the built plan");
}

template <class T>
void check_all(double tol) {
  // Sides from below one vector to several, with every remainder modulo two vectors.
  for (long n : {3L, 5L, 8L, 9L, 12L, 16L, 17L, 20L, 23L, 24L, 31L, 34L, 40L, 68L})
    for (long k : {1L, 2L, 4L}) {
      if (n / k < 3) continue;
      const long o = n / k - 2;  // the engine's crop: the coarse side minus two
      for (double ripple : {0.0, 1e-3}) {
        check_case<T>(n, n + 3, k, o, o + (n + 3) / k - n / k, 1.3, ripple, tol);
        check_case<T>(n, 2 * n - 1, k, std::max(1L, o / 2), std::max(1L, o - 1), 2.5, ripple, tol);
      }
    }
}

}  // namespace

TEST_CASE(spatial_lowpass_float_matches_direct_sum) { check_all<float>(2e-6); }

TEST_CASE(spatial_lowpass_double_matches_direct_sum) { check_all<double>(1e-13); }

TEST_CASE(compact_kernels_keep_few_taps) {
  // A narrow Gaussian on a long axis keeps about its +-6.5 sigma taps per output line (plus the
  // shift between the lines of a group); a rippled one keeps every tap.
  const long n = 272, k = 8, o = n / k - 2;
  const auto compact =
      SpatialLowpass<float>::make(kernel(n, 3.2, 0), kernel(n, 3.2, 0), k, o, o, 1e-9);
  const auto whole =
      SpatialLowpass<float>::make(kernel(n, 3.2, 1e-3), kernel(n, 3.2, 1e-3), k, o, o, 1e-9);
  const size_t groups = static_cast<size_t>((o + 3) / 4);
  SK_EXPECT(compact.rows.src.size() <= groups * (2 * 22 + 1 + 3 * k), "compact taps");
  SK_EXPECT(whole.rows.src.size() == groups * static_cast<size_t>(n), "whole-grid taps");
  SK_EXPECT(compact.multiply_adds() * 3 < whole.multiply_adds(), "compact is cheaper");
}

TEST_CASE(separable_split_and_impulse_response) {
  const long P = 12, Q = 10;
  std::vector<double> A0(P), B0(Q), f(static_cast<size_t>(P * Q));
  for (long p = 0; p < P; ++p) A0[static_cast<size_t>(p)] = std::exp(-0.1 * std::min(p, P - p));
  for (long q = 0; q < Q; ++q) B0[static_cast<size_t>(q)] = std::exp(-0.2 * std::min(q, Q - q));
  for (long p = 0; p < P; ++p)
    for (long q = 0; q < Q; ++q)
      f[static_cast<size_t>(p * Q + q)] =
          3.0 * A0[static_cast<size_t>(p)] * B0[static_cast<size_t>(q)];
  std::vector<double> A, B;
  SK_EXPECT(split_separable(f, P, Q, 1e-12, &A, &B), "an outer product splits");
  double worst = 0;
  for (long p = 0; p < P; ++p)
    for (long q = 0; q < Q; ++q)
      worst = std::max(worst, std::abs(A[static_cast<size_t>(p)] * B[static_cast<size_t>(q)] -
                                       f[static_cast<size_t>(p * Q + q)]));
  SK_EXPECT(worst <= 1e-14, "the split reproduces the filter");
  std::vector<double> g = f;
  g[static_cast<size_t>(3 * Q + 4)] += 1e-6;
  SK_EXPECT(!split_separable(g, P, Q, 1e-12, &A, &B), "a non-separable filter is refused");
  std::vector<double> neg = f;
  for (double& v : neg) v = -v;
  SK_EXPECT(!split_separable(neg, P, Q, 1e-12, &A, &B), "a negative centre is refused");
  // The impulse response against the inverse DFT written out with complex exponentials.
  const std::vector<double> a = axis_impulse_response(A0);
  double err = 0;
  for (long x = 0; x < P; ++x) {
    std::complex<double> s = 0;
    for (long k = 0; k < P; ++k)
      s += A0[static_cast<size_t>(k)] *
           std::polar(1.0, 2 * 3.14159265358979323846 * static_cast<double>(k * x) / P);
    err = std::max(err, std::abs(s.real() / P - a[static_cast<size_t>(x)]));
  }
  SK_EXPECT(err <= 1e-15, "impulse response = real part of the inverse DFT");
}

SCATKIT_TEST_MAIN()
