// Morlet and Gaussian filters of SPEC section 2, computed in double precision.
//
// The spatial Gabor is summed over 5 x 5 periodic tiles. Most tile/pixel pairs lie so far from
// the centre that exp() underflows to exactly 0.0 in double; those are skipped, which changes
// no bit of the result and makes construction fast even for large grids.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <complex>
#include <mutex>
#include <thread>
#include <vector>

#include "cpu/fftw_plan.hpp"
#include "scatkit/detail/elementwise.hpp"
#include "scatkit/scattering2d.hpp"

namespace scatkit {
namespace {

using cd = std::complex<double>;

// Below -kUnderflow the double exp() is exactly zero.
constexpr double kUnderflow = 746.0;

void gabor_2d(long P, long Q, double sigma, double theta, double xi, double slant,
              std::vector<cd>& out) {
  out.assign(static_cast<size_t>(P * Q), cd(0.0, 0.0));
  const double c = std::cos(theta), s = std::sin(theta);
  // curv = R diag(1, slant^2) R^-1 / (2 sigma^2)
  const double d1 = 1.0, d2 = slant * slant, den = 2.0 * sigma * sigma;
  const double a = (c * c * d1 + s * s * d2) / den;
  const double b = (c * s * d1 - c * s * d2) / den;  // curv[0][1] == curv[1][0]
  const double e = (s * s * d1 + c * c * d2) / den;
  const double lam_min = std::min(d1, d2) / den;
  const double r2 = kUnderflow / lam_min;
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
      cd* row = out.data() + x0 * Q;
      for (long ey = -2; ey <= 2; ++ey) {
        const long lo = std::max<long>(0, static_cast<long>(std::floor(-ymax)) - ey * Q);
        const long hi = std::min<long>(Q - 1, static_cast<long>(std::ceil(ymax)) - ey * Q);
        for (long y0 = lo; y0 <= hi; ++y0) {
          const double y = static_cast<double>(y0 + ey * Q);
          const double arg = a * x * x + 2.0 * b * x * y + e * y * y;
          const double g = std::exp(-arg);
          if (g == 0.0) continue;
          if (xi != 0.0)
            row[y0] += g * px * phase_y[static_cast<size_t>(y0 + ey * Q + 2 * Q)];
          else
            row[y0] += g;
        }
      }
    }
  }
  const double norm = 2.0 * 3.1415 * sigma * sigma / slant;
  for (auto& v : out) v /= norm;
}

// Real part of fft2 of a complex P x Q grid (FFTW, double, estimate planning).
class RealFourier {
 public:
  RealFourier(long P, long Q) : P_(P), Q_(Q), buf_(static_cast<size_t>(P * Q)) {
    std::lock_guard<std::mutex> lock(detail::fftw_planner_mutex());
    plan_ = fftw_plan_dft_2d(static_cast<int>(P), static_cast<int>(Q), buf_.data(), buf_.data(),
                             FFTW_FORWARD, FFTW_ESTIMATE);
    if (!plan_) detail::throw_out_of_memory(static_cast<size_t>(P * Q) * 16, "an FFT plan");
  }
  ~RealFourier() {
    std::lock_guard<std::mutex> lock(detail::fftw_planner_mutex());
    fftw_destroy_plan(plan_);
  }
  RealFourier(const RealFourier&) = delete;
  RealFourier& operator=(const RealFourier&) = delete;
  void operator()(const std::vector<cd>& in, std::vector<double>& out) {
    fftw_complex* b = buf_.data();
    for (size_t i = 0; i < in.size(); ++i) {
      b[i][0] = in[i].real();
      b[i][1] = in[i].imag();
    }
    fftw_execute(plan_);
    out.resize(in.size());
    for (size_t i = 0; i < in.size(); ++i) out[i] = b[i][0];
  }

 private:
  long P_, Q_;
  detail::AlignedBuffer<fftw_complex> buf_;
  fftw_plan plan_ = nullptr;
};

std::vector<double> fold(const std::vector<double>& f, long P, long Q, int r) {
  const long Pr = P >> r, Qr = Q >> r;
  std::vector<double> out(static_cast<size_t>(Pr * Qr));
  for (long a = 0; a < Pr; ++a)
    for (long b = 0; b < Qr; ++b) out[a * Qr + b] = detail::fold_filter(f.data(), P, Q, r, a, b);
  return out;
}

}  // namespace

FilterBank make_filter_bank(std::size_t padded_rows, std::size_t padded_cols, int J, int L,
                            int threads) {
  const long P = static_cast<long>(padded_rows), Q = static_cast<long>(padded_cols);
  if (J < 1 || L < 1 || (P % (1L << J)) != 0 || (Q % (1L << J)) != 0)
    throw InvalidArgument("make_filter_bank needs J >= 1, L >= 1 and a padded grid divisible "
                          "by 2^J.");
  FilterBank fb;
  fb.rows = padded_rows;
  fb.cols = padded_cols;
  fb.J = J;
  fb.L = L;
  const int n_psi = J * L;
  fb.psi.resize(static_cast<size_t>(n_psi));
  fb.phi.resize(static_cast<size_t>(J));
  const int max_level = std::max(J - 1, 1) - 1;

  // Task n < n_psi builds wavelet n; task n_psi builds the low-pass.
  std::atomic<int> next{0};
  std::mutex err_mutex;
  std::exception_ptr err;
  auto worker = [&]() {
    try {
      RealFourier rf(P, Q);
      std::vector<cd> wv, wm;
      std::vector<double> four;
      for (int n = next++; n <= n_psi; n = next++) {
        if (n < n_psi) {
          const int j = n / L, t = n % L;
          const double sigma = 0.8 * std::pow(2.0, j);
          const double theta = (static_cast<int>(L - L / 2.0 - 1) - t) * M_PI / L;
          const double xi = 3.0 / 4.0 * M_PI / std::pow(2.0, j);
          const double slant = 4.0 / L;
          gabor_2d(P, Q, sigma, theta, xi, slant, wv);
          gabor_2d(P, Q, sigma, theta, 0.0, slant, wm);
          cd sw(0, 0), sm(0, 0);
          for (const auto& v : wv) sw += v;
          for (const auto& v : wm) sm += v;
          const cd K = sw / sm;
          for (size_t i = 0; i < wv.size(); ++i) wv[i] -= K * wm[i];
          rf(wv, four);
          const int levels = std::min(j, max_level) + 1;
          auto& dst = fb.psi[static_cast<size_t>(n)];
          dst.resize(static_cast<size_t>(levels));
          for (int r = 0; r < levels; ++r) dst[r] = r == 0 ? four : fold(four, P, Q, r);
        } else {
          gabor_2d(P, Q, 0.8 * std::pow(2.0, J - 1), 0.0, 0.0, 1.0, wv);
          rf(wv, four);
          for (int r = 0; r < J; ++r) fb.phi[r] = r == 0 ? four : fold(four, P, Q, r);
        }
      }
    } catch (...) {
      std::lock_guard<std::mutex> lock(err_mutex);
      if (!err) err = std::current_exception();
      next = n_psi + 1;
    }
  };
  int nt = threads > 0 ? threads : static_cast<int>(std::thread::hardware_concurrency());
  nt = std::max(1, std::min(nt, n_psi + 1));
  std::vector<std::thread> pool;
  for (int i = 1; i < nt; ++i) pool.emplace_back(worker);
  worker();
  for (auto& th : pool) th.join();
  if (err) std::rethrow_exception(err);
  return fb;
}

}  // namespace scatkit
