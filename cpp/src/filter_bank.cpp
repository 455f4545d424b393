// Morlet and Gaussian filters of SPEC section 2, computed in double precision.
//
// The spatial Gabor is summed over 5 x 5 periodic tiles. Most tile/pixel pairs lie so far from
// the centre that their Gaussian factor is below e^-60 (9e-27) of the peak; those are skipped.
// Even summed over every pixel of the largest grid, the skipped terms change a Fourier filter
// value by less than 1e-19, far below double rounding of its O(1) peak, so the filters equal
// Kymatio's to rounding while construction touches only the pixels that matter.
//
// Each spatial filter records its support (the pixels its tiles can reach), so zeroing,
// normalisation, the Morlet correction and the Hermitian split before the FFT touch only those
// pixels, and the FFT skips the rows that are entirely zero. Nothing else changes: the sums run
// in the same order over the same non-zero terms.
//
// Symmetries of the angles save most of the wavelets: the wavelet of angle -theta is the column
// mirror of the wavelet of angle theta, psi(k, -l), and on square grids with even L the
// wavelet of angle theta - pi/2 is its quarter turn, psi(-l, k). Where the grid is wide enough
// for these to hold to rounding (see derivations()), those wavelets are copied instead of
// computed: 3 of every 8 for L = 8 on any grid, 5 of every 8 on square grids.
#include "filter_bank.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <complex>
#include <cstring>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "engine_options.hpp"
#include "fft/fftw_plan.hpp"
#include "fft/split_fft.hpp"
#include "scatkit/scattering2d.hpp"

namespace scatkit {
namespace {

using cd = std::complex<double>;

// Gaussian factors exp(-arg) with arg above this are skipped (see the file comment).
constexpr double kCutoff = 60.0;

// A spatial filter on the P x Q grid, stored in full but non-zero only on its support: row x0
// holds values in the circular column interval [-ext[x0], ext[x0]] (mod Q) and none when
// ext[x0] < 0. Everything outside the support is zero, so clear() resets the grid by zeroing
// the support only, and loops over the values skip the rest of the grid.
struct SpatialGrid {
  long P = 0, Q = 0;
  std::vector<cd> v;
  std::vector<long> ext;

  SpatialGrid(long rows, long cols)
      : P(rows), Q(cols), v(static_cast<size_t>(rows * cols)), ext(static_cast<size_t>(rows), -1) {}

  /// f(i) for every flat index i of the support, in increasing order.
  template <class F>
  void for_support(F&& f) const {
    for (long x0 = 0; x0 < P; ++x0) {
      const long e = ext[static_cast<size_t>(x0)];
      if (e < 0) continue;
      const size_t row = static_cast<size_t>(x0 * Q);
      if (2 * e + 1 >= Q) {
        for (long c = 0; c < Q; ++c) f(row + static_cast<size_t>(c));
        continue;
      }
      for (long c = 0; c <= e; ++c) f(row + static_cast<size_t>(c));
      for (long c = Q - e; c < Q; ++c) f(row + static_cast<size_t>(c));
    }
  }

  void clear() {
    for_support([&](size_t i) { v[i] = cd(0.0, 0.0); });
    std::fill(ext.begin(), ext.end(), -1L);
  }
};

// Adds the 5 x 5 tiled Gabor(sigma, theta, xi, slant), unnormalised, to out and, when gauss is
// given, the same Gabor with xi = 0 to gauss (one exponential per term for both). Both grids are
// all zero on entry; their supports are set to the pixels the sums can reach.
void gabor_2d(long P, long Q, double sigma, double theta, double xi, double slant, SpatialGrid& out,
              SpatialGrid* gauss) {
  const double c = std::cos(theta), s = std::sin(theta);
  // curv = R diag(1, slant^2) R^-1 / (2 sigma^2)
  const double d1 = 1.0, d2 = slant * slant, den = 2.0 * sigma * sigma;
  const double a = (c * c * d1 + s * s * d2) / den;
  const double b = (c * s * d1 - c * s * d2) / den;  // curv[0][1] == curv[1][0]
  const double e = (s * s * d1 + c * c * d2) / den;
  const double r2 = detail::gabor_cutoff_r2(sigma, slant);
  // Support: tile (ex, ey) of row x0 covers columns y0 with |y0 + ey Q| <= ceil(ymax(x)).
  for (long ex = -2; ex <= 2; ++ex)
    for (long x0 = 0; x0 < P; ++x0) {
      const double x = static_cast<double>(x0 + ex * P);
      const double rem = r2 - x * x;
      if (rem < 0) continue;
      long& ext = out.ext[static_cast<size_t>(x0)];
      ext = std::max(ext, static_cast<long>(std::ceil(std::sqrt(rem))));
    }
  if (gauss) gauss->ext = out.ext;
  std::vector<cd> phase_y;
  if (xi != 0.0) {
    phase_y.resize(static_cast<size_t>(5 * Q));
    for (long y = -2 * Q; y < 3 * Q; ++y) phase_y[y + 2 * Q] = std::polar(1.0, xi * s * y);
  }
  for (long ex = -2; ex <= 2; ++ex) {
    for (long x0 = 0; x0 < P; ++x0) {
      const double x = static_cast<double>(x0 + ex * P);
      const double rem = r2 - x * x;
      if (rem < 0) continue;
      const double ymax = std::sqrt(rem);
      const cd px = xi != 0.0 ? std::polar(1.0, xi * c * x) : cd(1.0, 0.0);
      cd* row = out.v.data() + x0 * Q;
      cd* grow = gauss ? gauss->v.data() + x0 * Q : nullptr;
      for (long ey = -2; ey <= 2; ++ey) {
        const long lo = std::max<long>(0, static_cast<long>(std::floor(-ymax)) - ey * Q);
        const long hi = std::min<long>(Q - 1, static_cast<long>(std::ceil(ymax)) - ey * Q);
        for (long y0 = lo; y0 <= hi; ++y0) {
          const double y = static_cast<double>(y0 + ey * Q);
          const double arg = a * x * x + 2.0 * b * x * y + e * y * y;
          if (arg > kCutoff) continue;
          const double g = std::exp(-arg);
          if (xi != 0.0)
            row[y0] += g * px * phase_y[static_cast<size_t>(y0 + ey * Q + 2 * Q)];
          else
            row[y0] += g;
          if (grow) grow[y0] += g;
        }
      }
    }
  }
}

// Real parts of fft2 of two complex P x Q grids with one complex FFT (FFTW, double, estimate
// planning). real(fft(z)) = fft(h) with h(x) = (z(x) + conj(z(-x))) / 2 Hermitian, whose
// transform is real; so fft(h1 + i h2) carries the first result in its real part and the
// second in its imaginary part. The 2D FFT runs as row FFTs, skipping the rows that are zero
// (outside both supports), then column FFTs.
class RealFourierPair {
  using C = detail::Complex<double>;

 public:
  // split: false leaves every axis to FFTW (EngineOptions::fft).
  RealFourierPair(long P, long Q, bool split)
      : P_(P),
        Q_(Q),
        buf_(static_cast<size_t>(P * Q)),
        // A split axis needs n * count values of scratch (AxisFft); FFTW-only axes need none.
        scratch_(split && detail::SplitFft2d<double>::wanted(P, Q) ? static_cast<size_t>(P * Q)
                                                                   : 0) {
    C* b = buf_.data();
    std::lock_guard<std::mutex> lock(detail::fftw_planner_mutex());
    // Every row must share the alignment of the row the row plan is made for.
    const unsigned row_flags =
        FFTW_ESTIMATE |
        (P > 1 && fftw_alignment_of(&b[Q].re) != fftw_alignment_of(&b[0].re) ? FFTW_UNALIGNED : 0u);
    // Sides with a prime factor FFTW is slow on (e.g. 272 = 16 * 17) are split (split_fft.hpp).
    row_.init(true, Q, 1, Q, FFTW_FORWARD, b, scratch_.data(), row_flags, split);
    col_.init(false, P, Q, Q, FFTW_FORWARD, b, scratch_.data(), FFTW_ESTIMATE, split);
  }
  RealFourierPair(const RealFourierPair&) = delete;
  RealFourierPair& operator=(const RealFourierPair&) = delete;

  /// out1 = real(fft2(z1)); out2 = real(fft2(z2)) when z2 is given (each P * Q values).
  void operator()(const SpatialGrid& z1, const SpatialGrid* z2, double* out1, double* out2) {
    C* b = buf_.data();
    const cd* v1 = z1.v.data();
    const cd* v2 = z2 ? z2->v.data() : nullptr;
    for (long r = 0; r < P_; ++r) {
      const long rn = r == 0 ? 0 : P_ - r;
      // h is non-zero only where z or its reflection is.
      long e = std::max(z1.ext[static_cast<size_t>(r)], z1.ext[static_cast<size_t>(rn)]);
      if (z2) e = std::max({e, z2->ext[static_cast<size_t>(r)], z2->ext[static_cast<size_t>(rn)]});
      C* row = b + r * Q_;
      if (e < 0) {
        std::memset(static_cast<void*>(row), 0, sizeof(C) * static_cast<size_t>(Q_));
        continue;
      }
      auto put = [&](long c) {
        const long cn = c == 0 ? 0 : Q_ - c;
        const size_t i = static_cast<size_t>(r * Q_ + c), j = static_cast<size_t>(rn * Q_ + cn);
        const cd h1 = 0.5 * (v1[i] + std::conj(v1[j]));
        const cd h2 = v2 ? 0.5 * (v2[i] + std::conj(v2[j])) : cd(0.0, 0.0);
        row[c] = C{h1.real() - h2.imag(), h1.imag() + h2.real()};
      };
      if (2 * e + 1 >= Q_) {
        for (long c = 0; c < Q_; ++c) put(c);
      } else {
        for (long c = 0; c <= e; ++c) put(c);
        std::memset(static_cast<void*>(row + e + 1), 0,
                    sizeof(C) * static_cast<size_t>(Q_ - 2 * e - 1));
        for (long c = Q_ - e; c < Q_; ++c) put(c);
      }
      row_.run(row, scratch_.data());
    }
    col_.run(b, scratch_.data());
    const size_t n = static_cast<size_t>(P_ * Q_);
    for (size_t i = 0; i < n; ++i) out1[i] = b[i].re;
    if (out2)
      for (size_t i = 0; i < n; ++i) out2[i] = b[i].im;
  }

 private:
  long P_, Q_;
  detail::AlignedBuffer<C> buf_, scratch_;
  detail::AxisFft<double> row_, col_;
};

// The level-r (r >= 1) version of a level-0 filter f (SPEC section 2). Of the 2^r x 2^r aliases
// of a bin, the mask keeps exactly one (the first for the low half of each axis, the last for
// the high half), so masking and folding is a crop of the four corners of f.
std::vector<double> fold(const std::vector<double>& f, long P, long Q, int r) {
  const long Pr = P >> r, Qr = Q >> r, hp = Pr / 2, hq = Qr / 2;
  std::vector<double> out(static_cast<size_t>(Pr * Qr));
  for (long a = 0; a < Pr; ++a) {
    const double* src = f.data() + (a < hp ? a : a + P - Pr) * Q;
    double* dst = out.data() + a * Qr;
    std::copy(src, src + hq, dst);
    std::copy(src + Q - (Qr - hq), src + Q, dst + hq);
  }
  return out;
}

}  // namespace

namespace detail {

double gabor_cutoff_r2(double sigma, double slant) {
  // arg >= lam_min (x^2 + y^2), lam_min the smaller eigenvalue of the quadratic form.
  const double lam_min = std::min(1.0, slant * slant) / (2.0 * sigma * sigma);
  return kCutoff / lam_min;
}

std::vector<Derivation> derivations(long P, long Q, int J, int L, bool allow) {
  std::vector<Derivation> d(static_cast<size_t>(J * L));
  if (!allow) return d;
  // theta_t = k_t pi / L with k_t = c - t, so angle k is t = c - k.
  const int c = static_cast<int>(L - L / 2.0 - 1);
  for (int j = 0; j < J; ++j) {
    // Both maps take the Gabor terms of one angle onto those of the other (the mirror with
    // bitwise equal terms: only the signs of sin theta and y flip; the quarter turn up to the
    // rounding of cos and sin), except for which tiles are summed: the -theta Gabor at column
    // y0 > 0 sums y = -y0 + m Q, m = -2..2, while the mirrored theta Gabor sums m = -1..3, so
    // the two differ by the terms with |y| > 2Q (the quarter turn exchanges the axes: also
    // |x| > 2P). Those terms are never summed when the cutoff disc (radius sqrt(r2), the bound
    // gabor_2d uses) fits within 2Q (and 2P); then the filters agree to rounding. On narrower
    // grids they can differ by far more (tests/cpp/test_filters.cpp): built from the formula.
    const double reach = std::ceil(std::sqrt(gabor_cutoff_r2(0.8 * std::pow(2.0, j), 4.0 / L)));
    const bool mirror = reach <= static_cast<double>(2 * Q);
    const bool turn = P == Q && L % 2 == 0 && reach <= static_cast<double>(2 * P);
    // Each orbit under the allowed maps is built from its first angle, the rest in BFS order.
    std::vector<bool> seen(static_cast<size_t>(L), false);
    for (int t0 = 0; t0 < L; ++t0) {
      if (seen[static_cast<size_t>(t0)]) continue;
      seen[static_cast<size_t>(t0)] = true;
      std::vector<int> queue{t0};
      for (size_t q = 0; q < queue.size(); ++q) {
        const int u = queue[q], k = c - u;
        const std::pair<int, Derive> next[] = {{mirror ? c + k : -1, Derive::MirrorCols},
                                               {turn ? u + L / 2 : -1, Derive::QuarterTurn},
                                               {turn ? u - L / 2 : -1, Derive::QuarterTurnBack}};
        for (const auto& [v, op] : next) {
          if (v < 0 || v >= L || seen[static_cast<size_t>(v)]) continue;
          seen[static_cast<size_t>(v)] = true;
          d[static_cast<size_t>(j * L + v)] = Derivation{j * L + u, op};
          queue.push_back(v);
        }
      }
    }
  }
  return d;
}

void derive_filter(const double* f, double* out, long P, long Q, Derive op) {
  if (op == Derive::MirrorCols) {  // out(k, l) = f(k, -l)
    for (long k = 0; k < P; ++k) {
      const double* src = f + k * Q;
      double* dst = out + k * Q;
      dst[0] = src[0];
      for (long l = 1; l < Q; ++l) dst[l] = src[Q - l];
    }
    return;
  }
  // A transposition on the square grid, by tiles: out(k, l) = f(-l, k) or f(l, -k).
  constexpr long kTile = 16;
  const bool back = op == Derive::QuarterTurnBack;
  long rows[kTile];
  for (long l0 = 0; l0 < P; l0 += kTile) {
    const long nl = std::min(kTile, P - l0);
    for (long i = 0; i < nl; ++i) {
      const long l = l0 + i;
      rows[i] = (back || l == 0 ? l : P - l) * P;
    }
    for (long k = 0; k < P; ++k) {
      const long col = back && k != 0 ? P - k : k;
      double* dst = out + k * P + l0;
      for (long i = 0; i < nl; ++i) dst[i] = f[rows[i] + col];
    }
  }
}

void make_filters(std::size_t padded_rows, std::size_t padded_cols, int J, int L, int threads,
                  const FilterSink& sink, bool symmetries, bool split_ffts) {
  const long P = static_cast<long>(padded_rows), Q = static_cast<long>(padded_cols);
  if (J < 1 || L < 1 || (P % (1L << J)) != 0 || (Q % (1L << J)) != 0)
    throw InvalidArgument(
        "make_filter_bank needs J >= 1, L >= 1 and a padded grid divisible "
        "by 2^J.");
  const int n_psi = J * L;
  const int max_level = std::max(J - 1, 1) - 1;
  // Filters under construction; each family (a filter from the formula and the wavelets derived
  // from it) goes to the sink, and is released, as soon as it is complete.
  std::vector<std::vector<std::vector<double>>> psi(static_cast<size_t>(n_psi));
  std::vector<std::vector<double>> phi(static_cast<size_t>(J));

  // Filters computed from the formula: every wavelet that is not derived from another, then
  // the low-pass (index n_psi); task i builds direct[2i] and direct[2i+1] (with one FFT) and
  // the wavelets derived from those (derived[n], in an order where sources come first).
  const std::vector<Derivation> how = derivations(P, Q, J, L, symmetries);
  std::vector<int> direct;
  std::vector<std::vector<int>> derived(static_cast<size_t>(n_psi));
  for (int n = 0; n < n_psi; ++n) {
    int root = n;
    while (how[static_cast<size_t>(root)].src >= 0) root = how[static_cast<size_t>(root)].src;
    if (root == n)
      direct.push_back(n);
    else
      derived[static_cast<size_t>(root)].push_back(n);
  }
  for (auto& list : derived)  // BFS depth order, so every source precedes what it yields
    std::stable_sort(list.begin(), list.end(), [&](int a, int b) {
      auto depth = [&](int n) {
        int k = 0;
        for (; how[static_cast<size_t>(n)].src >= 0; n = how[static_cast<size_t>(n)].src) ++k;
        return k;
      };
      return depth(a) < depth(b);
    });
  direct.push_back(n_psi);
  const int n_filters = static_cast<int>(direct.size()), n_tasks = (n_filters + 1) / 2;
  // Spatial filter n (normalised Morlet wavelet, or the low-pass) into z; gauss is scratch.
  auto spatial = [&](int n, SpatialGrid& z, SpatialGrid& gauss) {
    z.clear();
    if (n == n_psi) {
      const double sigma = 0.8 * std::pow(2.0, J - 1);
      gabor_2d(P, Q, sigma, 0.0, 0.0, 1.0, z, nullptr);
      const double norm = 2.0 * 3.1415 * sigma * sigma;
      z.for_support([&](size_t i) { z.v[i] /= norm; });
      return;
    }
    const int j = n / L, t = n % L;
    const double sigma = 0.8 * std::pow(2.0, j);
    const double theta = (static_cast<int>(L - L / 2.0 - 1) - t) * M_PI / L;
    const double xi = 3.0 / 4.0 * M_PI / std::pow(2.0, j);
    const double slant = 4.0 / L;
    gabor_2d(P, Q, sigma, theta, xi, slant, z, &gauss);
    const double norm = 2.0 * 3.1415 * sigma * sigma / slant;
    cd sw(0, 0), sm(0, 0);
    z.for_support([&](size_t i) {
      z.v[i] /= norm;
      gauss.v[i] /= norm;
      sw += z.v[i];
      sm += gauss.v[i];
    });
    const cd K = sw / sm;
    z.for_support([&](size_t i) { z.v[i] -= K * gauss.v[i]; });
    gauss.clear();
  };
  // Level 0 of filter n, P * Q values to fill.
  auto level0 = [&](int n) -> std::vector<double>& {
    std::vector<double>& f = n == n_psi ? phi[0] : psi[static_cast<size_t>(n)].emplace_back();
    f.resize(static_cast<size_t>(P * Q));
    return f;
  };
  // Levels 1.. of filter n from its level 0.
  auto fold_levels = [&](int n) {
    if (n == n_psi) {
      for (int r = 1; r < J; ++r) phi[r] = fold(phi[0], P, Q, r);
      return;
    }
    auto& dst = psi[static_cast<size_t>(n)];
    const int levels = std::min(n / L, max_level) + 1;
    for (int r = 1; r < levels; ++r) dst.push_back(fold(dst[0], P, Q, r));
  };
  // After level 0 of n is filled: its levels, and the wavelets derived from it with theirs.
  auto finish = [&](int n) {
    fold_levels(n);
    if (n != n_psi)
      for (const int m : derived[static_cast<size_t>(n)]) {
        const Derivation& d = how[static_cast<size_t>(m)];
        const double* src = psi[static_cast<size_t>(d.src)][0].data();
        derive_filter(src, level0(m).data(), P, Q, d.op);
        fold_levels(m);
      }
    // The family is complete: hand it over.
    const auto give = [&](int m) {
      if (m == n_psi) return sink(m, phi);
      sink(m, psi[static_cast<size_t>(m)]);
      std::vector<std::vector<double>>().swap(psi[static_cast<size_t>(m)]);
    };
    give(n);
    if (n != n_psi)
      for (const int m : derived[static_cast<size_t>(n)]) give(m);
  };
  std::atomic<int> next{0};
  std::mutex err_mutex;
  std::exception_ptr err;
  auto worker = [&]() {
    try {
      RealFourierPair rf(P, Q, split_ffts);
      SpatialGrid z1(P, Q), z2(P, Q), gauss(P, Q);
      for (int i = next++; i < n_tasks; i = next++) {
        const int n1 = direct[static_cast<size_t>(2 * i)];
        const bool two = 2 * i + 1 < n_filters;
        const int n2 = two ? direct[static_cast<size_t>(2 * i + 1)] : -1;
        spatial(n1, z1, gauss);
        if (two) spatial(n2, z2, gauss);
        double* out1 = level0(n1).data();
        double* out2 = two ? level0(n2).data() : nullptr;
        rf(z1, two ? &z2 : nullptr, out1, out2);
        finish(n1);
        if (two) finish(n2);
      }
    } catch (...) {
      std::lock_guard<std::mutex> lock(err_mutex);
      if (!err) err = std::current_exception();
      next = n_tasks;
    }
  };
  int nt = threads > 0 ? threads : static_cast<int>(std::thread::hardware_concurrency());
  nt = std::max(1, std::min(nt, n_tasks));
  std::vector<std::thread> pool;
  for (int i = 1; i < nt; ++i) pool.emplace_back(worker);
  worker();
  for (auto& th : pool) th.join();
  if (err) std::rethrow_exception(err);
}

FilterBank make_filter_bank(std::size_t padded_rows, std::size_t padded_cols, int J, int L,
                            int threads, bool symmetries) {
  FilterBank fb;
  fb.rows = padded_rows;
  fb.cols = padded_cols;
  fb.J = J;
  fb.L = L;
  fb.psi.resize(static_cast<size_t>(std::max(J * L, 0)));
  fb.phi.resize(static_cast<size_t>(std::max(J, 0)));
  make_filters(
      padded_rows, padded_cols, J, L, threads,
      [&](int n, std::vector<std::vector<double>>& levels) {
        if (n == J * L)
          fb.phi = std::move(levels);
        else
          fb.psi[static_cast<size_t>(n)] = std::move(levels);
      },
      symmetries, resolve_engine_options({}).fft != CpuFft::Fftw);
  return fb;
}

}  // namespace detail

FilterBank make_filter_bank(std::size_t padded_rows, std::size_t padded_cols, int J, int L,
                            int threads) {
  return detail::make_filter_bank(padded_rows, padded_cols, J, L, threads, true);
}

}  // namespace scatkit
