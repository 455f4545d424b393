// Filter preparation of the CPU engine: the filter bank's double-precision filters, as each is
// built, turned into what the transform applies: folds of the wavelets (FoldPlan) at every
// source level, the low-pass as a row fold plus a column table, and the spatial low-pass
// (cpu/spatial_lowpass.hpp) at the levels where it is cheaper than the Fourier one. Which levels
// take the spatial low-pass decides which spectra the transform forms (first_order_spectra,
// second_order_spectra).
//
// Everything here has internal linkage: the CPU engine (cpu_backend.cpp) is compiled once per
// instruction set and includes this header after its AVX2 switch, so the variants never share
// (ODR-merge) a function.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <utility>
#include <vector>

#include "cpu/fold_plan.hpp"
#include "cpu/spatial_lowpass.hpp"
#include "filter_bank.hpp"
#include "scatkit/detail/elementwise.hpp"
#include "schedule.hpp"
#include "support.hpp"

namespace scatkit {
namespace detail {
namespace {

/// Low-pass column fold of one level: term q of coarse bin e is Z[idx[q*n+e]], imaginary part
/// times sign[q*n+e], n = PJ * (QJ/2+1).
template <class T>
struct ColumnFold {
  std::vector<int> idx;
  std::vector<T> sign;
  long k = 1;
};

/// The filters of one plan in its precision, ready for the transform.
template <class T>
class PreparedFilters {
 public:
  std::vector<std::vector<FoldPlan<T>>> psi;       ///< [n][source level]
  std::vector<FoldPlan<T>> phi;                    ///< [source level], onto the level-J rows
  std::vector<SpatialLowpass<T>> spatial_lowpass;  ///< [level], empty (P == 0) where unused
  std::vector<ColumnFold<T>> colfold;              ///< [source level]

  /// Builds the filters of s (make_filters, on `threads` threads) and prepares each as it comes.
  /// gather_folds: band-pass folds of small sources in the gathered order (FoldPlan; false
  /// keeps the source order, the same bits). spatial_allowed: false keeps the Fourier low-pass
  /// at every level. split_ffts: false builds the filters with FFTW's FFTs only.
  ///
  /// Filters come in the plan's precision, pre-scaled by 1/(P_r Q_r): this folds the 1/k^2 of
  /// periodize_mean and the 1/n of every inverse FFT into one multiply. Each is converted as
  /// soon as it is built (in parallel: plan construction time matters too) and its double copy
  /// released, so the double-precision bank never exists in full.
  PreparedFilters(const Schedule& s, int threads, bool gather_folds, bool spatial_allowed,
                  bool split_ffts = true)
      : J_(s.J), max_order_(s.max_order), gather_(gather_folds), spatial_allowed_(spatial_allowed) {
    psi.resize(static_cast<size_t>(s.J * s.L));
    make_filters(
        static_cast<size_t>(s.P), static_cast<size_t>(s.Q), s.J, s.L, threads,
        [this, &s](int n, std::vector<std::vector<double>>& levels) {
          if (n < s.J * s.L)
            prepare_wavelet(s, static_cast<size_t>(n), levels);
          else
            prepare_lowpass(s, levels);
        },
        true, split_ffts);
  }

  /// Bound on the bytes of the filters of s, before they are built: every wavelet at levels
  /// 0..j stored densely and duplicated (the folds keep only their support: see bytes()).
  static size_t dense_bytes(const Schedule& s) {
    const size_t pq = static_cast<size_t>(s.P * s.Q), L = static_cast<size_t>(s.L);
    size_t filt = 0;
    for (int j = 0; j < s.J; ++j)
      for (int r = 0; r <= j; ++r) filt += 2 * L * pq / (size_t{1} << (2 * r)) * sizeof(T);
    return filt + 2 * pq * sizeof(T);
  }

  /// Bytes held.
  size_t bytes() const {
    size_t b = 0;
    for (const auto& levels : psi)
      for (const auto& f : levels) b += f.bytes();
    for (const auto& f : phi) b += f.bytes();
    for (const auto& cf : colfold) b += cf.idx.size() * (sizeof(int) + sizeof(T));
    for (const auto& sl : spatial_lowpass) b += sl.bytes();
    return b;
  }

  /// Whether the maps of level r are low-passed in space.
  bool spatial_at(int r) const { return spatial_lowpass[static_cast<size_t>(r)].P > 0; }

  /// Whether some level is low-passed in space (and so needs the spatial low-pass's scratch).
  bool any_spatial() const {
    for (int r = 0; r < J_; ++r)
      if (spatial_at(r)) return true;
    return false;
  }

  /// Whether first-order level j1 needs its half spectra: for second order, or for the Fourier
  /// low-pass.
  bool first_order_spectra(int j1) const {
    return !spatial_at(j1) || (max_order_ >= 2 && j1 + 1 < J_);
  }

  /// Whether some second-order level uses the Fourier low-pass (and so the V2h spectra).
  bool second_order_spectra() const {
    if (max_order_ < 2) return false;
    for (int r = 1; r < J_; ++r)
      if (!spatial_at(r)) return true;
    return false;
  }

 private:
  static std::vector<T> scaled(const Schedule& s, const std::vector<double>& f, int r) {
    const double scale = 1.0 / static_cast<double>(s.rows_at(r) * s.cols_at(r));
    std::vector<T> out(f.size());
    for (size_t i = 0; i < f.size(); ++i) out[i] = static_cast<T>(f[i] * scale);
    return out;
  }

  // Wavelet n (level j = n / L) at every source level r: scaled, thresholded, and turned into
  // the fold of a level-r full spectrum onto the level-j grid.
  void prepare_wavelet(const Schedule& s, size_t n, std::vector<std::vector<double>>& levels) {
    const int j = static_cast<int>(n) / s.L;
    for (size_t r = 0; r < levels.size(); ++r) {
      const int lr = static_cast<int>(r);
      std::vector<T> f = scaled(s, levels[r], lr);
      std::vector<double>().swap(levels[r]);  // release the double copy right away
      const long Pr = s.rows_at(lr), Qr = s.cols_at(lr);
      const std::vector<RowSpans> spans = sparsify_rows(f, Pr, Qr);
      psi[n].push_back(
          FoldPlan<T>::make(f.data(), Pr, Qr, spans, Qr, s.rows_at(j), s.cols_at(j), gather_));
    }
  }

  // The low-pass at every source level r: row fold onto the level-J rows of Z, column table.
  void prepare_lowpass(const Schedule& s, std::vector<std::vector<double>>& levels) {
    const int J = s.J;
    prepare_spatial_lowpass(s, levels);
    for (size_t r = 0; r < levels.size(); ++r) {
      const int lr = static_cast<int>(r);
      const std::vector<T> f = scaled(s, levels[r], lr);
      std::vector<double>().swap(levels[r]);
      const long hr = s.cols_at(lr) / 2 + 1;
      // The low-pass reads only the stored half columns [0, hr) of each row.
      const std::vector<RowSpans> spans(static_cast<size_t>(s.rows_at(lr)),
                                        RowSpans{0, static_cast<int>(hr), 0, 0});
      phi.push_back(FoldPlan<T>::make(f.data(), s.rows_at(lr), s.cols_at(lr), spans, hr,
                                      s.rows_at(J), hr, false));
      // Then the columns, from a table of sources (fold_half_columns_source).
      ColumnFold<T> cf;
      const long PJ = s.rows_at(J), QJ = s.cols_at(J), hJ = QJ / 2 + 1;
      cf.k = s.cols_at(lr) / QJ;
      for (long q = 0; q < cf.k; ++q)
        for (long a = 0; a < PJ; ++a)
          for (long b = 0; b < hJ; ++b) {
            int conj = 1;
            cf.idx.push_back(
                static_cast<int>(fold_half_columns_source(PJ, s.cols_at(lr), QJ, a, b, q, &conj)));
            cf.sign.push_back(static_cast<T>(conj));
          }
      colfold.push_back(std::move(cf));
    }
  }

  // The spatial low-pass (cpu/spatial_lowpass.hpp) of the levels where it costs less than the
  // r2c FFT and Fourier low-pass it replaces. phi's impulse response is compact at levels
  // r <= J-3 (about 10 * 2^(J-1-r) taps per axis); at the two coarsest levels the level's
  // frequency band cuts phi's Gaussian and the response rings over the whole grid, so each
  // output row needs every source row. The cost test is a fixed model (no timing, so the plan
  // and its results do not depend on the machine's load): the blocked passes run at about 18
  // multiply-adds per ns (0.055 ns each) and a split-prime or FFTW r2c at about 0.23 ns per point
  // and log2 of the size (136x136: 35-40 us against 61 us plus the low-pass fold; 272x272
  // whole-grid: 151 us against 270 us), so they break even near 4.2-4.8 multiply-adds per point
  // and log2; spatial when multiply-adds <= 4 * PQ log2(PQ), leaving near-ties to the FFTs.
  // That keeps it at every level of 32x32 J=2, 256x256 J=3 and 512x512 J=4 (bench.lowpass:
  // 1.20-1.22x less time than Fourier everywhere, one thread) and hands the coarse levels of large
  // images with small J (512x512 J=3: 264x264 with 64 output rows) back to the FFTs.
  // Without spatial_allowed_ every level keeps the Fourier low-pass, for comparison.
  void prepare_spatial_lowpass(const Schedule& s, const std::vector<std::vector<double>>& levels) {
    spatial_lowpass.resize(levels.size());
    if (!spatial_allowed_) return;
    for (size_t r = 0; r < levels.size(); ++r) {
      const int lr = static_cast<int>(r);
      const long Pr = s.rows_at(lr), Qr = s.cols_at(lr);
      std::vector<double> A, B;
      if (!split_separable(levels[r], Pr, Qr, 1e-12, &A, &B)) continue;
      const long k = 1L << (s.J - lr);
      const std::vector<double> a = axis_impulse_response(A), b = axis_impulse_response(B);
      const double eps = filter_drop_relative<T>(), pq = static_cast<double>(Pr * Qr);
      const size_t macs =
          SpatialLowpass<T>::estimate_multiply_adds(a, b, k, s.out_rows, s.out_cols, eps);
      if (static_cast<double>(macs) <= 4.0 * pq * std::log2(std::max(2.0, pq)))
        spatial_lowpass[r] = SpatialLowpass<T>::make(a, b, k, s.out_rows, s.out_cols, eps);
    }
  }

  int J_ = 0, max_order_ = 0;
  bool gather_ = true, spatial_allowed_ = true;
};

}  // namespace
}  // namespace detail
}  // namespace scatkit
