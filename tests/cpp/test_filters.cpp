// The filter bank (SPEC section 2) against closed forms and exact symmetries: zero-mean wavelets,
// the low-pass as a product of two 1D theta sums, a direct DFT of the Morlet formula, the level
// mask-and-fold rule, the peak frequency, and the rotation/reflection symmetries of the angles.
#include <algorithm>
#include <cmath>
#include <complex>
#include <vector>

#include "check.hpp"
#include "filter_bank.hpp"
#include "scatkit/scattering2d.hpp"

namespace {

const double kPi = std::acos(-1.0);

using Grid = std::vector<double>;

double at(const Grid& g, long Q, long k, long l) { return g[static_cast<size_t>(k * Q + l)]; }

long wrap(long k, long n) { return ((k % n) + n) % n; }

double max_abs(const Grid& g) {
  double m = 0;
  for (double v : g) m = std::max(m, std::fabs(v));
  return m;
}

// Level-r version of a level-0 filter, straight from the SPEC's wording.
Grid mask_and_fold(const Grid& f, long P, long Q, int r) {
  const long Pr = P >> r, Qr = Q >> r;
  auto keep = [r](long k, long n) { return k < (n >> (r + 1)) || k >= n - (n >> (r + 1)); };
  Grid out(static_cast<size_t>(Pr * Qr), 0.0);
  for (long k = 0; k < P; ++k)
    for (long l = 0; l < Q; ++l)
      if (keep(k, P) && keep(l, Q))
        out[static_cast<size_t>((k % Pr) * Qr + l % Qr)] += at(f, Q, k, l);
  return out;
}

// Fourier transform of the periodised 1D Gaussian exp(-u^2 / (2 sigma^2)) at bin k of an n-grid:
// the 5 tiles of the SPEC are the samples u in [-2n, 3n).
double gauss_1d_hat(long n, double sigma, long k) {
  double s = 0;
  for (long u = -2 * n; u < 3 * n; ++u)
    s += std::exp(-static_cast<double>(u * u) / (2 * sigma * sigma)) *
         std::cos(2 * kPi * static_cast<double>(wrap(k * u, n)) / static_cast<double>(n));
  return s;
}

// SPEC's Morlet wavelet n = j*L + t, transformed by the DFT definition over the 5x5 tiles (the
// periodisation and the DFT commute), real part only. Slow, for tiny grids.
Grid morlet_hat_direct(long P, long Q, int L, int n) {
  const int j = n / L, t = n % L;
  const double sigma = 0.8 * std::pow(2.0, j);
  const double theta = (static_cast<int>(L - L / 2.0 - 1) - t) * kPi / L;
  const double xi = 0.75 * kPi / std::pow(2.0, j);
  const double slant = 4.0 / L;
  const double c = std::cos(theta), s = std::sin(theta);
  const long nu = 25 * P * Q;
  std::vector<long> ux(static_cast<size_t>(nu)), uy(static_cast<size_t>(nu));
  std::vector<std::complex<double>> gabor(static_cast<size_t>(nu));
  std::vector<double> gauss(static_cast<size_t>(nu));
  std::complex<double> sum_gabor = 0;
  double sum_gauss = 0;
  long i = 0;
  for (long x = -2 * P; x < 3 * P; ++x)
    for (long y = -2 * Q; y < 3 * Q; ++y, ++i) {
      // u^T A u with A = R diag(1, slant^2) R^T / (2 sigma^2): rotate u into the wavelet frame.
      const double along = c * x + s * y, across = -s * x + c * y;
      const double quad = (along * along + slant * slant * across * across) / (2 * sigma * sigma);
      const double g = std::exp(-quad);
      ux[i] = x;
      uy[i] = y;
      gauss[i] = g;
      gabor[i] = g * std::polar(1.0, xi * along);
      sum_gabor += gabor[i];
      sum_gauss += g;
    }
  const std::complex<double> K = sum_gabor / sum_gauss;
  const double norm = 2 * 3.1415 * sigma * sigma / slant;
  Grid out(static_cast<size_t>(P * Q));
  for (long k = 0; k < P; ++k)
    for (long l = 0; l < Q; ++l) {
      std::complex<double> acc = 0;
      for (long m = 0; m < nu; ++m) {
        const double ph = 2 * kPi *
                          (static_cast<double>(wrap(k * ux[m], P)) / static_cast<double>(P) +
                           static_cast<double>(wrap(l * uy[m], Q)) / static_cast<double>(Q));
        acc += (gabor[m] - K * gauss[m]) * std::polar(1.0, -ph);
      }
      out[static_cast<size_t>(k * Q + l)] = acc.real() / norm;
    }
  return out;
}

// Relative max difference of two grids, scaled by the larger of their max magnitudes.
double rel_diff(const Grid& a, const Grid& b) {
  double d = 0;
  for (size_t i = 0; i < a.size(); ++i) d = std::max(d, std::fabs(a[i] - b[i]));
  return d / std::max(max_abs(a), max_abs(b));
}

}  // namespace

TEST_CASE(bank_shape_and_levels) {
  for (int J : {1, 2, 3}) {
    const long P = 3L << J, Q = 4L << J;
    const int L = 3;
    const auto fb = scatkit::make_filter_bank(P, Q, J, L, 1);
    CHECK_EQ(fb.rows, static_cast<size_t>(P));
    CHECK_EQ(fb.cols, static_cast<size_t>(Q));
    CHECK_EQ(fb.psi.size(), static_cast<size_t>(J * L));
    CHECK_EQ(fb.phi.size(), static_cast<size_t>(J));
    for (int n = 0; n < J * L; ++n) {
      const int j = n / L;
      const size_t levels = static_cast<size_t>(std::min(j, std::max(J - 1, 1) - 1) + 1);
      CHECK_EQ(fb.psi[n].size(), levels);
      for (size_t r = 0; r < fb.psi[n].size(); ++r)
        CHECK_EQ(fb.psi[n][r].size(), static_cast<size_t>((P >> r) * (Q >> r)));
    }
    for (int r = 0; r < J; ++r)
      CHECK_EQ(fb.phi[r].size(), static_cast<size_t>((P >> r) * (Q >> r)));
  }
}

TEST_CASE(wavelets_have_zero_mean) {
  // The Morlet correction removes the mean, so the DC bin vanishes at every level (the fold
  // never brings another alias onto bin 0, as those are masked).
  const auto fb = scatkit::make_filter_bank(24, 32, 3, 6, 1);
  for (const auto& levels : fb.psi)
    for (const auto& f : levels) {
      CHECK(max_abs(f) > 0.5);
      CHECK_NEAR(f[0], 0.0, 1e-13);
    }
}

TEST_CASE(lowpass_is_product_of_theta_sums) {
  // phi = periodised Gaussian with theta = 0, slant = 1: separable, so its DFT is
  // Gx(k) * Gy(l) / (2 * 3.1415 * sigma^2) with 1D sums over the 5 tiles. At DC this is the sum
  // of the spatial Gaussian, which is ~1 (not exactly: the SPEC keeps Kymatio's 3.1415).
  const long sizes[][3] = {{16, 24, 2}, {24, 24, 3}, {12, 8, 1}};
  for (const auto& sz : sizes) {
    const long P = sz[0], Q = sz[1];
    const int J = static_cast<int>(sz[2]);
    const auto fb = scatkit::make_filter_bank(P, Q, J, 4, 1);
    const double sigma = 0.8 * std::pow(2.0, J - 1);
    const double norm = 2 * 3.1415 * sigma * sigma;
    const Grid& phi = fb.phi[0];
    std::vector<double> gx(static_cast<size_t>(P)), gy(static_cast<size_t>(Q));
    for (long k = 0; k < P; ++k) gx[k] = gauss_1d_hat(P, sigma, k);
    for (long l = 0; l < Q; ++l) gy[l] = gauss_1d_hat(Q, sigma, l);
    const double dc = gx[0] * gy[0] / norm;
    CHECK_NEAR(phi[0], dc, 1e-14 * dc);
    CHECK(std::fabs(phi[0] - 1.0) < 1e-3);
    double err = 0;
    for (long k = 0; k < P; ++k)
      for (long l = 0; l < Q; ++l)
        err = std::max(err, std::fabs(at(phi, Q, k, l) - gx[k] * gy[l] / norm));
    if (!CHECK(err <= 1e-14)) std::fprintf(stderr, "  P=%ld Q=%ld J=%d err=%g\n", P, Q, J, err);
  }
}

TEST_CASE(lowpass_is_real_even_and_nonnegative) {
  const long P = 24, Q = 20;
  const int J = 2;
  const auto fb = scatkit::make_filter_bank(P, Q, J, 4, 1);
  for (int r = 0; r < J; ++r) {
    const Grid& phi = fb.phi[r];
    const long Pr = P >> r, Qr = Q >> r;
    for (long k = 0; k < Pr; ++k)
      for (long l = 0; l < Qr; ++l) {
        const double v = at(phi, Qr, k, l);
        CHECK_NEAR(v, at(phi, Qr, wrap(-k, Pr), wrap(-l, Qr)), 1e-15);
        CHECK(v >= -1e-15);
        CHECK(v <= phi[0] + 1e-15);
      }
  }
}

TEST_CASE(wavelets_match_direct_dft_of_morlet_formula) {
  // Non-square grid, slant != 1 (L = 6): catches swapped axes, a wrong rotation sense, a wrong
  // normalisation or a wrong Morlet correction.
  const long P = 12, Q = 16;
  const int J = 2, L = 6;
  const auto fb = scatkit::make_filter_bank(P, Q, J, L, 1);
  for (int n : {0, 2, 4, 7, 9}) {
    const Grid want = morlet_hat_direct(P, Q, L, n);
    const double err = rel_diff(fb.psi[n][0], want);
    if (!CHECK(err <= 1e-13)) std::fprintf(stderr, "  n=%d rel err=%g\n", n, err);
  }
}

TEST_CASE(levels_follow_mask_and_fold) {
  const long P = 32, Q = 24;
  const int J = 3, L = 2;
  const auto fb = scatkit::make_filter_bank(P, Q, J, L, 1);
  for (size_t n = 0; n < fb.psi.size(); ++n)
    for (size_t r = 1; r < fb.psi[n].size(); ++r) {
      const double err =
          rel_diff(fb.psi[n][r], mask_and_fold(fb.psi[n][0], P, Q, static_cast<int>(r)));
      if (!CHECK(err <= 1e-14)) std::fprintf(stderr, "  psi n=%zu r=%zu err=%g\n", n, r, err);
    }
  for (int r = 1; r < J; ++r) {
    const double err = rel_diff(fb.phi[r], mask_and_fold(fb.phi[0], P, Q, r));
    if (!CHECK(err <= 1e-14)) std::fprintf(stderr, "  phi r=%d err=%g\n", r, err);
  }
}

TEST_CASE(wavelet_peak_is_at_xi_along_theta) {
  // The Fourier peak of psi_{j,t} sits at xi * (cos theta, sin theta) rad/sample, i.e. at bin
  // (xi cos theta * P / 2 pi, xi sin theta * Q / 2 pi) up to the grid spacing (measured distance
  // <= 1.01 bins for these grids); anything else means a wrong angle, sign or axis.
  const long sizes[][4] = {{32, 32, 3, 8}, {48, 40, 3, 6}, {24, 20, 2, 3}};
  for (const auto& sz : sizes) {
    const long P = sz[0], Q = sz[1];
    const int J = static_cast<int>(sz[2]), L = static_cast<int>(sz[3]);
    const auto fb = scatkit::make_filter_bank(P, Q, J, L, 1);
    for (int n = 0; n < J * L; ++n) {
      const int j = n / L, t = n % L;
      const double theta = (static_cast<int>(L - L / 2.0 - 1) - t) * kPi / L;
      const double xi = 0.75 * kPi / std::pow(2.0, j);
      const Grid& f = fb.psi[n][0];
      const auto it = std::max_element(f.begin(), f.end());
      const long idx = it - f.begin();
      long k = idx / Q, l = idx % Q;
      if (k >= P / 2) k -= P;
      if (l >= Q / 2) l -= Q;
      const double k0 = xi * std::cos(theta) * P / (2 * kPi),
                   l0 = xi * std::sin(theta) * Q / (2 * kPi);
      const double dist = std::hypot(k - k0, l - l0);
      if (!CHECK(dist <= 1.5))
        std::fprintf(stderr, "  P=%ld Q=%ld L=%d n=%d peak (%ld, %ld) expected (%.2f, %.2f)\n", P,
                     Q, L, n, k, l, k0, l0);
      CHECK(*it > 0.5);
    }
  }
}

TEST_CASE(quarter_turn_maps_angle_t_to_t_plus_half_L) {
  // theta_{t + L/2} = theta_t - pi/2, and the Gaussian envelope turns with it, so on a square
  // grid psi_{j, t+L/2}(k, l) = psi_{j, t}(-l, k). The 5x5 tiling is not exactly symmetric, but
  // the tiles it misses carry exp(-(2P)^2 / (2 sigma^2)) weight, far below double rounding.
  for (int L : {4, 8}) {
    const long P = 32;
    const int J = 3;
    const auto fb = scatkit::make_filter_bank(P, P, J, L, 1);
    for (int j = 0; j < J; ++j)
      for (int t = 0; t < L / 2; ++t) {
        const Grid& a = fb.psi[j * L + t][0];
        const Grid& b = fb.psi[j * L + t + L / 2][0];
        double err = 0;
        for (long k = 0; k < P; ++k)
          for (long l = 0; l < P; ++l)
            err = std::max(err, std::fabs(at(b, P, k, l) - at(a, P, wrap(-l, P), k)));
        if (!CHECK(err <= 1e-13)) std::fprintf(stderr, "  L=%d j=%d t=%d err=%g\n", L, j, t, err);
      }
  }
}

TEST_CASE(mirror_maps_angle_t_to_L_minus_2_minus_t) {
  // For even L, theta_t = (L/2 - 1 - t) pi / L, so -theta_t = theta_{L-2-t}: mirroring the column
  // frequency maps one wavelet onto the other, on any grid. Checked on the bank built without
  // the mirror shortcut, so both sides come from the formula.
  const long P = 24, Q = 20;
  const int J = 2, L = 6;
  const auto fb = scatkit::detail::make_filter_bank(P, Q, J, L, 1, false);
  for (int j = 0; j < J; ++j)
    for (int t = 0; t <= L - 2; ++t) {
      const Grid& a = fb.psi[j * L + t][0];
      const Grid& b = fb.psi[j * L + (L - 2 - t)][0];
      double err = 0;
      for (long k = 0; k < P; ++k)
        for (long l = 0; l < Q; ++l)
          err = std::max(err, std::fabs(at(b, Q, k, l) - at(a, Q, k, wrap(-l, Q))));
      if (!CHECK(err <= 1e-13)) std::fprintf(stderr, "  j=%d t=%d err=%g\n", j, t, err);
    }
}

namespace {
double theta_of(int L, int t) { return (static_cast<int>(L - L / 2.0 - 1) - t) * kPi / L; }

// Number of classes of the angles under theta -> -theta (mirror) and, if turn, theta -> theta
// +- pi/2, computed on the angle values: how many wavelets per scale need the formula.
int angle_orbits(int L, bool mirror, bool turn) {
  std::vector<int> cls(static_cast<size_t>(L));
  for (int t = 0; t < L; ++t) cls[static_cast<size_t>(t)] = t;
  auto close = [](double a, double b) { return std::fabs(a - b) < 1e-9; };
  for (bool changed = true; changed;) {
    changed = false;
    for (int u = 0; u < L; ++u)
      for (int v = 0; v < L; ++v) {
        const double a = theta_of(L, u), b = theta_of(L, v);
        const bool linked =
            (mirror && close(a, -b)) || (turn && (close(a, b + kPi / 2) || close(a, b - kPi / 2)));
        const int m = std::min(cls[static_cast<size_t>(u)], cls[static_cast<size_t>(v)]);
        if (linked && cls[static_cast<size_t>(u)] + cls[static_cast<size_t>(v)] != 2 * m) {
          cls[static_cast<size_t>(u)] = cls[static_cast<size_t>(v)] = m;
          changed = true;
        }
      }
  }
  int n = 0;
  for (int t = 0; t < L; ++t) n += cls[static_cast<size_t>(t)] == t ? 1 : 0;
  return n;
}
}  // namespace

TEST_CASE(derived_wavelets_follow_the_angle_symmetries) {
  // On grids wide enough for every scale: a derived wavelet comes from one of the same scale
  // whose angle is its opposite (column mirror) or a quarter turn away (square grids, even L),
  // chains end at a wavelet built from the formula, and the number built from the formula per
  // scale is the number of angle classes under those maps.
  using scatkit::detail::Derive;
  for (int L = 1; L <= 16; ++L)
    for (const bool square : {false, true}) {
      const long P = 2048, Q = square ? 2048 : 4096;
      const int J = 3;
      const auto how = scatkit::detail::derivations(P, Q, J, L, true);
      CHECK_EQ(how.size(), static_cast<size_t>(J * L));
      for (int j = 0; j < J; ++j) {
        int direct = 0;
        for (int t = 0; t < L; ++t) {
          const int n = j * L + t;
          const auto& d = how[static_cast<size_t>(n)];
          if (d.src < 0) {
            ++direct;
            CHECK(d.op == Derive::None);
            continue;
          }
          CHECK_EQ(d.src / L, j);
          const double a = theta_of(L, t), b = theta_of(L, d.src % L);
          if (d.op == Derive::MirrorCols)
            CHECK_EQ(a, -b);
          else if (d.op == Derive::QuarterTurn)
            CHECK(square && std::fabs(a - (b - kPi / 2)) < 1e-12);
          else
            CHECK(square && d.op == Derive::QuarterTurnBack &&
                  std::fabs(a - (b + kPi / 2)) < 1e-12);
          int root = n, steps = 0;
          while (how[static_cast<size_t>(root)].src >= 0 && steps++ <= L)
            root = how[static_cast<size_t>(root)].src;
          CHECK(steps <= L);
        }
        if (!CHECK_EQ(direct, angle_orbits(L, true, square && L % 2 == 0)))
          std::fprintf(stderr, "  L=%d square=%d\n", L, square ? 1 : 0);
      }
      for (const auto& d : scatkit::detail::derivations(P, Q, J, L, false)) CHECK_EQ(d.src, -1);
    }
}

TEST_CASE(derived_wavelets_match_the_formula) {
  // Every filter, at every level, of the bank built with derived wavelets against the bank built
  // entirely from the formula: even and odd L, square and non-square grids. The shapes are
  // chosen so the symmetries are in use (checked), also on grids where they are not allowed
  // for the coarser scales (16x16 J=3, 48x64 J=4 L=16, 32x32 J=3 L=16).
  struct Case {
    long P, Q;
    int J, L;
  };
  const Case cases[] = {{24, 20, 2, 6},  {32, 32, 3, 8}, {48, 40, 3, 5}, {40, 56, 3, 7},
                        {64, 48, 2, 4},  {72, 64, 3, 9}, {16, 16, 3, 8}, {48, 64, 4, 16},
                        {80, 96, 3, 12}, {48, 48, 2, 6}, {64, 64, 3, 4}, {80, 80, 4, 12},
                        {32, 32, 3, 16}, {56, 56, 3, 7}, {96, 96, 3, 2}};
  for (const auto& cs : cases) {
    const auto fast = scatkit::make_filter_bank(cs.P, cs.Q, cs.J, cs.L, 2);
    const auto slow = scatkit::detail::make_filter_bank(cs.P, cs.Q, cs.J, cs.L, 1, false);
    int derived = 0, turned = 0;
    for (const auto& d : scatkit::detail::derivations(cs.P, cs.Q, cs.J, cs.L, true)) {
      derived += d.src >= 0 ? 1 : 0;
      turned += d.op == scatkit::detail::Derive::QuarterTurn ||
                        d.op == scatkit::detail::Derive::QuarterTurnBack
                    ? 1
                    : 0;
    }
    for (int n = 0; n < cs.J * cs.L; ++n) {
      CHECK_EQ(fast.psi[n].size(), slow.psi[n].size());
      for (size_t r = 0; r < fast.psi[n].size(); ++r) {
        const double err = rel_diff(fast.psi[n][r], slow.psi[n][r]);
        if (!CHECK(err <= 1e-13))
          std::fprintf(stderr, "  %ldx%ld J=%d L=%d n=%d r=%zu rel err=%g\n", cs.P, cs.Q, cs.J,
                       cs.L, n, r, err);
      }
    }
    for (int r = 0; r < cs.J; ++r) CHECK(rel_diff(fast.phi[r], slow.phi[r]) <= 1e-13);
    const bool can_turn = cs.P == cs.Q && cs.L % 2 == 0;
    if (!CHECK(derived > 0 && (turned > 0) == can_turn))
      std::fprintf(stderr, "  %ldx%ld L=%d: derived %d turned %d\n", cs.P, cs.Q, cs.L, derived,
                   turned);
  }
}

TEST_CASE(symmetries_are_refused_where_the_tiling_breaks_them) {
  // On a grid only two coarsest-scale periods wide, with a long envelope (L = 16), the 5x5
  // tiling's asymmetry (tiles -2..2, not -3..3) reaches the Fourier filters: the mirrored
  // theta = pi/4 wavelet differs from the -pi/4 one by ~1e-4 of the peak, the quarter-turned
  // one from the -pi/4 one as much (NumPy gives the same). Neither shortcut may be taken there.
  const long P = 16, Q = 16;
  const int J = 3, L = 16;
  const auto fb = scatkit::detail::make_filter_bank(P, Q, J, L, 1, false);
  const int j = J - 1, t = 3, t_minus = 11;  // theta = pi / 4 and -pi / 4
  const auto how = scatkit::detail::derivations(P, Q, J, L, true);
  for (int u = 0; u < L; ++u) CHECK_EQ(how[static_cast<size_t>(j * L + u)].src, -1);
  const Grid& a = fb.psi[j * L + t][0];
  const Grid& b = fb.psi[j * L + t_minus][0];
  double mirror_err = 0, turn_err = 0;
  for (long k = 0; k < P; ++k)
    for (long l = 0; l < Q; ++l) {
      mirror_err = std::max(mirror_err, std::fabs(at(b, Q, k, l) - at(a, Q, k, wrap(-l, Q))));
      turn_err = std::max(turn_err, std::fabs(at(b, Q, k, l) - at(a, Q, wrap(-l, Q), k)));
    }
  CHECK(mirror_err / max_abs(a) > 1e-6);
  CHECK(turn_err / max_abs(a) > 1e-6);
  // The public bank builds them from the formula, so it matches the slow bank.
  const auto fast = scatkit::make_filter_bank(P, Q, J, L, 1);
  CHECK(rel_diff(fast.psi[j * L + t_minus][0], b) <= 1e-13);
}

TEST_CASE(thread_count_does_not_change_bits) {
  const auto a = scatkit::make_filter_bank(24, 16, 2, 4, 1);
  const auto b = scatkit::make_filter_bank(24, 16, 2, 4, 3);
  CHECK(a.psi == b.psi);
  CHECK(a.phi == b.phi);
}

TEST_CASE(invalid_bank_arguments_throw) {
  CHECK_THROWS(scatkit::make_filter_bank(24, 24, 0, 4), scatkit::InvalidArgument, "J >= 1");
  CHECK_THROWS(scatkit::make_filter_bank(24, 24, 2, 0), scatkit::InvalidArgument, "L >= 1");
  CHECK_THROWS(scatkit::make_filter_bank(24, 20, 3, 4), scatkit::InvalidArgument, "divisible");
}

SCATKIT_TEST_MAIN()
