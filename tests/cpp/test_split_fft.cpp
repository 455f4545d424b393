// The split-prime 2D FFTs (fft/split_fft.hpp) against FFTW's own 2D plans, every kind, both
// precisions, square, non-square, odd and prime-only sides, aligned and misaligned grids.
// Timings: bench/cpp/fft_bench.cpp.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "check.hpp"
#include "fft/split_fft.hpp"

using scatkit::detail::AlignedBuffer;
using scatkit::detail::Complex;
using scatkit::detail::Fftw;
using scatkit::detail::FftwPlan;
using scatkit::detail::split_prime;
using scatkit::detail::SplitFft2d;

#define SK_EXPECT(cond, msg) ::scatkit_test::record((cond), __FILE__, __LINE__, (msg))

namespace {

template <class T>
double rel_err(const T* a, const T* b, size_t n) {
  double num = 0, den = 0;
  for (size_t i = 0; i < n; ++i) {
    num += (double(a[i]) - double(b[i])) * (double(a[i]) - double(b[i]));
    den += double(b[i]) * double(b[i]);
  }
  return std::sqrt(num / (den > 0 ? den : 1));
}

template <class T>
struct Case {
  using C = Complex<T>;
  using F = Fftw<T>;
  using fc = typename F::complex_t;
  using Kind = typename SplitFft2d<T>::Kind;
  long P, Q;
  std::vector<T> u;   // P x Q real input
  std::vector<C> z;   // P x Q complex input
  std::vector<C> hz;  // P x (Q/2+1) half spectrum input (of a real grid)
  AlignedBuffer<C> grid, half, scratch;
  AlignedBuffer<T> real;

  Case(long P_, long Q_)
      : P(P_),
        Q(Q_),
        grid(static_cast<size_t>(P_ * Q_)),
        half(static_cast<size_t>(P_ * (Q_ / 2 + 1))),
        scratch(SplitFft2d<T>::scratch_size(P_, Q_)),
        real(static_cast<size_t>(P_ * Q_)) {
    std::mt19937 rng(static_cast<unsigned>(P * 1000 + Q));
    std::normal_distribution<double> d;
    u.resize(static_cast<size_t>(P * Q));
    z.resize(u.size());
    for (auto& v : u) v = static_cast<T>(d(rng));
    for (auto& v : z) v = C{static_cast<T>(d(rng)), static_cast<T>(d(rng))};
    // A genuine half spectrum: FFTW's r2c of u.
    hz.resize(static_cast<size_t>(P * (Q / 2 + 1)));
    std::vector<T> tmp(u);
    FftwPlan<T> pl(F::many_r2c(int(P), int(Q), 1, tmp.data(), reinterpret_cast<fc*>(hz.data()),
                               FFTW_ESTIMATE));
    F::exec_r2c(pl.get(), tmp.data(), reinterpret_cast<fc*>(hz.data()));
  }

  void check(double tol) {
    const size_t n = static_cast<size_t>(P * Q), nh = static_cast<size_t>(P * (Q / 2 + 1));
    for (int sign : {FFTW_FORWARD, FFTW_BACKWARD}) {
      std::vector<C> want(z);
      FftwPlan<T> pl(F::many_c2c(int(P), int(Q), 1, reinterpret_cast<fc*>(want.data()),
                                 reinterpret_cast<fc*>(want.data()), sign, FFTW_ESTIMATE));
      F::exec_c2c(pl.get(), reinterpret_cast<fc*>(want.data()), reinterpret_cast<fc*>(want.data()));
      SplitFft2d<T> s(Kind::c2c, P, Q, sign, grid.data(), scratch.data(), FFTW_ESTIMATE);
      std::memcpy(static_cast<void*>(grid.data()), z.data(), n * sizeof(C));
      s.c2c(grid.data(), scratch.data());
      const double e = rel_err(&grid.data()[0].re, &want[0].re, 2 * n);
      SK_EXPECT(e < tol, "c2c " + std::to_string(P) + "x" + std::to_string(Q) + " sign " +
                             std::to_string(sign) + " rel err " + std::to_string(e));
      // A grid without the planned alignment goes through the scratch's aligned copy.
      AlignedBuffer<C> shifted(n + 1);
      std::memcpy(static_cast<void*>(shifted.data() + 1), z.data(), n * sizeof(C));
      s.c2c(shifted.data() + 1, scratch.data());
      const double e2 = rel_err(&shifted.data()[1].re, &want[0].re, 2 * n);
      SK_EXPECT(e2 < tol, "misaligned c2c rel err " + std::to_string(e2));
    }
    {
      std::vector<C> want(nh);
      std::vector<T> tmp(u);
      FftwPlan<T> pl(F::many_r2c(int(P), int(Q), 1, tmp.data(), reinterpret_cast<fc*>(want.data()),
                                 FFTW_ESTIMATE));
      F::exec_r2c(pl.get(), tmp.data(), reinterpret_cast<fc*>(want.data()));
      SplitFft2d<T> s(Kind::r2c, P, Q, FFTW_FORWARD, half.data(), scratch.data(), FFTW_ESTIMATE);
      s.r2c(u.data(), half.data(), scratch.data());
      const double e = rel_err(&half.data()[0].re, &want[0].re, 2 * nh);
      SK_EXPECT(e < tol, "r2c " + std::to_string(P) + "x" + std::to_string(Q) + " rel err " +
                             std::to_string(e));
      AlignedBuffer<C> shifted(nh + 1);
      s.r2c(u.data(), shifted.data() + 1, scratch.data());
      const double e2 = rel_err(&shifted.data()[1].re, &want[0].re, 2 * nh);
      SK_EXPECT(e2 < tol, "misaligned r2c rel err " + std::to_string(e2));
      // An input without the planned alignment (even P reads it in place), left unchanged.
      std::vector<T> ushift(n + 1);
      std::memcpy(ushift.data() + 1, u.data(), n * sizeof(T));
      s.r2c(ushift.data() + 1, half.data(), scratch.data());
      const double e3 = rel_err(&half.data()[0].re, &want[0].re, 2 * nh);
      SK_EXPECT(e3 < tol, "misaligned r2c input rel err " + std::to_string(e3));
      SK_EXPECT(std::memcmp(ushift.data() + 1, u.data(), n * sizeof(T)) == 0,
                "r2c changed its input");
    }
    {
      // Perturb the parts c2r must ignore (imaginary DC/Nyquist of each row of the half
      // spectrum's column 0 and Q/2): FFTW and the split must agree anyway.
      std::vector<C> in(hz);
      const long hq = Q / 2 + 1;
      for (long r = 0; r < P; ++r) {
        in[static_cast<size_t>(r * hq)].im += T(0.25);
        if (Q % 2 == 0) in[static_cast<size_t>(r * hq + hq - 1)].im -= T(0.5);
      }
      std::vector<T> want(n);
      std::vector<C> tmp(in);
      FftwPlan<T> pl(F::many_c2r(int(P), int(Q), 1, reinterpret_cast<fc*>(tmp.data()), want.data(),
                                 FFTW_ESTIMATE));
      F::exec_c2r(pl.get(), reinterpret_cast<fc*>(tmp.data()), want.data());
      SplitFft2d<T> s(Kind::c2r, P, Q, FFTW_BACKWARD, half.data(), scratch.data(), FFTW_ESTIMATE);
      std::memcpy(static_cast<void*>(half.data()), in.data(), nh * sizeof(C));
      s.c2r(half.data(), real.data(), scratch.data());
      const double e = rel_err(real.data(), want.data(), n);
      SK_EXPECT(e < tol, "c2r " + std::to_string(P) + "x" + std::to_string(Q) + " rel err " +
                             std::to_string(e));
      AlignedBuffer<C> shifted(nh + 1);
      std::memcpy(static_cast<void*>(shifted.data() + 1), in.data(), nh * sizeof(C));
      s.c2r(shifted.data() + 1, real.data(), scratch.data());
      const double e2 = rel_err(real.data(), want.data(), n);
      SK_EXPECT(e2 < tol, "misaligned c2r rel err " + std::to_string(e2));
    }
  }
};

}  // namespace

TEST_CASE(split_matches_fftw) {
  const long shapes[][2] = {{272, 272}, {136, 136}, {68, 68}, {34, 34}, {17, 17}, {34, 68},
                            {68, 34},   {51, 85},   {85, 51}, {17, 2},  {2, 17},  {38, 46},
                            {40, 34},   {34, 40},   {19, 23}, {57, 31}, {544, 34}};
  for (const auto& s : shapes) {
    CHECK(split_prime(s[0]) > 1 || split_prime(s[1]) > 1);
    Case<double>(s[0], s[1]).check(1e-13);
    Case<float>(s[0], s[1]).check(2e-6);
  }
}

TEST_CASE(split_rule) {
  CHECK(split_prime(256) == 1 && split_prime(288) == 1 && split_prime(13 * 4) == 1);
  CHECK(split_prime(272) == 17 && split_prime(67 * 2) == 1 && split_prime(1) == 1);
}

int main() { return ::scatkit_test::run_all(); }
