// The low-pass branch of a real map, computed in space: S = crop(subsample_k(u (*) h)), where h
// is the circular impulse response of the level's low-pass filter.
//
// Why it is exact: for V = fft2(u) and a real filter f on the level-r grid,
//   ifft2_coarse(periodize_mean(V * f, k)) = subsample_k(ifft2(V * f)) = subsample_k(u (*) h),
// with h = ifft2(f) and (*) the circular convolution (SPEC section 3: periodize_mean is
// subsampling by k in space). Kymatio's phi is a Gaussian with theta = 0 and slant 1, so its
// Fourier filter at every level is an outer product A (x) B (up to rounding, checked when the
// plan is built), and h = a (x) b with a = ifft(A), b = ifft(B). Only the cropped outputs are
// computed: one pass over the rows of u for each output row (axpy on whole rows), then one dot
// product per output value. This replaces the r2c FFT, the low-pass fold and the coarse c2r of
// every map whose spectrum is not needed for anything else (all second-order maps, and the
// first-order maps with no second order after them).
//
// Everything here has internal linkage: the file is compiled once per instruction set variant
// of the CPU engine, and the variants must not share (ODR-merge) any function.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

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
        std::cos(2.0 * 3.14159265358979323846 * static_cast<double>(m) / static_cast<double>(n));
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
template <class T>
struct SpatialLowpass {
  struct Piece {
    int src = 0, len = 0, w = 0;  // source indices [src, src + len), weights from w on
  };
  // Output index o of an axis uses pieces [first[o], first[o + 1]).
  struct Axis {
    std::vector<int> first;
    std::vector<Piece> pieces;
    std::vector<T> w;
  };
  Axis rows, cols;
  long P = 0, Q = 0, orows = 0, ocols = 0;

  /// Multiply-adds of one apply().
  size_t multiply_adds() const {
    return static_cast<size_t>(Q) * rows.w.size() + static_cast<size_t>(orows) * cols.w.size();
  }

  size_t bytes() const {
    return (rows.w.size() + cols.w.size()) * sizeof(T) +
           (rows.pieces.size() + cols.pieces.size()) * sizeof(Piece) +
           (rows.first.size() + cols.first.size()) * sizeof(int);
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
    s.rows = make_axis(a, k, orows, eps);
    s.cols = make_axis(b, k, ocols, eps);
    return s;
  }

  /// out (orows x ocols, row stride ocols) from the real P x Q map u; t: orows x Q scratch.
  void apply(const T* u, T* t, T* out) const {
    for (long i = 0; i < orows; ++i) {
      const int* f = rows.first.data();
      row_pass(u, t + i * Q, rows.pieces.data() + f[i], f[i + 1] - f[i]);
    }
    for (long i = 0; i < orows; ++i) {
      const int* f = cols.first.data();
      for (long c = 0; c < ocols; ++c)
        out[i * ocols + c] = col_dot(t + i * Q, cols.pieces.data() + f[c], f[c + 1] - f[c]);
    }
  }

 private:
  // ti = sum over the pieces' source rows x of w[x] * u[x][.] (whole rows: vectorised).
  void row_pass(const T* __restrict u, T* __restrict ti, const Piece* pc, int npieces) const {
    const long q = Q;
    bool first = true;
    for (int n = 0; n < npieces; ++n)
      for (int x = 0; x < pc[n].len; ++x) {
        const T w = rows.w[static_cast<size_t>(pc[n].w + x)];
        const T* __restrict ux = u + static_cast<long>(pc[n].src + x) * q;
        if (first) {
          for (long y = 0; y < q; ++y) ti[y] = w * ux[y];
          first = false;
        } else {
          for (long y = 0; y < q; ++y) ti[y] += w * ux[y];
        }
      }
  }

  // sum over the pieces' source columns y of w[y] * ti[y], in eight fixed partial sums added in
  // a fixed order: the same bits at any vector width.
  T col_dot(const T* __restrict ti, const Piece* pc, int npieces) const {
    T acc[8] = {};
    for (int n = 0; n < npieces; ++n) {
      const T* __restrict w = cols.w.data() + pc[n].w;
      const T* __restrict src = ti + pc[n].src;
      const int len = pc[n].len;
      int y = 0;
      for (; y + 8 <= len; y += 8)
        for (int l = 0; l < 8; ++l) acc[l] += w[y + l] * src[y + l];
      for (int l = 0; y < len; ++y, ++l) acc[l] += w[y] * src[y];
    }
    return ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
  }

  // Output o sits at k(o+1); it uses the taps d = -r..r (all n when 2r+1 >= n), source index
  // (k(o+1) - d) mod n with weight h[d mod n], cut into linear pieces in increasing source order.
  static Axis make_axis(const std::vector<double>& h, long k, long nout, double eps) {
    const long n = static_cast<long>(h.size());
    double total = 0;
    for (double v : h) total += std::abs(v);
    // Smallest radius r whose outside taps sum to at most eps of the total.
    long r = 0;
    double inside = std::abs(h[0]);
    while (2 * r + 1 < n && total - inside > eps * total) {
      ++r;
      inside += std::abs(h[static_cast<size_t>(r % n)]);
      if (2 * r < n) inside += std::abs(h[static_cast<size_t>((n - r) % n)]);
    }
    const bool all = 2 * r + 1 >= n;
    Axis ax;
    for (long o = 0; o < nout; ++o) {
      ax.first.push_back(static_cast<int>(ax.pieces.size()));
      const long centre = (k * (o + 1)) % n;
      // Source range [centre - r, centre + r], or the whole axis.
      const long lo = all ? 0 : centre - r, hi = all ? n : centre + r + 1;
      long s = lo;
      while (s < hi) {
        const long sm = ((s % n) + n) % n;
        const long len = std::min(hi - s, n - sm);  // up to the wrap
        Piece p;
        p.src = static_cast<int>(sm);
        p.len = static_cast<int>(len);
        p.w = static_cast<int>(ax.w.size());
        for (long x = sm; x < sm + len; ++x)
          ax.w.push_back(static_cast<T>(h[static_cast<size_t>(((centre - x) % n + n) % n)]));
        ax.pieces.push_back(p);
        s += len;
      }
    }
    ax.first.push_back(static_cast<int>(ax.pieces.size()));
    return ax;
  }
};

}  // namespace
}  // namespace detail
}  // namespace scatkit
