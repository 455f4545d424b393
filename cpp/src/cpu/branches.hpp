// Pieces of the CPU engine's transform shared by its translation path (cpu_backend.cpp) and the
// roto-translation second order (cpu/roto_pass.hpp): the Fourier low-pass branch of a set of
// half spectra, and the expansion of an r2c half spectrum to the full one.
//
// Everything here has internal linkage, like the engine (cpu_backend.cpp) that includes it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "cpu/fft_plan_set.hpp"
#include "cpu/prepared_filters.hpp"
#include "cpu/workspace.hpp"
#include "scatkit/detail/elementwise.hpp"
#include "schedule.hpp"

namespace scatkit {
namespace detail {
namespace {

/// What the transform's pieces read: the schedule, the prepared filters, the FFT plans.
template <class T>
struct EngineParts {
  const Schedule& s;
  const PreparedFilters<T>& filters;
  const FftPlanSet<T>& plans;
};

/// Low-pass branch for nb half spectra at level r (stride hs), written to output channels
/// c0 .. c0 + nb - 1 of out.
template <class T>
void lowpass_branch(const EngineParts<T>& e, const Complex<T>* half, size_t hs, int r, int nb,
                    T* out, size_t c0, Workspace<T>& w) {
  const Schedule& s = e.s;
  const int J = s.J;
  const long PJ = s.rows_at(J), QJ = s.cols_at(J), hJ = QJ / 2 + 1;
  const FoldPlan<T>& fold = e.filters.phi[static_cast<size_t>(r)];
  const ColumnFold<T>& cf = e.filters.colfold[static_cast<size_t>(r)];
  Complex<T>* Z = w.Z.data();
  for (int t = 0; t < nb; ++t) {
    Complex<T>* dst = w.Ch.data() + static_cast<size_t>(t) * static_cast<size_t>(PJ * hJ);
    // Rows first on the stored half (contiguous, vectorised), then the small column fold.
    fold.apply(half + static_cast<size_t>(t) * hs, Z);
    fold_columns_gather(Z, cf.idx.data(), cf.sign.data(), cf.k, PJ * hJ, dst);
  }
  (nb == 1 ? e.plans.c2r1 : e.plans.c2rL).c2r(w.Ch.data(), w.Cr.data(), w.S.data());
  const long orows = s.out_rows, ocols = s.out_cols;
  for (int t = 0; t < nb; ++t) {
    const T* src = w.Cr.data() + static_cast<size_t>(t) * static_cast<size_t>(PJ * QJ);
    T* dst = out + (c0 + static_cast<size_t>(t)) * static_cast<size_t>(orows * ocols);
    for (long i = 0; i < orows; ++i)
      std::memcpy(dst + i * ocols, src + crop_source_index(QJ, i, 0),
                  static_cast<size_t>(ocols) * sizeof(T));
  }
}

/// Full spectrum from its r2c half, row by row (same values as hermitian_at). The mirrored
/// columns are copied as whole complex words with the imaginary sign bit flipped (exactly -im),
/// which compilers vectorise as a reversed copy.
template <class T>
void expand_half(const Complex<T>* half, long P, long Q, Complex<T>* full) {
  using C = Complex<T>;
  const long hq = Q / 2 + 1;
  constexpr size_t kWords = sizeof(C) / sizeof(std::uint64_t);
  static_assert(kWords * sizeof(std::uint64_t) == sizeof(C), "complex of 64-bit words");
  std::uint64_t sign[kWords];  // the sign bit of im, at its place in memory
  const C neg{T(0), -T(0)};
  std::memcpy(sign, &neg, sizeof neg);
  for (long r = 0; r < P; ++r) {
    C* dst = full + r * Q;
    std::memcpy(static_cast<void*>(dst), half + r * hq, static_cast<size_t>(hq) * sizeof(C));
    const C* mirror = half + (r == 0 ? 0 : P - r) * hq;
    for (long c = hq; c < Q; ++c) {
      std::uint64_t v[kWords];
      std::memcpy(v, &mirror[Q - c], sizeof v);
      for (size_t i = 0; i < kWords; ++i) v[i] ^= sign[i];
      std::memcpy(static_cast<void*>(&dst[c]), v, sizeof v);
    }
  }
}

}  // namespace
}  // namespace detail
}  // namespace scatkit
