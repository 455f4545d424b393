// SIMD vectors of float and double through the GCC/Clang vector extension, and the lane
// shuffles, unaligned loads and stores and complex product the vector kernels share (the
// split-prime FFTs here, the fold and low-pass kernels of the CPU engine).
//
// Everything here has internal linkage: the CPU engine is compiled once per instruction set, and
// its variants must not share (ODR-merge) any function. Code that includes this header after an
// AVX2 target pragma defines SCATKIT_SIMD_AVX first, so Vec<T> is 32 bytes there.
#pragma once

namespace scatkit {
namespace detail {
namespace {

/// SIMD vectors of T (GCC/Clang vector extension): 32 bytes with AVX (or in code compiled under
/// an AVX2 target pragma, SCATKIT_SIMD_AVX), 16 bytes otherwise.
#if defined(__AVX__) || defined(SCATKIT_SIMD_AVX)
constexpr int kVecBytes = 32;
#else
constexpr int kVecBytes = 16;
#endif
template <class T>
struct VecOf;
template <>
struct VecOf<float> {
  typedef float type __attribute__((vector_size(kVecBytes)));
  typedef float unaligned __attribute__((vector_size(kVecBytes), aligned(alignof(float))));
  typedef int mask __attribute__((vector_size(kVecBytes)));
};
template <>
struct VecOf<double> {
  typedef double type __attribute__((vector_size(kVecBytes)));
  typedef double unaligned __attribute__((vector_size(kVecBytes), aligned(alignof(double))));
  typedef long long mask __attribute__((vector_size(kVecBytes)));
};
template <class T>
using Vec = typename VecOf<T>::type;

/// pi, for the twiddle and impulse-response tables.
constexpr double kPi = 3.14159265358979323846;

/// Lane i of the result is lane idx(i) of the concatenation (a, b). GCC takes the mask vector as
/// is; Clang's shuffle builtin wants constant indices, so it gets the lane loop (which it folds
/// into shuffles when idx is constant).
template <class T, class Idx>
inline Vec<T> shuffle2(Vec<T> a, Vec<T> b, Idx idx) {
  constexpr int n = static_cast<int>(sizeof(Vec<T>) / sizeof(T));
#if defined(__clang__)
  Vec<T> r{};
  for (int i = 0; i < n; ++i) r[i] = idx(i) < n ? a[idx(i)] : b[idx(i) - n];
  return r;
#else
  typename VecOf<T>::mask m;
  for (int i = 0; i < n; ++i) m[i] = idx(i);
  return __builtin_shuffle(a, b, m);
#endif
}

/// v with its lanes permuted: lane i of the result is lane idx(i) of v.
template <class T, class Idx>
inline Vec<T> permute(Vec<T> v, Idx idx) {
  return shuffle2<T>(v, v, idx);
}

/// (re, im) pairs swapped: (im, re).
template <class T>
inline Vec<T> swap_pairs(Vec<T> v) {
  return permute<T>(v, [](int i) { return i ^ 1; });
}

/// Complex lanes in reverse order: ((re, im)_n-1, ..., (re, im)_0).
template <class T>
inline Vec<T> reverse_pairs(Vec<T> v) {
  constexpr int n = static_cast<int>(sizeof(Vec<T>) / sizeof(T));
  return permute<T>(v, [](int i) { return n - 2 - (i & ~1) + (i & 1); });
}

/// Unaligned vector loads and stores through a vector type of T (which may alias T, and only
/// T: a char-typed memcpy would make the compiler reload every member after each store). The
/// lowered alignment sits on a plain typedef (VecOf::unaligned), where GCC and Clang both honour
/// it.
template <class T>
Vec<T> load_vec(const T* p) {
  return *reinterpret_cast<const typename VecOf<T>::unaligned*>(p);
}
template <class T>
void store_vec(T* p, Vec<T> v) {
  *reinterpret_cast<typename VecOf<T>::unaligned*>(p) = v;
}

/// Complex product x * w per lane, with w given as (wr, wr, ...) and (-wi, wi, ...).
template <class T>
Vec<T> cmul(Vec<T> x, Vec<T> wr, Vec<T> wi) {
  return x * wr + swap_pairs<T>(x) * wi;
}

}  // namespace
}  // namespace detail
}  // namespace scatkit
