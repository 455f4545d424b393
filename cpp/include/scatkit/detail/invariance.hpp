// Index and averaging math of the invariance stage (docs/transform.md section 7), written once
// for the CPU loops and the CUDA kernels.
#pragma once

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
