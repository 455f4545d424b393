// The invariance stage (docs/transform.md section 7): channel tables and the orbit average.
#include "invariance.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <tuple>

#include "scatkit/detail/invariance.hpp"

namespace scatkit {
namespace detail {

namespace {
ChannelMeta row(int order, int j1, int t1, int j2, int t2, int delta, int k) {
  return ChannelMeta{order, j1, t1, j2, t2, delta, k};
}

// Values of the translation output one chunk may hold: a few MiB, enough to keep the CPU
// backend's threads busy on small images without a large buffer for large ones.
constexpr std::size_t kChunkValues = std::size_t{1} << 22;
constexpr std::size_t kMaxChunk = 64;
}  // namespace

std::vector<ChannelMeta> invariant_channel_table(const Config& cfg) {
  const int J = cfg.J, L = cfg.L, K = angular_scales(cfg);
  const Invariance inv = cfg.invariance;
  const bool keeps_t1 =
      inv == Invariance::Translation || inv == Invariance::RotoTranslationSeparable;
  std::vector<ChannelMeta> m;
  m.push_back(row(0, -1, -1, -1, -1, -1, -1));
  for (int j = 0; j < J; ++j) {
    if (keeps_t1)
      for (int t = 0; t < L; ++t) m.push_back(row(1, j, t, -1, -1, -1, -1));
    else
      m.push_back(row(1, j, -1, -1, -1, -1, -1));
  }
  if (cfg.max_order < 2) return m;
  for (int j1 = 0; j1 < J; ++j1) {
    switch (inv) {
      case Invariance::Translation:
        for (int t1 = 0; t1 < L; ++t1)
          for (int j2 = j1 + 1; j2 < J; ++j2)
            for (int t2 = 0; t2 < L; ++t2) m.push_back(row(2, j1, t1, j2, t2, -1, -1));
        break;
      case Invariance::Rotation:
        for (int j2 = j1 + 1; j2 < J; ++j2)
          for (int d = 0; d < L; ++d) m.push_back(row(2, j1, -1, j2, -1, d, -1));
        break;
      case Invariance::RotoTranslation:
        for (int k = 0; k < K; ++k) m.push_back(row(2, j1, -1, -1, -1, -1, k));
        for (int j2 = j1 + 1; j2 < J; ++j2)
          for (int d = 0; d < L; ++d)
            for (int k = 0; k <= K; ++k) m.push_back(row(2, j1, -1, j2, -1, d, k));
        break;
      case Invariance::RotoTranslationSeparable:
        for (int j2 = j1 + 1; j2 < J; ++j2)
          for (int t2 = 0; t2 < L; ++t2)
            for (int f = 0; f <= 2 * K; ++f)
              for (int t1 = 0; t1 < L; ++t1) m.push_back(row(2, j1, t1, j2, t2, -1, f));
        break;
    }
  }
  return m;
}

InvarianceStage::InvarianceStage(const Config& cfg, const Schedule& s)
    : meta_(invariant_channel_table(cfg)),
      plain_channels_(s.K),
      plane_(static_cast<std::size_t>(s.out_rows * s.out_cols)) {
  if (cfg.invariance == Invariance::RotoTranslation ||
      cfg.invariance == Invariance::RotoTranslationSeparable) {
    raw_.emplace(cfg);
    plain_channels_ = raw_->channels;
    passthrough_ = !raw_->joint;
    periodic_wavelet_taps(raw_->K, cfg.L, &g_re_, &g_im_);
  } else if (cfg.invariance != Invariance::Rotation) {
    throw InvalidArgument("the invariance stage has nothing to do for invariance 'translation'.");
  }
  chunk_ = std::max<std::size_t>(1, std::min(kMaxChunk, kChunkValues / (plain_channels_ * plane_)));
  if (raw_) return;
  // Where each translation path (order, j1, t1, j2, t2) sits in the plain output.
  std::map<std::tuple<int, int, int, int, int>, std::uint32_t> where;
  for (std::size_t c = 0; c < s.meta.size(); ++c) {
    const ChannelMeta& m = s.meta[c];
    where[{m.order, m.j1, m.theta1, m.j2, m.theta2}] = static_cast<std::uint32_t>(c);
  }
  offsets_.push_back(0);
  for (const ChannelMeta& m : meta_) {
    if (m.order == 0) {
      sources_.push_back(where.at({0, -1, -1, -1, -1}));
    } else {
      for (int t = 0; t < cfg.L; ++t) {
        if (m.order == 1)
          sources_.push_back(where.at({1, m.j1, t, -1, -1}));
        else
          sources_.push_back(where.at({2, m.j1, t, m.j2, orbit_angle(t, m.delta, cfg.L)}));
      }
    }
    offsets_.push_back(static_cast<std::uint32_t>(sources_.size()));
  }
}

template <class T>
void InvarianceStage::run_joint(const T* raw, T* out, std::size_t batch) const {
  const RawLayout& r = *raw_;
  const int J = r.J, L = r.L, K = r.K;
  const std::size_t P = plane_;
  for (std::size_t b = 0; b < batch; ++b) {
    const T* in = raw + b * r.channels * P;
    T* dst = out + b * meta_.size() * P;
    std::copy(in, in + P, dst);
    dst += P;
    // Order 1: the orbit average of each scale.
    for (int j = 0; j < J; ++j, dst += P) {
      for (std::size_t p = 0; p < P; ++p) {
        T sum = T(0);
        for (int t = 0; t < L; ++t) sum += in[(1 + static_cast<std::size_t>(j * L + t)) * P + p];
        dst[p] = sum / static_cast<T>(L);
      }
    }
    if (meta_.size() == 1 + static_cast<std::size_t>(J)) continue;
    for (int j1 = 0; j1 < J; ++j1) {
      // (j1, k): mean over t of |c (*) h_k|[t], c[t] = S1[j1, t mod L], at each pixel.
      const T* s1 = in + (1 + static_cast<std::size_t>(j1 * L)) * P;
      for (int k = 0; k < K; ++k, dst += P) {
        const double* gr = g_re_.data() + k * L;
        const double* gi = g_im_.data() + k * L;
        for (std::size_t p = 0; p < P; ++p) dst[p] = angular_wavelet_at(s1 + p, P, gr, gi, L);
      }
      // (j1, j2, delta, k): raw (k, delta) blocks reordered to (delta, k).
      for (int j2 = j1 + 1; j2 < J; ++j2)
        for (int d = 0; d < L; ++d)
          for (int k = 0; k <= K; ++k, dst += P) {
            const T* src = in + (r.base(j1, j2) + static_cast<std::size_t>(k * L + d)) * P;
            std::copy(src, src + P, dst);
          }
    }
  }
}

template <class T>
void InvarianceStage::run(const T* plain, T* out, std::size_t batch) const {
  if (raw_) {
    if (passthrough_) return;  // the backend wrote the output itself
    run_joint(plain, out, batch);
    return;
  }
  for (std::size_t b = 0; b < batch; ++b) {
    const T* in = plain + b * plain_channels_ * plane_;
    T* dst = out + b * meta_.size() * plane_;
    for (std::size_t c = 0; c < meta_.size(); ++c)
      average_planes(in, sources_.data() + offsets_[c], offsets_[c + 1] - offsets_[c], plane_,
                     dst + c * plane_);
  }
}

void InvarianceStage::apply(const float* plain, float* out, std::size_t batch) const {
  run(plain, out, batch);
}
void InvarianceStage::apply(const double* plain, double* out, std::size_t batch) const {
  run(plain, out, batch);
}

}  // namespace detail
}  // namespace scatkit

namespace scatkit {

const char* invariance_name(Invariance inv) {
  switch (inv) {
    case Invariance::Rotation:
      return "rotation";
    case Invariance::RotoTranslation:
      return "roto-translation";
    case Invariance::RotoTranslationSeparable:
      return "roto-translation-separable";
    default:
      return "translation";
  }
}

Invariance parse_invariance(const std::string& name) {
  for (Invariance inv : {Invariance::Translation, Invariance::Rotation, Invariance::RotoTranslation,
                         Invariance::RotoTranslationSeparable})
    if (name == invariance_name(inv)) return inv;
  throw InvalidArgument(
      "invariance must be one of 'translation', 'rotation', 'roto-translation', "
      "'roto-translation-separable', got '" +
      name + "'.");
}

std::size_t num_channels(const Config& cfg) {
  const std::size_t J = static_cast<std::size_t>(cfg.J), L = static_cast<std::size_t>(cfg.L);
  const std::size_t K = static_cast<std::size_t>(detail::angular_scales(cfg));
  const std::size_t pairs = cfg.max_order >= 2 ? J * (J - 1) / 2 : 0;
  switch (cfg.invariance) {
    case Invariance::Rotation:
      return 1 + J + L * pairs;
    case Invariance::RotoTranslation:
      return 1 + J + (cfg.max_order >= 2 ? J * K + (K + 1) * L * pairs : 0);
    case Invariance::RotoTranslationSeparable:
      return 1 + J * L + (2 * K + 1) * L * L * pairs;
    default:
      return num_channels(cfg.J, cfg.L, cfg.max_order);
  }
}

}  // namespace scatkit
