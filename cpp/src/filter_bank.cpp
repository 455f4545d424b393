// Morlet and Gaussian filters of SPEC section 2, computed in double precision.
//
// The spatial Gabor is summed over 5 x 5 periodic tiles. Most tile/pixel pairs lie so far from
// the centre that their Gaussian factor is below e^-60 (9e-27) of the peak; those are skipped.
// Even summed over every pixel of the largest grid, the skipped terms change a Fourier filter
// value by less than 1e-19, far below double rounding of its O(1) peak, so the filters equal
// Kymatio's to rounding while construction touches only the pixels that matter.
#include "filter_bank.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <complex>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "cpu/fftw_plan.hpp"
#include "scatkit/detail/elementwise.hpp"
#include "scatkit/scattering2d.hpp"

namespace scatkit {
namespace {

using cd = std::complex<double>;

// Gaussian factors exp(-arg) with arg above this are skipped (see the file comment).
constexpr double kCutoff = 60.0;

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
  const double r2 = kCutoff / lam_min;
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
          if (arg > kCutoff) continue;
          const double g = std::exp(-arg);
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

// Real parts of fft2 of two complex P x Q grids with one complex FFT (FFTW, double, estimate
// planning). real(fft(z)) = fft(h) with h(x) = (z(x) + conj(z(-x))) / 2 Hermitian, whose
// transform is real; so fft(h1 + i h2) carries the first result in its real part and the
// second in its imaginary part.
class RealFourierPair {
 public:
  RealFourierPair(long P, long Q) : P_(P), Q_(Q), buf_(static_cast<size_t>(P * Q)) {
    std::lock_guard<std::mutex> lock(detail::fftw_planner_mutex());
    plan_ = fftw_plan_dft_2d(static_cast<int>(P), static_cast<int>(Q), buf_.data(), buf_.data(),
                             FFTW_FORWARD, FFTW_ESTIMATE);
    if (!plan_) detail::throw_out_of_memory(static_cast<size_t>(P * Q) * 16, "an FFT plan");
  }
  ~RealFourierPair() {
    std::lock_guard<std::mutex> lock(detail::fftw_planner_mutex());
    fftw_destroy_plan(plan_);
  }
  RealFourierPair(const RealFourierPair&) = delete;
  RealFourierPair& operator=(const RealFourierPair&) = delete;
  /// out1 = real(fft2(z1)); out2 = real(fft2(z2)) when z2 is given.
  void operator()(const std::vector<cd>& z1, const std::vector<cd>* z2, std::vector<double>& out1,
                  std::vector<double>& out2) {
    fftw_complex* b = buf_.data();
    for (long r = 0; r < P_; ++r) {
      const long rn = r == 0 ? 0 : P_ - r;
      for (long c = 0; c < Q_; ++c) {
        const long cn = c == 0 ? 0 : Q_ - c;
        const size_t i = static_cast<size_t>(r * Q_ + c), j = static_cast<size_t>(rn * Q_ + cn);
        const cd h1 = 0.5 * (z1[i] + std::conj(z1[j]));
        const cd h2 = z2 ? 0.5 * ((*z2)[i] + std::conj((*z2)[j])) : cd(0.0, 0.0);
        const cd w = h1 + cd(0.0, 1.0) * h2;
        b[i][0] = w.real();
        b[i][1] = w.imag();
      }
    }
    fftw_execute(plan_);
    const size_t n = z1.size();
    out1.resize(n);
    for (size_t i = 0; i < n; ++i) out1[i] = b[i][0];
    if (z2) {
      out2.resize(n);
      for (size_t i = 0; i < n; ++i) out2[i] = b[i][1];
    }
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

void detail::make_filters(std::size_t padded_rows, std::size_t padded_cols, int J, int L,
                          int threads, const FilterSink& sink) {
  const long P = static_cast<long>(padded_rows), Q = static_cast<long>(padded_cols);
  if (J < 1 || L < 1 || (P % (1L << J)) != 0 || (Q % (1L << J)) != 0)
    throw InvalidArgument(
        "make_filter_bank needs J >= 1, L >= 1 and a padded grid divisible "
        "by 2^J.");
  const int n_psi = J * L;
  const int max_level = std::max(J - 1, 1) - 1;

  // Filter n < n_psi is wavelet n, filter n_psi the low-pass; task i builds filters 2i, 2i+1.
  const int n_filters = n_psi + 1, n_tasks = (n_filters + 1) / 2;
  auto spatial = [&](int n, std::vector<cd>& out, std::vector<cd>& tmp) {
    if (n == n_psi) {
      gabor_2d(P, Q, 0.8 * std::pow(2.0, J - 1), 0.0, 0.0, 1.0, out);
      return;
    }
    const int j = n / L, t = n % L;
    const double sigma = 0.8 * std::pow(2.0, j);
    const double theta = (static_cast<int>(L - L / 2.0 - 1) - t) * M_PI / L;
    const double xi = 3.0 / 4.0 * M_PI / std::pow(2.0, j);
    const double slant = 4.0 / L;
    gabor_2d(P, Q, sigma, theta, xi, slant, out);
    gabor_2d(P, Q, sigma, theta, 0.0, slant, tmp);
    cd sw(0, 0), sm(0, 0);
    for (const auto& v : out) sw += v;
    for (const auto& v : tmp) sm += v;
    const cd K = sw / sm;
    for (size_t i = 0; i < out.size(); ++i) out[i] -= K * tmp[i];
  };
  auto store = [&](int n, std::vector<double>& four) {
    const int levels = n == n_psi ? J : std::min(n / L, max_level) + 1;
    std::vector<std::vector<double>> dst(static_cast<size_t>(levels));
    for (int r = levels - 1; r >= 0; --r) dst[r] = r == 0 ? std::move(four) : fold(four, P, Q, r);
    sink(n, dst);
  };
  std::atomic<int> next{0};
  std::mutex err_mutex;
  std::exception_ptr err;
  auto worker = [&]() {
    try {
      RealFourierPair rf(P, Q);
      std::vector<cd> z1, z2, tmp;
      std::vector<double> f1, f2;
      for (int i = next++; i < n_tasks; i = next++) {
        const int n1 = 2 * i, n2 = 2 * i + 1;
        spatial(n1, z1, tmp);
        const bool two = n2 < n_filters;
        if (two) spatial(n2, z2, tmp);
        rf(z1, two ? &z2 : nullptr, f1, f2);
        store(n1, f1);
        if (two) store(n2, f2);
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
                            int threads) {
  FilterBank fb;
  fb.rows = padded_rows;
  fb.cols = padded_cols;
  fb.J = J;
  fb.L = L;
  fb.psi.resize(static_cast<size_t>(std::max(J * L, 0)));
  fb.phi.resize(static_cast<size_t>(std::max(J, 0)));
  detail::make_filters(padded_rows, padded_cols, J, L, threads,
                       [&](int n, std::vector<std::vector<double>>& levels) {
                         if (n == J * L)
                           fb.phi = std::move(levels);
                         else
                           fb.psi[static_cast<size_t>(n)] = std::move(levels);
                       });
  return fb;
}

}  // namespace scatkit
