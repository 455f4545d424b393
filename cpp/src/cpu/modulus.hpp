// The modulus of the band-pass maps, u[i] = |y[i]|, vectorised by hand for AVX2.
//
// Compiled once per instruction set variant of the CPU engine (like spatial_lowpass.hpp): in the
// AVX2 variant, or any build with -mavx2, each step squares two vectors of interleaved (re, im),
// adds the pairs with one horizontal add (the moduli come out as c0 c1 c4 c5 | c2 c3 c6 c7 in
// float, c0 c2 c1 c3 in double) and restores their order with one cross-lane permute. GCC's own
// vectorisation of modulus_row deinterleaves with four cross-lane permutes and two blends and
// takes about twice as long (scatkit_kernel_bench). The values are modulus_row's, bit for bit:
// the same products, sum and correctly rounded square root per element.
#pragma once

#include <type_traits>

#include "scatkit/detail/elementwise.hpp"

#if defined(SCATKIT_TARGET_AVX2) || defined(__AVX2__)
#define SCATKIT_MODULUS_AVX2 1
#include <immintrin.h>
#endif

namespace scatkit {
namespace detail {
namespace {

/// u[i] = |y[i]| for i < n: modulus_row's values, faster.
template <class T>
void modulus_map(const Complex<T>* y, T* u, long n) {
  long i = 0;
#if defined(SCATKIT_MODULUS_AVX2)
  const T* p = &y[0].re;
  if constexpr (std::is_same_v<T, float>) {
    for (; i + 8 <= n; i += 8) {
      const __m256 a = _mm256_loadu_ps(p + 2 * i), b = _mm256_loadu_ps(p + 2 * i + 8);
      const __m256 q = _mm256_hadd_ps(_mm256_mul_ps(a, a), _mm256_mul_ps(b, b));
      const __m256d ordered = _mm256_permute4x64_pd(_mm256_castps_pd(q), 0xD8);
      _mm256_storeu_ps(u + i, _mm256_sqrt_ps(_mm256_castpd_ps(ordered)));
    }
  } else {
    for (; i + 4 <= n; i += 4) {
      const __m256d a = _mm256_loadu_pd(p + 2 * i), b = _mm256_loadu_pd(p + 2 * i + 4);
      const __m256d q = _mm256_hadd_pd(_mm256_mul_pd(a, a), _mm256_mul_pd(b, b));
      _mm256_storeu_pd(u + i, _mm256_sqrt_pd(_mm256_permute4x64_pd(q, 0xD8)));
    }
  }
#endif
  modulus_row(y + i, u + i, n - i);
}

}  // namespace
}  // namespace detail
}  // namespace scatkit
