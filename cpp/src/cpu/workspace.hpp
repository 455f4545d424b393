// One worker's scratch of the CPU engine: which buffers a transform needs, how large each is for
// a schedule, and their allocation. Sized once for the largest level at plan construction and
// never resized, so execute() allocates nothing.
//
// Everything here has internal linkage, like the engine (cpu_backend.cpp) that includes it.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>

#include "fft/fftw_plan.hpp"
#include "scatkit/detail/elementwise.hpp"
#include "schedule.hpp"

namespace scatkit {
namespace detail {
namespace {

// Grids at least this large are band-passed one angle at a time (see CpuBackend::bandpass()):
// the working set of one angle then stays in cache.
constexpr size_t kPerAngleBytes = 128 * 1024;

/// Whether level r band-passes all L angles in one batched FFT (small grids, which amortises
/// FFTW's per-call cost) rather than one angle at a time.
template <class T>
bool batched_level(const Schedule& s, int r) {
  return static_cast<size_t>(s.rows_at(r) * s.cols_at(r)) * sizeof(Complex<T>) < kPerAngleBytes;
}

/// Elements (complex or real, see Workspace) of each buffer of one worker.
struct WorkspaceSizes {
  size_t R = 0, H = 0, X = 0, Y = 0, U = 0, V1h = 0, V = 0, V2h = 0, Ch = 0, Cr = 0, Z = 0, S = 0,
         Lt = 0;
  // Roto-translation variants only (cpu/roto_stage.hpp): second-layer maps, angular blocks,
  // angular output maps.
  size_t Ya = 0, Ab = 0, Mr = 0;

  /// Bytes of the buffers, with complex values of T.
  template <class T>
  size_t bytes() const {
    const size_t c = sizeof(Complex<T>), r = sizeof(T);
    return r * (R + U + Cr + Lt + Mr) + c * (H + X + Y + V1h + V + V2h + Ch + Z + S + Ya + Ab);
  }
};

/// Buffer sizes for schedule s. fft_scratch: complex values the split-prime FFTs need
/// (GridFft::scratch_size of the largest grid); lowpass_scratch: reals the spatial low-pass
/// needs (0 when no level uses it); second_order_spectra: whether some second-order level takes
/// the Fourier low-pass, which needs the V2h spectra.
template <class T>
WorkspaceSizes workspace_sizes(const Schedule& s, size_t fft_scratch, size_t lowpass_scratch,
                               bool second_order_spectra) {
  const int J = s.J;
  const size_t L = static_cast<size_t>(s.L);
  const long P = s.P, Q = s.Q;
  const size_t pq = static_cast<size_t>(P * Q), hq = static_cast<size_t>(P * (Q / 2 + 1));
  // Band-pass grids: L at once on batched levels, one on the others.
  size_t ygrid = 0;
  for (int r = 0; r < J; ++r)
    ygrid = std::max(
        ygrid, (batched_level<T>(s, r) ? L : 1) * static_cast<size_t>(s.rows_at(r) * s.cols_at(r)));
  WorkspaceSizes z;
  z.R = pq;
  z.H = hq;
  z.X = pq;
  z.Y = ygrid;
  z.U = ygrid;
  z.V1h = L * hq;
  z.V = pq;
  // Half spectra of a level >= 1 grid: (P/2) x (Q/4 + 1) <= hq/4 + P.
  z.V2h = second_order_spectra ? L * (hq / 4 + static_cast<size_t>(P)) : 0;
  z.Ch = L * static_cast<size_t>((P >> J) * ((Q >> J) / 2 + 1));
  z.Cr = L * static_cast<size_t>((P >> J) * (Q >> J));
  z.Z = static_cast<size_t>(P >> J) * static_cast<size_t>(Q / 2 + 1);
  z.S = fft_scratch;
  z.Lt = lowpass_scratch;
  return z;
}

/// Per-worker scratch; sized for the largest level, never resized after construction.
template <class T>
struct Workspace {
  AlignedBuffer<T> R;             // padded input, P x Q
  AlignedBuffer<Complex<T>> H;    // its r2c half spectrum
  AlignedBuffer<Complex<T>> X;    // full spectrum, P x Q
  AlignedBuffer<Complex<T>> Y;    // L band-pass grids (complex, in place inverse FFT)
  AlignedBuffer<T> U;             // L modulus maps
  AlignedBuffer<Complex<T>> V1h;  // L first-order half spectra
  AlignedBuffer<Complex<T>> V;    // one first-order full spectrum
  AlignedBuffer<Complex<T>> V2h;  // L second-order half spectra (Fourier low-pass only)
  AlignedBuffer<Complex<T>> Ch;   // L coarse low-pass half spectra
  AlignedBuffer<T> Cr;            // L coarse low-pass maps
  AlignedBuffer<Complex<T>> Z;    // low-pass spectrum folded along rows only
  AlignedBuffer<Complex<T>> S;    // scratch of the split-prime FFTs (empty when FFTW does all)
  AlignedBuffer<T> Lt;            // scratch of the spatial low-pass
  AlignedBuffer<Complex<T>> Ya;   // roto-translation: Y[j2][t1][t2] of one j1
  AlignedBuffer<Complex<T>> Ab;   // roto-translation: angular blocks
  AlignedBuffer<T> Mr;            // roto-translation: real maps after the angular filters

  Workspace() = default;
  explicit Workspace(const WorkspaceSizes& z)
      : R(z.R),
        H(z.H),
        X(z.X),
        Y(z.Y),
        U(z.U),
        V1h(z.V1h),
        V(z.V),
        V2h(z.V2h),
        Ch(z.Ch),
        Cr(z.Cr),
        Z(z.Z),
        S(z.S),
        Lt(z.Lt),
        Ya(z.Ya),
        Ab(z.Ab),
        Mr(z.Mr) {}

  /// FFTW_MEASURE leaves arbitrary values (possibly denormals or NaN) in the arrays it planned
  /// on; zeros make FFT-only timings run on ordinary numbers. S is written before it is read.
  void zero() {
    clear(R), clear(H), clear(X), clear(Y), clear(U), clear(V1h);
    clear(V), clear(V2h), clear(Ch), clear(Cr), clear(Z), clear(Ya), clear(Ab), clear(Mr);
  }

 private:
  template <class E>
  static void clear(AlignedBuffer<E>& b) {
    if (b.size()) std::memset(static_cast<void*>(b.data()), 0, b.size() * sizeof(E));
  }
};

}  // namespace
}  // namespace detail
}  // namespace scatkit
