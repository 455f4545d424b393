// The low-pass branch of a real map, computed in space: S = crop(subsample_k(u (*) h)), where h
// is the circular impulse response of the level's low-pass filter.
//
// Why it is exact: for V = fft2(u) and a real filter f on the level-r grid,
//   ifft2_coarse(periodize_mean(V * f, k)) = subsample_k(ifft2(V * f)) = subsample_k(u (*) h),
// with h = ifft2(f) and (*) the circular convolution (SPEC section 3: periodize_mean is
// subsampling by k in space). Kymatio's phi is a Gaussian with theta = 0 and slant 1, so its
// Fourier filter at every level is an outer product A (x) B (up to rounding, checked when the
// plan is built), and h = a (x) b with a = ifft(A), b = ifft(B). Only the cropped outputs are
// computed, in two register-blocked passes (rows, then columns). This replaces the r2c FFT, the
// low-pass fold and the coarse c2r of every map whose spectrum is not needed for anything else
// (all second-order maps, and the first-order maps with no second order after them).
//
// Everything here has internal linkage: the file is compiled once per instruction set variant
// of the CPU engine, and the variants must not share (ODR-merge) any function.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

#include "fft/simd.hpp"

namespace scatkit {
namespace detail {
namespace {

/// Circular impulse response (real part) of one axis of a separable filter: a[x] =
/// (1/n) sum_k A[k] cos(2 pi k x / n), in double, with the angles reduced exactly.
inline std::vector<double> axis_impulse_response(const std::vector<double>& A) {
  const long n = static_cast<long>(A.size());
  std::vector<double> cosine(static_cast<size_t>(n));
  for (long m = 0; m < n; ++m)
    cosine[static_cast<size_t>(m)] =
        std::cos(2.0 * kPi * static_cast<double>(m) / static_cast<double>(n));
  std::vector<double> a(static_cast<size_t>(n));
  for (long x = 0; x < n; ++x) {
    double s = 0;
    for (long k = 0; k < n; ++k)
      s += A[static_cast<size_t>(k)] * cosine[static_cast<size_t>((k * x) % n)];
    a[static_cast<size_t>(x)] = s / static_cast<double>(n);
  }
  return a;
}

/// Splits a level's Fourier filter f (P x Q, row-major, double) into the outer product of two
/// axis filters, A (length P) and B (length Q), when it is one to within `tol` of its largest
/// value; false otherwise (the engine then keeps the Fourier low-pass).
inline bool split_separable(const std::vector<double>& f, long P, long Q, double tol,
                            std::vector<double>* A, std::vector<double>* B) {
  const double f00 = f[0];
  double peak = 0;
  for (double v : f) peak = std::max(peak, std::abs(v));
  if (!(f00 > 0) || !(peak > 0) || !std::isfinite(peak)) return false;
  A->assign(static_cast<size_t>(P), 0.0);
  B->assign(static_cast<size_t>(Q), 0.0);
  for (long p = 0; p < P; ++p) (*A)[static_cast<size_t>(p)] = f[static_cast<size_t>(p * Q)];
  for (long q = 0; q < Q; ++q) (*B)[static_cast<size_t>(q)] = f[static_cast<size_t>(q)] / f00;
  for (long p = 0; p < P; ++p)
    for (long q = 0; q < Q; ++q) {
      const double d = f[static_cast<size_t>(p * Q + q)] -
                       (*A)[static_cast<size_t>(p)] * (*B)[static_cast<size_t>(q)];
      if (!(std::abs(d) <= tol * peak)) return false;
    }
  return true;
}

/// The spatial low-pass of one level: out[i][c] = sum_x sum_y a[k(i+1) - x] b[k(c+1) - y] u[x][y]
/// (indices mod P and Q), for the orows x ocols cropped outputs of a P x Q map.
///
/// Each axis is a small matrix product, dst = W src, with W (outputs x source lines) banded
/// (compact response) or dense (the whole circular response). Outputs go in groups: entry e of a
/// group is one source line and the weights it carries to each output of the group.
///  - Pass 1 (rows): t = Wa u, in groups of kGroup output rows, vectorised along the rows, so one
///    pass over a source row feeds kGroup accumulators per vector (register blocking).
///  - Pass 2 (columns): out = t Wb^T, in groups of one vector's worth of output columns (the
///    weights of an entry are one vector), for kGroup rows of t at a time; it reads t in place
///    and writes out row by row, so neither pass transposes anything. Fewer output columns than
///    a vector (the small maps of 28x28 images) still take one vector per row, its extra lanes
///    weighted zero and not stored.
template <class T>
struct SpatialLowpass {
  static constexpr int kGroup = 4;
  static constexpr int kVec = static_cast<int>(sizeof(Vec<T>) / sizeof(T));
  struct Axis {
    int width = kGroup;      // outputs per group
    std::vector<int> start;  // first output of group g (groups may overlap: see col_starts)
    std::vector<int> first;  // entries of group g: [first[g], first[g + 1])
    std::vector<int> src;    // source line of each entry
    std::vector<T> w;        // width weights per entry, 0 for outputs that skip the source
  };
  Axis rows, cols;
  long P = 0, Q = 0, orows = 0, ocols = 0;

  /// Multiply-adds of one apply() (the zero weights of a group included; not the lanes that
  /// pad a group of fewer columns than a vector, which cost no extra instructions).
  size_t multiply_adds() const {
    return static_cast<size_t>(Q) * rows.w.size() +
           static_cast<size_t>(orows) * cols.src.size() * static_cast<size_t>(col_width(ocols));
  }

  size_t bytes() const {
    return (rows.w.size() + cols.w.size()) * sizeof(T) +
           (rows.src.size() + cols.src.size() + rows.first.size() + cols.first.size() +
            rows.start.size() + cols.start.size()) *
               sizeof(int);
  }

  /// Scratch values apply() needs.
  static size_t scratch_size(long orows, long Q, long /*ocols*/) {
    return static_cast<size_t>(orows * Q);
  }

  /// a (length P) and b (length Q): the axis impulse responses; k: the subsampling factor; taps
  /// whose total magnitude stays below eps of the kernel's are left out (eps is the engine's
  /// filter_drop_relative, far below the rounding of its precision).
  static SpatialLowpass make(const std::vector<double>& a, const std::vector<double>& b, long k,
                             long orows, long ocols, double eps) {
    SpatialLowpass s;
    s.P = static_cast<long>(a.size());
    s.Q = static_cast<long>(b.size());
    s.orows = orows;
    s.ocols = ocols;
    s.rows = make_axis(a, k, row_starts(orows), kGroup, orows, eps);
    // Column weights are stored a whole vector wide even for fewer output columns (zeros past
    // them), so pass 2 always runs on vectors.
    s.cols = make_axis(b, k, col_starts(ocols), kVec, ocols, eps);
    return s;
  }

  /// multiply_adds() of make(a, b, k, orows, ocols, eps), without building it (a whole-grid
  /// kernel on a large grid would hold orows x P weights).
  static size_t estimate_multiply_adds(const std::vector<double>& a, const std::vector<double>& b,
                                       long k, long orows, long ocols, double eps) {
    // A group's source lines: the union of its lines' windows of w = 2r + 1 taps, k apart (the
    // windows of one group never meet across the wrap: centres lie in [k, n - k]).
    const auto entries = [&](const std::vector<double>& h, const std::vector<int>& starts,
                             int width, long nout) {
      const long n = static_cast<long>(h.size()), w = std::min(n, 2 * radius(h, eps) + 1);
      size_t total = 0;
      for (int s0 : starts) {
        const long lines = std::min<long>(width, nout - s0);
        total += static_cast<size_t>(std::min(n, w + (lines - 1) * std::min(k, w))) *
                 static_cast<size_t>(width);
      }
      return total;
    };
    return static_cast<size_t>(b.size()) * entries(a, row_starts(orows), kGroup, orows) +
           static_cast<size_t>(orows) * entries(b, col_starts(ocols), col_width(ocols), ocols);
  }

  /// out (orows x ocols, row stride ocols) from the real P x Q map u, with scratch_size() values
  /// of scratch.
  void apply(const T* u, T* scratch, T* out) const {
    T* t = scratch;  // orows x Q: the rows pass
    rows_pass(u, t);
    columns_pass(t, out);
  }

 private:
  // Pass 1 groups: kGroup output lines each, the last one possibly short.
  static std::vector<int> row_starts(long nout) {
    std::vector<int> s;
    for (long g = 0; g * kGroup < nout; ++g) s.push_back(static_cast<int>(g * kGroup));
    return s;
  }
  // Pass 2 groups: one vector of output columns each; when ocols is not a multiple of the
  // vector, the last group ends at ocols and overlaps the one before (its columns are computed
  // twice, with the same operations, so the same values). Fewer columns than a vector: one
  // group of all of them.
  static int col_width(long nout) { return static_cast<int>(std::min<long>(kVec, nout)); }
  static std::vector<int> col_starts(long nout) {
    std::vector<int> s;
    const long w = col_width(nout);
    for (long c = 0; c + w <= nout; c += w) s.push_back(static_cast<int>(c));
    if (nout % w) s.push_back(static_cast<int>(nout - w));
    return s;
  }

  // out[i][c] = sum over the entries e of c's group of w[e][c - start] * t[i][src[e]], summed in
  // entry order from zero like pass 1 (the same sums, term for term, as a pass over the
  // transpose of t; the extra terms of the wider group all have weight 0).
  void columns_pass(const T* __restrict t, T* __restrict out) const {
    using V = Vec<T>;
    const Axis& ax = cols;
    const bool narrow = ocols < kVec;  // one group, stored through `lanes`
    for (long i = 0; i < orows; i += kGroup) {
      const int lines = static_cast<int>(std::min<long>(kGroup, orows - i));
      // Rows past the end read the last row again (their sums are not stored).
      const T* r[kGroup];
      for (int l = 0; l < kGroup; ++l) r[l] = t + std::min<long>(i + l, orows - 1) * Q;
      for (size_t g = 0; g < ax.start.size(); ++g) {
        const int e0 = ax.first[g], e1 = ax.first[g + 1];
        T* o = out + i * ocols + ax.start[g];
        V a0 = {}, a1 = {}, a2 = {}, a3 = {};
        for (int e = e0; e < e1; ++e) {
          const V we = load_vec(ax.w.data() + static_cast<size_t>(e) * kVec);
          const int y = ax.src[static_cast<size_t>(e)];
          a0 += r[0][y] * we, a1 += r[1][y] * we, a2 += r[2][y] * we, a3 += r[3][y] * we;
        }
        const V a[kGroup] = {a0, a1, a2, a3};
        for (int l = 0; l < lines; ++l) {
          if (!narrow) {
            store_vec(o + l * ocols, a[l]);
            continue;
          }
          T lanes[kVec];
          store_vec(lanes, a[l]);
          std::copy(lanes, lanes + ocols, o + l * ocols);
        }
      }
    }
  }

  // Pass 1: t[o][0, Q) = sum over the entries e of o's group of w[e][o - start] * u[src[e]][0, Q),
  // t with row stride Q. Every value is summed in entry order from zero, in the vector loop and
  // in the scalar tail alike: the same bits at any vector width.
  void rows_pass(const T* u, T* t) const {
    for (size_t g = 0; g < rows.start.size(); ++g) {
      const int e0 = rows.first[g], e1 = rows.first[g + 1], s0 = rows.start[g];
      const int lines = static_cast<int>(std::min<long>(kGroup, orows - s0));
      group_pass(rows.src.data() + e0, rows.w.data() + static_cast<size_t>(e0) * kGroup, e1 - e0,
                 lines, u, Q, Q, t + s0 * Q);
    }
  }

  // One group: ne entries (source lines sl[e], weights w[e * kGroup + l]) into `lines` rows of d.
  static void group_pass(const int* __restrict sl, const T* __restrict w, int ne, int lines,
                         const T* __restrict src, long lds, long n, T* __restrict d) {
    using V = Vec<T>;
    constexpr int W = static_cast<int>(sizeof(V) / sizeof(T));
    long c = 0;
    for (; c + 2 * W <= n; c += 2 * W) {
      V a0 = {}, a1 = {}, a2 = {}, a3 = {}, b0 = {}, b1 = {}, b2 = {}, b3 = {};
      const T* s = src + c;
      for (int e = 0; e < ne; ++e) {
        const T* se = s + sl[e] * lds;
        const V u = load_vec(se), v = load_vec(se + W);
        const T* we = w + e * kGroup;
        a0 += we[0] * u, b0 += we[0] * v;
        a1 += we[1] * u, b1 += we[1] * v;
        a2 += we[2] * u, b2 += we[2] * v;
        a3 += we[3] * u, b3 += we[3] * v;
      }
      const V a[kGroup] = {a0, a1, a2, a3}, b[kGroup] = {b0, b1, b2, b3};
      for (int l = 0; l < lines; ++l) {
        store_vec(d + l * n + c, a[l]);
        store_vec(d + l * n + c + W, b[l]);
      }
    }
    // Then single vectors; the last one may overlap columns already done (it recomputes them
    // with the same operations, so the same values), which leaves scalars to rows shorter than
    // a vector.
    if (c < n && n >= W) c = std::min(c, n - W);
    for (; c + W <= n; c += W) {
      V a0 = {}, a1 = {}, a2 = {}, a3 = {};
      for (int e = 0; e < ne; ++e) {
        const V u = load_vec(src + sl[e] * lds + c);
        const T* we = w + e * kGroup;
        a0 += we[0] * u, a1 += we[1] * u, a2 += we[2] * u, a3 += we[3] * u;
      }
      const V a[kGroup] = {a0, a1, a2, a3};
      for (int l = 0; l < lines; ++l) store_vec(d + l * n + c, a[l]);
      if (c + W < n && c + 2 * W > n) c = n - 2 * W;  // next: the overlapping last vector
    }
    for (; c < n; ++c) {
      T a[kGroup] = {};
      for (int e = 0; e < ne; ++e) {
        const T u = src[sl[e] * lds + c];
        for (int l = 0; l < kGroup; ++l) a[l] += w[e * kGroup + l] * u;
      }
      for (int l = 0; l < lines; ++l) d[l * n + c] = a[l];
    }
  }

  // Smallest radius r whose taps outside [-r, r] (mod n) sum to at most eps of all taps' total
  // magnitude; 2r + 1 >= n means the whole axis.
  static long radius(const std::vector<double>& h, double eps) {
    const long n = static_cast<long>(h.size());
    double total = 0;
    for (double v : h) total += std::abs(v);
    long r = 0;
    double inside = std::abs(h[0]);
    while (2 * r + 1 < n && total - inside > eps * total) {
      ++r;
      inside += std::abs(h[static_cast<size_t>(r % n)]);
      if (2 * r < n) inside += std::abs(h[static_cast<size_t>((n - r) % n)]);
    }
    return r;
  }

  // Output o sits at k(o+1); it uses the taps d = -r..r (all n when 2r+1 >= n): source line
  // (k(o+1) - d) mod n with weight h[d mod n]. Group g holds outputs start[g] + [0, width) below
  // nout; its entries are the union of their source lines, in increasing order.
  static Axis make_axis(const std::vector<double>& h, long k, const std::vector<int>& starts,
                        int width, long nout, double eps) {
    const long n = static_cast<long>(h.size()), r = radius(h, eps);
    const bool all = 2 * r + 1 >= n;
    Axis ax;
    ax.width = width;
    ax.start = starts;
    std::vector<double> w(static_cast<size_t>(n * width));
    std::vector<char> used(static_cast<size_t>(n));
    for (int s0 : starts) {
      ax.first.push_back(static_cast<int>(ax.src.size()));
      std::fill(w.begin(), w.end(), 0.0);
      std::fill(used.begin(), used.end(), 0);
      for (int l = 0; l < width && s0 + l < nout; ++l) {
        const long centre = (k * (s0 + l + 1)) % n;
        for (long d = all ? 0 : -r; d <= (all ? n - 1 : r); ++d) {
          const long x = ((centre - d) % n + n) % n;
          used[static_cast<size_t>(x)] = 1;
          w[static_cast<size_t>(x * width + l)] = h[static_cast<size_t>((d % n + n) % n)];
        }
      }
      for (long x = 0; x < n; ++x)
        if (used[static_cast<size_t>(x)]) {
          ax.src.push_back(static_cast<int>(x));
          for (int l = 0; l < width; ++l)
            ax.w.push_back(static_cast<T>(w[static_cast<size_t>(x * width + l)]));
        }
    }
    ax.first.push_back(static_cast<int>(ax.src.size()));
    return ax;
  }
};

}  // namespace
}  // namespace detail
}  // namespace scatkit
