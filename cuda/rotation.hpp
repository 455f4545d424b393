// The orbit average (invariance 'rotation', docs/transform.md section 7.2) on the CUDA engine:
// the translation output of a chunk goes to a device buffer and one elementwise pass averages
// its angle orbits into the caller's output. The plugin links nothing of libscatkit, so the
// table of sources is rebuilt here from the Schedule, in the channel order of
// invariant_channel_table() (tests/cuda/emulation_test.cpp checks it against the CPU plan).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <tuple>
#include <utility>
#include <vector>

#include "kernels.cuh"
#include "scatkit/detail/invariance.hpp"
#include "scatkit/scattering2d.hpp"
#include "schedule.hpp"

namespace scatkit {
namespace detail {
namespace gpu {

/// Output channel c of the rotation output averages the translation channels
/// data[data[c] .. data[c + 1]): channels + 1 offsets, then the sources, in one array so the
/// device needs a single upload.
struct RotationTable {
  std::size_t channels = 0;         ///< output channels
  std::vector<std::uint32_t> data;  ///< offsets (channels + 1), then sources
};

/// The averaging table of s's translation output: order 0 as is; (1, j1) averages the L
/// channels (1, j1, t); (2, j1, j2, delta) averages (2, j1, t, j2, orbit_angle(t, delta, L)).
inline RotationTable rotation_table(const Schedule& s) {
  std::map<std::tuple<int, int, int, int, int>, std::uint32_t> where;
  for (std::size_t c = 0; c < s.meta.size(); ++c) {
    const ChannelMeta& m = s.meta[c];
    where[{m.order, m.j1, m.theta1, m.j2, m.theta2}] = static_cast<std::uint32_t>(c);
  }
  std::vector<std::uint32_t> offsets{0}, sources;
  auto close = [&] { offsets.push_back(static_cast<std::uint32_t>(sources.size())); };
  sources.push_back(where.at({0, -1, -1, -1, -1}));
  close();
  for (int j = 0; j < s.J; ++j) {
    for (int t = 0; t < s.L; ++t) sources.push_back(where.at({1, j, t, -1, -1}));
    close();
  }
  if (s.max_order >= 2)
    for (int j1 = 0; j1 < s.J; ++j1)
      for (int j2 = j1 + 1; j2 < s.J; ++j2)
        for (int d = 0; d < s.L; ++d) {
          for (int t = 0; t < s.L; ++t)
            sources.push_back(where.at({2, j1, t, j2, orbit_angle(t, d, s.L)}));
          close();
        }
  RotationTable out;
  out.channels = offsets.size() - 1;
  const std::uint32_t base = static_cast<std::uint32_t>(offsets.size());
  for (std::uint32_t& o : offsets) o += base;
  out.data = std::move(offsets);
  out.data.insert(out.data.end(), sources.begin(), sources.end());
  return out;
}

/// One orbit-average output value per index: out (images x channels x plane) from plain
/// (images x K x plane), through the shared average_at.
template <class T>
struct RotationAverageOp {
  const T* plain;              ///< translation output of the chunk
  const std::uint32_t* table;  ///< RotationTable::data where the op runs
  std::size_t channels;        ///< output channels per image
  std::size_t K;               ///< translation channels per image
  std::size_t plane;           ///< out_rows * out_cols
  T* out;                      ///< rotation output of the chunk
  /// Writes out[i] (I: unsigned or std::size_t).
  template <class I>
  SCATKIT_HD void operator()(I i) const {
    const ChannelIndex<I> at(i, channels, plane);
    const std::uint32_t from = table[at.c], to = table[at.c + 1];
    out[i] = average_at(plain + static_cast<std::size_t>(at.img) * K * plane, table + from,
                        static_cast<std::size_t>(to - from), plane, static_cast<std::size_t>(at.p));
  }
};

/// Averages the orbits of n images: plain holds their translation output, table a copy of
/// RotationTable::data where ops runs.
template <class T, class Ops>
void rotation_average(Ops& ops, const Schedule& s, std::size_t channels, const std::uint32_t* table,
                      const T* plain, T* out, std::size_t n) {
  const std::size_t plane = static_cast<std::size_t>(s.out_rows * s.out_cols);
  ops.launch(n * channels * plane, RotationAverageOp<T>{plain, table, channels, s.K, plane, out});
}

/// Images per chunk of a plan with a final device pass: the pipeline's output of that many
/// (channels per image) fits budget bytes (at least one image), at most max_images.
inline std::size_t rotation_chunk(const Schedule& s, std::size_t channels, std::size_t value_bytes,
                                  std::size_t budget, std::size_t max_images) {
  const std::size_t per_image =
      channels * static_cast<std::size_t>(s.out_rows * s.out_cols) * value_bytes;
  const std::size_t fit = per_image > 0 ? budget / per_image : max_images;
  return fit < 1 ? 1 : (fit < max_images ? fit : max_images);
}

}  // namespace gpu
}  // namespace detail
}  // namespace scatkit
