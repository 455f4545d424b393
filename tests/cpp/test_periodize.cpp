// Fourier-domain helpers of detail/elementwise.hpp (shared with the CUDA kernels) against naive
// loops and a naive DFT: periodisation is spatial subsampling, the half-spectrum accessors agree
// with the full spectrum, and the level fold follows the SPEC's mask-and-sum rule.
#include <algorithm>
#include <complex>
#include <vector>

#include "check.hpp"
#include "naive.hpp"
#include "scatkit/detail/elementwise.hpp"

using scatkit::detail::Complex;
using scatkit_test::cplx;
using scatkit_test::dft2;
using scatkit_test::Rng;

namespace {

template <class T>
std::vector<Complex<T>> to_complex(const std::vector<cplx>& v) {
  std::vector<Complex<T>> out(v.size());
  for (size_t i = 0; i < v.size(); ++i)
    out[i] = Complex<T>{static_cast<T>(v[i].real()), static_cast<T>(v[i].imag())};
  return out;
}

std::vector<cplx> random_grid(long P, long Q, bool real, std::uint64_t seed) {
  Rng rng(seed);
  std::vector<cplx> v(static_cast<size_t>(P * Q));
  for (auto& z : v) {
    const double re = rng.next();
    z = cplx(re, real ? 0.0 : rng.next());
  }
  return v;
}

std::vector<double> random_real(long P, long Q, std::uint64_t seed) {
  return scatkit_test::random_values<double>(static_cast<size_t>(P * Q), seed);
}

// A real filter that is even on the grid, f(m, n) = f(-m, -n): g plus its point mirror, so
// its spectrum is real and the product with a Hermitian spectrum stays Hermitian.
std::vector<double> random_even_real(long P, long Q, std::uint64_t seed) {
  const auto g = random_real(P, Q, seed);
  std::vector<double> f(g.size());
  for (long m = 0; m < P; ++m)
    for (long n = 0; n < Q; ++n)
      f[static_cast<size_t>(m * Q + n)] = g[static_cast<size_t>(m * Q + n)] +
                                          g[static_cast<size_t>(((P - m) % P) * Q + (Q - n) % Q)];
  return f;
}

// The first Q/2+1 columns of a full spectrum: FFTW's r2c layout.
std::vector<cplx> half_of(const std::vector<cplx>& X, long P, long Q) {
  const long hq = Q / 2 + 1;
  std::vector<cplx> h(static_cast<size_t>(P * hq));
  for (long r = 0; r < P; ++r)
    for (long c = 0; c < hq; ++c)
      h[static_cast<size_t>(r * hq + c)] = X[static_cast<size_t>(r * Q + c)];
  return h;
}

double max_abs(const std::vector<cplx>& v) {
  double m = 0;
  for (const auto& z : v) m = std::max(m, std::abs(z));
  return m;
}

// Periodisation of X*f by the SPEC's definition (without the 1/k^2 of the mean).
cplx naive_periodize(const std::vector<cplx>& X, const std::vector<double>& f, long P, long Q,
                     long k, long a, long b) {
  cplx s(0, 0);
  for (long m = 0; m < P; ++m)
    for (long n = 0; n < Q; ++n)
      if (m % (P / k) == a && n % (Q / k) == b)
        s += X[static_cast<size_t>(m * Q + n)] * f[static_cast<size_t>(m * Q + n)];
  return s;
}

template <class T>
void check_subsampling_identity(long P, long Q, double tol) {
  const auto x = random_grid(P, Q, false, 11);
  const auto X = dft2(x, P, Q, false);
  const auto f = random_real(P, Q, 12);
  const auto Xt = to_complex<T>(X);
  std::vector<T> ft(f.begin(), f.end());
  std::vector<cplx> Y(X.size());
  for (size_t i = 0; i < X.size(); ++i) Y[i] = X[i] * f[i];
  const auto y = dft2(Y, P, Q, true);  // the full-resolution band-pass map
  const double scale = max_abs(y);
  for (long k : {1L, 2L, 4L}) {
    if (P % k || Q % k) continue;
    const long Pk = P / k, Qk = Q / k;
    std::vector<cplx> Z(static_cast<size_t>(Pk * Qk));
    for (long a = 0; a < Pk; ++a)
      for (long b = 0; b < Qk; ++b) {
        const auto z = scatkit::detail::product_periodize(Xt.data(), ft.data(), P, Q, k, a, b);
        const cplx zc(static_cast<double>(z.re), static_cast<double>(z.im));
        const cplx want = naive_periodize(X, f, P, Q, k, a, b);
        CHECK(std::abs(zc - want) <= tol * max_abs(X) * k * k);
        Z[static_cast<size_t>(a * Qk + b)] = zc / static_cast<double>(k * k);
      }
    // Periodising in Fourier is subsampling in space: ifft(Z) == y[k*i, k*j].
    const auto z = dft2(Z, Pk, Qk, true);
    double err = 0;
    for (long i = 0; i < Pk; ++i)
      for (long j = 0; j < Qk; ++j)
        err = std::max(err, std::abs(z[static_cast<size_t>(i * Qk + j)] -
                                     y[static_cast<size_t>(k * i * Q + k * j)]));
    if (!CHECK(err <= tol * scale))
      std::fprintf(stderr, "  P=%ld Q=%ld k=%ld err=%g scale=%g\n", P, Q, k, err, scale);
  }
}

}  // namespace

TEST_CASE(hermitian_at_reconstructs_full_spectrum) {
  const long sizes[][2] = {{8, 12}, {5, 7}, {6, 5}, {1, 4}, {4, 1}};
  for (const auto& s : sizes) {
    const long P = s[0], Q = s[1];
    const auto X = dft2(random_grid(P, Q, true, 3), P, Q, false);
    const auto half = to_complex<double>(half_of(X, P, Q));
    for (long r = 0; r < P; ++r)
      for (long c = 0; c < Q; ++c) {
        const auto v = scatkit::detail::hermitian_at(half.data(), P, Q, r, c);
        const cplx want = X[static_cast<size_t>(r * Q + c)];
        if (!CHECK(std::abs(cplx(v.re, v.im) - want) <= 1e-12 * max_abs(X)))
          std::fprintf(stderr, "  P=%ld Q=%ld r=%ld c=%ld\n", P, Q, r, c);
      }
  }
}

TEST_CASE(product_periodize_is_spatial_subsampling_double) {
  check_subsampling_identity<double>(8, 12, 1e-12);
  check_subsampling_identity<double>(12, 8, 1e-12);
}

TEST_CASE(product_periodize_is_spatial_subsampling_float) {
  check_subsampling_identity<float>(8, 12, 1e-5);
}

TEST_CASE(product_periodize_half_matches_full) {
  // A Hermitian input (spectrum of a real map) and a real, even filter: the result is the
  // spectrum of a real coarse map, so its half spectrum is all the low-pass branch needs.
  const long P = 8, Q = 12;
  const auto X = dft2(random_grid(P, Q, true, 5), P, Q, false);
  const auto half = to_complex<double>(half_of(X, P, Q));
  const auto Xt = to_complex<double>(X);
  const auto f = random_even_real(P, Q, 6);
  const double tol = 1e-12 * max_abs(X);
  for (long k : {1L, 2L, 4L}) {
    const long Pk = P / k, Qk = Q / k;
    std::vector<cplx> Z(static_cast<size_t>(Pk * Qk));
    for (long a = 0; a < Pk; ++a)
      for (long b = 0; b < Qk; ++b) {
        const auto z = scatkit::detail::product_periodize(Xt.data(), f.data(), P, Q, k, a, b);
        Z[static_cast<size_t>(a * Qk + b)] = cplx(z.re, z.im);
      }
    for (long a = 0; a < Pk; ++a)
      for (long b = 0; b <= Qk / 2; ++b) {
        const auto h =
            scatkit::detail::product_periodize_half(half.data(), f.data(), P, Q, k, a, b);
        CHECK(std::abs(cplx(h.re, h.im) - Z[static_cast<size_t>(a * Qk + b)]) <= tol);
      }
    // The folded product is itself Hermitian, hence a real map in space.
    for (long a = 0; a < Pk; ++a)
      for (long b = 0; b < Qk; ++b) {
        const cplx m = std::conj(Z[static_cast<size_t>(((Pk - a) % Pk) * Qk + (Qk - b) % Qk)]);
        CHECK(std::abs(Z[static_cast<size_t>(a * Qk + b)] - m) <= tol * k * k);
      }
  }
}

TEST_CASE(low_pass_row_then_column_fold_matches_half_periodisation) {
  // The CPU low-pass branch: product and fold along rows on the stored half, then the column
  // fold from fold_half_columns_source's table (Hermitian mirror for the columns past Q/2).
  // Odd coarse widths too.
  const long P = 8, Q = 12, hq = Q / 2 + 1;
  const auto half =
      to_complex<double>(half_of(dft2(random_grid(P, Q, true, 7), P, Q, false), P, Q));
  const auto f = random_even_real(P, Q, 8);
  for (long k : {1L, 2L, 4L}) {
    const long Pk = P / k, Qk = Q / k, hk = Qk / 2 + 1;
    std::vector<Complex<double>> Z(static_cast<size_t>(Pk * hq), Complex<double>{0, 0});
    for (long r = 0; r < P; ++r)
      for (long c = 0; c < hq; ++c) {
        const auto v = half[static_cast<size_t>(r * hq + c)];
        const double w = f[static_cast<size_t>(r * Q + c)];
        auto& z = Z[static_cast<size_t>((r % Pk) * hq + c)];
        z.re += v.re * w;
        z.im += v.im * w;
      }
    std::vector<int> idx;
    std::vector<double> sign;
    for (long q = 0; q < k; ++q)
      for (long a = 0; a < Pk; ++a)
        for (long b = 0; b < hk; ++b) {
          int conj = 0;
          idx.push_back(static_cast<int>(
              scatkit::detail::fold_half_columns_source(Pk, Q, Qk, a, b, q, &conj)));
          sign.push_back(conj);
        }
    std::vector<Complex<double>> out(static_cast<size_t>(Pk * hk));
    scatkit::detail::fold_columns_gather(Z.data(), idx.data(), sign.data(), k, Pk * hk, out.data());
    for (long a = 0; a < Pk; ++a)
      for (long b = 0; b < hk; ++b) {
        const auto h =
            scatkit::detail::product_periodize_half(half.data(), f.data(), P, Q, k, a, b);
        const auto z = out[static_cast<size_t>(a * hk + b)];
        CHECK(std::abs(cplx(h.re - z.re, h.im - z.im)) <= 1e-12);
      }
  }
}

TEST_CASE(fold_filter_follows_mask_and_sum_rule) {
  const long P = 16, Q = 24;
  const auto f = random_real(P, Q, 9);
  for (int r = 0; r <= 3; ++r) {
    const long Pr = P >> r, Qr = Q >> r;
    // SPEC: keep k < P/2^(r+1) or k >= P - P/2^(r+1) on each axis, then add k into k mod P/2^r.
    auto keep = [r](long k, long n) {
      const long h = n >> (r + 1);
      return k < h || k >= n - h;
    };
    std::vector<double> want(static_cast<size_t>(Pr * Qr), 0.0);
    for (long m = 0; m < P; ++m)
      for (long n = 0; n < Q; ++n)
        if (keep(m, P) && keep(n, Q))
          want[static_cast<size_t>((m % Pr) * Qr + n % Qr)] += f[static_cast<size_t>(m * Q + n)];
    for (long a = 0; a < Pr; ++a)
      for (long b = 0; b < Qr; ++b) {
        const double got = scatkit::detail::fold_filter(f.data(), P, Q, r, a, b);
        if (!CHECK_NEAR(got, want[static_cast<size_t>(a * Qr + b)], 1e-14))
          std::fprintf(stderr, "  r=%d a=%ld b=%ld\n", r, a, b);
      }
  }
}

TEST_CASE(fold_filter_level0_is_identity_in_float) {
  const long P = 8, Q = 4;
  const auto d = random_real(P, Q, 10);
  const std::vector<float> f(d.begin(), d.end());
  for (long a = 0; a < P; ++a)
    for (long b = 0; b < Q; ++b)
      CHECK_EQ(scatkit::detail::fold_filter(f.data(), P, Q, 0, a, b),
               f[static_cast<size_t>(a * Q + b)]);
}

TEST_CASE(modulus_values) {
  using scatkit::detail::modulus;
  CHECK_EQ(modulus(Complex<double>{3.0, -4.0}), 5.0);
  CHECK_EQ(modulus(Complex<double>{-5.0, 12.0}), 13.0);
  CHECK_EQ(modulus(Complex<float>{-3.0f, 4.0f}), 5.0f);
  CHECK_EQ(modulus(Complex<double>{0.0, 0.0}), 0.0);
  CHECK_EQ(modulus(Complex<float>{0.0f, -2.5f}), 2.5f);
  Rng rng(21);
  for (int i = 0; i < 100; ++i) {
    const double re = rng.next() * 1e3, im = rng.next() * 1e-3;
    const double want = std::abs(cplx(re, im));
    CHECK_NEAR(modulus(Complex<double>{re, im}), want, 1e-15 * want);
  }
}

TEST_CASE(crop_drops_one_border_pixel) {
  // crop(Y) = Y[1:-1, 1:-1]: each interior pixel exactly once, in row-major order.
  const long sizes[][2] = {{3, 3}, {4, 7}, {6, 5}};
  for (const auto& s : sizes) {
    const long P = s[0], Q = s[1];
    std::vector<long> got;
    for (long i = 0; i < P - 2; ++i)
      for (long j = 0; j < Q - 2; ++j) got.push_back(scatkit::detail::crop_source_index(Q, i, j));
    std::vector<long> want;
    for (long r = 1; r < P - 1; ++r)
      for (long c = 1; c < Q - 1; ++c) want.push_back(r * Q + c);
    CHECK(got == want);
  }
}

SCATKIT_TEST_MAIN()
