// Band-pass and low-pass folds of the CPU engine: the product of a spectrum with a real filter,
// folded onto a smaller grid (product_periodize of scatkit/detail/elementwise.hpp), precomputed at
// plan construction as a list of runs (FoldPlan) over the filter's support, and the vector
// kernel that applies a run (multiply_runs) with the filter values in a vector-friendly layout
// (FoldLayout).
//
// Everything here has internal linkage: the CPU engine (cpu_backend.cpp) is compiled once per
// instruction set and includes this header after its AVX2 switch, so the variants never share
// (ODR-merge) a function.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <vector>

#include "fft/simd.hpp"
#include "scatkit/detail/elementwise.hpp"
#include "support.hpp"

namespace scatkit {
namespace detail {
namespace {

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

}  // namespace
}  // namespace detail
}  // namespace scatkit
