// The FFTW engine: one image per worker at a time, every FFT planned once per Plan.
#include <fftw3.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "backend.hpp"
#include "cpu/thread_pool.hpp"
#include "fft/fftw_plan.hpp"
#include "filter_bank.hpp"
#include "scatkit/detail/elementwise.hpp"
#include "support.hpp"

// The AVX2 variant of this file (SCATKIT_TARGET_AVX2, see cpu_dispatch.cpp) is compiled without
// -mavx2: only the code below this point targets AVX2. Every inline function of the headers
// above is compiled for the baseline in both variants, so whichever copy the linker keeps runs
// on any x86-64; the engine itself and the split FFTs have internal linkage. (With -mavx2 on
// the whole file, the linker could keep AVX2 copies of shared inline functions, such as the
// thread pool's, and the baseline engine would then fault on a processor without AVX2.)
#if defined(SCATKIT_TARGET_AVX2)
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2")
#endif
#define SCATKIT_SIMD_AVX 1
#endif

#include "cpu/modulus.hpp"
#include "cpu/spatial_lowpass.hpp"
#include "fft/split_fft.hpp"

namespace scatkit {
namespace detail {
namespace {

template <class T>
using C = Complex<T>;

// Grids at least this large are band-passed one angle at a time (see bandpass()).
constexpr size_t kPerAngleBytes = 128 * 1024;

// Per-worker scratch; sized for the largest level, never resized after construction.
template <class T>
struct Workspace {
  AlignedBuffer<T> R;       // padded input, P x Q
  AlignedBuffer<C<T>> H;    // its r2c half spectrum
  AlignedBuffer<C<T>> X;    // full spectrum, P x Q
  AlignedBuffer<C<T>> Y;    // L band-pass grids (complex, in place inverse FFT)
  AlignedBuffer<T> U;       // L modulus maps
  AlignedBuffer<C<T>> V1h;  // L first-order half spectra
  AlignedBuffer<C<T>> V;    // one first-order full spectrum
  AlignedBuffer<C<T>> V2h;  // L second-order half spectra (Fourier low-pass only)
  AlignedBuffer<C<T>> Ch;   // L coarse low-pass half spectra
  AlignedBuffer<T> Cr;      // L coarse low-pass maps
  AlignedBuffer<C<T>> Z;    // low-pass spectrum folded along rows only
  AlignedBuffer<C<T>> S;    // scratch of the split-prime FFTs (empty when FFTW does all)
  AlignedBuffer<T> Lt;      // scratch of the spatial low-pass
};

// Filter values of a fold, one per complex element, are stored in blocks of one vector's worth
// of reals (two vectors of complex elements), permuted within the block so that one load and two
// in-lane unpacks give both vectors' filters, each value duplicated onto (re, im) and in order:
// unpack-low takes reals (0, 0, 1, 1) of each 128-bit lane, unpack-high reals (2, 2, 3, 3)
// (float; (0, 0) and (1, 1) for double). With AVX and float a block holds f0 f1 f4 f5 f2 f3 f6 f7;
// with 128-bit vectors the order is unchanged. After a run's last whole block, half a block's
// values (one vector of complex elements), if left, take a padded block of their own at the
// unpack-low places (f0 f1 0 0 f2 f3 0 0), so the same load and unpack-low serve them; the last
// values of the run stay in order after it.
template <class T>
struct FoldLayout {
  static constexpr int kReals = static_cast<int>(sizeof(Vec<T>) / sizeof(T));  // per vector
  static constexpr int kComplex = kReals / 2;                                  // per vector
  static constexpr int kLane = static_cast<int>(16 / sizeof(T));               // per 128 bits
  // Real lane i of the first (low) filter vector is block value lo(i); of the second, hi(i).
  static constexpr int lo(int i) { return (i / kLane) * kLane + (i % kLane) / 2; }
  static constexpr int hi(int i) { return lo(i) + kLane / 2; }
  // The block position of filter value m (m < kReals).
  static constexpr int slot(int m) { return m < kComplex ? lo(2 * m) : hi(2 * (m - kComplex)); }

  // Values a run of n complex elements stores (n, plus the padding of a half block).
  static long stored(long n) { return n % kReals >= kComplex ? n + kReals - kComplex : n; }

  // Appends the n values at f to out in this layout (stored(n) values).
  static void append(const T* f, long n, std::vector<T>& out) {
    long b = 0;
    for (; b + kReals <= n; b += kReals) {
      T blk[kReals];
      for (int m = 0; m < kReals; ++m) blk[slot(m)] = f[b + m];
      out.insert(out.end(), blk, blk + kReals);
    }
    if (stored(n) > n) {  // half a block left: padded
      T blk[kReals] = {};
      for (int m = 0; m < kComplex; ++m) blk[slot(m)] = f[b + m];
      out.insert(out.end(), blk, blk + kReals);
      b += kComplex;
    }
    out.insert(out.end(), f + b, f + n);
  }
};

// y[i] (=|+=) s_0[i] * f_0[i] + ... + s_{K-1}[i] * f_{K-1}[i] for n complex values: K source
// runs, and K runs of n real filter values in FoldLayout, the k-th at f + k * stored(n). The
// filter is read once per element and duplicated onto (re, im) in registers (half the filter
// bytes of a duplicated copy), and y is read and written once for the K products. The products
// are added in order k = 0, 1, ... to y's value (accumulate) or to the first product; without FMA
// contraction (ISO mode) every partial sum rounds as in one pass per source, so the bits do not
// depend on K, and visiting the aliases in (p, q) order with the first one assigning gives bit
// for bit the sums of product_periodize.
template <class T, int K>
inline __attribute__((always_inline)) void multiply_runs(const Complex<T>* const* s, const T* f,
                                                         Complex<T>* y, long n, bool accumulate) {
  using V = Vec<T>;
  using Lay = FoldLayout<T>;
  constexpr int nc = Lay::kComplex, nr = Lay::kReals;
  const long fs = Lay::stored(n);  // filter values per source
  T* yo = &y[0].re;
  long i = 0;
  for (; i + nr <= n; i += nr) {
    V a, b;
    for (int k = 0; k < K; ++k) {
      const T* si = &s[k][0].re;
      const V g = load_vec(f + k * fs + i);
      const V f0 = permute<T>(g, [](int m) { return Lay::lo(m); });
      const V f1 = permute<T>(g, [](int m) { return Lay::hi(m); });
      const V pa = load_vec(si + 2 * i) * f0, pb = load_vec(si + 2 * i + nr) * f1;
      if (k > 0) {
        a += pa, b += pb;
      } else if (accumulate) {
        a = load_vec(yo + 2 * i) + pa, b = load_vec(yo + 2 * i + nr) + pb;
      } else {
        a = pa, b = pb;
      }
    }
    store_vec(yo + 2 * i, a);
    store_vec(yo + 2 * i + nr, b);
  }
  if (i + nc <= n) {
    V a;
    for (int k = 0; k < K; ++k) {
      const V fk = permute<T>(load_vec(f + k * fs + i), [](int m) { return Lay::lo(m); });
      const V pa = load_vec(&s[k][0].re + 2 * i) * fk;
      a = k > 0 ? a + pa : accumulate ? load_vec(yo + 2 * i) + pa : pa;
    }
    store_vec(yo + 2 * i, a);
    i += nc;
    f += nr - nc;  // past the padding of the half block
  }
  for (; i < n; ++i) {
    T re = 0, im = 0;
    for (int k = 0; k < K; ++k) {
      const T fk = f[k * fs + i], pre = s[k][i].re * fk, pim = s[k][i].im * fk;
      if (k > 0) {
        re += pre, im += pim;
      } else if (accumulate) {
        re = yo[2 * i] + pre, im = yo[2 * i + 1] + pim;
      } else {
        re = pre, im = pim;
      }
    }
    yo[2 * i] = re;
    yo[2 * i + 1] = im;
  }
}

// A fold adds at most this many aliases per destination element in one pass (FoldRun::n).
constexpr int kFoldSources = 4;
// Sources of at most this many bytes are folded destination row by destination row (see
// FoldPlan); larger ones in source order.
constexpr size_t kGatherFoldBytes = 64 * 1024;

// One pass of a precomputed fold (FoldPlan) over destination elements [dst, dst + len): zeroed
// (kZero), or set to (kStore) or incremented by (kAdd) the sum over k < n of source elements
// [src[k], src[k] + len) times their filter values, in FoldLayout from FoldPlan::f1[f] (see
// multiply_runs).
struct FoldRun {
  enum Kind : int { kZero, kStore, kAdd };
  int kind = kZero;
  int len = 0;  // complex elements
  int n = 1;    // sources, 1 to kFoldSources
  int dst = 0, f = 0;
  int src[kFoldSources] = {};
};

// y = sum over aliases of src * filter, folded onto a smaller grid, as a list of runs; the filter
// is stored one real value per complex element, in FoldLayout, only where runs read it. For every
// element the aliases are added in product_periodize's (p, q) order, the first one assigning,
// and elements no alias reaches are zeroed (y needs no clearing), so every sum equals
// product_periodize's bit for bit. Two orders:
//  - streamed (large sources): runs in source order over the filter's non-zero columns, one
//    alias each, so source and filter stream through once; a run stores where it reaches an
//    element first and adds after;
//  - gathered (sources of at most kGatherFoldBytes, which stay in cache): runs destination row
//    by destination row, each adding up to kFoldSources aliases in one pass (y written once per
//    pass, not once per alias), over whole source rows: a row with any non-zero value is read in
//    full, so runs are long and few. The extra products are exact zeros, which leave every
//    non-zero sum unchanged; an element whose products are all zero may come out as -0 instead
//    of +0, which the modulus after the band-pass's inverse FFT erases.
template <class T>
struct FoldPlan {
  std::vector<FoldRun> runs;
  std::vector<T> f1;

  size_t bytes() const { return runs.size() * sizeof(FoldRun) + f1.size() * sizeof(T); }

  // Filter f (rows x cols, zero outside spans) times a source with row stride src_stride:
  // source row `row` folds onto destination row row % drows, column c onto c % dcols. gather:
  // whether the gathered order may be used (band-pass folds, whose output only reaches the
  // modulus; the low-pass folds keep every sign of zero).
  static FoldPlan make(const T* f, long rows, long cols, const std::vector<RowSpans>& spans,
                       long src_stride, long drows, long dcols, bool gather) {
    const bool small =
        static_cast<size_t>(rows * src_stride) * sizeof(Complex<T>) <= kGatherFoldBytes;
    return gather && small ? make_gathered(f, rows, cols, spans, src_stride, drows, dcols)
                           : make_streamed(f, rows, cols, spans, src_stride, drows, dcols);
  }

  void apply(const Complex<T>* src, Complex<T>* y) const {
    const T* f = f1.data();
    for (const FoldRun& r : runs) {
      Complex<T>* dst = y + r.dst;
      if (r.kind == FoldRun::kZero) {
        std::memset(static_cast<void*>(dst), 0, static_cast<size_t>(r.len) * sizeof(Complex<T>));
        continue;
      }
      const Complex<T>* s[kFoldSources];
      for (int k = 0; k < r.n; ++k) s[k] = src + r.src[k];
      const bool acc = r.kind == FoldRun::kAdd;
      switch (r.n) {
        case 1:
          multiply_runs<T, 1>(s, f + r.f, dst, r.len, acc);
          break;
        case 2:
          multiply_runs<T, 2>(s, f + r.f, dst, r.len, acc);
          break;
        case 3:
          multiply_runs<T, 3>(s, f + r.f, dst, r.len, acc);
          break;
        default:
          multiply_runs<T, kFoldSources>(s, f + r.f, dst, r.len, acc);
          break;
      }
    }
  }

 private:
  // Appends a run, or extends the last one when it continues it (a zero run right after a zero
  // run; a one-source run whose source, destination and filter values follow the last one's).
  // r.f is an offset into the unlaid values, in order; lay_out() rewrites it.
  static void add(std::vector<FoldRun>& runs, int kind, long dst, long len, int n, const long* src,
                  long foff) {
    FoldRun* last = runs.empty() ? nullptr : &runs.back();
    if (last && last->kind == kind && last->dst + last->len == dst &&
        (kind == FoldRun::kZero || (n == 1 && last->n == 1 && last->src[0] + last->len == src[0] &&
                                    last->f + last->len == foff))) {
      last->len += static_cast<int>(len);
      return;
    }
    FoldRun r;
    r.kind = kind;
    r.len = static_cast<int>(len);
    r.n = n;
    r.dst = static_cast<int>(dst);
    r.f = static_cast<int>(foff);
    for (int k = 0; k < n; ++k) r.src[k] = static_cast<int>(src[k]);
    runs.push_back(r);
  }

  // The runs' values (n consecutive lists of len values each, from the unlaid `values`) into
  // FoldLayout, one list after another.
  void lay_out(const std::vector<T>& values) {
    std::vector<T> laid;
    laid.reserve(values.size() + runs.size() * kFoldSources * FoldLayout<T>::kComplex);
    for (FoldRun& r : runs) {
      if (r.kind == FoldRun::kZero) continue;
      const T* v = values.data() + r.f;
      r.f = static_cast<int>(laid.size());
      for (int k = 0; k < r.n; ++k)
        FoldLayout<T>::append(v + static_cast<long>(k) * r.len, r.len, laid);
    }
    laid.shrink_to_fit();
    f1.swap(laid);
    runs.shrink_to_fit();
  }

  static FoldPlan make_streamed(const T* f, long rows, long cols,
                                const std::vector<RowSpans>& spans, long src_stride, long drows,
                                long dcols) {
    FoldPlan fp;
    const long n = drows * dcols;
    std::vector<unsigned char> written(static_cast<size_t>(n), 0);
    std::vector<FoldRun> body;  // the store and add runs
    std::vector<T> values;
    size_t count = 0;
    for (const RowSpans& sp : spans)
      count += static_cast<size_t>(sp.hi0 - sp.lo0 + sp.hi1 - sp.lo1);
    values.reserve(count);
    for (long row = 0; row < rows; ++row) {
      const RowSpans& sp = spans[static_cast<size_t>(row)];
      const long a = row % drows;
      for (int seg = 0; seg < 2; ++seg) {
        long c = seg == 0 ? sp.lo0 : sp.lo1;
        const long end = seg == 0 ? sp.hi0 : sp.hi1;
        while (c < end) {
          const long c_end = std::min(end, (c / dcols + 1) * dcols);
          const long d0 = a * dcols + c % dcols;
          // Split where the destination switches between not yet written and written.
          for (long i = 0; i < c_end - c;) {
            const bool first = !written[static_cast<size_t>(d0 + i)];
            long e = i;
            for (; e < c_end - c && !written[static_cast<size_t>(d0 + e)] == first; ++e)
              written[static_cast<size_t>(d0 + e)] = 1;
            const long src = row * src_stride + c + i;
            add(body, first ? FoldRun::kStore : FoldRun::kAdd, d0 + i, e - i, 1, &src,
                static_cast<long>(values.size()));
            const T* fr = f + row * cols + c;
            values.insert(values.end(), fr + i, fr + e);
            i = e;
          }
          c = c_end;
        }
      }
    }
    // Zero runs first: they touch no element the others write.
    for (long i = 0; i < n;) {
      long e = i;
      while (e < n && !written[static_cast<size_t>(e)]) ++e;
      if (e > i) add(fp.runs, FoldRun::kZero, i, e - i, 0, nullptr, 0);
      i = e + 1;
    }
    fp.runs.insert(fp.runs.end(), body.begin(), body.end());
    fp.lay_out(values);
    return fp;
  }

  static FoldPlan make_gathered(const T* f, long rows, long cols,
                                const std::vector<RowSpans>& spans, long src_stride, long drows,
                                long dcols) {
    // Each source row with a non-zero value, whole, cut where its columns wrap onto the next
    // destination row segment: pieces, listed by destination row in source order.
    struct Piece {
      long lo, hi, src;  // destination columns [lo, hi), source index of column lo
      const T* f;        // filter value of column lo
    };
    std::vector<std::vector<Piece>> by_row(static_cast<size_t>(drows));
    for (long row = 0; row < rows; ++row) {
      const RowSpans& sp = spans[static_cast<size_t>(row)];
      if (sp.hi0 <= sp.lo0 && sp.hi1 <= sp.lo1) continue;
      for (long c = 0; c < cols;) {
        const long c_end = std::min(cols, (c / dcols + 1) * dcols);
        by_row[static_cast<size_t>(row % drows)].push_back(
            Piece{c % dcols, c % dcols + c_end - c, row * src_stride + c, f + row * cols + c});
        c = c_end;
      }
    }
    FoldPlan fp;
    std::vector<T> values;
    std::vector<long> cuts;
    std::vector<const Piece*> cover;
    for (long a = 0; a < drows; ++a) {
      const std::vector<Piece>& pieces = by_row[static_cast<size_t>(a)];
      // Cut the row where the set of pieces covering a column changes.
      cuts.assign({0, dcols});
      for (const Piece& p : pieces) cuts.push_back(p.lo), cuts.push_back(p.hi);
      std::sort(cuts.begin(), cuts.end());
      cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
      for (size_t i = 0; i + 1 < cuts.size(); ++i) {
        const long lo = cuts[i], len = cuts[i + 1] - lo;
        cover.clear();
        for (const Piece& p : pieces)
          if (p.lo <= lo && lo < p.hi) cover.push_back(&p);
        if (cover.empty()) add(fp.runs, FoldRun::kZero, a * dcols + lo, len, 0, nullptr, 0);
        for (size_t k0 = 0; k0 < cover.size(); k0 += kFoldSources) {
          const int n = static_cast<int>(std::min<size_t>(kFoldSources, cover.size() - k0));
          long src[kFoldSources] = {};
          const long foff = static_cast<long>(values.size());
          for (int k = 0; k < n; ++k) {
            const Piece& p = *cover[k0 + static_cast<size_t>(k)];
            src[k] = p.src + lo - p.lo;
            values.insert(values.end(), p.f + (lo - p.lo), p.f + (lo - p.lo) + len);
          }
          add(fp.runs, k0 == 0 ? FoldRun::kStore : FoldRun::kAdd, a * dcols + lo, len, n, src,
              foff);
        }
      }
    }
    fp.lay_out(values);
    return fp;
  }
};

template <class T>
class CpuBackend final : public Backend {
  using F = Fftw<T>;

 public:
  CpuBackend(const Config& cfg, const Schedule& s) : s_(s) {
    const int J = s.J, L = s.L;
    const long P = s.P, Q = s.Q;
    int nt = cfg.threads > 0 ? cfg.threads : static_cast<int>(std::thread::hardware_concurrency());
    nt_ = std::max(1, nt);

    // Check memory before allocating anything large.
    const size_t pq = static_cast<size_t>(P * Q), hq = static_cast<size_t>(P * (Q / 2 + 1));
    const size_t cq = static_cast<size_t>((P >> J) * ((Q >> J) / 2 + 1));
    const size_t cr = static_cast<size_t>((P >> J) * (Q >> J));
    // Band-pass grids: L at once on batched levels, one on the others.
    size_t ygrid = 0;
    for (int r = 0; r < J; ++r)
      ygrid = std::max(ygrid, static_cast<size_t>(batched_level(r) ? L : 1) *
                                  static_cast<size_t>(s.rows_at(r) * s.cols_at(r)));
    per_thread_ = sizeof(T) * pq + sizeof(C<T>) * hq + sizeof(C<T>) * pq +
                  ygrid * (sizeof(C<T>) + sizeof(T)) +
                  static_cast<size_t>(L) *
                      (sizeof(C<T>) * hq + sizeof(C<T>) * (hq / 4 + static_cast<size_t>(P)) +
                       sizeof(C<T>) * cq + sizeof(T) * cr) +
                  sizeof(C<T>) * pq + sizeof(C<T>) * static_cast<size_t>((P >> J) * (Q / 2 + 1));
    for (int r = 0; r <= J; ++r)
      scratch_ = std::max(scratch_, GridFft<T>::scratch_size(s.rows_at(r), s.cols_at(r)));
    per_thread_ += sizeof(C<T>) * scratch_;
    // Filters: at most every wavelet at levels 0..j stored densely and duplicated.
    size_t filt = 0;
    for (int j = 0; j < J; ++j)
      for (int r = 0; r <= j; ++r)
        filt += 2 * static_cast<size_t>(L) * pq / (size_t{1} << (2 * r)) * sizeof(T);
    filt += 2 * pq * sizeof(T);
    const size_t total = per_thread_ * static_cast<size_t>(nt_) + filt;
    const size_t phys = physical_memory_bytes();
    if (phys && total > phys) throw_out_of_memory(total, "the transform workspace");

    // Filters in the plan's precision, pre-scaled by 1/(P_r Q_r): this folds the 1/k^2 of
    // periodize_mean and the 1/n of every inverse FFT into one multiply. Each is converted as
    // soon as it is built (in parallel: plan construction time matters too) and its double
    // copy released, so the double-precision bank never exists in full.
    psi_.resize(static_cast<size_t>(J * L));
    make_filters(static_cast<size_t>(P), static_cast<size_t>(Q), J, L, cfg.threads,
                 [this](int n, std::vector<std::vector<double>>& levels) {
                   if (n < s_.J * s_.L)
                     prepare_wavelet(static_cast<size_t>(n), levels);
                   else
                     prepare_lowpass(levels);
                 });
    // The check above assumed dense duplicated filters; the folds keep only their support.
    filter_bytes_ = 0;
    for (const auto& levels : psi_)
      for (const auto& f : levels) filter_bytes_ += f.bytes();
    for (const auto& f : phi_) filter_bytes_ += f.bytes();
    for (const auto& cf : colfold_) filter_bytes_ += cf.idx.size() * (sizeof(int) + sizeof(T));

    // With the spatial low-pass at every second-order level, no second-order spectra: no V2h.
    const size_t v2h = static_cast<size_t>(L) * (hq / 4 + static_cast<size_t>(P));
    bool any_spatial = false;
    for (int r = 0; r < J; ++r) any_spatial = any_spatial || spatial_at(r);
    const size_t lt = any_spatial ? SpatialLowpass<T>::scratch_size(s.out_rows, Q, s.out_cols) : 0;
    per_thread_ += sizeof(T) * lt;
    if (!second_order_spectra()) per_thread_ -= sizeof(C<T>) * v2h;
    for (const auto& sl : spatial_lowpass_) filter_bytes_ += sl.bytes();

    row_src_.resize(static_cast<size_t>(P));
    col_src_.resize(static_cast<size_t>(Q));
    for (long p = 0; p < P; ++p) row_src_[p] = reflect_index(p - s.pad_top, s.M);
    for (long q = 0; q < Q; ++q) col_src_[q] = reflect_index(q - s.pad_left, s.N);

    ws_.resize(static_cast<size_t>(nt_));
    for (auto& w : ws_) {
      w.R = AlignedBuffer<T>(pq);
      w.H = AlignedBuffer<C<T>>(hq);
      w.X = AlignedBuffer<C<T>>(pq);
      w.Y = AlignedBuffer<C<T>>(ygrid);
      w.U = AlignedBuffer<T>(ygrid);
      w.V1h = AlignedBuffer<C<T>>(static_cast<size_t>(L) * hq);
      w.V = AlignedBuffer<C<T>>(pq);
      if (second_order_spectra()) w.V2h = AlignedBuffer<C<T>>(v2h);
      w.Lt = AlignedBuffer<T>(lt);
      w.Ch = AlignedBuffer<C<T>>(static_cast<size_t>(L) * cq);
      w.Cr = AlignedBuffer<T>(static_cast<size_t>(L) * cr);
      w.Z = AlignedBuffer<C<T>>(static_cast<size_t>(P >> J) * static_cast<size_t>(Q / 2 + 1));
      w.S = AlignedBuffer<C<T>>(scratch_);
    }
    make_plans();
    // FFTW_MEASURE leaves arbitrary values (possibly denormals or NaN) in the arrays it planned
    // on; start from zeros so FFT-only timings run on ordinary numbers.
    for (auto& w : ws_) zero_workspace(w);
    pool_ = std::make_unique<ThreadPool>(nt_);
  }

  void execute(const void* in, void* out, size_t batch, std::uintptr_t) override {
    if (batch == 0) return;
    // One plan owns one pool and one set of workspaces: concurrent callers take turns.
    std::lock_guard<std::mutex> lock(exec_mutex_);
    if (batch < static_cast<size_t>(nt_)) {
      execute_split(static_cast<const T*>(in), static_cast<T*>(out), batch);
      return;
    }
    Job job{this, static_cast<const T*>(in), static_cast<T*>(out), batch, {0}};
    const int active = static_cast<int>(std::min<size_t>(batch, static_cast<size_t>(nt_)));
    pool_->run(&CpuBackend::run_job, &job, active);
  }

  size_t workspace_bytes() const override {
    return per_thread_ * static_cast<size_t>(nt_) + filter_bytes_;
  }
  int threads() const override { return nt_; }

  void execute_fft_only(size_t batch) override {
    if (batch == 0) return;
    std::lock_guard<std::mutex> lock(exec_mutex_);
    Job job{this, nullptr, nullptr, batch, {0}};
    const int active = static_cast<int>(std::min<size_t>(batch, static_cast<size_t>(nt_)));
    pool_->run(&CpuBackend::run_fft_job, &job, active);
  }

 private:
  struct Job {
    CpuBackend* self;
    const T* in;
    T* out;
    size_t batch;
    std::atomic<size_t> next;
  };

  static void run_job(void* ctx, int worker) {
    Job& job = *static_cast<Job*>(ctx);
    CpuBackend& self = *job.self;
    Workspace<T>& w = self.ws_[static_cast<size_t>(worker)];
    const size_t in_stride = static_cast<size_t>(self.s_.M * self.s_.N);
    const size_t out_stride = self.s_.K * static_cast<size_t>(self.s_.out_rows * self.s_.out_cols);
    for (size_t i = job.next++; i < job.batch; i = job.next++)
      self.transform(job.in + i * in_stride, job.out + i * out_stride, w);
  }

  // The FFT calls of transform(), in the same order and on the same buffers, nothing else.
  static void run_fft_job(void* ctx, int worker) {
    Job& job = *static_cast<Job*>(ctx);
    CpuBackend& self = *job.self;
    Workspace<T>& w = self.ws_[static_cast<size_t>(worker)];
    const int J = self.s_.J, L = self.s_.L;
    for (size_t i = job.next++; i < job.batch; i = job.next++) {
      self.r2c0_.r2c(w.R.data(), w.H.data(), w.S.data());
      self.c2r1_.c2r(w.Ch.data(), w.Cr.data(), w.S.data());
      for (int j1 = 0; j1 < J; ++j1) {
        const bool spectra = self.first_order_spectra(j1);
        self.band_ffts(j1, w, spectra ? w.V1h.data() : nullptr);
        if (spectra) self.c2rL_.c2r(w.Ch.data(), w.Cr.data(), w.S.data());
        if (self.s_.max_order < 2) continue;
        for (int t1 = 0; t1 < L; ++t1)
          for (int j2 = j1 + 1; j2 < J; ++j2) {
            const bool spatial = self.spatial_at(j2);
            self.band_ffts(j2, w, spatial ? nullptr : w.V2h.data());
            if (!spatial) self.c2rL_.c2r(w.Ch.data(), w.Cr.data(), w.S.data());
          }
      }
    }
  }

  // Wavelet n (level j = n / L) at every source level r: scaled, thresholded, and turned into
  // the fold of a level-r full spectrum onto the level-j grid.
  void prepare_wavelet(size_t n, std::vector<std::vector<double>>& levels) {
    const int j = static_cast<int>(n) / s_.L;
    for (size_t r = 0; r < levels.size(); ++r) {
      const int lr = static_cast<int>(r);
      std::vector<T> f = scaled(levels[r], lr);
      std::vector<double>().swap(levels[r]);  // release the double copy right away
      const long Pr = s_.rows_at(lr), Qr = s_.cols_at(lr);
      const std::vector<RowSpans> spans = sparsify_rows(f, Pr, Qr);
      psi_[n].push_back(FoldPlan<T>::make(f.data(), Pr, Qr, spans, Qr, s_.rows_at(j), s_.cols_at(j),
                                          gather_folds_));
    }
  }

  // The low-pass at every source level r: row fold onto the level-J rows of Z, column table.
  void prepare_lowpass(std::vector<std::vector<double>>& levels) {
    const int J = s_.J;
    prepare_spatial_lowpass(levels);
    for (size_t r = 0; r < levels.size(); ++r) {
      const int lr = static_cast<int>(r);
      const std::vector<T> f = scaled(levels[r], lr);
      std::vector<double>().swap(levels[r]);
      const long hr = s_.cols_at(lr) / 2 + 1;
      // The low-pass reads only the stored half columns [0, hr) of each row.
      const std::vector<RowSpans> spans(static_cast<size_t>(s_.rows_at(lr)),
                                        RowSpans{0, static_cast<int>(hr), 0, 0});
      phi_.push_back(FoldPlan<T>::make(f.data(), s_.rows_at(lr), s_.cols_at(lr), spans, hr,
                                       s_.rows_at(J), hr, false));
      // Then the columns, from a table of sources (fold_half_columns_source).
      ColumnFold cf;
      const long PJ = s_.rows_at(J), QJ = s_.cols_at(J), hJ = QJ / 2 + 1;
      cf.k = s_.cols_at(lr) / QJ;
      for (long q = 0; q < cf.k; ++q)
        for (long a = 0; a < PJ; ++a)
          for (long b = 0; b < hJ; ++b) {
            int conj = 1;
            cf.idx.push_back(
                static_cast<int>(fold_half_columns_source(PJ, s_.cols_at(lr), QJ, a, b, q, &conj)));
            cf.sign.push_back(static_cast<T>(conj));
          }
      colfold_.push_back(std::move(cf));
    }
  }

  // The spatial low-pass (cpu/spatial_lowpass.hpp) of the levels where it costs less than the
  // r2c FFT and Fourier low-pass it replaces. phi's impulse response is compact at levels
  // r <= J-3 (about 10 * 2^(J-1-r) taps per axis); at the two coarsest levels the level's
  // frequency band cuts phi's Gaussian and the response rings over the whole grid, so each
  // output row needs every source row. The cost test is a fixed model (no timing, so the plan
  // and its results do not depend on the machine's load): the blocked passes run at about 18
  // multiply-adds per ns (0.055 ns each) and a split-prime or FFTW r2c at about 0.23 ns per point
  // and log2 of the size (136x136: 35-40 us against 61 us plus the low-pass fold; 272x272
  // whole-grid: 151 us against 270 us), so they break even near 4.2-4.8 multiply-adds per point
  // and log2; spatial when multiply-adds <= 4 * PQ log2(PQ), leaving near-ties to the FFTs.
  // That keeps it at every level of 32x32 J=2, 256x256 J=3 and 512x512 J=4 (bench.lowpass:
  // 1.20-1.22x less time than Fourier everywhere, one thread) and hands the coarse levels of large
  // images with small J (512x512 J=3: 264x264 with 64 output rows) back to the FFTs.
  // SCATKIT_LOWPASS=fourier keeps the Fourier low-pass everywhere, for comparison.
  void prepare_spatial_lowpass(const std::vector<std::vector<double>>& levels) {
    spatial_lowpass_.resize(levels.size());
    const char* env = std::getenv("SCATKIT_LOWPASS");
    if (env && std::string(env) == "fourier") return;
    for (size_t r = 0; r < levels.size(); ++r) {
      const int lr = static_cast<int>(r);
      const long Pr = s_.rows_at(lr), Qr = s_.cols_at(lr);
      std::vector<double> A, B;
      if (!split_separable(levels[r], Pr, Qr, 1e-12, &A, &B)) continue;
      const long k = 1L << (s_.J - lr);
      const std::vector<double> a = axis_impulse_response(A), b = axis_impulse_response(B);
      const double eps = filter_drop_relative<T>(), pq = static_cast<double>(Pr * Qr);
      const size_t macs =
          SpatialLowpass<T>::estimate_multiply_adds(a, b, k, s_.out_rows, s_.out_cols, eps);
      if (static_cast<double>(macs) <= 4.0 * pq * std::log2(std::max(2.0, pq)))
        spatial_lowpass_[r] = SpatialLowpass<T>::make(a, b, k, s_.out_rows, s_.out_cols, eps);
    }
  }

  // Whether the maps of level r are low-passed in space.
  bool spatial_at(int r) const { return spatial_lowpass_[static_cast<size_t>(r)].P > 0; }

  // Whether first-order level j1 needs its half spectra: for second order, or for the Fourier
  // low-pass.
  bool first_order_spectra(int j1) const {
    return !spatial_at(j1) || (s_.max_order >= 2 && j1 + 1 < s_.J);
  }

  // Whether some second-order level uses the Fourier low-pass (and so the V2h spectra).
  bool second_order_spectra() const {
    if (s_.max_order < 2) return false;
    for (int r = 1; r < s_.J; ++r)
      if (!spatial_at(r)) return true;
    return false;
  }

  std::vector<T> scaled(const std::vector<double>& f, int r) const {
    const double scale = 1.0 / static_cast<double>(s_.rows_at(r) * s_.cols_at(r));
    std::vector<T> out(f.size());
    for (size_t i = 0; i < f.size(); ++i) out[i] = static_cast<T>(f[i] * scale);
    return out;
  }

  template <class E>
  static void zero(AlignedBuffer<E>& b) {
    if (b.size()) std::memset(static_cast<void*>(b.data()), 0, b.size() * sizeof(E));
  }
  static void zero_workspace(Workspace<T>& w) {
    zero(w.R), zero(w.H), zero(w.X), zero(w.Y), zero(w.U), zero(w.V1h);
    zero(w.V), zero(w.V2h), zero(w.Ch), zero(w.Cr), zero(w.Z);  // w.S is written before read
  }

  // Level r band-passes all L angles in one batched FFT (small grids) or one angle at a time.
  bool batched_level(int r) const {
    return static_cast<size_t>(s_.rows_at(r) * s_.cols_at(r)) * sizeof(C<T>) < kPerAngleBytes;
  }

  // Every FFT the transform runs, planned once: FFTW's own 2D plans, or split-prime transforms
  // (fft/split_fft.hpp) on grids whose sides have a prime factor FFTW is slow on.
  void make_plans() {
    const int J = s_.J, L = s_.L;
    Workspace<T>& w = ws_[0];
    std::lock_guard<std::mutex> lock(fftw_planner_mutex());
    fftw_load_wisdom_once();
    const unsigned flags = fftw_planner_flags();
    C<T>* S = w.S.data();
    const long P = s_.P, Q = s_.Q;
    r2c0_.init_r2c(P, Q, 1, w.R.data(), w.H.data(), S, flags);
    inv_.resize(static_cast<size_t>(J));
    r2c_.resize(static_cast<size_t>(J));
    inv1_.resize(static_cast<size_t>(J));
    r2c1_.resize(static_cast<size_t>(J));
    for (int r = 0; r < J; ++r) {
      const long Pr = P >> r, Qr = Q >> r;
      const size_t lr = static_cast<size_t>(r);
      // No r2c at levels whose maps are all low-passed in space (a level whose second-order
      // maps take the Fourier low-pass is not spatial, so its first-order maps need spectra too).
      const bool r2c = first_order_spectra(r);
      if (batched_level(r)) {
        inv_[lr].init_c2c(Pr, Qr, L, FFTW_BACKWARD, w.Y.data(), S, flags);
        if (r2c) r2c_[lr].init_r2c(Pr, Qr, L, w.U.data(), w.V1h.data(), S, flags);
      }
      // Single-angle plans: large grids and one image shared between threads.
      if (nt_ > 1 || !batched_level(r)) {
        inv1_[lr].init_c2c(Pr, Qr, 1, FFTW_BACKWARD, w.Y.data(), S, flags);
        if (r2c) r2c1_[lr].init_r2c(Pr, Qr, 1, w.U.data(), w.V1h.data(), S, flags);
      }
    }
    const long PJ = P >> J, QJ = Q >> J;
    c2r1_.init_c2r(PJ, QJ, 1, w.Ch.data(), w.Cr.data(), S, flags);
    c2rL_.init_c2r(PJ, QJ, L, w.Ch.data(), w.Cr.data(), S, flags);
    if (flags != FFTW_ESTIMATE) fftw_save_wisdom();
  }

  // Low-pass branch for nb half spectra at level r (stride hs), written to channels c0..c0+nb-1.
  void lowpass(const C<T>* half, size_t hs, int r, int nb, T* out, size_t c0,
               Workspace<T>& w) const {
    const int J = s_.J;
    const long PJ = s_.rows_at(J), QJ = s_.cols_at(J), hJ = QJ / 2 + 1;
    const FoldPlan<T>& fold = phi_[static_cast<size_t>(r)];
    const ColumnFold& cf = colfold_[static_cast<size_t>(r)];
    C<T>* Z = w.Z.data();
    for (int t = 0; t < nb; ++t) {
      C<T>* dst = w.Ch.data() + static_cast<size_t>(t) * static_cast<size_t>(PJ * hJ);
      // Rows first on the stored half (contiguous, vectorised), then the small column fold.
      fold.apply(half + static_cast<size_t>(t) * hs, Z);
      fold_columns_gather(Z, cf.idx.data(), cf.sign.data(), cf.k, PJ * hJ, dst);
    }
    (nb == 1 ? c2r1_ : c2rL_).c2r(w.Ch.data(), w.Cr.data(), w.S.data());
    const long orows = s_.out_rows, ocols = s_.out_cols;
    for (int t = 0; t < nb; ++t) {
      const T* src = w.Cr.data() + static_cast<size_t>(t) * static_cast<size_t>(PJ * QJ);
      T* dst = out + (c0 + static_cast<size_t>(t)) * static_cast<size_t>(orows * ocols);
      for (long i = 0; i < orows; ++i)
        std::memcpy(dst + i * ocols, src + crop_source_index(QJ, i, 0),
                    static_cast<size_t>(ocols) * sizeof(T));
    }
  }

  // Band-pass: L grids Y[t] = fold(spec * psi[j][t] at level r, 2^(j-r)), inverse FFT, modulus,
  // r2c into half (L spectra at level j).
  // y = fold(spec * psi[j*L+t] at level r, 2^(j-r)) on the level-j grid.
  void product_fold(const C<T>* spec, int r, int j, int t, C<T>* y) const {
    psi_[static_cast<size_t>(j * s_.L + t)][static_cast<size_t>(r)].apply(spec, y);
  }

  // The FFTs bandpass() runs at level j, alone (FFT-only timing); the r2c only when the
  // spectra are formed (half != nullptr).
  void band_ffts(int j, Workspace<T>& w, C<T>* half) const {
    const size_t lj = static_cast<size_t>(j);
    if (batched_level(j)) {
      inv_[lj].c2c(w.Y.data(), w.S.data());
      if (half) r2c_[lj].r2c(w.U.data(), half, w.S.data());
      return;
    }
    for (int t = 0; t < s_.L; ++t) {
      inv1_[lj].c2c(w.Y.data(), w.S.data());
      if (half) r2c1_[lj].r2c(w.U.data(), w.H.data(), w.S.data());
    }
  }

  // Band-pass at level j of spec (level r): half[t] = r2c(|ifft(product_fold(t))|). All L angles
  // as one batched FFT when the grids are small (amortises FFTW's per-call cost); one angle at a
  // time when they are large, so the working set stays in cache; only angle one_angle if >= 0.
  //
  // With half == nullptr the spectra are not formed: each modulus map goes to the spatial
  // low-pass, into output channel c0 + (t - first angle) of out.
  void bandpass(const C<T>* spec, int r, int j, C<T>* half, Workspace<T>& w, int one_angle = -1,
                T* out = nullptr, size_t c0 = 0) const {
    const int L = s_.L;
    const size_t lj = static_cast<size_t>(j);
    const long Pj = s_.rows_at(j), Qj = s_.cols_at(j);
    const size_t gs = static_cast<size_t>(Pj * Qj);
    const size_t plane = static_cast<size_t>(s_.out_rows * s_.out_cols);
    const bool batched = one_angle < 0 && batched_level(j);
    if (batched) {
      for (int t = 0; t < L; ++t)
        product_fold(spec, r, j, t, w.Y.data() + static_cast<size_t>(t) * gs);
      inv_[lj].c2c(w.Y.data(), w.S.data());
      modulus_map(w.Y.data(), w.U.data(), static_cast<long>(static_cast<size_t>(L) * gs));
      if (half) {
        r2c_[lj].r2c(w.U.data(), half, w.S.data());
        return;
      }
      for (int t = 0; t < L; ++t)
        spatial_lowpass_[lj].apply(w.U.data() + static_cast<size_t>(t) * gs, w.Lt.data(),
                                   out + (c0 + static_cast<size_t>(t)) * plane);
      return;
    }
    const size_t hs = static_cast<size_t>(Pj * (Qj / 2 + 1));
    const int t0 = one_angle >= 0 ? one_angle : 0, t1 = one_angle >= 0 ? one_angle + 1 : L;
    for (int t = t0; t < t1; ++t) {
      product_fold(spec, r, j, t, w.Y.data());
      inv1_[lj].c2c(w.Y.data(), w.S.data());
      modulus_map(w.Y.data(), w.U.data(), static_cast<long>(gs));
      if (!half) {
        spatial_lowpass_[lj].apply(w.U.data(), w.Lt.data(),
                                   out + (c0 + static_cast<size_t>(t - t0)) * plane);
        continue;
      }
      C<T>* dst = half + static_cast<size_t>(t - t0) * hs;
      // FFTW needs the alignment it planned with; misaligned slots go through w.H (free here).
      if (F::alignment_of(&dst[0].re) == F::alignment_of(&w.V1h.data()[0].re)) {
        r2c1_[lj].r2c(w.U.data(), dst, w.S.data());
      } else {
        r2c1_[lj].r2c(w.U.data(), w.H.data(), w.S.data());
        std::memcpy(static_cast<void*>(dst), w.H.data(), hs * sizeof(C<T>));
      }
    }
  }

  // Full spectrum from its r2c half, row by row (same values as hermitian_at). The mirrored
  // columns are copied as whole complex words with the imaginary sign bit flipped (exactly -im),
  // which compilers vectorise as a reversed copy.
  static void expand(const C<T>* half, long P, long Q, C<T>* full) {
    const long hq = Q / 2 + 1;
    constexpr size_t kWords = sizeof(C<T>) / sizeof(std::uint64_t);
    static_assert(kWords * sizeof(std::uint64_t) == sizeof(C<T>), "complex of 64-bit words");
    std::uint64_t sign[kWords];  // the sign bit of im, at its place in memory
    const C<T> neg{T(0), -T(0)};
    std::memcpy(sign, &neg, sizeof neg);
    for (long r = 0; r < P; ++r) {
      C<T>* dst = full + r * Q;
      std::memcpy(static_cast<void*>(dst), half + r * hq, static_cast<size_t>(hq) * sizeof(C<T>));
      const C<T>* mirror = half + (r == 0 ? 0 : P - r) * hq;
      for (long c = hq; c < Q; ++c) {
        std::uint64_t v[kWords];
        std::memcpy(v, &mirror[Q - c], sizeof v);
        for (size_t i = 0; i < kWords; ++i) v[i] ^= sign[i];
        std::memcpy(static_cast<void*>(&dst[c]), v, sizeof v);
      }
    }
  }

  // Padding, forward FFT (full spectrum in w.X) and the order-0 channel.
  void order0(const T* img, T* out, Workspace<T>& w) const {
    const long P = s_.P, Q = s_.Q, N = s_.N;
    T* R = w.R.data();
    for (long p = 0; p < P; ++p) {
      const T* src = img + row_src_[p] * N;
      T* dst = R + p * Q;
      for (long q = 0; q < Q; ++q) dst[q] = src[col_src_[q]];
    }
    r2c0_.r2c(R, w.H.data(), w.S.data());
    expand(w.H.data(), P, Q, w.X.data());
    lowpass(w.H.data(), 0, 0, 1, out, 0, w);
  }

  // The whole transform of one image on one worker.
  void transform(const T* img, T* out, Workspace<T>& w) const {
    const int J = s_.J, L = s_.L;
    order0(img, out, w);
    for (int j1 = 0; j1 < J; ++j1) {
      const long P1 = s_.rows_at(j1), Q1 = s_.cols_at(j1);
      const size_t hs1 = static_cast<size_t>(P1 * (Q1 / 2 + 1));
      C<T>* half = w.V1h.data();
      if (!first_order_spectra(j1)) {
        bandpass(w.X.data(), 0, j1, nullptr, w, -1, out, static_cast<size_t>(1 + j1 * L));
        continue;
      }
      bandpass(w.X.data(), 0, j1, half, w);
      lowpass(half, hs1, j1, L, out, static_cast<size_t>(1 + j1 * L), w);
      if (s_.max_order < 2 || j1 + 1 >= J) continue;
      for (int t1 = 0; t1 < L; ++t1)
        second_order(j1, t1, half + static_cast<size_t>(t1) * hs1, out, w);
    }
  }

  // Every second-order path starting at first-order path (j1, t1), whose half spectrum is v1h.
  void second_order(int j1, int t1, const C<T>* v1h, T* out, Workspace<T>& w) const {
    const int J = s_.J, L = s_.L;
    expand(v1h, s_.rows_at(j1), s_.cols_at(j1), w.V.data());
    for (int j2 = j1 + 1; j2 < J; ++j2) {
      const long P2 = s_.rows_at(j2), Q2 = s_.cols_at(j2);
      const size_t hs2 = static_cast<size_t>(P2 * (Q2 / 2 + 1));
      const size_t c0 = s_.order2_base[static_cast<size_t>(j1 * L + t1)][static_cast<size_t>(j2)];
      if (spatial_at(j2)) {
        bandpass(w.V.data(), j1, j2, nullptr, w, -1, out, c0);
        continue;
      }
      bandpass(w.V.data(), j1, j2, w.V2h.data(), w);
      lowpass(w.V2h.data(), hs2, j2, L, out, c0, w);
    }
  }

  // Fewer images than threads: worker 0 pads and transforms the image, then all workers share
  // the first-order paths (j1, t1), each followed by its own second-order subtree.
  struct SplitJob {
    const CpuBackend* self;
    const C<T>* X;
    T* out;
    std::atomic<int> next;
  };

  static void run_split_job(void* ctx, int worker) {
    SplitJob& job = *static_cast<SplitJob*>(ctx);
    const CpuBackend& self = *job.self;
    Workspace<T>& w = self.ws_[static_cast<size_t>(worker)];
    const int J = self.s_.J, L = self.s_.L, tasks = J * L;
    for (int i = job.next++; i < tasks; i = job.next++) {
      const int j1 = i / L, t1 = i % L;
      if (!self.first_order_spectra(j1)) {
        self.bandpass(job.X, 0, j1, nullptr, w, t1, job.out, static_cast<size_t>(1 + i));
        continue;
      }
      self.bandpass(job.X, 0, j1, w.V1h.data(), w, t1);
      self.lowpass(w.V1h.data(), 0, j1, 1, job.out, static_cast<size_t>(1 + i), w);
      if (self.s_.max_order >= 2 && j1 + 1 < J) self.second_order(j1, t1, w.V1h.data(), job.out, w);
    }
  }

  void execute_split(const T* in, T* out, size_t batch) {
    const size_t in_stride = static_cast<size_t>(s_.M * s_.N);
    const size_t out_stride = s_.K * static_cast<size_t>(s_.out_rows * s_.out_cols);
    for (size_t i = 0; i < batch; ++i) {
      order0(in + i * in_stride, out + i * out_stride, ws_[0]);
      SplitJob job{this, ws_[0].X.data(), out + i * out_stride, {0}};
      pool_->run(&CpuBackend::run_split_job, &job, nt_);
    }
  }

  Schedule s_;
  int nt_ = 1;
  size_t per_thread_ = 0, filter_bytes_ = 0;
  std::vector<std::vector<FoldPlan<T>>> psi_;  // [n][source level]
  // Band-pass folds of small sources in the gathered order (FoldPlan); SCATKIT_FOLD=streamed
  // keeps every fold in source order, for comparison (the same bits).
  const bool gather_folds_ = [] {
    const char* env = std::getenv("SCATKIT_FOLD");
    return !(env && std::string(env) == "streamed");
  }();
  // Low-pass column fold of one level: term q of coarse bin e is Z[idx[q*n+e]], imaginary part
  // times sign[q*n+e], n = PJ * (QJ/2+1).
  struct ColumnFold {
    std::vector<int> idx;
    std::vector<T> sign;
    long k = 1;
  };

  std::vector<FoldPlan<T>> phi_;                    // [source level], onto the level-J rows
  std::vector<SpatialLowpass<T>> spatial_lowpass_;  // [level], empty (P == 0) where unused
  std::vector<ColumnFold> colfold_;                 // [source level]
  std::vector<long> row_src_, col_src_;
  mutable std::vector<Workspace<T>> ws_;
  size_t scratch_ = 0;  // complex values of split-FFT scratch per worker
  GridFft<T> r2c0_, c2r1_, c2rL_;
  std::vector<GridFft<T>> inv_, r2c_, inv1_, r2c1_;
  std::unique_ptr<ThreadPool> pool_;
  std::mutex exec_mutex_;
};

}  // namespace

// This file is compiled once per instruction set (SCATKIT_CPU_ISA names the variant);
// cpu_dispatch.cpp picks the best one the running CPU supports.
#ifndef SCATKIT_CPU_ISA
#define SCATKIT_CPU_ISA base
#endif
#define SCATKIT_CAT2(a, b) a##b
#define SCATKIT_CAT(a, b) SCATKIT_CAT2(a, b)

std::unique_ptr<Backend> SCATKIT_CAT(make_cpu_backend_, SCATKIT_CPU_ISA)(const Config& cfg,
                                                                         const Schedule& s);
std::unique_ptr<Backend> SCATKIT_CAT(make_cpu_backend_, SCATKIT_CPU_ISA)(const Config& cfg,
                                                                         const Schedule& s) {
#if !defined(SCATKIT_FLOAT_ONLY)
  if (cfg.precision == Precision::Float64) return std::make_unique<CpuBackend<double>>(cfg, s);
#endif
  return std::make_unique<CpuBackend<float>>(cfg, s);
}

}  // namespace detail
}  // namespace scatkit

#if defined(SCATKIT_TARGET_AVX2)
#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif
#endif
