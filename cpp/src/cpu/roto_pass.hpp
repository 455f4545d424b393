// The second order of the roto-translation variants in the CPU engine (docs/transform.md sections
// 7.3 and 7.4): for one first-order scale j1, the complex second-layer maps Y of every (j2, t1,
// t2), then per pair the angular stage (cpu/roto_stage.hpp) and the spatial low-pass of its real
// maps into the backend's raw output (RawLayout in invariance.hpp).
//
// Everything here has internal linkage, like the engine (cpu_backend.cpp) that includes it.
#pragma once

#include <cstddef>
#include <cstring>

#include "cpu/branches.hpp"
#include "cpu/roto_stage.hpp"
#include "cpu/workspace.hpp"
#include "fft/fftw_plan.hpp"
#include "schedule.hpp"

namespace scatkit {
namespace detail {
namespace {

/// Adds the angular stage's buffers to one worker's workspace sizes.
template <class T>
void roto_workspace(const Schedule& s, const RotoStage<T>& roto, WorkspaceSizes& z) {
  z.Ya = RotoStage<T>::y_values(s);
  z.Ab = roto.block_values();
  z.Mr = roto.map_values(s);
}

/// dst[t * gs ..] = Y[t] = ifft(fold(spec * psi[j][t] at level r)) for the L angles t, before
/// the modulus.
template <class T>
void complex_band(const EngineParts<T>& e, const Complex<T>* spec, int r, int j, Complex<T>* dst,
                  Workspace<T>& w) {
  const Schedule& s = e.s;
  const int L = s.L;
  const size_t lj = static_cast<size_t>(j), gs = static_cast<size_t>(s.rows_at(j) * s.cols_at(j));
  const auto product_fold = [&](int t, Complex<T>* y) {
    e.filters.psi[static_cast<size_t>(j * L + t)][static_cast<size_t>(r)].apply(spec, y);
  };
  // In place in dst when it has the alignment the plans were made with (on w.Y), else through
  // w.Y and a copy.
  using F = Fftw<T>;
  const bool direct = F::alignment_of(&dst[0].re) == F::alignment_of(&w.Y.data()[0].re);
  if (batched_level<T>(s, j)) {
    Complex<T>* y = direct ? dst : w.Y.data();
    for (int t = 0; t < L; ++t) product_fold(t, y + static_cast<size_t>(t) * gs);
    e.plans.inv[lj].c2c(y, w.S.data());
    if (!direct)
      std::memcpy(static_cast<void*>(dst), y, static_cast<size_t>(L) * gs * sizeof(Complex<T>));
    return;
  }
  for (int t = 0; t < L; ++t) {
    Complex<T>* y = direct ? dst + static_cast<size_t>(t) * gs : w.Y.data();
    product_fold(t, y);
    e.plans.inv1[lj].c2c(y, w.S.data());
    if (!direct)
      std::memcpy(static_cast<void*>(dst + static_cast<size_t>(t) * gs), y,
                  gs * sizeof(Complex<T>));
  }
}

/// Low-pass (LP_j) of L real maps at level j, gs apart, into output channels c0 .. c0 + L - 1.
template <class T>
void lowpass_maps(const EngineParts<T>& e, const T* maps, int j, T* out, size_t c0,
                  Workspace<T>& w) {
  using F = Fftw<T>;
  const Schedule& s = e.s;
  const int L = s.L;
  const size_t lj = static_cast<size_t>(j);
  const long Pj = s.rows_at(j), Qj = s.cols_at(j);
  const size_t gs = static_cast<size_t>(Pj * Qj), hs = static_cast<size_t>(Pj * (Qj / 2 + 1));
  if (e.filters.spatial_at(j)) {
    const size_t plane = static_cast<size_t>(s.out_rows * s.out_cols);
    for (int i = 0; i < L; ++i)
      e.filters.spatial_lowpass[lj].apply(maps + static_cast<size_t>(i) * gs, w.Lt.data(),
                                          out + (c0 + static_cast<size_t>(i)) * plane);
    return;
  }
  if (batched_level<T>(s, j)) {
    // FFTW's new-array execute needs the alignment the plan was made with (on w.U).
    const T* src = maps;
    if (F::alignment_of(maps) != F::alignment_of(w.U.data())) {
      std::memcpy(w.U.data(), maps, static_cast<size_t>(L) * gs * sizeof(T));
      src = w.U.data();
    }
    e.plans.r2c[lj].r2c(src, w.V2h.data(), w.S.data());
  } else {
    for (int i = 0; i < L; ++i) {
      std::memcpy(w.U.data(), maps + static_cast<size_t>(i) * gs, gs * sizeof(T));
      e.plans.r2c1[lj].r2c(w.U.data(), w.H.data(), w.S.data());
      std::memcpy(static_cast<void*>(w.V2h.data() + static_cast<size_t>(i) * hs), w.H.data(),
                  hs * sizeof(Complex<T>));
    }
  }
  lowpass_branch(e, w.V2h.data(), hs, j, L, out, c0, w);
}

/// Second order of scale j1 from its first-order half spectra (L of them, hs1 apart).
template <class T>
void roto_second_order(const EngineParts<T>& e, const RotoStage<T>& roto, int j1,
                       const Complex<T>* half, T* out, Workspace<T>& w) {
  const Schedule& s = e.s;
  const int J = s.J, L = s.L, nf = roto.filters();
  const long P1 = s.rows_at(j1), Q1 = s.cols_at(j1);
  const size_t hs1 = static_cast<size_t>(P1 * (Q1 / 2 + 1)), LL = static_cast<size_t>(L * L);
  for (int t1 = 0; t1 < L; ++t1) {
    expand_half(half + static_cast<size_t>(t1) * hs1, P1, Q1, w.V.data());
    Complex<T>* y = w.Ya.data();
    for (int j2 = j1 + 1; j2 < J; ++j2) {
      const size_t gs = static_cast<size_t>(s.rows_at(j2) * s.cols_at(j2));
      complex_band(e, w.V.data(), j1, j2, y + static_cast<size_t>(t1 * L) * gs, w);
      y += LL * gs;
    }
  }
  const Complex<T>* y = w.Ya.data();
  T* M = w.Mr.data();
  for (int j2 = j1 + 1; j2 < J; ++j2) {
    const size_t gs = static_cast<size_t>(s.rows_at(j2) * s.cols_at(j2));
    const size_t base = roto.layout().base(j1, j2), Lg = static_cast<size_t>(L) * gs;
    if (roto.joint()) {
      roto.joint_maps(y, gs, M, w.Ab.data());
      for (int k = 0; k < nf; ++k)
        lowpass_maps(e, M + static_cast<size_t>(k) * Lg, j2, out, base + static_cast<size_t>(k * L),
                     w);
    } else {
      for (int t2 = 0; t2 < L; ++t2) {
        roto.separable_maps(y, gs, t2, M, w.Ab.data());
        for (int f = 0; f < nf; ++f)
          lowpass_maps(e, M + static_cast<size_t>(f) * Lg, j2, out,
                       base + static_cast<size_t>((t2 * nf + f) * L), w);
      }
    }
    y += LL * gs;
  }
}

/// The FFTs of roto_second_order(), alone (FFT-only timing).
template <class T>
void roto_ffts(const EngineParts<T>& e, const RotoStage<T>& roto, int j1, Workspace<T>& w) {
  const Schedule& s = e.s;
  const int J = s.J, L = s.L, nf = roto.filters();
  for (int t1 = 0; t1 < L; ++t1)
    for (int j2 = j1 + 1; j2 < J; ++j2) e.plans.band_ffts(s, j2, w, nullptr);
  for (int j2 = j1 + 1; j2 < J; ++j2) {
    const size_t gs = static_cast<size_t>(s.rows_at(j2) * s.cols_at(j2));
    const int calls = roto.joint() ? 1 : L, groups = roto.joint() ? nf : L * nf;
    for (int i = 0; i < calls; ++i) roto.ffts_only(gs, w.Ab.data());
    if (e.filters.spatial_at(j2)) continue;
    for (int g = 0; g < groups; ++g) {
      e.plans.band_ffts_r2c(s, j2, w);
      e.plans.c2rL.c2r(w.Ch.data(), w.Cr.data(), w.S.data());
    }
  }
}

}  // namespace
}  // namespace detail
}  // namespace scatkit
