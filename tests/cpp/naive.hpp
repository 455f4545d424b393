// Slow, obviously correct reference helpers for the unit tests: a naive 2D DFT and a
// deterministic pseudo-random generator (and vectors of its values). Only for tiny grids.
#pragma once

#include <cmath>
#include <complex>
#include <cstdint>
#include <vector>

namespace scatkit_test {

/// Complex double used by the naive references.
using cplx = std::complex<double>;

/// 2D DFT of a row-major P x Q grid by the definition, in the NumPy convention: forward
/// (inverse = false) is unnormalised with exp(-2 pi i ...), inverse divides by P * Q.
inline std::vector<cplx> dft2(const std::vector<cplx>& x, long P, long Q, bool inverse) {
  const double pi = std::acos(-1.0);
  const double sign = inverse ? 1.0 : -1.0;
  std::vector<cplx> out(static_cast<size_t>(P * Q));
  for (long k = 0; k < P; ++k)
    for (long l = 0; l < Q; ++l) {
      cplx s(0.0, 0.0);
      for (long x0 = 0; x0 < P; ++x0)
        for (long y0 = 0; y0 < Q; ++y0) {
          // Reduce the phase exactly in integers before scaling, to keep rounding small.
          const double ph = 2.0 * pi *
                            (static_cast<double>((k * x0) % P) / static_cast<double>(P) +
                             static_cast<double>((l * y0) % Q) / static_cast<double>(Q));
          s += x[static_cast<size_t>(x0 * Q + y0)] * std::polar(1.0, sign * ph);
        }
      out[static_cast<size_t>(k * Q + l)] = inverse ? s / static_cast<double>(P * Q) : s;
    }
  return out;
}

/// Deterministic values in [-1, 1) (a 64-bit LCG), so failures reproduce exactly.
class Rng {
 public:
  /// Starts the sequence from seed.
  explicit Rng(std::uint64_t seed) : s_(seed * 2862933555777941757ULL + 3037000493ULL) {}
  /// Next value in [-1, 1).
  double next() {
    s_ = s_ * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<double>(s_ >> 11) / 4503599627370496.0 - 1.0;  // 2^52
  }

 private:
  std::uint64_t s_;
};

/// n values of Rng(seed) as T: reproducible test images of any precision.
template <class T>
std::vector<T> random_values(size_t n, std::uint64_t seed) {
  Rng rng(seed);
  std::vector<T> v(n);
  for (auto& x : v) x = static_cast<T>(rng.next());
  return v;
}

}  // namespace scatkit_test
