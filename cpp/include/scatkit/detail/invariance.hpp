// Index and averaging math of the invariance stage (docs/transform.md section 7), written once
// for the CPU loops and the CUDA kernels.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>

#include "scatkit/detail/elementwise.hpp"

namespace scatkit {
namespace detail {

/// Second-layer angle t2 of the orbit-average path with first angle t1 and relative angle delta.
SCATKIT_HD int orbit_angle(int t1, int delta, int L) { return (t1 + delta) % L; }

/// Source of the joint roto-translation sequence a_delta[t], t in [0, 2L): a_delta[t] is
/// Y[s, r], conjugated when the return value is true (psi_{t + L} = conj psi_t and
/// U1[t + L] = U1[t]).
SCATKIT_HD bool joint_source(int t, int delta, int L, int* s, int* r) {
  *s = t % L;
  const int sum = *s + delta;
  *r = sum % L;
  return (sum >= L) != (t >= L);
}

/// Periodised Gaussian sum over n in {-1, 0, 1} of exp(-(w + 2 pi n - c)^2 / (2 s^2)).
SCATKIT_HD double periodised_gaussian(double w, double s, double c) {
  const double two_pi = 6.283185307179586476925286766559;
  double sum = 0.0;
  for (int n = -1; n <= 1; ++n) {
    const double d = w + two_pi * n - c;
    sum += exp(-d * d / (2.0 * s * s));
  }
  return sum;
}

/// Fourier value at frequency index m in [0, A) of angular filter f on A samples (section 7):
/// f < K the wavelet h_f, f == K the low-pass h_phi, K < f <= 2K the mirrored wavelet
/// hbar_{f - K - 1}. Frequencies w_m = 2 pi m / A are taken in (-pi, pi].
SCATKIT_HD double angular_filter(int f, int m, int A, int K) {
  const double pi = 3.14159265358979323846264338327950;
  if (f > K) {
    f -= K + 1;
    m = (A - m) % A;
  }
  const double w = 2.0 * pi * (m <= A / 2 ? m : m - A) / A;
  if (f < K) {
    const double xi = 0.75 * pi * ldexp(1.0, -f), s = xi / 2.0;
    const double beta = periodised_gaussian(0.0, s, xi) / periodised_gaussian(0.0, s, 0.0);
    return periodised_gaussian(w, s, xi) - beta * periodised_gaussian(w, s, 0.0);
  }
  const double s_phi = 0.75 * pi * ldexp(1.0, -(K - 1)) / 2.0;
  return periodised_gaussian(w, s_phi, 0.0) / periodised_gaussian(0.0, s_phi, 0.0);
}

/// out[p] = mean over i < n of in[src[i] * plane + p] for p in [0, plane): one channel of an
/// orbit average, for one image whose channels are planes of `plane` values.
template <class T>
SCATKIT_HD_LOOP void average_planes(const T* SCATKIT_RESTRICT in,
                                    const std::uint32_t* SCATKIT_RESTRICT src, std::size_t n,
                                    std::size_t plane, T* SCATKIT_RESTRICT out) {
  for (std::size_t p = 0; p < plane; ++p) out[p] = T(0);
  for (std::size_t i = 0; i < n; ++i) {
    const T* row = in + static_cast<std::size_t>(src[i]) * plane;
    for (std::size_t p = 0; p < plane; ++p) out[p] += row[p];
  }
  const T scale = T(1) / static_cast<T>(n);
  for (std::size_t p = 0; p < plane; ++p) out[p] *= scale;
}

/// Value p of the channel average_planes(in, src, n, plane, out) writes, computed alone (one
/// GPU thread per output value); same summation order and scaling, so both agree bit for bit.
template <class T>
SCATKIT_HD T average_at(const T* SCATKIT_RESTRICT in, const std::uint32_t* SCATKIT_RESTRICT src,
                        std::size_t n, std::size_t plane, std::size_t p) {
  T sum = T(0);
  for (std::size_t i = 0; i < n; ++i) sum += in[static_cast<std::size_t>(src[i]) * plane + p];
  return sum * (T(1) / static_cast<T>(n));
}

}  // namespace detail
}  // namespace scatkit
