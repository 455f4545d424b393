// Runs the CUDA engine's pipeline (cuda/pipeline.hpp, the functors of cuda/kernels.cuh) on the
// CPU, with FFTW in place of cuFFT and a host loop in place of each kernel launch, and compares
// it with the CPU backend. This checks on any machine everything the GPU engine does except the
// CUDA API calls themselves: buffer sizes and aliasing, chunking, batched FFT layouts, filter
// packing and scaling, and the channel order.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <mutex>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "fft/fftw_plan.hpp"
#include "pipeline.hpp"
#include "scatkit/scattering2d.hpp"
#include "schedule.hpp"

namespace {

using scatkit::detail::Complex;
using scatkit::detail::Fftw;
using scatkit::detail::FftwPlan;

// Pipeline's Ops on the host: FFTW plans with the cuFFT layouts, kernels as plain loops.
template <class T>
class HostOps {
  using F = Fftw<T>;
  using fc = typename F::complex_t;

 public:
  using Fft = FftwPlan<T>;

  Fft plan_r2c(long n0, long n1, std::size_t batch) {
    std::vector<T> in(static_cast<std::size_t>(n0 * n1) * batch);
    std::vector<Complex<T>> out(static_cast<std::size_t>(n0 * (n1 / 2 + 1)) * batch);
    std::lock_guard<std::mutex> lock(scatkit::detail::fftw_planner_mutex());
    return check(F::many_r2c(static_cast<int>(n0), static_cast<int>(n1), static_cast<int>(batch),
                             in.data(), fcp(out.data()), kFlags));
  }
  Fft plan_c2r(long n0, long n1, std::size_t batch) {
    std::vector<Complex<T>> in(static_cast<std::size_t>(n0 * (n1 / 2 + 1)) * batch);
    std::vector<T> out(static_cast<std::size_t>(n0 * n1) * batch);
    std::lock_guard<std::mutex> lock(scatkit::detail::fftw_planner_mutex());
    return check(F::many_c2r(static_cast<int>(n0), static_cast<int>(n1), static_cast<int>(batch),
                             fcp(in.data()), out.data(), kFlags));
  }
  Fft plan_c2c_inverse(long n0, long n1, std::size_t batch) {
    std::vector<Complex<T>> data(static_cast<std::size_t>(n0 * n1) * batch);
    std::lock_guard<std::mutex> lock(scatkit::detail::fftw_planner_mutex());
    return check(F::many_c2c(static_cast<int>(n0), static_cast<int>(n1), static_cast<int>(batch),
                             fcp(data.data()), fcp(data.data()), FFTW_BACKWARD, kFlags));
  }
  void r2c(const Fft& p, T* in, Complex<T>* out) { F::exec_r2c(p.get(), in, fcp(out)); }
  void c2r(const Fft& p, Complex<T>* in, T* out) { F::exec_c2r(p.get(), fcp(in), out); }
  void c2c_inverse(const Fft& p, Complex<T>* data) { F::exec_c2c(p.get(), fcp(data), fcp(data)); }
  /// Always use 64-bit indices (the path CUDA takes for launches over 2^31 elements).
  bool wide = false;

  // The same choice of index type as the CUDA launches.
  template <class Op>
  void launch(std::size_t n, const Op& op) {
    if (!wide && scatkit::detail::gpu::fits_32_bit(n)) {
      for (unsigned i = 0; i < static_cast<unsigned>(n); ++i) op(i);
    } else {
      for (std::size_t i = 0; i < n; ++i) op(i);
    }
  }

 private:
  static constexpr unsigned kFlags = FFTW_ESTIMATE | FFTW_UNALIGNED;
  static fc* fcp(Complex<T>* p) { return reinterpret_cast<fc*>(p); }
  static Fft check(typename F::plan_t p) {
    if (!p) throw std::runtime_error("FFTW could not plan a transform");
    return Fft(p);
  }
};

struct Case {
  std::size_t rows, cols;
  int J, L, max_order;
  bool float64;
  std::size_t max_batch, batch;
  bool wide_index = false;  // run the 64-bit index path of the kernels
};

std::string describe(const Case& c) {
  return std::to_string(c.rows) + "x" + std::to_string(c.cols) + " J=" + std::to_string(c.J) +
         " L=" + std::to_string(c.L) + " order=" + std::to_string(c.max_order) +
         (c.float64 ? " float64" : " float32") + " max_batch=" + std::to_string(c.max_batch) +
         " batch=" + std::to_string(c.batch) + (c.wide_index ? " 64-bit indices" : "");
}

template <class T>
bool run_case(const Case& c) {
  scatkit::Config cfg;
  cfg.rows = c.rows;
  cfg.cols = c.cols;
  cfg.J = c.J;
  cfg.L = c.L;
  cfg.max_order = c.max_order;
  cfg.precision = c.float64 ? scatkit::Precision::Float64 : scatkit::Precision::Float32;
  cfg.threads = 1;
  scatkit::Plan cpu(cfg);
  const scatkit::detail::Schedule s = scatkit::detail::make_schedule(cfg);
  const scatkit::FilterBank fb = scatkit::make_filter_bank(
      static_cast<std::size_t>(s.P), static_cast<std::size_t>(s.Q), c.J, c.L, 1);

  HostOps<T> ops;
  ops.wide = c.wide_index;
  scatkit::detail::gpu::Pipeline<T, HostOps<T>> pipe(s, fb, c.max_batch, ops);
  const std::vector<T> filters = pipe.host_filters();
  const std::vector<long> chan = pipe.host_channels();
  pipe.release_host_tables();

  // Each buffer gets max_batch times its per-image count, exactly as the CUDA engine allocates,
  // so an undersized Layout shows up as out-of-bounds writes caught by the sentinels below.
  const scatkit::detail::gpu::Layout& l = pipe.layout();
  const std::size_t b = c.max_batch, guard = 64;
  const T nan = std::numeric_limits<T>::quiet_NaN();
  std::vector<T> U(b * l.U + guard, nan);
  std::vector<Complex<T>> H(b * l.H + guard, {nan, nan}), G(b * l.G + guard, {nan, nan}),
      V1(b * l.V1h + guard, {nan, nan}), V2(b * l.V2h + guard, {nan, nan});
  const T canary = static_cast<T>(12345.0);
  for (std::size_t i = 0; i < guard; ++i) {
    U[b * l.U + i] = canary;
    H[b * l.H + i].re = canary;
    G[b * l.G + i].re = canary;
    V1[b * l.V1h + i].re = canary;
    V2[b * l.V2h + i].re = canary;
  }
  const scatkit::detail::gpu::Views<T> w{U.data(), H.data(), G.data(), V1.data(), V2.data()};

  std::mt19937 rng(static_cast<unsigned>(c.rows * 131 + c.cols * 7 + c.J));
  std::uniform_real_distribution<double> dist(-1.0, 1.0);
  const std::size_t in_img = c.rows * c.cols, out_img = cpu.out_size();
  std::vector<T> in(c.batch * in_img);
  for (T& v : in) v = static_cast<T>(dist(rng));
  std::vector<T> want(c.batch * out_img), got(c.batch * out_img, nan);
  cpu.execute(in.data(), want.data(), c.batch);

  std::size_t chunks = 0;
  for (std::size_t done = 0; done < c.batch;) {
    const std::size_t n = pipe.next_chunk(c.batch - done);
    pipe.run_chunk(ops, w, filters.data(), chan.data(), in.data() + done * in_img,
                   got.data() + done * out_img, n);
    done += n;
    ++chunks;
  }
  for (std::size_t done = 0; done < c.batch;) {
    const std::size_t n = pipe.next_chunk(c.batch - done);
    pipe.run_chunk_fft_only(ops, w, n);
    done += n;
  }

  bool ok = true;
  for (std::size_t i = 0; i < guard; ++i) {
    if (U[b * l.U + i] != canary || H[b * l.H + i].re != canary || G[b * l.G + i].re != canary ||
        V1[b * l.V1h + i].re != canary || V2[b * l.V2h + i].re != canary) {
      std::printf("FAIL %s: a workspace buffer was written past its Layout size\n",
                  describe(c).c_str());
      ok = false;
      break;
    }
  }
  double scale = 0, worst = 0;
  for (T v : want) scale = std::max(scale, std::fabs(static_cast<double>(v)));
  std::size_t bad = 0;
  for (std::size_t i = 0; i < got.size(); ++i) {
    const double d = std::fabs(static_cast<double>(got[i]) - static_cast<double>(want[i]));
    if (!(d <= worst)) worst = std::isnan(d) ? std::numeric_limits<double>::infinity() : d;
    if (std::isnan(d)) ++bad;
  }
  // Both sides round differently (FFT algorithms, summation order): ~1e-16 in float64, ~1e-7
  // in float32. A buffer, layout or channel-order bug gives errors of order one.
  const double tol = c.float64 ? 1e-10 : 1e-5;
  const double rel = worst / (scale > 0 ? scale : 1.0);
  if (bad > 0 || !(rel <= tol)) {
    std::printf(
        "FAIL %s: max |gpu pipeline - cpu| / max|cpu| = %.3g (tolerance %.1g), %zu "
        "values never written\n",
        describe(c).c_str(), rel, tol, bad);
    ok = false;
  }
  if (ok)
    std::printf("ok   %s: %zu chunks, relative error %.2g\n", describe(c).c_str(), chunks, rel);
  return ok;
}

}  // namespace

int main() {
  const Case cases[] = {
      {32, 32, 2, 4, 2, false, 3, 6},   // chunks 3 + 3
      {32, 32, 2, 4, 2, false, 3, 5},   // chunks 3 + 2
      {28, 40, 3, 3, 2, true, 4, 7},    // non-square, chunks 4 + 2 + 1
      {17, 23, 1, 8, 2, false, 2, 3},   // J=1: no second order, odd sizes
      {16, 16, 2, 2, 1, true, 1, 2},    // first order only
      {24, 20, 3, 1, 2, false, 5, 11},  // L=1, max_batch not a power of two: 5 + 5 + 1
      {20, 36, 2, 6, 2, true, 8, 3},    // batch below max_batch: 2 + 1
      {28, 40, 3, 3, 2, false, 4, 7, true},
  };
  int failures = 0;
  for (const Case& c : cases) {
    try {
      const bool ok = c.float64 ? run_case<double>(c) : run_case<float>(c);
      failures += ok ? 0 : 1;
    } catch (const std::exception& e) {
      std::printf("FAIL %s: %s\n", describe(c).c_str(), e.what());
      ++failures;
    }
  }
  if (failures) std::printf("%d case(s) failed\n", failures);
  return failures ? 1 : 0;
}
