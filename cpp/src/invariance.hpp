// The invariance stage of a plan (docs/transform.md section 7): the output's channel table for
// every variant, and the backend-independent stage that turns the translation output into the
// rotation-invariant one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "scatkit/detail/invariance.hpp"
#include "scatkit/scattering2d.hpp"
#include "schedule.hpp"

namespace scatkit {
namespace detail {

/// Channel table of cfg's variant, in output order (section 7; Translation: the SPEC's).
std::vector<ChannelMeta> invariant_channel_table(const Config& cfg);

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
