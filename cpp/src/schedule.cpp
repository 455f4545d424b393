#include "schedule.hpp"

#include <limits>
#include <sstream>

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

void validate(const Config& cfg) {
  auto fail = [](const std::string& s) { throw InvalidArgument(s); };
  std::ostringstream os;
  if (cfg.J < 1 || cfg.J > 30) {
    os << "J must be an integer between 1 and 30, got J=" << cfg.J << ".";
    fail(os.str());
  }
  if (cfg.L < 1 || cfg.L > 1024) {
    os << "L (number of angles) must be between 1 and 1024, got L=" << cfg.L << ".";
    fail(os.str());
  }
  if (cfg.max_order != 1 && cfg.max_order != 2) {
    os << "max_order must be 1 or 2, got max_order=" << cfg.max_order << ".";
    fail(os.str());
  }
  if (cfg.rows < 2 || cfg.cols < 2) {
    os << "images must be at least 2x2 pixels (a 1-pixel side cannot be reflect-padded), got "
       << cfg.rows << "x" << cfg.cols << ".";
    fail(os.str());
  }
  const std::size_t s = std::size_t{1} << cfg.J;
  if (s > cfg.rows || s > cfg.cols) {
    os << "J=" << cfg.J << " needs images of at least 2^J=" << s << " pixels per side, got "
       << cfg.rows << "x" << cfg.cols << "; use J <= log2(min(M, N)).";
    fail(os.str());
  }
  const std::size_t lim = static_cast<std::size_t>(std::numeric_limits<int>::max() / 4);
  const std::size_t P = padded_size(cfg.rows, cfg.J), Q = padded_size(cfg.cols, cfg.J);
  if (P > lim || Q > lim || P * Q > lim) {
    os << "images of " << cfg.rows << "x" << cfg.cols
       << " are too large: the padded grid must hold fewer than " << lim << " pixels.";
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
  if (cfg.device_id < 0) {
    os << "device_id must be >= 0, got " << cfg.device_id << ".";
    fail(os.str());
  }
}

namespace detail {

Schedule make_schedule(const Config& cfg) {
  Schedule s;
  s.M = static_cast<long>(cfg.rows);
  s.N = static_cast<long>(cfg.cols);
  s.J = cfg.J;
  s.L = cfg.L;
  s.max_order = cfg.max_order;
  s.P = static_cast<long>(padded_size(cfg.rows, cfg.J));
  s.Q = static_cast<long>(padded_size(cfg.cols, cfg.J));
  s.pad_top = (s.P - s.M) / 2;
  s.pad_left = (s.Q - s.N) / 2;
  s.out_rows = (s.P >> s.J) - 2;
  s.out_cols = (s.Q >> s.J) - 2;
  s.K = num_channels(cfg.J, cfg.L, cfg.max_order);
  s.meta.reserve(s.K);
  s.meta.push_back({0, -1, -1, -1, -1});
  for (int j = 0; j < s.J; ++j)
    for (int t = 0; t < s.L; ++t) s.meta.push_back({1, j, t, -1, -1});
  const int n_paths = s.J * s.L;
  s.order2_base.assign(static_cast<std::size_t>(n_paths), std::vector<std::size_t>(s.J, 0));
  if (s.max_order >= 2) {
    for (int n1 = 0; n1 < n_paths; ++n1) {
      const int j1 = n1 / s.L, t1 = n1 % s.L;
      for (int j2 = j1 + 1; j2 < s.J; ++j2) {
        s.order2_base[n1][j2] = s.meta.size();
        for (int t2 = 0; t2 < s.L; ++t2) s.meta.push_back({2, j1, t1, j2, t2});
      }
    }
  }
  return s;
}

}  // namespace detail
}  // namespace scatkit
