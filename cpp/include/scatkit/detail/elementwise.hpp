// Elementwise math of the transform, written once for the CPU loops and the CUDA kernels.
//
// Every function here is inline, allocation-free and callable from host and device code, so
// the CPU unit tests exercise exactly the arithmetic the GPU kernels run.
#pragma once

#include <cmath>
#include <cstddef>

#if defined(__CUDACC__)
#define SCATKIT_HD __host__ __device__ __forceinline__
#define SCATKIT_HD_LOOP __host__ __device__ __forceinline__
#define SCATKIT_RESTRICT __restrict__
#else
#define SCATKIT_HD inline
#define SCATKIT_RESTRICT __restrict
// Row loops are always inlined on the host, so the CPU engine's AVX2 code vectorises them with
// its own instruction set (a shared out-of-line copy is compiled for the baseline).
#if defined(__GNUC__)
#define SCATKIT_HD_LOOP inline __attribute__((always_inline))
#else
#define SCATKIT_HD_LOOP inline
#endif
#endif

namespace scatkit {
namespace detail {

/// Interleaved complex number with the memory layout of fftw_complex and cufftComplex.
template <class T>
struct Complex {
  T re;  ///< real part
  T im;  ///< imaginary part
};

/// NumPy 'reflect' source index for position i (may be negative or >= n) on an axis of n >= 2.
/// The mirror repeats with period 2(n-1), so pads wider than the axis behave as in NumPy.
SCATKIT_HD long reflect_index(long i, long n) {
  const long period = 2 * (n - 1);
  long m = i % period;
  if (m < 0) m += period;
  return m < n ? m : period - m;
}

/// Value of the reflect-padded image at padded position (p, q); top/left are the pad widths.
template <class T>
SCATKIT_HD T padded_value(const T* img, long rows, long cols, long top, long left, long p, long q) {
  const long r = reflect_index(p - top, rows);
  const long c = reflect_index(q - left, cols);
  return img[r * cols + c];
}

/// Value at (r, c) of a full P x Q Hermitian spectrum stored as its r2c half (Q/2+1 columns).
template <class T>
SCATKIT_HD Complex<T> hermitian_at(const Complex<T>* half, long P, long Q, long r, long c) {
  const long hq = Q / 2 + 1;
  if (c < hq) return half[r * hq + c];
  const long rr = r == 0 ? 0 : P - r;
  const Complex<T> v = half[rr * hq + (Q - c)];
  return Complex<T>{v.re, -v.im};
}

/// Coarse bin (a, b) of sum_{p,q < k} X[a + p*P/k, b + q*Q/k] * f[...]: the product of a full
/// P x Q spectrum with a real filter, folded onto the (P/k) x (Q/k) grid (spatial subsampling by
/// k). The 1/k^2 of periodize_mean is folded into the filter scale by the caller.
template <class T>
SCATKIT_HD Complex<T> product_periodize(const Complex<T>* X, const T* f, long P, long Q, long k,
                                        long a, long b) {
  const long Pk = P / k, Qk = Q / k;
  T re = 0, im = 0;
  for (long p = 0; p < k; ++p) {
    const long row = (a + p * Pk) * Q;
    for (long q = 0; q < k; ++q) {
      const long idx = row + b + q * Qk;
      re += X[idx].re * f[idx];
      im += X[idx].im * f[idx];
    }
  }
  return Complex<T>{re, im};
}

/// Like product_periodize, for the half-spectrum output bin (a, b), b <= (Q/k)/2, of a Hermitian
/// input stored as its r2c half. Used by the low-pass branch, whose result is real in space.
template <class T>
SCATKIT_HD Complex<T> product_periodize_half(const Complex<T>* half, const T* f, long P, long Q,
                                             long k, long a, long b) {
  const long Pk = P / k, Qk = Q / k;
  T re = 0, im = 0;
  for (long p = 0; p < k; ++p) {
    const long r = a + p * Pk;
    for (long q = 0; q < k; ++q) {
      const long c = b + q * Qk;
      const Complex<T> v = hermitian_at(half, P, Q, r, c);
      const T w = f[r * Q + c];
      re += v.re * w;
      im += v.im * w;
    }
  }
  return Complex<T>{re, im};
}

/// Low-pass fold, second half: where term q of the coarse PJ x QJ half-spectrum bin (a, b),
/// b <= QJ/2, lies in Z, the PJ x (Qr/2+1) half grid already folded along rows (Z[a][c] =
/// sum_p spec*phi at row a + p*PJ, column c). The bin sums columns c = b + q*QJ, q < Qr/QJ, in
/// increasing q. Columns past Qr/2 come from the Hermitian mirror, row (-a) mod PJ, column
/// Qr - c, conjugated (then *conj is set to -1, else +1); this holds because phi is even, so
/// spec*phi stays Hermitian. Returns the flat index in Z.
SCATKIT_HD long fold_half_columns_source(long PJ, long Qr, long QJ, long a, long b, long q,
                                         int* conj) {
  const long hq = Qr / 2 + 1, c = b + q * QJ;
  if (c < hq) {
    *conj = 1;
    return a * hq + c;
  }
  *conj = -1;
  return (a == 0 ? 0 : PJ - a) * hq + (Qr - c);
}

/// out[e] = sum over q < k of Z[idx[q*n + e]], each imaginary part times sign[q*n + e] (+1, or
/// -1 for a conjugate), added in increasing q, for e < n: the column fold of the low-pass
/// branch from a table of fold_half_columns_source, in k passes without branches.
template <class T>
SCATKIT_HD_LOOP void fold_columns_gather(const Complex<T>* SCATKIT_RESTRICT Z, const int* idx,
                                         const T* sign, long k, long n,
                                         Complex<T>* SCATKIT_RESTRICT out) {
  for (long e = 0; e < n; ++e) out[e] = Complex<T>{Z[idx[e]].re, sign[e] * Z[idx[e]].im};
  for (long q = 1; q < k; ++q) {
    const int* ix = idx + q * n;
    const T* sg = sign + q * n;
    for (long e = 0; e < n; ++e) {
      out[e].re += Z[ix[e]].re;
      out[e].im += sg[e] * Z[ix[e]].im;
    }
  }
}

/// Modulus |z| of a complex value.
template <class T>
SCATKIT_HD T modulus(Complex<T> z) {
#if defined(__CUDA_ARCH__)
  return sqrt(z.re * z.re + z.im * z.im);
#else
  return std::sqrt(z.re * z.re + z.im * z.im);
#endif
}

/// u[i] = |y[i]| for i < n.
template <class T>
SCATKIT_HD_LOOP void modulus_row(const Complex<T>* SCATKIT_RESTRICT y, T* SCATKIT_RESTRICT u,
                                 long n) {
  const T* yi = &y[0].re;
  for (long i = 0; i < n; ++i) {
    const T re = yi[2 * i], im = yi[2 * i + 1];
#if defined(__CUDA_ARCH__)
    u[i] = sqrt(re * re + im * im);
#else
    u[i] = std::sqrt(re * re + im * im);
#endif
  }
}

/// Flat index in the P x Q coarse map of output pixel (i, j) after dropping one border pixel.
SCATKIT_HD long crop_source_index(long Q, long i, long j) { return (i + 1) * Q + (j + 1); }

/// Level-r fold of a level-0 Fourier filter: keeps |k| < P/2^(r+1) on each axis of the P x Q grid
/// and sums aliases onto the (P>>r) x (Q>>r) grid; returns bin (a, b) of the folded filter.
template <class T>
SCATKIT_HD T fold_filter(const T* f, long P, long Q, int r, long a, long b) {
  const long Pr = P >> r, Qr = Q >> r, k = 1L << r;
  const long hp = P >> (r + 1), hq = Q >> (r + 1);
  T s = 0;
  for (long p = 0; p < k; ++p) {
    const long row = a + p * Pr;
    if (r > 0 && row >= hp && row < P - hp) continue;
    for (long q = 0; q < k; ++q) {
      const long col = b + q * Qr;
      if (r > 0 && col >= hq && col < Q - hq) continue;
      s += f[row * Q + col];
    }
  }
  return s;
}

}  // namespace detail
}  // namespace scatkit
