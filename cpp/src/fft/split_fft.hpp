// 2D FFTs for grids whose sides have a prime factor FFTW has no codelet for: two split axes
// (axis_fft.hpp, where the method is described) make one 2D transform (SplitFft2d), and GridFft
// runs each grid size with FFTW's own 2D plan or the split transform, whichever is faster.
//
// Everything here has internal linkage: the file is compiled once per instruction set variant
// of the CPU engine, and the variants must not share (ODR-merge) any function.
#pragma once

#include <fftw3.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "fft/axis_fft.hpp"
#include "fft/fftw_plan.hpp"
#include "scatkit/detail/elementwise.hpp"

namespace scatkit {
namespace detail {
namespace {

/// One 2D transform (complex in place, real to half-complex or half-complex to real) of a P x Q
/// grid, with the layouts and scaling of FFTW's 2D plans (unnormalised; r2c writes P x (Q/2+1);
/// c2r reads it, ignoring the imaginary parts FFTW ignores, and overwrites its input).
///
/// The scratch holds three regions of P*Q complex values: packed rows, FFTW's step-1 output, and
/// an aligned copy of the grid used when the caller's grid does not have the alignment the FFTW
/// plans were made for (FFTW's new-array execute requires it).
template <class T>
class SplitFft2d {
  using C = Complex<T>;
  using F = Fftw<T>;

 public:
  enum class Kind { c2c, r2c, c2r };

  /// True when a side has a prime factor worth splitting (FFTW alone would be slow).
  static bool wanted(long P, long Q) { return split_prime(P) > 1 || split_prime(Q) > 1; }

  /// Scratch needed by the transforms of a P x Q grid, in complex values.
  static size_t scratch_size(long P, long Q) { return 3 * region(P, Q); }

  /// Plans on `grid` (the complex grid: in place for c2c, the half spectrum otherwise) and
  /// `scratch`, both FFTW-aligned.
  SplitFft2d(Kind kind, long P, long Q, int sign, C* grid, C* scratch, unsigned flags)
      : P_(P), Q_(Q), align_(F::alignment_of(&grid[0].re)) {
    const long hq = Q / 2 + 1, pr = (P + 1) / 2;
    C* s0 = scratch;
    C* s1 = scratch + region(P, Q);
    if (kind == Kind::c2c) {
      rows_.init(true, Q, P, Q, sign, grid, s1, flags);
      cols_.init(false, P, Q, Q, sign, grid, s1, flags);
    } else {
      const int dir = kind == Kind::r2c ? FFTW_FORWARD : FFTW_BACKWARD;
      rows_.init(true, Q, pr, Q, dir, s0, s1, flags);
      cols_.init(false, P, hq, hq, dir, grid, s1, flags);
    }
  }

  void c2c(C* a, C* scratch) const {
    C* g = aligned_grid(a, scratch, static_cast<size_t>(P_ * Q_), true);
    rows_.run(g, scratch + region(P_, Q_));
    cols_.run(g, scratch + region(P_, Q_));
    if (g != a) std::memcpy(static_cast<void*>(a), g, static_cast<size_t>(P_ * Q_) * sizeof(C));
  }

  void r2c(const T* u, C* h, C* scratch) const {
    const long P = P_, Q = Q_, hq = Q / 2 + 1, pr = (P + 1) / 2;
    C* z = scratch;
    C* s1 = scratch + region(P, Q);
    for (long r = 0; r < pr; ++r) {
      const T* u0 = u + 2 * r * Q;
      if (2 * r + 1 < P)
        pack_pair(u0, u0 + Q, Q, z + r * Q);
      else
        for (long c = 0; c < Q; ++c) z[r * Q + c] = C{u0[c], T(0)};
    }
    rows_.run(z, s1);
    C* g = aligned_grid(h, scratch, static_cast<size_t>(P * hq), false);
    for (long r = 0; r < pr; ++r)
      unpack_pair(z + r * Q, Q, g + 2 * r * hq, 2 * r + 1 < P ? g + (2 * r + 1) * hq : nullptr);
    cols_.run(g, s1);
    if (g != h) std::memcpy(static_cast<void*>(h), g, static_cast<size_t>(P * hq) * sizeof(C));
  }

  void c2r(C* h, T* u, C* scratch) const {
    const long P = P_, Q = Q_, hq = Q / 2 + 1, pr = (P + 1) / 2;
    C* z = scratch;
    C* s1 = scratch + region(P, Q);
    C* g = aligned_grid(h, scratch, static_cast<size_t>(P * hq), true);
    cols_.run(g, s1);
    // Z = A + i B with A, B extended by Hermitian symmetry; DC and Nyquist taken as real.
    for (long r = 0; r < pr; ++r) {
      const C* h0 = g + 2 * r * hq;
      const C* h1 = 2 * r + 1 < P ? h0 + hq : nullptr;
      C* zr = z + r * Q;
      for (long k = 0; k < Q; ++k) {
        const bool lower = k < hq;
        const long kk = lower ? k : Q - k;
        C A = h0[kk], B = h1 ? h1[kk] : C{T(0), T(0)};
        if (kk == 0 || 2 * kk == Q) A.im = B.im = 0;
        zr[k] = lower ? C{A.re - B.im, A.im + B.re} : C{A.re + B.im, B.re - A.im};
      }
    }
    rows_.run(z, s1);
    for (long r = 0; r < pr; ++r) {
      const C* zr = z + r * Q;
      T* u0 = u + 2 * r * Q;
      for (long c = 0; c < Q; ++c) u0[c] = zr[c].re;
      if (2 * r + 1 < P)
        for (long c = 0; c < Q; ++c) u0[Q + c] = zr[c].im;
    }
  }

 private:
  // One complex row z = u0 + i u1 from two real rows of length Q.
  static void pack_pair(const T* u0, const T* u1, long Q, C* z) {
    using V = Vec<T>;
    constexpr int nr = static_cast<int>(sizeof(V) / sizeof(T));  // reals per vector
    // Interleave the low / high halves of two vectors.
    auto lo = [](int i) { return i / 2 + (i % 2) * nr; };
    auto hi = [](int i) { return nr / 2 + i / 2 + (i % 2) * nr; };
    long c = 0;
    for (; c + nr <= Q; c += nr) {
      const V a = load_vec(u0 + c), b = load_vec(u1 + c);
      store_vec(&z[c].re, shuffle2<T>(a, b, lo));
      store_vec(&z[c + nr / 2].re, shuffle2<T>(a, b, hi));
    }
    for (; c < Q; ++c) z[c] = C{u0[c], u1[c]};
  }

  // The half spectra of two real rows from the spectrum Z of their packed row (length Q):
  // A[k] = (Z[k] + conj Z[-k]) / 2 into h0, B[k] = (Z[k] - conj Z[-k]) / 2i into h1 (if any).
  // Vectorised with Z[-k] read backwards; the same operations as the scalar tail, bit for bit.
  static void unpack_pair(const C* zr, long Q, C* h0, C* h1) {
    using V = Vec<T>;
    constexpr int nl = static_cast<int>(sizeof(V) / sizeof(C));  // complex values per vector
    const long hq = Q / 2 + 1;
    V conj{}, half_conj{};  // (1, -1, ...) and (1/2, -1/2, ...)
    for (int i = 0; i < 2 * nl; ++i) {
      conj[i] = i % 2 ? T(-1) : T(1);
      half_conj[i] = i % 2 ? T(-0.5) : T(0.5);
    }
    const V half = V{} + T(0.5);
    auto scalar = [&](long k) {
      const C x = zr[k], y = zr[k == 0 ? 0 : Q - k];
      h0[k] = C{T(0.5) * (x.re + y.re), T(0.5) * (x.im - y.im)};
      if (h1) h1[k] = C{T(0.5) * (x.im + y.im), T(0.5) * (y.re - x.re)};
    };
    scalar(0);
    long k = 1;
    for (; k + nl <= hq; k += nl) {
      const V x = load_vec(&zr[k].re);
      const V yc = reverse_pairs<T>(load_vec(&zr[Q - k - nl + 1].re)) * conj;  // conj Z[-k..]
      store_vec(&h0[k].re, half * (x + yc));
      if (h1) store_vec(&h1[k].re, swap_pairs<T>(x - yc) * half_conj);
    }
    for (; k < hq; ++k) scalar(k);
  }

  // Complex values per scratch region, rounded up to keep every region 64-byte aligned.
  static size_t region(long P, long Q) {
    const size_t per = 64 / sizeof(C);
    return (static_cast<size_t>(P * Q) + per - 1) / per * per;
  }

  // `a` itself when it has the planned alignment, else the scratch's aligned copy region
  // (filled from `a` when `copy_in`).
  C* aligned_grid(C* a, C* scratch, size_t n, bool copy_in) const {
    if (F::alignment_of(&a[0].re) == align_) return a;
    C* g = scratch + 2 * region(P_, Q_);
    if (copy_in) std::memcpy(static_cast<void*>(g), a, n * sizeof(C));
    return g;
  }

  long P_, Q_;
  int align_;
  AxisFft<T> rows_, cols_;
};

/// One planned 2D transform of `howmany` consecutive grids as the engine uses it: FFTW's own
/// 2D plan, or the split transform above when a side has a prime factor FFTW is slow on.
template <class T>
class GridFft {
  using C = Complex<T>;
  using F = Fftw<T>;
  using fc = typename F::complex_t;
  using Kind = typename SplitFft2d<T>::Kind;

 public:
  // split: false makes FFTW run every transform, even where the split-prime one is faster.

  /// Scratch (complex values) the transforms of a P x Q grid need; 0 when FFTW does them alone.
  static size_t scratch_size(long P, long Q, bool split = true) {
    return split && SplitFft2d<T>::wanted(P, Q) ? SplitFft2d<T>::scratch_size(P, Q) : 0;
  }

  void init_c2c(long P, long Q, int howmany, int sign, C* a, C* scratch, unsigned flags,
                bool split = true) {
    set(P, Q, howmany);
    if (split && SplitFft2d<T>::wanted(P, Q))
      split_ = std::make_unique<SplitFft2d<T>>(Kind::c2c, P, Q, sign, a, scratch, flags);
    else
      plan_ = checked_plan<T>(F::many_c2c(int(P), int(Q), howmany, fcp(a), fcp(a), sign, flags));
  }
  void init_r2c(long P, long Q, int howmany, T* u, C* h, C* scratch, unsigned flags,
                bool split = true) {
    set(P, Q, howmany);
    if (split && SplitFft2d<T>::wanted(P, Q))
      split_ = std::make_unique<SplitFft2d<T>>(Kind::r2c, P, Q, FFTW_FORWARD, h, scratch, flags);
    else
      plan_ = checked_plan<T>(F::many_r2c(int(P), int(Q), howmany, u, fcp(h), flags));
  }
  void init_c2r(long P, long Q, int howmany, C* h, T* u, C* scratch, unsigned flags,
                bool split = true) {
    set(P, Q, howmany);
    if (split && SplitFft2d<T>::wanted(P, Q))
      split_ = std::make_unique<SplitFft2d<T>>(Kind::c2r, P, Q, FFTW_BACKWARD, h, scratch, flags);
    else
      plan_ = checked_plan<T>(F::many_c2r(int(P), int(Q), howmany, fcp(h), u, flags));
  }

  /// In place on `howmany` grids of P x Q.
  void c2c(C* a, C* scratch) const {
    if (!split_) return F::exec_c2c(plan_.get(), fcp(a), fcp(a));
    for (long i = 0; i < n_; ++i) split_->c2c(a + i * pq_, scratch);
  }
  void r2c(const T* u, C* h, C* scratch) const {
    if (!split_) return F::exec_r2c(plan_.get(), const_cast<T*>(u), fcp(h));
    for (long i = 0; i < n_; ++i) split_->r2c(u + i * pq_, h + i * ph_, scratch);
  }
  /// Overwrites h, as FFTW's c2r does.
  void c2r(C* h, T* u, C* scratch) const {
    if (!split_) return F::exec_c2r(plan_.get(), fcp(h), u);
    for (long i = 0; i < n_; ++i) split_->c2r(h + i * ph_, u + i * pq_, scratch);
  }

 private:
  static fc* fcp(C* p) { return reinterpret_cast<fc*>(p); }
  void set(long P, long Q, int howmany) {
    n_ = howmany;
    pq_ = P * Q;
    ph_ = P * (Q / 2 + 1);
  }

  long n_ = 1, pq_ = 0, ph_ = 0;
  FftwPlan<T> plan_;
  std::unique_ptr<SplitFft2d<T>> split_;
};

}  // namespace
}  // namespace detail
}  // namespace scatkit
