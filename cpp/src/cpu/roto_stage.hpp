// The angular half of the roto-translation variants (docs/transform.md sections 7.3 and 7.4) in
// the CPU engine: from the complex second-layer maps Y[t1, t2] of one (j1, j2) pair, the real maps
// the spatial low-pass then averages. The angle axis is filtered with batched FFTW transforms on
// blocks of pixels (angle-major, so every FFT runs over a contiguous vector of pixels), with the
// filters of scatkit/detail/invariance.hpp, shared with the CUDA build.
//
// Everything here has internal linkage, like the engine (cpu_backend.cpp) that includes it.
#pragma once

#include <fftw3.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <vector>

#include "cpu/modulus.hpp"
#include "fft/fftw_plan.hpp"
#include "invariance.hpp"
#include "scatkit/detail/elementwise.hpp"
#include "scatkit/detail/invariance.hpp"
#include "schedule.hpp"

namespace scatkit {
namespace detail {
namespace {

/// Pixels per angular block: its A x (F + 1) complex values stay in the first cache levels.
constexpr long kAngularBlock = 64;

template <class T>
class RotoStage {
  using F = Fftw<T>;
  using C = Complex<T>;

 public:
  /// Layout and filters of cfg's roto-translation variant. FFTW's transforms are unnormalised:
  /// the 1/A of the inverse is folded into the filters.
  explicit RotoStage(const Config& cfg) : layout_(cfg), h_(angular_filter_table<T>(layout_)) {}

  const RawLayout& layout() const { return layout_; }
  bool joint() const { return layout_.joint; }
  /// Filters per angular transform: K + 1 (joint) or 2K + 1 (separable).
  int filters() const { return layout_.nf; }

  /// Complex values of one worker's angular blocks (the input block, then nf filtered ones).
  size_t block_values() const {
    return static_cast<size_t>((layout_.nf + 1) * layout_.A * kAngularBlock);
  }
  /// Complex values of Y for every j2 > j1 = 0 (the largest set the transform holds at once).
  static size_t y_values(const Schedule& s) {
    size_t n = 0;
    for (int j2 = 1; j2 < s.J; ++j2) n += static_cast<size_t>(s.rows_at(j2) * s.cols_at(j2));
    return n * static_cast<size_t>(s.L * s.L);
  }
  /// Real values of the maps one angular call writes (nf x L maps of the level-1 grid).
  size_t map_values(const Schedule& s) const {
    return static_cast<size_t>(layout_.nf * layout_.L) *
           static_cast<size_t>(s.rows_at(1) * s.cols_at(1));
  }

  /// Plans the angular FFTs on one worker's blocks (FFTW's new-array execute then runs them on
  /// every worker's blocks, which share their alignment). Interleaved complex with the pixels
  /// as FFTW's stride-1 vector loop: FFTW runs these with SIMD codelets (about 7 ns per
  /// 16-point transform here, against 25 ns with split arrays).
  void plan(C* blocks, unsigned flags) {
    using dim = typename F::dim_t;
    const int B = static_cast<int>(kAngularBlock);
    const dim n{layout_.A, B, B};
    const dim one[1] = {{B, 1, 1}};
    const dim many[2] = {{layout_.nf, layout_.A * B, layout_.A * B}, {B, 1, 1}};
    auto* a = fc(block(blocks, 0));
    auto* b = fc(block(blocks, 1));
    std::lock_guard<std::mutex> lock(fftw_planner_mutex());
    forward_ = checked_plan<T>(F::guru_c2c(1, &n, 1, one, a, a, FFTW_FORWARD, flags));
    inverse_ = checked_plan<T>(F::guru_c2c(1, &n, 2, many, b, b, FFTW_BACKWARD, flags));
  }

  /// Joint variant, one (j1, j2) pair: from Y[t1 * L + t2] (gs pixels each) writes
  /// M[(k * L + delta) * gs + p] = mean over t of |a_delta (*) h_k|[t] at pixel p.
  void joint_maps(const C* Y, size_t gs, T* M, C* blocks) const {
    const int L = layout_.L;
    for (int delta = 0; delta < L; ++delta)
      for (size_t p0 = 0; p0 < gs; p0 += kAngularBlock) {
        const size_t n = std::min<size_t>(kAngularBlock, gs - p0);
        for (int t = 0; t < layout_.A; ++t) {
          int s = 0, r = 0;
          const bool conj = joint_source(t, delta, L, &s, &r);
          gather(Y + static_cast<size_t>(s * L + r) * gs + p0, n, conj, block(blocks, 0) + t * B());
        }
        filter(blocks);
        for (int k = 0; k < layout_.nf; ++k)
          mean_modulus(block(blocks, 1 + k), n, M + static_cast<size_t>(k * L + delta) * gs + p0);
      }
  }

  /// Separable variant, one (j1, j2, t2): from Y[t1 * L + t2] writes
  /// M[(f * L + t1) * gs + p] = |b (*) h_f|[t1] at pixel p.
  void separable_maps(const C* Y, size_t gs, int t2, T* M, C* blocks) const {
    const int L = layout_.L;
    for (size_t p0 = 0; p0 < gs; p0 += kAngularBlock) {
      const size_t n = std::min<size_t>(kAngularBlock, gs - p0);
      for (int t1 = 0; t1 < L; ++t1)
        gather(Y + static_cast<size_t>(t1 * L + t2) * gs + p0, n, false,
               block(blocks, 0) + t1 * B());
      filter(blocks);
      for (int f = 0; f < layout_.nf; ++f)
        for (int t1 = 0; t1 < L; ++t1)
          modulus_map(block(blocks, 1 + f) + t1 * B(),
                      M + static_cast<size_t>(f * L + t1) * gs + p0, static_cast<long>(n));
    }
  }

  /// The angular FFTs of one pair (joint) or one (pair, t2) (separable), alone: FFT-only timing.
  void ffts_only(size_t gs, C* blocks) const {
    const size_t per = layout_.joint ? static_cast<size_t>(layout_.L) : 1;
    for (size_t i = 0; i < per; ++i)
      for (size_t p0 = 0; p0 < gs; p0 += kAngularBlock) {
        F::exec_c2c(forward_.get(), fc(block(blocks, 0)), fc(block(blocks, 0)));
        F::exec_c2c(inverse_.get(), fc(block(blocks, 1)), fc(block(blocks, 1)));
      }
  }

 private:
  static constexpr long B() { return kAngularBlock; }
  C* block(C* blocks, int i) const { return blocks + static_cast<size_t>(i * layout_.A * B()); }
  static typename F::complex_t* fc(C* p) { return reinterpret_cast<typename F::complex_t*>(p); }

  // n pixels of src (conjugated if asked) into one angle row of the input block; the rest zeroed.
  // The conjugate flips the imaginary sign bit of each complex word (as expand_half does), a
  // loop compilers vectorise as integer XORs.
  static void gather(const C* src, size_t n, bool conj, C* dst) {
    constexpr size_t kWords = sizeof(C) / sizeof(std::uint64_t);
    static_assert(kWords * sizeof(std::uint64_t) == sizeof(C), "complex of 64-bit words");
    std::uint64_t flip[kWords] = {};
    if (conj) {
      const C neg{T(0), -T(0)};
      std::memcpy(flip, &neg, sizeof neg);
    }
    const std::uint64_t* SCATKIT_RESTRICT v = reinterpret_cast<const std::uint64_t*>(src);
    std::uint64_t* SCATKIT_RESTRICT d = reinterpret_cast<std::uint64_t*>(dst);
    for (size_t i = 0; i < n * kWords; ++i) d[i] = v[i] ^ flip[i % kWords];
    for (size_t i = n * kWords; i < static_cast<size_t>(B()) * kWords; ++i) d[i] = 0;
  }

  // Forward FFT of the input block along the angle, times each (real) filter into the filtered
  // blocks, inverse FFTs.
  void filter(C* blocks) const {
    C* a = block(blocks, 0);
    F::exec_c2c(forward_.get(), fc(a), fc(a));
    const T* SCATKIT_RESTRICT src = reinterpret_cast<const T*>(a);
    for (int f = 0; f < layout_.nf; ++f) {
      T* SCATKIT_RESTRICT dst = reinterpret_cast<T*>(block(blocks, 1 + f));
      for (int m = 0; m < layout_.A; ++m) {
        const T h = h_[static_cast<size_t>(f * layout_.A + m)];
        const size_t row = static_cast<size_t>(2 * m * B());
        for (size_t i = row; i < row + static_cast<size_t>(2 * B()); ++i) dst[i] = src[i] * h;
      }
    }
    F::exec_c2c(inverse_.get(), fc(block(blocks, 1)), fc(block(blocks, 1)));
  }

  // out[q] = mean over the A angle rows of |b[t][q]|, q < n.
  void mean_modulus(const C* b, size_t n, T* SCATKIT_RESTRICT out) const {
    T acc[kAngularBlock] = {}, row[kAngularBlock];
    for (int t = 0; t < layout_.A; ++t) {
      modulus_map(b + t * B(), row, B());
      for (long q = 0; q < B(); ++q) acc[q] += row[q];
    }
    const T scale = T(1) / static_cast<T>(layout_.A);
    for (size_t q = 0; q < n; ++q) out[q] = acc[q] * scale;
  }

  RawLayout layout_;
  std::vector<T> h_;  // [filter][m], divided by A
  FftwPlan<T> forward_, inverse_;
};

}  // namespace
}  // namespace detail
}  // namespace scatkit
