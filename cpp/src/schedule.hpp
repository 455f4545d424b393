// Backend-independent description of a transform: sizes, levels, output layout, metadata.
#pragma once

#include <cstddef>
#include <vector>

#include "scatkit/scattering2d.hpp"

namespace scatkit {
namespace detail {

/// Grid geometry and channel layout shared by every backend.
struct Schedule {
  long M = 0, N = 0;  ///< input size
  long P = 0, Q = 0;  ///< padded size
  int J = 0, L = 0, max_order = 0;
  long pad_top = 0, pad_left = 0;
  long out_rows = 0, out_cols = 0;
  std::size_t K = 0;  ///< number of channels
  std::vector<ChannelMeta> meta;
  /// Output channel of the first second-order path (n1, j2, t2=0) for first-order n1 = j1*L+t1;
  /// channels of (n1, j2, t2) follow at + t2.
  std::vector<std::vector<std::size_t>> order2_base;  // [n1][j2]

  long rows_at(int level) const { return P >> level; }
  long cols_at(int level) const { return Q >> level; }
};

/// Builds the schedule for a validated configuration.
Schedule make_schedule(const Config& cfg);

}  // namespace detail
}  // namespace scatkit
