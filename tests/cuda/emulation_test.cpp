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
#include "rotation.hpp"
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
  // FFTW fixes the direction in the plan (cuFFT takes it at execution).
  Fft plan_angular(long n, std::size_t vectors, bool inverse) {
    std::vector<Complex<T>> data(static_cast<std::size_t>(n) * vectors);
    const int v = static_cast<int>(vectors);
    const typename F::dim_t dim{static_cast<int>(n), v, v};
    const typename F::dim_t many{v, 1, 1};
    std::lock_guard<std::mutex> lock(scatkit::detail::fftw_planner_mutex());
    return check(F::guru_c2c(1, &dim, 1, &many, fcp(data.data()), fcp(data.data()),
                             inverse ? FFTW_BACKWARD : FFTW_FORWARD, kFlags));
  }
  void c2c_inverse(const Fft& p, Complex<T>* data) { F::exec_c2c(p.get(), fcp(data), fcp(data)); }
  void c2c_forward(const Fft& p, Complex<T>* data) { F::exec_c2c(p.get(), fcp(data), fcp(data)); }
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
  // Invariance 'rotation' or joint 'roto-translation': images per chunk before rounding to a
  // planned size (the engine derives it from a byte budget); 0 for the translation output.
  std::size_t rotation_images = 0;
  scatkit::Invariance invariance = scatkit::Invariance::Translation;  // with rotation_images
  int K = 0;                                                          // angular scales, 0: default
};

// A roto-translation case: inv with K angular scales, images per chunk (joint variant; the
// separable one writes its output directly).
Case roto(Case c, scatkit::Invariance inv, int K, std::size_t images) {
  c.invariance = inv;
  c.K = K;
  c.rotation_images = inv == scatkit::Invariance::RotoTranslation ? images : 0;
  return c;
}

std::string describe(const Case& c) {
  return std::to_string(c.rows) + "x" + std::to_string(c.cols) + " J=" + std::to_string(c.J) +
         " L=" + std::to_string(c.L) + " order=" + std::to_string(c.max_order) +
         (c.float64 ? " float64" : " float32") + " max_batch=" + std::to_string(c.max_batch) +
         " batch=" + std::to_string(c.batch) + (c.wide_index ? " 64-bit indices" : "") + " " +
         scatkit::invariance_name(c.invariance) +
         (c.K ? " K=" + std::to_string(c.K) : std::string());
}

// The averaging table against the rotation plan's channel table, from the definition (section
// 7.2): channel c averages the L translation paths of its orbit, each exactly once.
bool check_rotation_table(const Case& c, const scatkit::detail::Schedule& s,
                          const scatkit::detail::gpu::RotationTable& table,
                          const std::vector<scatkit::ChannelMeta>& want) {
  auto fail = [&](const std::string& why) {
    std::printf("FAIL %s: rotation table: %s\n", describe(c).c_str(), why.c_str());
    return false;
  };
  if (table.channels != want.size())
    return fail(std::to_string(table.channels) + " channels, the plan has " +
                std::to_string(want.size()));
  const std::uint32_t* off = table.data.data();
  if (off[0] != table.channels + 1 || off[table.channels] != table.data.size())
    return fail("offsets do not frame the sources");
  for (std::size_t ch = 0; ch < want.size(); ++ch) {
    const scatkit::ChannelMeta& m = want[ch];
    const std::size_t n = off[ch + 1] - off[ch];
    const std::size_t expect_n = m.order == 0 ? 1 : static_cast<std::size_t>(s.L);
    if (n != expect_n)
      return fail("channel " + std::to_string(ch) + " averages " + std::to_string(n) + " paths");
    std::vector<bool> seen(static_cast<std::size_t>(s.L), false);
    for (std::size_t i = 0; i < n; ++i) {
      const scatkit::ChannelMeta& p = s.meta.at(table.data[off[ch] + i]);
      bool same = p.order == m.order && p.j1 == m.j1 && p.j2 == m.j2;
      if (m.order == 2) same = same && (p.theta2 - p.theta1 + s.L) % s.L == m.delta;
      if (m.order >= 1) {
        same = same && !seen.at(static_cast<std::size_t>(p.theta1));
        seen[static_cast<std::size_t>(p.theta1)] = true;
      }
      if (!same) return fail("channel " + std::to_string(ch) + " has a source off its orbit");
    }
  }
  return true;
}

// The per-value average_at (the kernel's math) against the CPU stage's average_planes, bit for
// bit, on one chunk's translation output.
template <class T>
bool check_average_at(const Case& c, const scatkit::detail::gpu::RotationTable& table,
                      const T* plain, const T* got, std::size_t n, std::size_t K,
                      std::size_t plane) {
  std::vector<T> row(plane);
  const std::uint32_t* off = table.data.data();
  for (std::size_t img = 0; img < n; ++img)
    for (std::size_t ch = 0; ch < table.channels; ++ch) {
      scatkit::detail::average_planes(plain + img * K * plane, off + off[ch], off[ch + 1] - off[ch],
                                      plane, row.data());
      const T* g = got + (img * table.channels + ch) * plane;
      for (std::size_t p = 0; p < plane; ++p)
        if (!(g[p] == row[p])) {
          std::printf("FAIL %s: average_at differs from average_planes (channel %zu)\n",
                      describe(c).c_str(), ch);
          return false;
        }
    }
  return true;
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
  cfg.invariance = c.invariance;
  cfg.angular_scales = c.K;
  scatkit::Plan cpu(cfg);
  const scatkit::detail::Schedule s = scatkit::detail::make_schedule(cfg);
  const scatkit::FilterBank fb = scatkit::make_filter_bank(
      static_cast<std::size_t>(s.P), static_cast<std::size_t>(s.Q), c.J, c.L, 1);

  HostOps<T> ops;
  ops.wide = c.wide_index;
  namespace gpu = scatkit::detail::gpu;
  const gpu::RotoSpec spec = gpu::make_roto_spec(cfg);
  gpu::Pipeline<T, HostOps<T>> pipe(s, fb, c.max_batch, ops, spec);
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
      V1(b * l.V1h + guard, {nan, nan}), V2(b * l.V2h + guard, {nan, nan}),
      R(b * l.R + guard, {nan, nan});
  const T canary = static_cast<T>(12345.0);
  for (std::size_t i = 0; i < guard; ++i) {
    U[b * l.U + i] = canary;
    H[b * l.H + i].re = canary;
    G[b * l.G + i].re = canary;
    V1[b * l.V1h + i].re = canary;
    V2[b * l.V2h + i].re = canary;
    R[b * l.R + i].re = canary;
  }
  const gpu::Views<T> w{U.data(), H.data(), G.data(), V1.data(), V2.data(), R.data()};

  std::mt19937 rng(static_cast<unsigned>(c.rows * 131 + c.cols * 7 + c.J));
  std::uniform_real_distribution<double> dist(-1.0, 1.0);
  const std::size_t in_img = c.rows * c.cols, out_img = cpu.out_size();
  std::vector<T> in(c.batch * in_img);
  for (T& v : in) v = static_cast<T>(dist(rng));
  std::vector<T> want(c.batch * out_img), got(c.batch * out_img, nan);
  cpu.execute(in.data(), want.data(), c.batch);

  // Rotation and joint roto-translation: the engine's chunking (a byte budget rounded to a
  // planned chunk size), its table, and the pipeline's output of a chunk in a buffer of exactly
  // that many images.
  const std::size_t plane = static_cast<std::size_t>(s.out_rows * s.out_cols);
  const std::size_t raw = pipe.out_channels();
  std::size_t limit = c.max_batch;
  gpu::RotationTable table;
  gpu::RotoOutputTable roto_table;
  std::vector<T> plain;
  bool ok = true;
  if (spec.variant && !spec.joint && raw != cpu.num_channels()) {
    std::printf("FAIL %s: the separable raw layout has %zu channels, the plan %zu\n",
                describe(c).c_str(), raw, cpu.num_channels());
    ok = false;
  }
  if (c.rotation_images) {
    limit = pipe.next_chunk(
        gpu::rotation_chunk(s, raw, sizeof(T), c.rotation_images * raw * plane * sizeof(T) + 1, b));
    plain.assign(limit * raw * plane + guard, nan);
    for (std::size_t i = 0; i < guard; ++i) plain[limit * raw * plane + i] = canary;
    if (spec.variant) {
      roto_table = gpu::roto_output_table(spec, s);
      if (roto_table.channels != cpu.num_channels()) {
        std::printf("FAIL %s: the joint output table has %zu channels, the plan %zu\n",
                    describe(c).c_str(), roto_table.channels, cpu.num_channels());
        ok = false;
      }
    } else {
      table = gpu::rotation_table(s);
      ok = check_rotation_table(c, s, table, cpu.meta()) && ok;
    }
  }
  std::size_t chunks = 0;
  for (std::size_t done = 0; done < c.batch;) {
    const std::size_t n = pipe.next_chunk(std::min(c.batch - done, limit));
    T* dst = got.data() + done * out_img;
    if (c.rotation_images) {
      pipe.run_chunk(ops, w, filters.data(), chan.data(), in.data() + done * in_img, plain.data(),
                     n);
      if (spec.variant) {
        gpu::roto_output(ops, s, spec, roto_table.channels, roto_table.data.data(),
                         roto_table.taps.data(), plain.data(), dst, n);
      } else {
        gpu::rotation_average(ops, s, table.channels, table.data.data(), plain.data(), dst, n);
        ok = check_average_at(c, table, plain.data(), dst, n, s.K, plane) && ok;
      }
    } else {
      pipe.run_chunk(ops, w, filters.data(), chan.data(), in.data() + done * in_img, dst, n);
    }
    done += n;
    ++chunks;
  }
  for (std::size_t done = 0; done < c.batch;) {
    const std::size_t n = pipe.next_chunk(std::min(c.batch - done, limit));
    pipe.run_chunk_fft_only(ops, w, n);
    done += n;
  }
  for (std::size_t i = 0; i < guard && !plain.empty(); ++i) {
    if (plain[limit * raw * plane + i] != canary) {
      std::printf("FAIL %s: the chunk's pipeline output buffer was overrun\n", describe(c).c_str());
      ok = false;
      break;
    }
  }

  for (std::size_t i = 0; i < guard; ++i) {
    if (U[b * l.U + i] != canary || H[b * l.H + i].re != canary || G[b * l.G + i].re != canary ||
        V1[b * l.V1h + i].re != canary || V2[b * l.V2h + i].re != canary ||
        R[b * l.R + i].re != canary) {
      std::printf("FAIL %s: a workspace buffer was written past its Layout size\n",
                  describe(c).c_str());
      ok = false;
      break;
    }
  }
  // Error relative to the largest value of the same order: second-order channels are much
  // smaller than S0, and a wrong angular stage must not hide below S0's scale.
  double scale[3] = {0, 0, 0}, worst[3] = {0, 0, 0};
  const std::vector<scatkit::ChannelMeta>& meta = cpu.meta();
  auto order_of = [&](std::size_t i) {
    return static_cast<std::size_t>(meta[(i / plane) % meta.size()].order);
  };
  for (std::size_t i = 0; i < want.size(); ++i)
    scale[order_of(i)] = std::max(scale[order_of(i)], std::fabs(static_cast<double>(want[i])));
  std::size_t bad = 0;
  for (std::size_t i = 0; i < got.size(); ++i) {
    const double d = std::fabs(static_cast<double>(got[i]) - static_cast<double>(want[i]));
    double& w_o = worst[order_of(i)];
    if (!(d <= w_o)) w_o = std::isnan(d) ? std::numeric_limits<double>::infinity() : d;
    if (std::isnan(d)) ++bad;
  }
  // Both sides round differently (FFT algorithms, summation order): ~1e-16 in float64, ~1e-7
  // in float32. A buffer, layout or channel-order bug gives errors of order one.
  const double tol = c.float64 ? 1e-10 : 1e-5;
  double rel = 0;
  for (int o = 0; o < 3; ++o) rel = std::max(rel, worst[o] / (scale[o] > 0 ? scale[o] : 1.0));
  if (bad > 0 || !(rel <= tol)) {
    std::printf(
        "FAIL %s: max |gpu pipeline - cpu| / max|cpu| per order = %.3g (tolerance %.1g), %zu "
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
  using Inv = scatkit::Invariance;
  const Inv rot = Inv::Rotation, joint = Inv::RotoTranslation, sep = Inv::RotoTranslationSeparable;
  const Case cases[] = {
      {32, 32, 2, 4, 2, false, 3, 6},   // chunks 3 + 3
      {32, 32, 2, 4, 2, false, 3, 5},   // chunks 3 + 2
      {28, 40, 3, 3, 2, true, 4, 7},    // non-square, chunks 4 + 2 + 1
      {17, 23, 1, 8, 2, false, 2, 3},   // J=1: no second order, odd sizes
      {16, 16, 2, 2, 1, true, 1, 2},    // first order only
      {24, 20, 3, 1, 2, false, 5, 11},  // L=1, max_batch not a power of two: 5 + 5 + 1
      {20, 36, 2, 6, 2, true, 8, 3},    // batch below max_batch: 2 + 1
      {28, 40, 3, 3, 2, false, 4, 7, true},
      // Rotation: chunks bounded by the rotation budget, rounded down to a planned size (2+2+1,
      // 2+2+2+1, 2+1, 1+1+1, 4+2).
      {32, 32, 3, 4, 2, false, 4, 5, false, 2, rot},
      {28, 40, 3, 3, 2, true, 4, 7, false, 3, rot},
      {24, 20, 2, 5, 1, false, 2, 3, false, 8, rot},  // first order only, odd L
      {17, 23, 1, 8, 2, true, 2, 3, false, 1, rot},   // J=1: orders 0 and 1
      {20, 36, 3, 6, 2, false, 4, 6, true, 4, rot},
      // Joint roto-translation: the raw layout in chunks bounded like rotation's (2+2+1, 2+2+2+1,
      // 4+2, 2+1, 1+1+1), then the device pass to the output.
      roto({32, 32, 2, 4, 2, false, 4, 5}, joint, 3, 2),
      roto({28, 40, 3, 3, 2, true, 4, 7}, joint, 1, 2),  // odd L, non-square, K=1
      roto({20, 36, 3, 6, 2, false, 4, 6, true}, joint, 2, 4),
      roto({32, 24, 3, 4, 2, true, 4, 5}, joint, 3, 2),   // J=3, default K
      roto({24, 20, 2, 5, 1, false, 2, 3}, joint, 2, 8),  // first order only, odd L
      roto({17, 23, 1, 8, 2, true, 2, 3}, joint, 3, 1),   // J=1: (j1, k) channels, no pairs
      roto({24, 20, 2, 1, 2, false, 2, 3}, joint, 2, 2),  // L=1
      // Separable: the pipeline writes the output itself (chunks 3+2, 4+2+1, 4+2, 2+1).
      roto({32, 32, 2, 4, 2, false, 3, 5}, sep, 2, 0),
      roto({28, 40, 3, 3, 2, true, 4, 7}, sep, 1, 0),  // odd L, non-square, K=1
      roto({20, 36, 3, 6, 2, false, 4, 6, true}, sep, 3, 0),
      roto({32, 24, 3, 4, 2, true, 4, 5}, sep, 2, 0),
      roto({24, 20, 2, 5, 1, true, 2, 3}, sep, 2, 0),   // first order only
      roto({17, 23, 1, 8, 2, false, 2, 3}, sep, 1, 0),  // J=1
      roto({24, 20, 2, 1, 2, true, 2, 3}, sep, 2, 0),   // L=1: one-point angular axis
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
