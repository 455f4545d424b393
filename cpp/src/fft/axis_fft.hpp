// 2D FFTs for grids whose sides have a prime factor FFTW has no codelet for (17, 19, 23, ...).
//
// Kymatio's padding makes such grids common: 256x256 with J=3 and 512x512 with J=4 pad to 272
// and 544 (16*17, 32*17), and every coarser level keeps the 17. FFTW handles a prime without a
// codelet with a generic O(p^2) scalar solver and is 1.7-1.8x slower there than on the
// neighbouring smooth sizes. Here an axis of length n = m*p (p that prime) is split in one
// Cooley-Tukey step:
//   X[k1 + m k2] = sum_{n2<p} W_p^{n2 k2} (W_n^{n2 k1} Y[n2][k1]),
//   Y[n2][k1]   = sum_{n1<m} x[p n1 + n2] W_m^{n1 k1},
// Y is computed by FFTW (m-point DFTs, usually a power of two, as guru plans), and the twiddle
// plus p-point DFT is done here, vectorised across many independent transforms at once: across
// the columns of the grid for the column axis, across rows and k1 for the row axis. The p-point
// DFT uses the symmetric form (sums of x_j + x_{p-j} with cosines and x_j - x_{p-j} with sines).
// Real transforms pack two real rows into one complex row. Each split axis runs in chunks of
// lines small enough for a core's L2 cache (FFTW's step 1 and the p-point pass back to back per
// chunk), and the column pass moves tiles of several cache lines per stream.
//
// This file: the choice of the split prime, the p-point DFT and the split transform along one
// axis (AxisFft); split_fft.hpp makes the 2D transforms of two of them.
//
// Everything here has internal linkage: the file is compiled once per instruction set variant
// of the CPU engine, and the variants must not share (ODR-merge) any function.
#pragma once

#include <fftw3.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "fft/fftw_plan.hpp"
#include "fft/simd.hpp"
#include "scatkit/detail/elementwise.hpp"

namespace scatkit {
namespace detail {
namespace {

/// Largest prime factor of n (1 for n <= 1).
inline long largest_prime_factor(long n) {
  long best = 1;
  for (long f = 2; f * f <= n; ++f)
    while (n % f == 0) {
      best = f;
      n /= f;
    }
  return n > 1 ? std::max(best, n) : best;
}

/// Primes in [kSplitPrimeMin, kSplitPrimeMax] are handled by the split; FFTW has codelets up to
/// 13 and its Rader solver is competitive for large primes.
constexpr long kSplitPrimeMin = 17;
constexpr long kSplitPrimeMax = 61;

/// The prime an axis of length n is split on, or 1 to leave the axis to FFTW.
inline long split_prime(long n) {
  const long p = largest_prime_factor(n);
  return p >= kSplitPrimeMin && p <= kSplitPrimeMax ? p : 1;
}

/// A block of the p-point DFT is 64 bytes of interleaved complex values, kVecs vectors.
constexpr int kVecs = 64 / kVecBytes;
constexpr int kMaxPrime = 64;

/// Complex lanes (independent transforms) per block.
template <class T>
constexpr int lanes_per_block() {
  return static_cast<int>(64 / (2 * sizeof(T)));
}

/// p-point DFT (p odd) of one block: y[j] holds input j of every lane, results go to o[k].
/// Forward (sign -1) or backward (+1).
template <class T>
struct OddDft {
  using V = Vec<T>;
  int p = 1, h = 0;
  std::vector<T> cs, sn;  // cos and sin of 2 pi j k / p, [k-1][j-1], h x h

  explicit OddDft(int prime = 1) : p(prime), h((prime - 1) / 2) {
    cs.resize(static_cast<size_t>(h * h));
    sn.resize(static_cast<size_t>(h * h));
    for (int k = 1; k <= h; ++k)
      for (int j = 1; j <= h; ++j) {
        const double a = 2.0 * kPi * static_cast<double>((j * k) % p) / p;
        cs[static_cast<size_t>((k - 1) * h + (j - 1))] = static_cast<T>(std::cos(a));
        sn[static_cast<size_t>((k - 1) * h + (j - 1))] = static_cast<T>(std::sin(a));
      }
  }

  void run(const V (*y)[kVecs], V (*o)[kVecs], bool backward) const {
    V a[kMaxPrime / 2][kVecs], b[kMaxPrime / 2][kVecs];
    V sum[kVecs];
    for (int v = 0; v < kVecs; ++v) sum[v] = y[0][v];
    for (int j = 1; j <= h; ++j)
      for (int v = 0; v < kVecs; ++v) {
        a[j - 1][v] = y[j][v] + y[p - j][v];
        b[j - 1][v] = y[j][v] - y[p - j][v];
        sum[v] += a[j - 1][v];
      }
    for (int v = 0; v < kVecs; ++v) o[0][v] = sum[v];
    V sign{};  // (+1, -1, +1, -1, ...)
    for (size_t i = 0; i < sizeof(V) / sizeof(T); ++i) sign[i] = i % 2 ? T(-1) : T(1);
    for (int k = 1; k <= h; ++k) {
      const T* c = cs.data() + (k - 1) * h;
      const T* s = sn.data() + (k - 1) * h;
      V R[kVecs], S[kVecs];
      for (int v = 0; v < kVecs; ++v) {
        R[v] = y[0][v];
        S[v] = V{};
      }
      for (int j = 0; j < h; ++j) {
        const T cj = c[j], sj = s[j];
        for (int v = 0; v < kVecs; ++v) {
          R[v] += cj * a[j][v];
          S[v] += sj * b[j][v];
        }
      }
      // Forward: X_k = R - i S, X_{p-k} = R + i S; backward swaps them. -i S = swap(S) * sign.
      V* lo = o[backward ? p - k : k];
      V* hi = o[backward ? k : p - k];
      for (int v = 0; v < kVecs; ++v) {
        const V t = swap_pairs<T>(S[v]) * sign;
        lo[v] = R[v] + t;
        hi[v] = R[v] - t;
      }
    }
  }
};

/// Complex FFTs of length n along one axis of a grid (in place), split on a prime when useful.
/// Rows: `count` contiguous lines a[i*ld .. i*ld+n). Columns: a is n x count (row-major) and
/// each of the `count` columns is transformed. run() needs n*count complex values of scratch
/// (n times the lines of one chunk, at most that).
template <class T>
class AxisFft {
  using C = Complex<T>;
  using F = Fftw<T>;
  using V = Vec<T>;
  static constexpr int kL = lanes_per_block<T>();  // complex lanes per block
  static constexpr int kF = 2 * kL;                // values per block

 public:
  AxisFft() = default;

  /// split: false leaves the axis to FFTW even where a split would be faster.
  void init(bool rows, long n, long count, long ld, int sign, C* a, C* scratch, unsigned flags,
            bool split = true) {
    setup(rows, n, count, ld, sign, split);
    using dim = typename F::dim_t;
    const int in = static_cast<int>(n), ic = static_cast<int>(count), il = static_cast<int>(ld);
    if (p_ == 1) {
      if (rows) {
        dim d{in, 1, 1}, h{ic, il, il};
        plan_ = checked_plan<T>(F::guru_c2c(1, &d, 1, &h, fcp(a), fcp(a), sign, flags));
      } else {
        dim d{in, il, il}, h{ic, 1, 1};
        plan_ = checked_plan<T>(F::guru_c2c(1, &d, 1, &h, fcp(a), fcp(a), sign, flags));
      }
      return;
    }
    // Step 1 into the scratch, one chunk of lines at a time; rank 0 (a copy) when m == 1.
    chunk_ = chunk_lines(rows, n, count);
    plan_ = step1_plan(chunk_, a, scratch, flags);
    if (count % chunk_) {
      const long first = count - count % chunk_;  // planned where it runs: same alignment
      tail_ = step1_plan(count % chunk_, a + (rows ? first * ld : first), scratch, flags);
    }
  }

  void run(C* a, C* scratch) const {
    if (p_ == 1) return F::exec_c2c(plan_.get(), fcp(a), fcp(a));
    for (long c = 0; c < count_; c += chunk_) {
      const long lines = std::min(chunk_, count_ - c);
      C* ac = a + (rows_ ? c * ld_ : c);
      F::exec_c2c((lines == chunk_ ? plan_ : tail_).get(), fcp(ac), fcp(scratch));
      if (rows_)
        pass_rows(scratch, ac, lines);
      else
        pass_cols(scratch, ac, lines);
    }
  }

 private:
  static typename F::complex_t* fcp(C* p) { return reinterpret_cast<typename F::complex_t*>(p); }

  // Lines per chunk of a split axis: a chunk's lines plus their step-1 output (2 * n * lines
  // complex values) stay near 256 KiB, within a core's L2 cache, so the p-point pass reads what
  // step 1 just wrote from cache and writes lines step 1 just read (on a 544 x 544 grid both
  // passes would otherwise stream 2.4 MB each through the next level). Column chunks are whole
  // blocks of the p-point pass.
  static long chunk_lines(bool rows, long n, long count) {
    constexpr long kBytes = 128 * 1024;
    long c = std::max(1L, kBytes / (n * static_cast<long>(sizeof(C))));
    if (!rows) c = std::max(static_cast<long>(kL), c / kL * kL);
    return 2 * c > count ? count : c;  // a grid this small is cache-resident anyway
  }

  // Step 1 of a split axis on `lines` lines starting at a: m-point DFTs into the scratch,
  // rows: Y[n2][line][k1] at scratch + (n2*lines + line)*m + k1;
  // columns: Y[n2][k1][col] at scratch + (n2*m + k1)*lines + col.
  FftwPlan<T> step1_plan(long lines, C* a, C* scratch, unsigned flags) const {
    using dim = typename F::dim_t;
    const int m = static_cast<int>(m_), p = static_cast<int>(p_);
    const int ic = static_cast<int>(lines), il = static_cast<int>(ld_);
    const int sign = backward_ ? FFTW_BACKWARD : FFTW_FORWARD;
    const int rank = m > 1 ? 1 : 0;
    if (rows_) {
      dim d{m, p, 1};
      dim h[2] = {{ic, il, m}, {p, 1, ic * m}};
      return checked_plan<T>(
          F::guru_c2c(rank, &d, 2, h, fcp(a), fcp(scratch), sign, step1_flags(flags)));
    }
    dim d{m, p * il, ic};
    dim h[2] = {{p, il, m * ic}, {ic, 1, 1}};
    return checked_plan<T>(
        F::guru_c2c(rank, &d, 2, h, fcp(a), fcp(scratch), sign, step1_flags(flags)));
  }

  // Step-1 DFTs of a split axis: these small strided DFTs run as fast with FFTW_ESTIMATE plans as
  // with FFTW_MEASURE ones (measured on 272 and 544 grids), and estimating halves a cold plan
  // construction; PATIENT/EXHAUSTIVE requests are kept.
  static unsigned step1_flags(unsigned flags) {
    return (flags & (FFTW_PATIENT | FFTW_EXHAUSTIVE)) ? flags : (flags | FFTW_ESTIMATE);
  }

  // Geometry, the split prime and (when split) the twiddles and the p-point DFT.
  void setup(bool rows, long n, long count, long ld, int sign, bool split) {
    rows_ = rows;
    count_ = count;
    ld_ = ld;
    backward_ = sign > 0;
    p_ = split ? split_prime(n) : 1;
    if (p_ == 1) return;
    m_ = n / p_;
    dft_ = OddDft<T>(static_cast<int>(p_));
    // Twiddles W_n^{n2 k1} as (wr, wr) and (-wi, wi) pairs, [n2][k1].
    twr_.resize(static_cast<size_t>(2 * p_ * m_));
    twi_.resize(twr_.size());
    for (long j = 0; j < p_; ++j)
      for (long k = 0; k < m_; ++k) {
        const double ang = (backward_ ? 2.0 : -2.0) * kPi * static_cast<double>((j * k) % n) /
                           static_cast<double>(n);
        const size_t i = static_cast<size_t>(2 * (j * m_ + k));
        twr_[i] = twr_[i + 1] = static_cast<T>(std::cos(ang));
        twi_[i] = static_cast<T>(-std::sin(ang));
        twi_[i + 1] = static_cast<T>(std::sin(ang));
      }
  }

  // Column axis (a chunk of `count` columns of a): for each k1, p input planes of count lanes
  // share one twiddle per plane. The p planes of y, and the p output rows of a, are far apart: a
  // tile of kTile blocks per plane makes each of these 2p streams a run of kTile cache lines,
  // which the prefetchers follow (one line per stream and block ran 3x slower than the row pass).
  void pass_cols(const C* y, C* a, long count) const {
    constexpr int kTile = 4;
    const int p = static_cast<int>(p_);
    const long m = m_, ld = ld_;  // locals: the stores below need not reload them
    V in[kTile][kMaxPrime][kVecs], out[kTile][kMaxPrime][kVecs];
    T part[kF];
    for (long k1 = 0; k1 < m; ++k1) {
      for (long c0 = 0; c0 < count; c0 += kTile * kL) {
        const int nblk = static_cast<int>(std::min<long>(kTile, (count - c0 + kL - 1) / kL));
        const int nb_last = static_cast<int>(std::min<long>(kL, count - c0 - (nblk - 1) * kL));
        for (int j = 0; j < p; ++j) {
          const size_t t = static_cast<size_t>(2 * (j * m + k1));
          const V wr = V{} + twr_[t];
          V wi;
          for (size_t i = 0; i < sizeof(V) / sizeof(T); ++i) wi[i] = twi_[t + i % 2];
          const T* row = &y[(j * m + k1) * count + c0].re;
          for (int b = 0; b < nblk; ++b) {
            const T* src = row + b * kF;
            if (b == nblk - 1 && nb_last < kL) {
              std::fill(part, part + kF, T(0));
              std::memcpy(part, src, static_cast<size_t>(nb_last) * sizeof(C));
              src = part;
            }
            for (int v = 0; v < kVecs; ++v)
              in[b][j][v] = cmul<T>(load_vec(src + v * (kF / kVecs)), wr, wi);
          }
        }
        for (int b = 0; b < nblk; ++b) dft_.run(in[b], out[b], backward_);
        for (int k2 = 0; k2 < p; ++k2) {
          T* row = &a[(k1 + m * k2) * ld + c0].re;
          for (int b = 0; b < nblk; ++b) {
            T* dst = row + b * kF;
            if (b < nblk - 1 || nb_last == kL) {
              for (int v = 0; v < kVecs; ++v) store_vec(dst + v * (kF / kVecs), out[b][k2][v]);
            } else {
              std::memcpy(dst, out[b][k2], static_cast<size_t>(nb_last) * sizeof(C));
            }
          }
        }
      }
    }
  }

  // Row axis: lanes v = line*m + k1 run contiguously through every input plane n2.
  void pass_rows(const C* y, C* a, long count) const {
    const int p = static_cast<int>(p_);
    const long m = m_, ld = ld_;  // locals: the stores below need not reload them
    const long lanes = count * m;
    V in[kMaxPrime][kVecs], out[kMaxPrime][kVecs];
    alignas(32) T wr[kMaxPrime][kF], wi[kMaxPrime][kF];
    T part[kF];
    long dst[kL];
    // Blocks start at multiples of kL: when kL % m == 0 every block has the same twiddles.
    const bool same_tw = kL % m == 0;
    const bool contiguous = m % kL == 0;  // a block is one line's run of k1
    long lane_off[kL];
    for (int i = 0; i < kL; ++i) lane_off[i] = (i / m) * ld + i % m;
    if (same_tw) fill_lane_twiddles(0, p, wr, wi);
    for (long v0 = 0; v0 < lanes; v0 += kL) {
      const int nb = static_cast<int>(std::min<long>(kL, lanes - v0));
      const long line = v0 / m, k1 = v0 - line * m;  // of the block's first lane
      if (!same_tw && !contiguous) fill_lane_twiddles(v0, p, wr, wi);
      for (int j = 0; j < p; ++j) {
        const T* src = &y[j * lanes + v0].re;
        if (nb < kL) {
          std::fill(part, part + kF, T(0));
          std::memcpy(part, src, static_cast<size_t>(nb) * sizeof(C));
          src = part;
        }
        const T* twr = contiguous ? &twr_[static_cast<size_t>(2 * (j * m + k1))] : wr[j];
        const T* twi = contiguous ? &twi_[static_cast<size_t>(2 * (j * m + k1))] : wi[j];
        for (int v = 0; v < kVecs; ++v) {
          const int o = v * (kF / kVecs);
          in[j][v] = cmul<T>(load_vec(src + o), load_vec(twr + o), load_vec(twi + o));
        }
      }
      dft_.run(in, out, backward_);
      if (contiguous && nb == kL) {
        T* base = &a[line * ld + k1].re;
        for (int k2 = 0; k2 < p; ++k2)
          for (int v = 0; v < kVecs; ++v)
            store_vec(base + 2 * m * k2 + v * (kF / kVecs), out[k2][v]);
        continue;
      }
      if (same_tw)  // the block starts a line: offsets repeat from block to block
        for (int i = 0; i < nb; ++i) dst[i] = line * ld + lane_off[i];
      else
        for (int i = 0; i < nb; ++i) dst[i] = ((v0 + i) / m) * ld + (v0 + i) % m;
      if (same_tw && nb == kL) {  // whole lines of m values each
        for (int k2 = 0; k2 < p; ++k2) {
          const T* o = reinterpret_cast<const T*>(out[k2]);
          for (int i = 0; i < kL; i += static_cast<int>(m)) {
            C* d = &a[dst[i] + m * k2];
            if (2 * m == kF / kVecs) {  // one vector per line
              store_vec(&d[0].re, out[k2][i / m]);
            } else {
              for (long e = 0; e < m; ++e) d[e] = C{o[2 * (i + e)], o[2 * (i + e) + 1]};
            }
          }
        }
        continue;
      }
      for (int k2 = 0; k2 < p; ++k2) {
        const T* o = reinterpret_cast<const T*>(out[k2]);
        for (int i = 0; i < nb; ++i) a[dst[i] + m * k2] = C{o[2 * i], o[2 * i + 1]};
      }
    }
  }

  // Per-lane twiddles of the block starting at lane v0 (lane v has k1 = v % m).
  void fill_lane_twiddles(long v0, int p, T (*wr)[kF], T (*wi)[kF]) const {
    for (int j = 0; j < p; ++j)
      for (int i = 0; i < kL; ++i) {
        const size_t t = static_cast<size_t>(2 * (j * m_ + (v0 + i) % m_));
        wr[j][2 * i] = wr[j][2 * i + 1] = twr_[t];
        wi[j][2 * i] = twi_[t];
        wi[j][2 * i + 1] = twi_[t + 1];
      }
  }

  bool rows_ = true, backward_ = false;
  long count_ = 0, ld_ = 0, p_ = 1, m_ = 0;
  long chunk_ = 1;  // lines per step-1 plan and pass of a split axis
  OddDft<T> dft_;
  std::vector<T> twr_, twi_;
  FftwPlan<T> plan_, tail_;  // step 1 of a whole chunk and of the last, shorter one
};

}  // namespace
}  // namespace detail
}  // namespace scatkit
