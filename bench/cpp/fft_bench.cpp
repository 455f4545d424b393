// Times one 2D FFT on the grids the engine meets: FFTW's own 2D plan vs scatkit's split-prime
// transform (fft/split_fft.hpp), float32, one thread, FFTW_MEASURE, median of 31 x 10 calls.
// Built with the CPU engine's AVX2 flags where available (-DSCATKIT_BENCH=ON):
//   scatkit_fft_bench [side ...]      default: the padded grids of the bench workloads and more
// "split on 1" means no side is split: both columns are then FFTW (2D plan vs per-axis plans).
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "fft/split_fft.hpp"
#include "timing.hpp"

using scatkit::detail::AlignedBuffer;
using scatkit::detail::Complex;
using scatkit::detail::Fftw;
using scatkit::detail::FftwPlan;
using scatkit::detail::split_prime;
using scatkit::detail::SplitFft2d;
using scatkit_bench::seconds;

namespace {

// Median time of one c2c / r2c on a P x Q float grid: FFTW's 2D plan vs the split.
void bench(long P, long Q) {
  using T = float;
  using F = Fftw<T>;
  using fc = F::complex_t;
  const size_t n = static_cast<size_t>(P * Q);
  AlignedBuffer<Complex<T>> a(n), h(static_cast<size_t>(P * (Q / 2 + 1))),
      s(SplitFft2d<T>::scratch_size(P, Q));
  AlignedBuffer<T> r(n);
  FftwPlan<T> pc(F::many_c2c(int(P), int(Q), 1, reinterpret_cast<fc*>(a.data()),
                             reinterpret_cast<fc*>(a.data()), FFTW_BACKWARD, FFTW_MEASURE));
  FftwPlan<T> pr(
      F::many_r2c(int(P), int(Q), 1, r.data(), reinterpret_cast<fc*>(h.data()), FFTW_MEASURE));
  SplitFft2d<T> sc(SplitFft2d<T>::Kind::c2c, P, Q, FFTW_BACKWARD, a.data(), s.data(), FFTW_MEASURE);
  SplitFft2d<T> sr(SplitFft2d<T>::Kind::r2c, P, Q, FFTW_FORWARD, h.data(), s.data(), FFTW_MEASURE);
  std::memset(static_cast<void*>(a.data()), 0, n * sizeof(Complex<T>));
  std::memset(static_cast<void*>(r.data()), 0, n * sizeof(T));
  auto median = [](auto&& f) {
    std::vector<double> t;
    for (int rep = 0; rep < 31; ++rep) {
      const double t0 = seconds();
      for (int i = 0; i < 10; ++i) f();
      t.push_back((seconds() - t0) / 10);
    }
    std::sort(t.begin(), t.end());
    return t[t.size() / 2] * 1e6;
  };
  const double fc2c = median([&] {
    F::exec_c2c(pc.get(), reinterpret_cast<fc*>(a.data()), reinterpret_cast<fc*>(a.data()));
  });
  const double sc2c = median([&] { sc.c2c(a.data(), s.data()); });
  const double fr2c =
      median([&] { F::exec_r2c(pr.get(), r.data(), reinterpret_cast<fc*>(h.data())); });
  const double sr2c = median([&] { sr.r2c(r.data(), h.data(), s.data()); });
  std::printf(
      "%4ldx%-4ld split on %2ld | c2c fftw %8.1f us split %8.1f us (%.2fx) | r2c fftw %8.1f us "
      "split %8.1f us (%.2fx)\n",
      P, Q, split_prime(P), fc2c, sc2c, fc2c / sc2c, fr2c, sr2c, fr2c / sr2c);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<long> sides;
  for (int i = 1; i < argc; ++i) sides.push_back(std::strtol(argv[i], nullptr, 10));
  if (sides.empty()) sides = {34, 68, 136, 256, 272, 288, 544, 19 * 16, 23 * 16, 31 * 8, 61 * 4};
  for (long n : sides) {
    if (n < 2 || n > 8192) {
      std::fprintf(stderr, "side %ld out of range 2..8192\n", n);
      return 2;
    }
    bench(n, n);
  }
  return 0;
}
