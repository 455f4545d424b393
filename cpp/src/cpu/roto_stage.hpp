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
#include <mutex>
#include <vector>

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
  /// Layout and filters of cfg's roto-translation variant on schedule s.
  RotoStage(const Config& cfg, const Schedule& s)
      : layout_(cfg),
        joint_(cfg.invariance == Invariance::RotoTranslation),
        L_(s.L),
        A_(joint_ ? 2 * s.L : s.L),
        nf_(joint_ ? layout_.K + 1 : 2 * layout_.K + 1) {
    // FFTW's transforms are unnormalised: 1/A of the inverse is folded into the filters.
    h_.resize(static_cast<size_t>(nf_ * A_));
    for (int f = 0; f < nf_; ++f)
      for (int m = 0; m < A_; ++m)
        h_[static_cast<size_t>(f * A_ + m)] =
            static_cast<T>(angular_filter(f, m, A_, layout_.K) / A_);
  }

  const RawLayout& layout() const { return layout_; }
  bool joint() const { return joint_; }
  /// Filters per angular transform: K + 1 (joint) or 2K + 1 (separable).
  int filters() const { return nf_; }

  /// Complex values of one worker's angular blocks (the input block, then nf_ filtered ones),
  /// stored split: the real parts of every block, then the imaginary parts.
  size_t block_values() const { return static_cast<size_t>((nf_ + 1) * A_ * kAngularBlock); }
  /// Complex values of Y for every j2 > j1 = 0 (the largest set the transform holds at once).
  static size_t y_values(const Schedule& s) {
    size_t n = 0;
    for (int j2 = 1; j2 < s.J; ++j2) n += static_cast<size_t>(s.rows_at(j2) * s.cols_at(j2));
    return n * static_cast<size_t>(s.L * s.L);
  }
  /// Real values of the maps one angular call writes (nf_ x L maps of the level-1 grid).
  size_t map_values(const Schedule& s) const {
    return static_cast<size_t>(nf_ * L_) * static_cast<size_t>(s.rows_at(1) * s.cols_at(1));
  }

  /// Plans the angular FFTs on one worker's blocks (FFTW's new-array execute then runs them on
  /// every worker's blocks, which share their alignment). Split arrays let FFTW and the loops
  /// below run along contiguous pixels.
  void plan(C* blocks, unsigned flags) {
    using dim = typename F::dim_t;
    const int B = static_cast<int>(kAngularBlock);
    const dim n{A_, B, B};
    const dim one[1] = {{B, 1, 1}};
    const dim many[2] = {{nf_, A_ * B, A_ * B}, {B, 1, 1}};
    const Split sp = split(blocks);
    std::lock_guard<std::mutex> lock(fftw_planner_mutex());
    forward_ = checked_plan<T>(F::guru_split(1, &n, 1, one, sp.are, sp.aim, sp.are, sp.aim, flags));
    // The inverse DFT is the forward one with real and imaginary parts swapped.
    inverse_ =
        checked_plan<T>(F::guru_split(1, &n, 2, many, sp.bim, sp.bre, sp.bim, sp.bre, flags));
  }

  /// Joint variant, one (j1, j2) pair: from Y[t1 * L + t2] (gs pixels each) writes
  /// M[(k * L + delta) * gs + p] = mean over t of |a_delta (*) h_k|[t] at pixel p.
  void joint_maps(const C* Y, size_t gs, T* M, C* blocks) const {
    const int L = L_;
    const Split sp = split(blocks);
    for (int delta = 0; delta < L; ++delta)
      for (size_t p0 = 0; p0 < gs; p0 += kAngularBlock) {
        const size_t n = std::min<size_t>(kAngularBlock, gs - p0);
        for (int t = 0; t < A_; ++t) {
          int s = 0, r = 0;
          const bool conj = joint_source(t, delta, L, &s, &r);
          gather(Y + static_cast<size_t>(s * L + r) * gs + p0, n, conj, sp.are + t * B(),
                 sp.aim + t * B());
        }
        filter(sp);
        for (int k = 0; k < nf_; ++k)
          mean_modulus(sp, k, n, M + static_cast<size_t>(k * L + delta) * gs + p0);
      }
  }

  /// Separable variant, one (j1, j2, t2): from Y[t1 * L + t2] writes
  /// M[(f * L + t1) * gs + p] = |b (*) h_f|[t1] at pixel p.
  void separable_maps(const C* Y, size_t gs, int t2, T* M, C* blocks) const {
    const int L = L_;
    const Split sp = split(blocks);
    for (size_t p0 = 0; p0 < gs; p0 += kAngularBlock) {
      const size_t n = std::min<size_t>(kAngularBlock, gs - p0);
      for (int t1 = 0; t1 < L; ++t1)
        gather(Y + static_cast<size_t>(t1 * L + t2) * gs + p0, n, false, sp.are + t1 * B(),
               sp.aim + t1 * B());
      filter(sp);
      for (int f = 0; f < nf_; ++f)
        for (int t1 = 0; t1 < L; ++t1) {
          const size_t row = static_cast<size_t>((f * A_ + t1) * B());
          const T* re = sp.bre + row;
          const T* im = sp.bim + row;
          T* dst = M + static_cast<size_t>(f * L + t1) * gs + p0;
          for (size_t q = 0; q < n; ++q) dst[q] = std::sqrt(re[q] * re[q] + im[q] * im[q]);
        }
    }
  }

  /// The angular FFTs of one pair (joint) or one (pair, t2) (separable), alone: FFT-only timing.
  void ffts_only(size_t gs, C* blocks) const {
    const size_t per = joint_ ? static_cast<size_t>(L_) : 1;
    const Split sp = split(blocks);
    for (size_t i = 0; i < per; ++i)
      for (size_t p0 = 0; p0 < gs; p0 += kAngularBlock) {
        F::exec_split(forward_.get(), sp.are, sp.aim, sp.are, sp.aim);
        F::exec_split(inverse_.get(), sp.bim, sp.bre, sp.bim, sp.bre);
      }
  }

 private:
  static constexpr long B() { return kAngularBlock; }

  // The blocks' split arrays: input block a (A x B), filtered blocks b (nf x A x B).
  struct Split {
    T *are, *aim, *bre, *bim;
  };
  Split split(C* blocks) const {
    T* base = reinterpret_cast<T*>(blocks);
    const size_t ab = static_cast<size_t>(A_ * B()), nb = static_cast<size_t>(nf_) * ab;
    return Split{base, base + ab, base + 2 * ab, base + 2 * ab + nb};
  }

  // n pixels of src (conjugated if asked) into one angle row of the input block; the rest zeroed.
  static void gather(const C* src, size_t n, bool conj, T* SCATKIT_RESTRICT re,
                     T* SCATKIT_RESTRICT im) {
    const T* v = reinterpret_cast<const T*>(src);
    const T sign = conj ? T(-1) : T(1);
    for (size_t q = 0; q < n; ++q) {
      re[q] = v[2 * q];
      im[q] = sign * v[2 * q + 1];
    }
    for (size_t q = n; q < static_cast<size_t>(B()); ++q) re[q] = im[q] = T(0);
  }

  // Forward FFT of the input block along the angle, times each filter into the filtered blocks,
  // inverse FFTs.
  void filter(const Split& sp) const {
    F::exec_split(forward_.get(), sp.are, sp.aim, sp.are, sp.aim);
    for (int f = 0; f < nf_; ++f)
      for (int m = 0; m < A_; ++m) {
        const T h = h_[static_cast<size_t>(f * A_ + m)];
        const T* SCATKIT_RESTRICT sre = sp.are + m * B();
        const T* SCATKIT_RESTRICT sim = sp.aim + m * B();
        T* SCATKIT_RESTRICT dre = sp.bre + (f * A_ + m) * B();
        T* SCATKIT_RESTRICT dim = sp.bim + (f * A_ + m) * B();
        for (long q = 0; q < B(); ++q) {
          dre[q] = sre[q] * h;
          dim[q] = sim[q] * h;
        }
      }
    F::exec_split(inverse_.get(), sp.bim, sp.bre, sp.bim, sp.bre);
  }

  // out[q] = mean over the A angle rows of filtered block f of |b[t][q]|, q < n.
  void mean_modulus(const Split& sp, int f, size_t n, T* SCATKIT_RESTRICT out) const {
    T acc[kAngularBlock] = {};
    for (int t = 0; t < A_; ++t) {
      const T* SCATKIT_RESTRICT re = sp.bre + (f * A_ + t) * B();
      const T* SCATKIT_RESTRICT im = sp.bim + (f * A_ + t) * B();
      for (long q = 0; q < B(); ++q) acc[q] += std::sqrt(re[q] * re[q] + im[q] * im[q]);
    }
    const T scale = T(1) / static_cast<T>(A_);
    for (size_t q = 0; q < n; ++q) out[q] = acc[q] * scale;
  }

  RawLayout layout_;
  bool joint_;
  int L_, A_, nf_;
  std::vector<T> h_;  // [filter][m], divided by A
  FftwPlan<T> forward_, inverse_;
};

}  // namespace
}  // namespace detail
}  // namespace scatkit
