// Index and averaging math of the invariance stage (docs/transform.md section 7), and the layout
// and angular filters of the roto-translation variants, written once for the CPU engine and the
// CUDA plugin (which links nothing of libscatkit).
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "scatkit/detail/elementwise.hpp"
#include "scatkit/scattering2d.hpp"

namespace scatkit {
namespace detail {

/// Second-layer angle t2 of the orbit-average path with first angle t1 and relative angle delta.
SCATKIT_HD int orbit_angle(int t1, int delta, int L) { return (t1 + delta) % L; }

/// Source of the joint roto-translation sequence a_delta[t], t in [0, 2L): a_delta[t] is
/// Y[s, r], conjugated when the return value is true (psi_{t + L} = conj psi_t and
/// U1[t + L] = U1[t]).
SCATKIT_HD bool joint_source(int t, int delta, int L, int* s, int* r) {
  *s = t % L;
  const int sum = *s + delta;
  *r = sum % L;
  return (sum >= L) != (t >= L);
}

/// Periodised Gaussian sum over n in {-1, 0, 1} of exp(-(w + 2 pi n - c)^2 / (2 s^2)).
SCATKIT_HD double periodised_gaussian(double w, double s, double c) {
  const double two_pi = 6.283185307179586476925286766559;
  double sum = 0.0;
  for (int n = -1; n <= 1; ++n) {
    const double d = w + two_pi * n - c;
    sum += exp(-d * d / (2.0 * s * s));
  }
  return sum;
}

/// Fourier value at frequency index m in [0, A) of angular filter f on A samples (section 7):
/// f < K the wavelet h_f, f == K the low-pass h_phi, K < f <= 2K the mirrored wavelet
/// hbar_{f - K - 1}. Frequencies w_m = 2 pi m / A are taken in (-pi, pi].
SCATKIT_HD double angular_filter(int f, int m, int A, int K) {
  const double pi = 3.14159265358979323846264338327950;
  if (f > K) {
    f -= K + 1;
    m = (A - m) % A;
  }
  const double w = 2.0 * pi * (m <= A / 2 ? m : m - A) / A;
  if (f < K) {
    const double xi = 0.75 * pi * ldexp(1.0, -f), s = xi / 2.0;
    const double beta = periodised_gaussian(0.0, s, xi) / periodised_gaussian(0.0, s, 0.0);
    return periodised_gaussian(w, s, xi) - beta * periodised_gaussian(w, s, 0.0);
  }
  const double s_phi = 0.75 * pi * ldexp(1.0, -(K - 1)) / 2.0;
  return periodised_gaussian(w, s_phi, 0.0) / periodised_gaussian(0.0, s_phi, 0.0);
}

/// out[p] = mean over i < n of in[src[i] * plane + p] for p in [0, plane): one channel of an
/// orbit average, for one image whose channels are planes of `plane` values.
template <class T>
SCATKIT_HD_LOOP void average_planes(const T* SCATKIT_RESTRICT in,
                                    const std::uint32_t* SCATKIT_RESTRICT src, std::size_t n,
                                    std::size_t plane, T* SCATKIT_RESTRICT out) {
  for (std::size_t p = 0; p < plane; ++p) out[p] = T(0);
  for (std::size_t i = 0; i < n; ++i) {
    const T* row = in + static_cast<std::size_t>(src[i]) * plane;
    for (std::size_t p = 0; p < plane; ++p) out[p] += row[p];
  }
  const T scale = T(1) / static_cast<T>(n);
  for (std::size_t p = 0; p < plane; ++p) out[p] *= scale;
}

/// Value p of the channel average_planes(in, src, n, plane, out) writes, computed alone (one
/// GPU thread per output value); same summation order and scaling, so both agree bit for bit.
template <class T>
SCATKIT_HD T average_at(const T* SCATKIT_RESTRICT in, const std::uint32_t* SCATKIT_RESTRICT src,
                        std::size_t n, std::size_t plane, std::size_t p) {
  T sum = T(0);
  for (std::size_t i = 0; i < n; ++i) sum += in[static_cast<std::size_t>(src[i]) * plane + p];
  return sum * (T(1) / static_cast<T>(n));
}

/// K of the roto-translation variants with defaults resolved (3 joint, 2 separable), else 0.
inline int angular_scales(const Config& cfg) {
  switch (cfg.invariance) {
    case Invariance::RotoTranslation:
      return cfg.angular_scales > 0 ? cfg.angular_scales : 3;
    case Invariance::RotoTranslationSeparable:
      return cfg.angular_scales > 0 ? cfg.angular_scales : 2;
    default:
      return 0;
  }
}

/// Where an engine writes a roto-translation variant's channels before its final pass (the raw
/// layout): S0, the J L order-1 maps, then each pair j1 < j2 in order with its block of
/// second-order maps, (k, delta) for the joint variant ((K + 1) x L) and (t2, f, t1) for the
/// separable one ((2K + 1) x L x L, already the output's order). Default-constructed: no variant.
struct RawLayout {
  RawLayout() = default;
  explicit RawLayout(const Config& cfg)
      : J(cfg.J),
        L(cfg.L),
        K(angular_scales(cfg)),
        A(cfg.invariance == Invariance::RotoTranslation ? 2 * cfg.L : cfg.L),
        nf(cfg.invariance == Invariance::RotoTranslation ? K + 1 : 2 * K + 1),
        joint(cfg.invariance == Invariance::RotoTranslation) {
    const std::size_t per_pair = static_cast<std::size_t>(joint ? nf * L : nf * L * L);
    pair_base.assign(static_cast<std::size_t>(J * J), 0);
    channels = 1 + static_cast<std::size_t>(J * L);
    if (cfg.max_order < 2) return;
    for (int j1 = 0; j1 < J; ++j1)
      for (int j2 = j1 + 1; j2 < J; ++j2) {
        pair_base[static_cast<std::size_t>(j1 * J + j2)] = channels;
        channels += per_pair;
      }
  }
  int J = 0, L = 0, K = 0;
  int A = 0;   ///< angle samples of the angular transform: 2L (joint) or L (separable)
  int nf = 0;  ///< angular filters: K + 1 (joint) or 2K + 1 (separable)
  bool joint = false;
  std::size_t channels = 0;            ///< raw channels per image
  std::vector<std::size_t> pair_base;  ///< [j1 * J + j2]: first raw channel of the pair
  std::size_t base(int j1, int j2) const {
    return pair_base[static_cast<std::size_t>(j1 * J + j2)];
  }
};

/// The layout's angular filters in precision T, [f][m] (f < nf, m < A), each divided by A: the
/// 1/A of the unnormalised inverse FFT, folded in.
template <class T>
std::vector<T> angular_filter_table(const RawLayout& r) {
  std::vector<T> h(static_cast<std::size_t>(r.nf * r.A));
  for (int f = 0; f < r.nf; ++f)
    for (int m = 0; m < r.A; ++m)
      h[static_cast<std::size_t>(f * r.A + m)] =
          static_cast<T>(angular_filter(f, m, r.A, r.K) / r.A);
  return h;
}

/// The K angular wavelets of the joint variant on 2L samples applied to an L-periodic sequence
/// (its order-1 maps c[t] = S1[t mod L]): c (*) g_k is L-periodic too, with the L-tap response
/// g_k[tau] + g_k[tau + L], so the (j1, k) channels need L x L products per pixel, not 2L x 2L.
/// re and im get K x L taps each, [k][tau].
inline void periodic_wavelet_taps(int K, int L, std::vector<double>* re, std::vector<double>* im) {
  const int A = 2 * L;
  re->assign(static_cast<std::size_t>(K * L), 0.0);
  im->assign(static_cast<std::size_t>(K * L), 0.0);
  const double two_pi = 6.283185307179586476925286766559;
  for (int k = 0; k < K; ++k)
    for (int tau = 0; tau < A; ++tau)
      for (int m = 0; m < A; ++m) {
        const double h = angular_filter(k, m, A, K) / A, ang = two_pi * m * tau / A;
        (*re)[static_cast<std::size_t>(k * L + tau % L)] += h * std::cos(ang);
        (*im)[static_cast<std::size_t>(k * L + tau % L)] += h * std::sin(ang);
      }
}

/// The (j1, k) value at one pixel: mean over t < L of |c (*) g_k|[t], c[t] = s1[t * plane] (the
/// L order-1 maps of j1), gr and gi the L taps of periodic_wavelet_taps() for k, in double.
template <class T>
SCATKIT_HD T angular_wavelet_at(const T* s1, std::size_t plane, const double* gr, const double* gi,
                                int L) {
  double acc = 0.0;
  for (int t = 0; t < L; ++t) {
    double re = 0.0, im = 0.0;
    for (int tau = 0; tau < L; ++tau) {
      const double c = static_cast<double>(s1[static_cast<std::size_t>((t - tau + L) % L) * plane]);
      re += gr[tau] * c;
      im += gi[tau] * c;
    }
#if defined(__CUDA_ARCH__)
    acc += sqrt(re * re + im * im);
#else
    acc += std::sqrt(re * re + im * im);
#endif
  }
  return static_cast<T>(acc / L);
}

}  // namespace detail
}  // namespace scatkit
