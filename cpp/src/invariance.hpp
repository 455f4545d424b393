// The invariance stage of a plan (docs/transform.md section 7): the output's channel table for
// every variant, and the backend-independent stage that turns the translation output into the
// rotation-invariant one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "scatkit/scattering2d.hpp"
#include "schedule.hpp"

namespace scatkit {
namespace detail {

/// K of the roto-translation variants with defaults resolved (3 joint, 2 separable), else 0.
int angular_scales(const Config& cfg);

/// Channel table of cfg's variant, in output order (section 7; Translation: the SPEC's).
std::vector<ChannelMeta> invariant_channel_table(const Config& cfg);

/// Where the CPU backend writes a roto-translation variant's channels for the stage (the raw
/// layout): S0, the J L order-1 maps, then each pair j1 < j2 in order with its block of
/// second-order maps, (k, delta) for the joint variant ((K + 1) x L) and (t2, f, t1) for the
/// separable one ((2K + 1) x L x L, already the output's order).
struct RawLayout {
  explicit RawLayout(const Config& cfg);
  int J = 0, L = 0, K = 0;
  bool joint = false;
  std::size_t channels = 0;            ///< raw channels per image
  std::vector<std::size_t> pair_base;  ///< [j1 * J + j2]: first raw channel of the pair
  std::size_t base(int j1, int j2) const {
    return pair_base[static_cast<std::size_t>(j1 * J + j2)];
  }
};

/// Turns a chunk of translation outputs into the variant's output. Built at plan construction
/// with everything it needs; apply() allocates nothing.
class InvarianceStage {
 public:
  /// Throws InvalidArgument for a variant or device the engine does not compute yet.
  InvarianceStage(const Config& cfg, const Schedule& s);
  /// Output channels.
  std::size_t channels() const { return meta_.size(); }
  /// The output's channel table.
  const std::vector<ChannelMeta>& meta() const { return meta_; }
  /// Images per backend call: the translation output of this many images is the workspace.
  std::size_t chunk() const { return chunk_; }
  /// Values of the backend's output for one chunk (0 when the backend writes the output itself).
  std::size_t workspace_values() const {
    return passthrough() ? 0 : chunk_ * plain_channels_ * plane_;
  }
  /// Whether the backend's output is already the variant's (the separable roto-translation).
  bool passthrough() const { return passthrough_; }
  /// out (batch x channels() x plane) from plain (batch x K_translation x plane), batch <= chunk.
  void apply(const float* plain, float* out, std::size_t batch) const;
  /// Double-precision overload of apply().
  void apply(const double* plain, double* out, std::size_t batch) const;

 private:
  template <class T>
  void run(const T* plain, T* out, std::size_t batch) const;

  template <class T>
  void run_joint(const T* raw, T* out, std::size_t batch) const;

  std::vector<ChannelMeta> meta_;
  std::size_t plain_channels_ = 0, plane_ = 0, chunk_ = 0;
  bool passthrough_ = false;
  std::optional<RawLayout> raw_;
  // Joint variant: impulse responses g_k[tau] of the angular wavelets on 2L samples, for the
  // (j1, k) channels computed here from the order-1 maps ([k][tau] re, im).
  std::vector<double> g_re_, g_im_;
  // Output channel c averages the translation channels sources_[offsets_[c] .. offsets_[c+1]).
  std::vector<std::uint32_t> offsets_, sources_;
};

}  // namespace detail
}  // namespace scatkit
