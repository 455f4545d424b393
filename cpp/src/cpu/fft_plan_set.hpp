// Every FFT the CPU engine's transform runs, planned once per plan on worker 0's workspace:
// FFTW's own 2D plans, or split-prime transforms (fft/split_fft.hpp) on grids whose sides have a
// prime factor FFTW is slow on. FFTW's new-array execute then runs them on any worker's buffers
// of the same alignment.
//
// Everything here has internal linkage: the CPU engine (cpu_backend.cpp) is compiled once per
// instruction set and includes this header after its AVX2 switch, so the variants never share
// (ODR-merge) a function.
#pragma once

#include <fftw3.h>

#include <algorithm>
#include <cstddef>
#include <mutex>
#include <vector>

#include "cpu/prepared_filters.hpp"
#include "cpu/workspace.hpp"
#include "fft/fftw_plan.hpp"
#include "fft/split_fft.hpp"
#include "schedule.hpp"

namespace scatkit {
namespace detail {
namespace {

/// The FFT plans of one CPU plan.
template <class T>
struct FftPlanSet {
  GridFft<T> r2c0;                     ///< padded input -> half spectrum
  GridFft<T> c2r1, c2rL;               ///< coarse low-pass, one map or L
  std::vector<GridFft<T>> inv, r2c;    ///< [level] all L angles at once (batched levels)
  std::vector<GridFft<T>> inv1, r2c1;  ///< [level] one angle

  /// Complex values of split-FFT scratch the plans of s need per worker (Workspace::S); split:
  /// false when FFTW runs every transform (EngineOptions::fft).
  static size_t scratch_size(const Schedule& s, bool split) {
    size_t n = 0;
    for (int r = 0; r <= s.J; ++r)
      n = std::max(n, GridFft<T>::scratch_size(s.rows_at(r), s.cols_at(r), split));
    return n;
  }

  /// Plans on w's buffers: no r2c at levels whose maps are all low-passed in space, and
  /// single-angle plans on large grids and where one image is shared between threads. flags:
  /// FFTW's planner flags; split as in scratch_size().
  FftPlanSet(const Schedule& s, const PreparedFilters<T>& f, int threads, Workspace<T>& w,
             unsigned flags, bool split) {
    const int J = s.J, L = s.L;
    std::lock_guard<std::mutex> lock(fftw_planner_mutex());
    fftw_load_wisdom_once();
    Complex<T>* S = w.S.data();
    const long P = s.P, Q = s.Q;
    r2c0.init_r2c(P, Q, 1, w.R.data(), w.H.data(), S, flags, split);
    inv.resize(static_cast<size_t>(J));
    r2c.resize(static_cast<size_t>(J));
    inv1.resize(static_cast<size_t>(J));
    r2c1.resize(static_cast<size_t>(J));
    for (int r = 0; r < J; ++r) {
      const long Pr = P >> r, Qr = Q >> r;
      const size_t lr = static_cast<size_t>(r);
      // A level whose second-order maps take the Fourier low-pass is not spatial, so its
      // first-order maps need spectra too.
      const bool spectra = f.first_order_spectra(r);
      if (batched_level<T>(s, r)) {
        inv[lr].init_c2c(Pr, Qr, L, FFTW_BACKWARD, w.Y.data(), S, flags, split);
        if (spectra) r2c[lr].init_r2c(Pr, Qr, L, w.U.data(), w.V1h.data(), S, flags, split);
      }
      if (threads > 1 || !batched_level<T>(s, r)) {
        inv1[lr].init_c2c(Pr, Qr, 1, FFTW_BACKWARD, w.Y.data(), S, flags, split);
        if (spectra) r2c1[lr].init_r2c(Pr, Qr, 1, w.U.data(), w.V1h.data(), S, flags, split);
      }
    }
    const long PJ = P >> J, QJ = Q >> J;
    c2r1.init_c2r(PJ, QJ, 1, w.Ch.data(), w.Cr.data(), S, flags, split);
    c2rL.init_c2r(PJ, QJ, L, w.Ch.data(), w.Cr.data(), S, flags, split);
    if (flags != FFTW_ESTIMATE) fftw_save_wisdom();
  }

  /// The FFTs a band-pass at level j runs, alone (FFT-only timing); the r2c only when the
  /// spectra are formed (half != nullptr).
  void band_ffts(const Schedule& s, int j, Workspace<T>& w, Complex<T>* half) const {
    const size_t lj = static_cast<size_t>(j);
    if (batched_level<T>(s, j)) {
      inv[lj].c2c(w.Y.data(), w.S.data());
      if (half) r2c[lj].r2c(w.U.data(), half, w.S.data());
      return;
    }
    for (int t = 0; t < s.L; ++t) {
      inv1[lj].c2c(w.Y.data(), w.S.data());
      if (half) r2c1[lj].r2c(w.U.data(), w.H.data(), w.S.data());
    }
  }

  /// The r2c FFTs of L maps at level j alone (FFT-only timing of a low-pass of L maps).
  void band_ffts_r2c(const Schedule& s, int j, Workspace<T>& w) const {
    const size_t lj = static_cast<size_t>(j);
    if (batched_level<T>(s, j)) {
      r2c[lj].r2c(w.U.data(), w.V2h.data(), w.S.data());
      return;
    }
    for (int t = 0; t < s.L; ++t) r2c1[lj].r2c(w.U.data(), w.H.data(), w.S.data());
  }
};

}  // namespace
}  // namespace detail
}  // namespace scatkit
