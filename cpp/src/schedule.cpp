// Geometry and limits of a transform (their one home), and the schedule built on them.
#include "schedule.hpp"

#include <algorithm>
#include <limits>
#include <sstream>

#include "invariance.hpp"

namespace scatkit {

std::size_t padded_size(std::size_t n, int J) {
  const std::size_t s = std::size_t{1} << J;
  return ((n + s) / s + 1) * s;
}

std::size_t num_channels(int J, int L, int max_order) {
  const std::size_t j = static_cast<std::size_t>(J), l = static_cast<std::size_t>(L);
  std::size_t k = 1 + j * l;
  if (max_order >= 2) k += l * l * j * (j - 1) / 2;
  return k;
}

Limits limits() {
  Limits lim;
  lim.max_J = 30;  // 2^J must fit a 32-bit shift and index
  lim.max_L = 1024;
  lim.min_side = 2;
  // Pixel offsets of the padded grid, and 4 of them side by side, are int in the FFT plans.
  lim.max_padded_pixels = static_cast<std::size_t>(std::numeric_limits<int>::max() / 4);
  return lim;
}

namespace {
// floor(log2(n)) for n >= 1: the largest J an image side of n pixels allows.
int floor_log2(std::size_t n) {
  int k = 0;
  while (n >>= 1) ++k;
  return k;
}
}  // namespace

void validate(const Config& cfg) {
  auto fail = [](const std::string& s) { throw InvalidArgument(s); };
  const Limits lim = limits();
  std::ostringstream os;
  if (cfg.J < 1 || cfg.J > lim.max_J) {
    os << "J must be an integer between 1 and " << lim.max_J << ", got J=" << cfg.J << ".";
    fail(os.str());
  }
  if (cfg.L < 1 || cfg.L > lim.max_L) {
    os << "L (number of angles) must be between 1 and " << lim.max_L << ", got L=" << cfg.L << ".";
    fail(os.str());
  }
  if (cfg.max_order != 1 && cfg.max_order != 2) {
    os << "max_order must be 1 or 2, got max_order=" << cfg.max_order << ".";
    fail(os.str());
  }
  if (cfg.rows < lim.min_side || cfg.cols < lim.min_side) {
    os << "images must be at least 2x2 pixels (a 1-pixel side cannot be reflect-padded), got "
       << cfg.rows << "x" << cfg.cols << ".";
    fail(os.str());
  }
  const std::size_t s = std::size_t{1} << cfg.J;
  if (s > cfg.rows || s > cfg.cols) {
    os << "J=" << cfg.J << " needs images of at least 2^J=" << s << " pixels per side, got "
       << cfg.rows << "x" << cfg.cols << "; use J <= " << floor_log2(std::min(cfg.rows, cfg.cols))
       << ".";
    fail(os.str());
  }
  // Sides beyond the limit are rejected before padded_size() could overflow.
  const std::size_t big = lim.max_padded_pixels;
  const std::size_t P = cfg.rows > big ? big + 1 : padded_size(cfg.rows, cfg.J);
  const std::size_t Q = cfg.cols > big ? big + 1 : padded_size(cfg.cols, cfg.J);
  if (P > big || Q > big || P * Q > big) {
    os << "images of " << cfg.rows << "x" << cfg.cols
       << " are too large: the padded grid must hold fewer than " << big << " pixels.";
    fail(os.str());
  }
#if defined(SCATKIT_FLOAT_ONLY)
  if (cfg.precision == Precision::Float64)
    fail(
        "this scatkit was built with SCATKIT_FLOAT_ONLY and has no float64 engine; use "
        "Precision::Float32 or rebuild without -DSCATKIT_FLOAT_ONLY=ON.");
#endif
  if (cfg.threads < 0) {
    os << "threads must be >= 0 (0 means all cores), got " << cfg.threads << ".";
    fail(os.str());
  }
  if (cfg.angular_scales < 0 || cfg.angular_scales > 16) {
    os << "angular_scales must be between 0 (the default) and 16, got " << cfg.angular_scales
       << ".";
    fail(os.str());
  }
  if (cfg.invariance < Invariance::Translation ||
      cfg.invariance > Invariance::RotoTranslationSeparable)
    fail(
        "invariance must be one of Translation, Rotation, RotoTranslation, "
        "RotoTranslationSeparable.");
  if (cfg.device_id < 0) {
    os << "device_id must be >= 0, got " << cfg.device_id << ".";
    fail(os.str());
  }
}

Geometry geometry(const Config& cfg) {
  validate(cfg);
  Geometry g;
  g.padded_rows = padded_size(cfg.rows, cfg.J);
  g.padded_cols = padded_size(cfg.cols, cfg.J);
  g.pad_top = (g.padded_rows - cfg.rows) / 2;
  g.pad_left = (g.padded_cols - cfg.cols) / 2;
  g.out_rows = (g.padded_rows >> cfg.J) - 2;
  g.out_cols = (g.padded_cols >> cfg.J) - 2;
  g.num_channels = num_channels(cfg);
  return g;
}

std::vector<ChannelMeta> channel_table(const Config& cfg) {
  validate(cfg);
  if (cfg.invariance != Invariance::Translation) return detail::invariant_channel_table(cfg);
  std::vector<ChannelMeta> meta;
  meta.reserve(num_channels(cfg.J, cfg.L, cfg.max_order));
  meta.push_back({0, -1, -1, -1, -1, -1, -1});
  for (int j = 0; j < cfg.J; ++j)
    for (int t = 0; t < cfg.L; ++t) meta.push_back({1, j, t, -1, -1, -1, -1});
  if (cfg.max_order >= 2)
    for (int j1 = 0; j1 < cfg.J; ++j1)
      for (int t1 = 0; t1 < cfg.L; ++t1)
        for (int j2 = j1 + 1; j2 < cfg.J; ++j2)
          for (int t2 = 0; t2 < cfg.L; ++t2) meta.push_back({2, j1, t1, j2, t2, -1, -1});
  return meta;
}

namespace detail {

Schedule make_schedule(const Config& variant) {
  // Backends compute the translation scattering; the invariance stage works on its output.
  Config cfg = variant;
  cfg.invariance = Invariance::Translation;
  const Geometry g = geometry(cfg);
  Schedule s;
  s.M = static_cast<long>(cfg.rows);
  s.N = static_cast<long>(cfg.cols);
  s.J = cfg.J;
  s.L = cfg.L;
  s.max_order = cfg.max_order;
  s.P = static_cast<long>(g.padded_rows);
  s.Q = static_cast<long>(g.padded_cols);
  s.pad_top = static_cast<long>(g.pad_top);
  s.pad_left = static_cast<long>(g.pad_left);
  s.out_rows = static_cast<long>(g.out_rows);
  s.out_cols = static_cast<long>(g.out_cols);
  s.K = g.num_channels;
  s.meta = channel_table(cfg);
  // Second-order channels come in runs of L angles t2, one run per (n1, j2), in table order.
  const int n_paths = s.J * s.L;
  s.order2_base.assign(static_cast<std::size_t>(n_paths), std::vector<std::size_t>(s.J, 0));
  if (s.max_order >= 2) {
    std::size_t next = 1 + static_cast<std::size_t>(n_paths);
    for (int n1 = 0; n1 < n_paths; ++n1)
      for (int j2 = n1 / s.L + 1; j2 < s.J; ++j2) {
        s.order2_base[n1][j2] = next;
        next += static_cast<std::size_t>(s.L);
      }
  }
  return s;
}

}  // namespace detail
}  // namespace scatkit
