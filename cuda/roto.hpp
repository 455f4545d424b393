// The roto-translation variants (docs/transform.md sections 7.3 and 7.4) on the CUDA engine: the
// elementwise passes of the angular stage that Pipeline runs between the complex second-layer
// maps Y[j2, t1, t2] and the spatial low-pass, and the joint variant's final pass from the raw
// layout to the output. The CPU engine's counterparts are cpu/roto_stage.hpp (angular stage) and
// InvarianceStage (final pass); the plugin links nothing of libscatkit, so the raw layout and
// the output table are rebuilt here from the Config, and tests/cuda/emulation_test.cpp checks
// the result against the CPU plan.
//
// Angular buffers are angle-major, X[t * B + b] with B = images x L x pixels, so every gather,
// filter and modulus pass reads and writes consecutive pixels and one strided batched FFT plan
// covers a whole chunk.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "kernels.cuh"
#include "scatkit/detail/invariance.hpp"
#include "scatkit/scattering2d.hpp"
#include "schedule.hpp"

namespace scatkit {
namespace detail {
namespace gpu {

/// A roto-translation variant as the pipeline computes it: the engines' raw layout (S0, the J L
/// order-1 maps, then per pair j1 < j2 its (k, delta) or (t2, f, t1) block).
struct RotoSpec : RawLayout {
  bool variant = false;  ///< a roto-translation variant (else none of this applies)
};

/// The raw layout of cfg's roto-translation variant (an empty spec for other invariances).
inline RotoSpec make_roto_spec(const Config& cfg) {
  RotoSpec r;
  if (cfg.invariance != Invariance::RotoTranslation &&
      cfg.invariance != Invariance::RotoTranslationSeparable)
    return r;
  static_cast<RawLayout&>(r) = RawLayout(cfg);
  r.variant = true;
  return r;
}

/// The angular sequences of one pair from its complex maps Y[(img * L + t1) * L + t2] (gs
/// pixels each): joint, X[t][(img * L + delta) * gs + p] = a_delta[t] (t < 2L, joint_source);
/// separable, X[t1][(img * L + t2) * gs + p] = Y[t1, t2].
template <class T>
struct RotoGatherOp {
  const Complex<T>* Y;  ///< images x L x L maps of gs pixels
  long gs;              ///< pixels per map
  long L;               ///< angles
  std::size_t B;        ///< sequences: images x L x gs
  bool joint;           ///< joint variant
  Complex<T>* X;        ///< A x B
  /// Writes X[i] (I: unsigned or std::size_t).
  template <class I>
  SCATKIT_HD void operator()(I i) const {
    const I t = i / static_cast<I>(B);
    const I b = i - t * static_cast<I>(B);
    const ChannelIndex<I> at(b, static_cast<std::size_t>(L), static_cast<std::size_t>(gs));
    const I img = at.img, p = at.p;
    const int v = static_cast<int>(at.c);  // delta (joint) or t2 (separable)
    int s = static_cast<int>(t), r = v;
    bool conj = false;
    if (joint) conj = joint_source(static_cast<int>(t), v, static_cast<int>(L), &s, &r);
    const std::size_t map = (static_cast<std::size_t>(img) * static_cast<std::size_t>(L) +
                             static_cast<std::size_t>(s)) *
                                static_cast<std::size_t>(L) +
                            static_cast<std::size_t>(r);
    Complex<T> z = Y[map * static_cast<std::size_t>(gs) + static_cast<std::size_t>(p)];
    if (conj) z.im = -z.im;
    X[i] = z;
  }
};

/// One angular filter applied to the spectra along the angle: Z[t * B + b] = X[...] * h[t].
template <class T>
struct AngularFilterOp {
  const Complex<T>* X;  ///< A x B spectra
  const T* h;           ///< A values of one filter
  std::size_t B;        ///< sequences
  Complex<T>* Z;        ///< A x B
  /// Writes Z[i].
  template <class I>
  SCATKIT_HD void operator()(I i) const {
    const T f = h[i / static_cast<I>(B)];
    Z[i] = Complex<T>{X[i].re * f, X[i].im * f};
  }
};

/// Joint variant: M[b] = mean over the A angles of |Z[t * B + b]|, b = (img * L + delta) * gs + p.
template <class T>
struct MeanModulusOp {
  const Complex<T>* Z;  ///< A x B
  long A;               ///< angles
  std::size_t B;        ///< sequences
  T* M;                 ///< B real values: images x L maps
  /// Writes M[i].
  template <class I>
  SCATKIT_HD void operator()(I i) const {
    T acc = T(0);
    for (long t = 0; t < A; ++t) acc += modulus(Z[static_cast<std::size_t>(t) * B + i]);
    M[i] = acc * (T(1) / static_cast<T>(A));
  }
};

/// Separable variant: M[((img * L + t2) * L + t1) * gs + p] = |Z[t1][(img * L + t2) * gs + p]|.
template <class T>
struct AngularModulusOp {
  const Complex<T>* Z;  ///< L x B
  long gs;              ///< pixels per map
  long L;               ///< angles
  std::size_t B;        ///< sequences
  T* M;                 ///< images x L x L maps
  /// Writes M[i].
  template <class I>
  SCATKIT_HD void operator()(I i) const {
    // i = ((img * L + t2) * L + t1) * gs + p: "image" img * L + t2, "channel" t1.
    const ChannelIndex<I> at(i, static_cast<std::size_t>(L), static_cast<std::size_t>(gs));
    const std::size_t b = static_cast<std::size_t>(at.img) * static_cast<std::size_t>(gs) +
                          static_cast<std::size_t>(at.p);
    M[i] = modulus(Z[static_cast<std::size_t>(at.c) * B + b]);
  }
};

/// The joint variant's output from its raw layout: per output channel a kind and a source
/// (kCopy: raw channel src; kMean: mean of the L channels from src; kWavelet: the (j1, k)
/// channel from the L order-1 channels at src), in the channel order of
/// invariant_channel_table(); taps are the L-tap responses g_k of InvarianceStage ([k][tau] re,
/// then im).
struct RotoOutputTable {
  static constexpr std::uint32_t kCopy = 0, kMean = 1, kWavelet = 2;
  std::size_t channels = 0;         ///< output channels
  std::vector<std::uint32_t> data;  ///< (kind, src, k) per output channel
  std::vector<double> taps;         ///< K x L real parts, then K x L imaginary parts
};

/// The output table of the joint variant r of cfg on s.
inline RotoOutputTable roto_output_table(const RotoSpec& r, const Schedule& s) {
  const int J = s.J, L = s.L, K = r.K;
  RotoOutputTable out;
  auto add = [&](std::uint32_t kind, std::size_t src, int k) {
    out.data.push_back(kind);
    out.data.push_back(static_cast<std::uint32_t>(src));
    out.data.push_back(static_cast<std::uint32_t>(k));
  };
  add(RotoOutputTable::kCopy, 0, 0);
  for (int j = 0; j < J; ++j) add(RotoOutputTable::kMean, 1 + static_cast<std::size_t>(j * L), 0);
  if (s.max_order >= 2)
    for (int j1 = 0; j1 < J; ++j1) {
      for (int k = 0; k < K; ++k)
        add(RotoOutputTable::kWavelet, 1 + static_cast<std::size_t>(j1 * L), k);
      for (int j2 = j1 + 1; j2 < J; ++j2)
        for (int d = 0; d < L; ++d)
          for (int k = 0; k <= K; ++k)
            add(RotoOutputTable::kCopy,
                r.pair_base[static_cast<std::size_t>(j1 * J + j2)] +
                    static_cast<std::size_t>(k * L + d),
                0);
    }
  out.channels = out.data.size() / 3;
  std::vector<double> re, im;
  periodic_wavelet_taps(K, L, &re, &im);
  out.taps = re;
  out.taps.insert(out.taps.end(), im.begin(), im.end());
  return out;
}

/// One joint-variant output value per index: out (images x channels x plane) from raw (images x
/// raw_channels x plane).
template <class T>
struct RotoOutputOp {
  const T* raw;                ///< raw layout of the chunk
  const std::uint32_t* table;  ///< RotoOutputTable::data where the op runs
  const double* taps;          ///< RotoOutputTable::taps where the op runs
  std::size_t channels;        ///< output channels per image
  std::size_t raw_channels;    ///< raw channels per image
  std::size_t plane;           ///< out_rows * out_cols
  int L, K;                    ///< angles, angular scales
  T* out;                      ///< output of the chunk
  /// Writes out[i] (I: unsigned or std::size_t).
  template <class I>
  SCATKIT_HD void operator()(I i) const {
    const ChannelIndex<I> at(i, channels, plane);
    const std::uint32_t* row = table + 3 * static_cast<std::size_t>(at.c);
    const std::uint32_t kind = row[0], src = row[1], k = row[2];
    const T* in = raw + (static_cast<std::size_t>(at.img) * raw_channels + src) * plane +
                  static_cast<std::size_t>(at.p);
    if (kind == RotoOutputTable::kCopy) {
      out[i] = in[0];
    } else if (kind == RotoOutputTable::kMean) {
      T sum = T(0);
      for (int t = 0; t < L; ++t) sum += in[static_cast<std::size_t>(t) * plane];
      out[i] = sum / static_cast<T>(L);
    } else {
      const std::size_t at = static_cast<std::size_t>(k) * static_cast<std::size_t>(L);
      out[i] =
          angular_wavelet_at(in, plane, taps + at, taps + static_cast<std::size_t>(K * L) + at, L);
    }
  }
};

/// The joint variant's output of n images from their raw layout; table and taps are copies of
/// the RotoOutputTable's where ops runs.
template <class T, class Ops>
void roto_output(Ops& ops, const Schedule& s, const RotoSpec& r, std::size_t channels,
                 const std::uint32_t* table, const double* taps, const T* raw, T* out,
                 std::size_t n) {
  const std::size_t plane = static_cast<std::size_t>(s.out_rows * s.out_cols);
  ops.launch(n * channels * plane,
             RotoOutputOp<T>{raw, table, taps, channels, r.channels, plane, s.L, r.K, out});
}

}  // namespace gpu
}  // namespace detail
}  // namespace scatkit
