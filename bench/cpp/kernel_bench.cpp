// Times the CPU engine's densest non-FFT kernels against what this processor sustains for the
// same instructions, float32, one thread, built like the engine's AVX2 variant
// (-DSCATKIT_BENCH=ON):
//   scatkit_kernel_bench
// 1. The spatial low-pass (cpu/spatial_lowpass.hpp) at the three levels of 256x256 J=3 (phi's
//    response: compact at level 0, the whole grid at levels 1 and 2), in multiply-adds per ns,
//    next to a loop with the rows pass's instructions per source line (2 vector loads, 4
//    broadcasts, 8 multiplies, 8 adds, no FMA: the engine's variants must give the same bits)
//    over a block that stays in L1, the rate this processor sustains for that mix.
// 2. The modulus, in ns per element over a block in L1: the portable loop (modulus_row, as the
//    compiler vectorises it), the engine's (cpu/modulus.hpp), and the engine's with the square
//    root replaced by rsqrt + one Newton step + an FMA correction, with the number of floats for
//    which that square root differs from sqrt's correctly rounded one (all positive normal
//    floats are checked).
// Each kernel is timed alternately with the one it is compared with, 21 repeats: medians of the
// times and of the per-repeat ratios.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

#include "cpu/modulus.hpp"
#include "cpu/spatial_lowpass.hpp"
#include "filter_bank.hpp"
#include "scatkit/detail/elementwise.hpp"
#include "timing.hpp"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

using scatkit::detail::axis_impulse_response;
using scatkit::detail::Complex;
using scatkit::detail::load_vec;
using scatkit::detail::SpatialLowpass;
using scatkit::detail::split_separable;
using scatkit::detail::store_vec;
using scatkit::detail::Vec;
using scatkit_bench::seconds;

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// fa and fb timed alternately, 21 times `calls` calls each: the median time per call of each,
// and the median of the per-repeat ratios b / a (robust to the machine's drifting speed).
struct Pair {
  double a, b, b_over_a;
};
template <class FA, class FB>
Pair paired(int calls_a, FA&& fa, int calls_b, FB&& fb) {
  std::vector<double> ta, tb, r;
  for (int rep = 0; rep < 21; ++rep) {
    const double t0 = seconds();
    for (int i = 0; i < calls_a; ++i) fa();
    const double t1 = seconds();
    for (int i = 0; i < calls_b; ++i) fb();
    const double t2 = seconds();
    ta.push_back((t1 - t0) / calls_a);
    tb.push_back((t2 - t1) / calls_b);
    r.push_back(tb.back() / ta.back());
  }
  return {median(ta), median(tb), median(r)};
}

// The rows pass's inner loop (4 output lines x 2 vectors per source line) over kLines source
// lines of a block that stays in L1: 8 * kLines vector multiply-adds per call.
constexpr int kLines = 136;
struct L1Loop {
  using V = Vec<float>;
  static constexpr int W = static_cast<int>(sizeof(V) / sizeof(float));
  std::vector<float> src = std::vector<float>(static_cast<size_t>(kLines * 2 * W)),
                     w = std::vector<float>(static_cast<size_t>(kLines * 4)),
                     out = std::vector<float>(static_cast<size_t>(8 * W));
  L1Loop() {
    for (size_t i = 0; i < src.size(); ++i) src[i] = 1.0f + 1e-3f * static_cast<float>(i % 97);
    for (size_t i = 0; i < w.size(); ++i) w[i] = 1e-4f * static_cast<float>(i % 31);
  }
  static double multiply_adds() { return 8.0 * W * kLines; }
  void operator()() {
    V a0 = {}, a1 = {}, a2 = {}, a3 = {}, b0 = {}, b1 = {}, b2 = {}, b3 = {};
    for (int e = 0; e < kLines; ++e) {
      const V u = load_vec(src.data() + e * 2 * W), v = load_vec(src.data() + e * 2 * W + W);
      const float* we = w.data() + e * 4;
      a0 += we[0] * u, b0 += we[0] * v;
      a1 += we[1] * u, b1 += we[1] * v;
      a2 += we[2] * u, b2 += we[2] * v;
      a3 += we[3] * u, b3 += we[3] * v;
    }
    const V r[8] = {a0, a1, a2, a3, b0, b1, b2, b3};
    for (int l = 0; l < 8; ++l) store_vec(out.data() + l * W, r[l]);
    __asm__ volatile("" : : "r"(out.data()) : "memory");
  }
};

void spatial_lowpass() {
  const long P = 272, out = 32;
  const int J = 3;
  L1Loop loop;
  std::printf(
      "spatial low-pass at the levels of 256x256 J=3 (padded 272x272, 32x32 outputs; the\n"
      "transform low-passes levels 1 and 2 in space), float32, paired with the L1 loop:\n");
  std::printf("  level  grid     taps  multiply-adds  time      rate      L1 loop   ratio\n");
  // phi's levels from the engine's filter bank, split into axis filters as the engine does.
  const scatkit::FilterBank bank = scatkit::detail::make_filter_bank(
      static_cast<size_t>(P), static_cast<size_t>(P), J, 8, 1, true);
  for (int r = 0; r < J; ++r) {
    const long n = P >> r, k = 1L << (J - r);
    std::vector<double> A, B;
    if (!split_separable(bank.phi[static_cast<size_t>(r)], n, n, 1e-12, &A, &B)) {
      std::printf("  level %d: phi is not separable\n", r);
      continue;
    }
    const SpatialLowpass<float> s = SpatialLowpass<float>::make(
        axis_impulse_response(A), axis_impulse_response(B), k, out, out, 1e-9);
    std::vector<float> u(static_cast<size_t>(n * n)), o(static_cast<size_t>(out * out)),
        scratch(SpatialLowpass<float>::scratch_size(out, n, out));
    for (size_t i = 0; i < u.size(); ++i) u[i] = 0.5f + 1e-3f * static_cast<float>(i % 101);
    const double macs = static_cast<double>(s.multiply_adds());
    const int calls = static_cast<int>(std::max(1.0, 2e7 / macs));
    const int loop_calls = static_cast<int>(macs * calls / L1Loop::multiply_adds());
    const Pair p = paired(loop_calls, loop, calls, [&] {
      s.apply(u.data(), scratch.data(), o.data());
      __asm__ volatile("" : : "r"(o.data()) : "memory");
    });
    const double rate = macs / p.b * 1e-9, ideal = L1Loop::multiply_adds() / p.a * 1e-9;
    std::printf("  %d      %3ldx%-3ld  %-4s  %-13.0f  %6.1f us  %5.1f/ns  %5.1f/ns  %3.0f%%\n", r,
                n, n,
                s.rows.src.size() / s.rows.start.size() >= static_cast<size_t>(n) ? "all" : "cut",
                macs, p.b * 1e6, rate, ideal, 100 * macs / L1Loop::multiply_adds() / p.b_over_a);
  }
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define SCATKIT_KB_FMA 1
// sqrt(x) for positive normal floats: rsqrt estimate, one Newton step on (s, h = 1/(2 s)), and
// the FMA correction s + (x - s^2) h.
__attribute__((target("avx2,fma"))) __m256 rsqrt_newton_sqrt(__m256 x) {
  const __m256 y = _mm256_rsqrt_ps(x), half = _mm256_set1_ps(0.5f);
  __m256 s = _mm256_mul_ps(x, y), h = _mm256_mul_ps(half, y);
  const __m256 r = _mm256_fnmadd_ps(s, h, half);
  s = _mm256_fmadd_ps(s, r, s);
  h = _mm256_fmadd_ps(h, r, h);
  return _mm256_fmadd_ps(_mm256_fnmadd_ps(s, s, x), h, s);
}

__attribute__((target("avx2,fma"))) void modulus_rsqrt(const Complex<float>* y, float* u, long n) {
  const float* p = &y[0].re;
  for (long i = 0; i + 8 <= n; i += 8) {
    const __m256 a = _mm256_loadu_ps(p + 2 * i), b = _mm256_loadu_ps(p + 2 * i + 8);
    const __m256 q = _mm256_hadd_ps(_mm256_mul_ps(a, a), _mm256_mul_ps(b, b));
    const __m256d ordered = _mm256_permute4x64_pd(_mm256_castps_pd(q), 0xD8);
    _mm256_storeu_ps(u + i, rsqrt_newton_sqrt(_mm256_castpd_ps(ordered)));
  }
}

__attribute__((target("avx2,fma"))) uint64_t rsqrt_mismatches() {
  uint64_t bad = 0;
  for (uint64_t b = 0x00800000u; b < 0x7f800000u; b += 8) {
    alignas(32) uint32_t bits[8], got[8];
    for (int i = 0; i < 8; ++i) bits[i] = static_cast<uint32_t>(b) + static_cast<uint32_t>(i);
    __m256 x;
    std::memcpy(&x, bits, sizeof(x));
    const __m256 f = rsqrt_newton_sqrt(x);
    std::memcpy(got, &f, sizeof(f));
    for (int i = 0; i < 8; ++i) {
      float xi, gi;
      std::memcpy(&xi, &bits[i], 4);
      std::memcpy(&gi, &got[i], 4);
      bad += gi != std::sqrt(xi);
    }
  }
  return bad;
}
#endif

void modulus() {
  const long n = 4096;
  std::vector<Complex<float>> y(static_cast<size_t>(n));
  std::vector<float> u(static_cast<size_t>(n));
  for (long i = 0; i < n; ++i)
    y[static_cast<size_t>(i)] = {0.01f * static_cast<float>(i % 89), -0.02f * (i % 13)};
  const auto portable = [&] {
    scatkit::detail::modulus_row(y.data(), u.data(), n);
    __asm__ volatile("" : : "r"(u.data()) : "memory");
  };
  const auto engine = [&] {
    scatkit::detail::modulus_map(y.data(), u.data(), n);
    __asm__ volatile("" : : "r"(u.data()) : "memory");
  };
  const Pair p = paired(2000, portable, 2000, engine);
  std::printf("modulus, %ld complex values in L1, float32 (time per value, paired):\n", n);
  std::printf("  portable loop (modulus_row):           %.3f ns\n", p.a / n * 1e9);
  std::printf("  engine (modulus_map):                  %.3f ns, %.2fx the portable loop's\n",
              p.b / n * 1e9, p.b_over_a);
#if defined(SCATKIT_KB_FMA)
  __builtin_cpu_init();
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) return;
  const Pair q = paired(2000, engine, 2000, [&] {
    modulus_rsqrt(y.data(), u.data(), n);
    __asm__ volatile("" : : "r"(u.data()) : "memory");
  });
  std::printf("  engine with rsqrt + Newton + FMA:      %.3f ns, %.2fx the engine's\n",
              q.b / n * 1e9, q.b_over_a);
  std::printf(
      "  that square root differs from sqrt on %llu of the 2130706432 positive normal "
      "floats\n",
      static_cast<unsigned long long>(rsqrt_mismatches()));
#endif
}

}  // namespace

int main() {
  spatial_lowpass();
  modulus();
  return 0;
}
