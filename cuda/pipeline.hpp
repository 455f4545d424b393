// The CUDA engine's algorithm, independent of where it runs: the CPU backend's steps (pad, r2c,
// low-pass, band-pass, modulus, r2c, ...) batched over images x angles, written against an Ops
// type that provides FFT plans, FFT execution and elementwise launches. cuda_backend.cu runs it
// with cuFFT and CUDA kernels; tests/cuda/emulation_test.cpp runs the very same code with FFTW and
// host loops and compares it with the CPU backend, so the GPU data flow is tested without a GPU.
//
// Ops must provide, for T = float or double:
//   using Fft = <movable, default-constructible plan handle>;
//   Fft plan_r2c(long n0, long n1, std::size_t batch);           // packed batches
//   Fft plan_c2r(long n0, long n1, std::size_t batch);
//   Fft plan_c2c_inverse(long n0, long n1, std::size_t batch);   // unnormalised, in place
//   Fft plan_angular(long n, std::size_t vectors, bool inverse); // 1D, in place, see below
//   void r2c(const Fft&, T* in, Complex<T>* out);
//   void c2r(const Fft&, Complex<T>* in, T* out);                 // may overwrite in
//   void c2c_inverse(const Fft&, Complex<T>* data);               // also angular inverse plans
//   void c2c_forward(const Fft&, Complex<T>* data);               // angular forward plans
//   template <class Op> void launch(std::size_t n, const Op& op); // op(i) for i < n
// An angular plan transforms `vectors` sequences of n points at once, interleaved: point t of
// sequence v at t * vectors + v (the roto-translation variants, cuda/roto.hpp).
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

#include "kernels.cuh"
#include "roto.hpp"
#include "scatkit/scattering2d.hpp"
#include "schedule.hpp"

namespace scatkit {
namespace detail {
namespace gpu {

/// Elements one image needs in each workspace buffer (see Views).
struct Layout {
  std::size_t H = 0;          ///< complex: order-0 half spectrum
  std::size_t G = 0;          ///< complex: band-pass grids, also low-pass half spectra
  std::size_t U = 0;          ///< real: moduli, also the padded image and low-pass maps
  std::size_t V1h = 0;        ///< complex: first-order half spectra
  std::size_t V2h = 0;        ///< complex: second-order half spectra
  std::size_t R = 0;          ///< complex: angular spectra (roto-translation variants)
  bool second_order = false;  ///< whether order-2 paths exist

  /// Bytes per image in precision T.
  template <class T>
  std::size_t bytes_per_image() const {
    return (H + G + V1h + V2h + R) * sizeof(Complex<T>) + U * sizeof(T);
  }
};

/// Buffer sizes of a schedule. Buffers are shared between steps that never overlap in time.
inline Layout make_layout(const Schedule& s, const RotoSpec& roto = RotoSpec{}) {
  const std::size_t L = static_cast<std::size_t>(s.L);
  auto grid = [&](int r) { return static_cast<std::size_t>(s.rows_at(r) * s.cols_at(r)); };
  auto half = [&](int r) {
    return static_cast<std::size_t>(s.rows_at(r) * (s.cols_at(r) / 2 + 1));
  };
  auto max = [](std::size_t a, std::size_t b) { return a > b ? a : b; };
  Layout l;
  l.second_order = s.max_order >= 2 && s.J >= 2;
  const std::size_t low_maps = l.second_order ? L * L : L;  // most maps one low-pass call sees
  l.H = half(0);
  l.V1h = L * half(0);
  l.V2h = l.second_order ? L * L * half(1) : 0;
  l.G = max(max(L * grid(0), l.second_order ? L * L * grid(1) : 0), low_maps * half(s.J));
  l.U = max(max(L * grid(0), l.second_order ? L * L * grid(1) : 0), low_maps * grid(s.J));
  if (roto.variant && l.second_order) {
    // The angular sequences of the largest pair in R; G holds one filter's output of them.
    l.R = static_cast<std::size_t>(roto.A) * L * grid(1);
    l.G = max(l.G, l.R);
  }
  return l;
}

/// Workspace of one chunk (max_batch images times the Layout counts).
template <class T>
struct Views {
  T* U;             ///< moduli; the padded image at the start; low-pass maps before cropping
  Complex<T>* H;    ///< order-0 half spectra
  Complex<T>* G;    ///< band-pass grids; low-pass half spectra
  Complex<T>* V1h;  ///< first-order half spectra
  Complex<T>* V2h;  ///< second-order half spectra
  Complex<T>* R;    ///< angular spectra (roto-translation variants)
};

/// Where each filter lives in the packed filter array.
struct FilterPack {
  std::vector<std::vector<std::size_t>> psi;  ///< [j][r]: L filters (t = 0..L-1) of level r
  std::vector<std::size_t> phi;               ///< [r]: low-pass of level r
  std::size_t angular = 0;                    ///< roto-translation: nf x A angular filters
  std::size_t size = 0;                       ///< total elements
};

/// Filters the pipeline uses, in precision T, each pre-scaled by 1/(P_r Q_r) as on the CPU.
template <class T>
std::vector<T> pack_filters(const Schedule& s, const FilterBank& fb, FilterPack& pack,
                            const RotoSpec& roto = RotoSpec{}) {
  const int J = s.J, L = s.L;
  const bool second = s.max_order >= 2 && J >= 2;
  auto grid = [&](int r) { return static_cast<std::size_t>(s.rows_at(r) * s.cols_at(r)); };
  constexpr std::size_t none = static_cast<std::size_t>(-1);
  pack = FilterPack{};
  pack.psi.assign(static_cast<std::size_t>(J),
                  std::vector<std::size_t>(static_cast<std::size_t>(J), none));
  pack.phi.assign(static_cast<std::size_t>(J), none);
  std::size_t size = 0;
  for (int j = 0; j < J; ++j) {
    for (int r = 0; r <= j; ++r) {
      if (r > 0 && !(second && r < j)) continue;  // level 0 for order 1, level j1 < j2 for order 2
      pack.psi[static_cast<std::size_t>(j)][static_cast<std::size_t>(r)] = size;
      size += static_cast<std::size_t>(L) * grid(r);
    }
  }
  for (int r = 0; r < J; ++r) {
    pack.phi[static_cast<std::size_t>(r)] = size;
    size += grid(r);
  }
  const std::vector<T> angular = roto.variant ? angular_filter_table<T>(roto) : std::vector<T>();
  pack.angular = size;
  size += angular.size();
  pack.size = size;

  std::vector<T> out(size);
  auto put = [&](const std::vector<double>& f, int r, std::size_t at) {
    if (f.size() != grid(r)) throw InvalidArgument("filter bank does not match the plan's grid.");
    const double scale = 1.0 / static_cast<double>(s.rows_at(r) * s.cols_at(r));
    for (std::size_t i = 0; i < f.size(); ++i) out[at + i] = static_cast<T>(f[i] * scale);
  };
  for (int j = 0; j < J; ++j)
    for (int r = 0; r < J; ++r) {
      const std::size_t at = pack.psi[static_cast<std::size_t>(j)][static_cast<std::size_t>(r)];
      if (at == none) continue;
      for (int t = 0; t < L; ++t)
        put(fb.psi.at(static_cast<std::size_t>(j * L + t)).at(static_cast<std::size_t>(r)), r,
            at + static_cast<std::size_t>(t) * grid(r));
    }
  for (int r = 0; r < J; ++r)
    put(fb.phi.at(static_cast<std::size_t>(r)), r, pack.phi[static_cast<std::size_t>(r)]);
  std::copy(angular.begin(), angular.end(), out.begin() + static_cast<long>(pack.angular));
  return out;
}

/// Offsets of the channel tables read by CropOp, one per low-pass call.
struct ChannelPack {
  std::size_t order0 = 0;                        ///< {0}
  std::vector<std::size_t> order1;               ///< [j1]: {1 + j1*L}
  std::vector<std::vector<std::size_t>> order2;  ///< [j1][j2]: base channel of each t1
  /// [j1][j2], roto-translation: per angular filter f, the raw channel of its first map
  /// (joint: base + f L) or of each t2 (separable: L entries base + (t2 nf + f) L).
  std::vector<std::vector<std::size_t>> roto;
};

/// Channel tables taken from the Schedule (or the raw layout of a roto-translation variant), so
/// the GPU writes the CPU's channel order.
inline std::vector<long> pack_channels(const Schedule& s, ChannelPack& pack,
                                       const RotoSpec& roto = RotoSpec{}) {
  const int J = s.J, L = s.L;
  std::vector<long> data;
  pack = ChannelPack{};
  pack.order0 = data.size();
  data.push_back(0);
  for (int j1 = 0; j1 < J; ++j1) {
    pack.order1.push_back(data.size());
    data.push_back(1 + static_cast<long>(j1) * L);
  }
  pack.order2.assign(static_cast<std::size_t>(J),
                     std::vector<std::size_t>(static_cast<std::size_t>(J), 0));
  pack.roto = pack.order2;
  if (s.max_order >= 2 && roto.variant) {
    for (int j1 = 0; j1 < J; ++j1)
      for (int j2 = j1 + 1; j2 < J; ++j2) {
        pack.roto[static_cast<std::size_t>(j1)][static_cast<std::size_t>(j2)] = data.size();
        const long base = static_cast<long>(roto.pair_base[static_cast<std::size_t>(j1 * J + j2)]);
        for (int f = 0; f < roto.nf; ++f) {
          if (roto.joint) {
            data.push_back(base + static_cast<long>(f) * L);
          } else {
            for (int t2 = 0; t2 < L; ++t2)
              data.push_back(base + static_cast<long>(t2 * roto.nf + f) * L);
          }
        }
      }
  } else if (s.max_order >= 2) {
    for (int j1 = 0; j1 < J; ++j1)
      for (int j2 = j1 + 1; j2 < J; ++j2) {
        pack.order2[static_cast<std::size_t>(j1)][static_cast<std::size_t>(j2)] = data.size();
        for (int t1 = 0; t1 < L; ++t1)
          data.push_back(static_cast<long>(
              s.order2_base[static_cast<std::size_t>(j1 * L + t1)][static_cast<std::size_t>(j2)]));
      }
  }
  return data;
}

/// Every FFT plan of one chunk size.
template <class Fft>
struct PlanSet {
  std::size_t batch = 0;  ///< images per chunk
  Fft r2c0;               ///< level 0 forward, batch
  Fft c2r1;               ///< level J inverse, batch (order 0)
  Fft c2rL;               ///< level J inverse, batch*L (order 1)
  Fft c2rLL;              ///< level J inverse, batch*L*L (order 2)
  std::vector<Fft> inv1;  ///< [j]: level j inverse c2c, batch*L
  std::vector<Fft> r2c1;  ///< [j]: level j forward, batch*L
  std::vector<Fft> inv2;  ///< [j]: level j inverse c2c, batch*L*L (j >= 1)
  std::vector<Fft> r2c2;  ///< [j]: level j forward, batch*L*L (j >= 1)
  std::vector<Fft> angf;  ///< [j]: roto-translation, angular forward on level-j sequences
  std::vector<Fft> angi;  ///< [j]: roto-translation, angular inverse on level-j sequences
};

/// Chunk sizes planned for max_batch: max_batch itself, then every power of two below it, so
/// any batch splits into planned chunks without padding work.
inline std::vector<std::size_t> chunk_sizes(std::size_t max_batch) {
  std::vector<std::size_t> out{max_batch};
  std::size_t p = 1;
  while (p * 2 < max_batch) p *= 2;
  for (; p >= 1; p /= 2)
    if (p < max_batch) out.push_back(p);
  return out;
}

/// The transform of chunks of images, all FFTs planned at construction.
template <class T, class Ops>
class Pipeline {
 public:
  using Fft = typename Ops::Fft;

  /// Packs the filters and channel tables and plans every FFT for every chunk size. With a
  /// roto-translation variant (roto.variant) run_chunk writes its raw layout.
  Pipeline(const Schedule& s, const FilterBank& fb, std::size_t max_batch, Ops& ops,
           const RotoSpec& roto = RotoSpec{})
      : s_(s),
        roto_(roto),
        layout_(make_layout(s, roto)),
        max_batch_(max_batch),
        out_channels_(roto.variant ? roto.channels : s.K),
        filters_host_(pack_filters<T>(s, fb, fp_, roto)),
        chan_host_(pack_channels(s, cp_, roto)) {
    const long P = s.P, Q = s.Q, PJ = s.rows_at(s.J), QJ = s.cols_at(s.J);
    const std::size_t L = static_cast<std::size_t>(s.L);
    for (std::size_t b : chunk_sizes(max_batch)) {
      PlanSet<Fft> ps;
      ps.batch = b;
      ps.r2c0 = ops.plan_r2c(P, Q, b);
      ps.c2r1 = ops.plan_c2r(PJ, QJ, b);
      ps.c2rL = ops.plan_c2r(PJ, QJ, b * L);
      ps.inv1.resize(static_cast<std::size_t>(s.J));
      ps.r2c1.resize(static_cast<std::size_t>(s.J));
      ps.inv2.resize(static_cast<std::size_t>(s.J));
      ps.r2c2.resize(static_cast<std::size_t>(s.J));
      ps.angf.resize(static_cast<std::size_t>(s.J));
      ps.angi.resize(static_cast<std::size_t>(s.J));
      for (int j = 0; j < s.J; ++j) {
        const std::size_t ju = static_cast<std::size_t>(j);
        ps.inv1[ju] = ops.plan_c2c_inverse(s.rows_at(j), s.cols_at(j), b * L);
        ps.r2c1[ju] = ops.plan_r2c(s.rows_at(j), s.cols_at(j), b * L);
        if (layout_.second_order && j >= 1) {
          ps.inv2[ju] = ops.plan_c2c_inverse(s.rows_at(j), s.cols_at(j), b * L * L);
          ps.r2c2[ju] = ops.plan_r2c(s.rows_at(j), s.cols_at(j), b * L * L);
        }
        if (angular_ffts() && j >= 1) {
          const std::size_t vectors = b * L * static_cast<std::size_t>(s.rows_at(j) * s.cols_at(j));
          ps.angf[ju] = ops.plan_angular(roto.A, vectors, false);
          ps.angi[ju] = ops.plan_angular(roto.A, vectors, true);
        }
      }
      if (layout_.second_order) ps.c2rLL = ops.plan_c2r(PJ, QJ, b * L * L);
      sets_.push_back(std::move(ps));
    }
  }

  /// Buffer sizes per image.
  const Layout& layout() const { return layout_; }
  /// Largest chunk.
  std::size_t max_batch() const { return max_batch_; }
  /// Channels per image run_chunk writes: the translation output's, or the raw layout's.
  std::size_t out_channels() const { return out_channels_; }
  /// All plan sets, largest chunk first.
  const std::vector<PlanSet<Fft>>& plan_sets() const { return sets_; }
  /// Packed, scaled filters to copy where Ops runs (empty after release_host_tables()).
  const std::vector<T>& host_filters() const { return filters_host_; }
  /// Channel tables to copy where Ops runs (empty after release_host_tables()).
  const std::vector<long>& host_channels() const { return chan_host_; }
  /// Frees the host copies once they have been uploaded.
  void release_host_tables() {
    std::vector<T>().swap(filters_host_);
    std::vector<long>().swap(chan_host_);
  }

  /// Size of the next chunk to run when remaining (> 0) images are left.
  std::size_t next_chunk(std::size_t remaining) const {
    for (const auto& ps : sets_)
      if (ps.batch <= remaining) return ps.batch;
    return 1;  // unreachable: the last set has batch 1
  }

  /// Transforms n images (n one of the planned chunk sizes): in is n x M x N, out n x
  /// out_channels() x rows x cols, both where Ops runs; filters and chan are copies of
  /// host_filters()/host_channels() there.
  void run_chunk(Ops& ops, const Views<T>& w, const T* filters, const long* chan, const T* in,
                 T* out, std::size_t n) const {
    const ChannelPack& cp = cp_;
    const PlanSet<Fft>& ps = set_for(n);
    const int J = s_.J;
    const std::size_t L = static_cast<std::size_t>(s_.L);
    ops.launch(n * static_cast<std::size_t>(s_.P * s_.Q),
               PadOp<T>{in, w.U, s_.M, s_.N, s_.P, s_.Q, s_.pad_top, s_.pad_left});
    ops.r2c(ps.r2c0, w.U, w.H);
    const Low low0{0, n, 1, 1, cp.order0};
    lowpass(ops, w, filters, chan, ps.c2r1, w.H, low0, out);

    for (int j1 = 0; j1 < J; ++j1) {
      const std::size_t u1 = static_cast<std::size_t>(j1);
      bandpass(ops, w, filters, ps.inv1[u1], ps.r2c1[u1], w.H, 0, j1, n, w.V1h);
      const Low low1{j1, n * L, L, L, cp.order1[u1]};
      lowpass(ops, w, filters, chan, ps.c2rL, w.V1h, low1, out);
      if (!layout_.second_order) continue;
      for (int j2 = j1 + 1; j2 < J; ++j2) {
        const std::size_t u2 = static_cast<std::size_t>(j2);
        if (roto_pairs()) {
          roto_pair(ops, w, filters, chan, ps, j1, j2, n, out);
          continue;
        }
        bandpass(ops, w, filters, ps.inv2[u2], ps.r2c2[u2], w.V1h, j1, j2, n * L, w.V2h);
        const Low low2{j2, n * L * L, L * L, L, cp.order2[u1][u2]};
        lowpass(ops, w, filters, chan, ps.c2rLL, w.V2h, low2, out);
      }
    }
  }

  /// Only the FFTs run_chunk(n) performs, in the same order on the same buffers (benchmarks: the
  /// floor the whole transform is compared against).
  void run_chunk_fft_only(Ops& ops, const Views<T>& w, std::size_t n) const {
    const PlanSet<Fft>& ps = set_for(n);
    ops.r2c(ps.r2c0, w.U, w.H);
    ops.c2r(ps.c2r1, w.G, w.U);
    for (int j1 = 0; j1 < s_.J; ++j1) {
      const std::size_t u1 = static_cast<std::size_t>(j1);
      ops.c2c_inverse(ps.inv1[u1], w.G);
      ops.r2c(ps.r2c1[u1], w.U, w.V1h);
      ops.c2r(ps.c2rL, w.G, w.U);
      if (!layout_.second_order) continue;
      for (int j2 = j1 + 1; j2 < s_.J; ++j2) {
        const std::size_t u2 = static_cast<std::size_t>(j2);
        ops.c2c_inverse(ps.inv2[u2], w.G);
        if (roto_pairs()) {
          if (angular_ffts()) ops.c2c_forward(ps.angf[u2], w.R);
          for (int f = 0; f < roto_.nf; ++f) {
            if (angular_ffts()) ops.c2c_inverse(ps.angi[u2], w.G);
            ops.r2c(roto_.joint ? ps.r2c1[u2] : ps.r2c2[u2], w.U, w.V2h);
            ops.c2r(roto_.joint ? ps.c2rL : ps.c2rLL, w.G, w.U);
          }
          continue;
        }
        ops.r2c(ps.r2c2[u2], w.U, w.V2h);
        ops.c2r(ps.c2rLL, w.G, w.U);
      }
    }
  }

 private:
  // One low-pass call: maps half spectra of level r, per_image of them per image, written to
  // channels from the table at chan_at.
  struct Low {
    int r;
    std::size_t maps;
    std::size_t per_image;
    std::size_t inner;
    std::size_t chan_at;
  };

  const PlanSet<Fft>& set_for(std::size_t n) const {
    for (const auto& ps : sets_)
      if (ps.batch == n) return ps;
    throw InvalidArgument("internal error: no FFT plans for a chunk of this size.");
  }

  std::size_t half_size(int r) const {
    return static_cast<std::size_t>(s_.rows_at(r) * (s_.cols_at(r) / 2 + 1));
  }

  // Low-pass branch: product with phi folded onto the level-J half grid, c2r, crop into out.
  void lowpass(Ops& ops, const Views<T>& w, const T* filters, const long* chan, const Fft& c2r,
               const Complex<T>* half, const Low& lo, T* out) const {
    const int J = s_.J;
    const long PJ = s_.rows_at(J), QJ = s_.cols_at(J), hJ = QJ / 2 + 1;
    const T* phi = filters + fp_.phi[static_cast<std::size_t>(lo.r)];
    ops.launch(lo.maps * static_cast<std::size_t>(PJ * hJ),
               LowProductOp<T>{half, half_size(lo.r), phi, s_.rows_at(lo.r), s_.cols_at(lo.r),
                               1L << (J - lo.r), PJ, hJ, w.G});
    ops.c2r(c2r, w.G, w.U);
    ops.launch(lo.maps * static_cast<std::size_t>(s_.out_rows * s_.out_cols),
               CropOp<T>{w.U, QJ, static_cast<std::size_t>(PJ * QJ), s_.out_rows, s_.out_cols,
                         lo.per_image, lo.inner, chan + lo.chan_at, out_channels_, out});
  }

  // Band-pass branch: every source half spectrum (level r) times each of the L wavelets of scale
  // j, folded onto level j, inverse FFT, modulus, r2c into dst (sources*L half spectra).
  void bandpass(Ops& ops, const Views<T>& w, const T* filters, const Fft& inv, const Fft& r2c,
                const Complex<T>* src, int r, int j, std::size_t sources, Complex<T>* dst) const {
    const long Pj = s_.rows_at(j), Qj = s_.cols_at(j);
    const std::size_t n =
        sources * static_cast<std::size_t>(s_.L) * static_cast<std::size_t>(Pj * Qj);
    const T* psi = filters + fp_.psi[static_cast<std::size_t>(j)][static_cast<std::size_t>(r)];
    ops.launch(n, BandProductOp<T>{src, half_size(r), psi, s_.rows_at(r), s_.cols_at(r),
                                   1L << (j - r), Pj, Qj, static_cast<long>(s_.L), w.G});
    ops.c2c_inverse(inv, w.G);
    ops.launch(n, ModulusOp<T>{w.G, w.U});
    ops.r2c(r2c, w.U, dst);
  }

  // Whether second-order pairs go through the angular stage.
  bool roto_pairs() const { return roto_.variant && layout_.second_order; }
  // A one-point angular FFT (the separable variant with L = 1) is the identity: none is planned,
  // so no FFT library has to accept that size.
  bool angular_ffts() const { return roto_pairs() && roto_.A > 1; }

  // One pair (j1, j2) of a roto-translation variant (cpu/roto_pass.hpp): the complex maps
  // Y[t1, t2] in G, their angular sequences in R, forward FFT along the angle; then per angular
  // filter: product, inverse FFT (in G), modulus (joint: mean over angles) into U, and the
  // spatial low-pass into the raw channels.
  void roto_pair(Ops& ops, const Views<T>& w, const T* filters, const long* chan,
                 const PlanSet<Fft>& ps, int j1, int j2, std::size_t n, T* out) const {
    const std::size_t u1 = static_cast<std::size_t>(j1), u2 = static_cast<std::size_t>(j2);
    const std::size_t L = static_cast<std::size_t>(s_.L), A = static_cast<std::size_t>(roto_.A);
    const long gs = s_.rows_at(j2) * s_.cols_at(j2);
    const std::size_t B = n * L * static_cast<std::size_t>(gs);
    const T* psi = filters + fp_.psi[u2][u1];
    ops.launch(B * L, BandProductOp<T>{w.V1h, half_size(j1), psi, s_.rows_at(j1), s_.cols_at(j1),
                                       1L << (j2 - j1), s_.rows_at(j2), s_.cols_at(j2), s_.L, w.G});
    ops.c2c_inverse(ps.inv2[u2], w.G);
    ops.launch(A * B, RotoGatherOp<T>{w.G, gs, s_.L, B, roto_.joint, w.R});
    if (angular_ffts()) ops.c2c_forward(ps.angf[u2], w.R);
    for (int f = 0; f < roto_.nf; ++f) {
      const T* h = filters + fp_.angular + static_cast<std::size_t>(f) * A;
      ops.launch(A * B, AngularFilterOp<T>{w.R, h, B, w.G});
      if (angular_ffts()) ops.c2c_inverse(ps.angi[u2], w.G);
      const std::size_t at = cp_.roto[u1][u2];
      if (roto_.joint) {
        ops.launch(B, MeanModulusOp<T>{w.G, roto_.A, B, w.U});
        ops.r2c(ps.r2c1[u2], w.U, w.V2h);
        lowpass(ops, w, filters, chan, ps.c2rL, w.V2h,
                Low{j2, n * L, L, L, at + static_cast<std::size_t>(f)}, out);
      } else {
        ops.launch(B * L, AngularModulusOp<T>{w.G, gs, s_.L, B, w.U});
        ops.r2c(ps.r2c2[u2], w.U, w.V2h);
        lowpass(ops, w, filters, chan, ps.c2rLL, w.V2h,
                Low{j2, n * L * L, L * L, L, at + static_cast<std::size_t>(f) * L}, out);
      }
    }
  }

  Schedule s_;
  RotoSpec roto_;
  Layout layout_;
  std::size_t max_batch_;
  std::size_t out_channels_;
  FilterPack fp_;
  ChannelPack cp_;
  std::vector<T> filters_host_;
  std::vector<long> chan_host_;
  std::vector<PlanSet<Fft>> sets_;
};

}  // namespace gpu
}  // namespace detail
}  // namespace scatkit
