// scatkit::geometry(), channel_table() and limits(): the sizes every front end takes from the
// engine, checked against the SPEC's formulas written out here, against a built Plan, and for
// the same refusals (and sentences) as validate() and Plan's constructor.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "check.hpp"
#include "scatkit/scattering2d.hpp"

namespace {

scatkit::Config config(std::size_t rows, std::size_t cols, int J, int L = 8, int max_order = 2) {
  scatkit::Config cfg;
  cfg.rows = rows;
  cfg.cols = cols;
  cfg.J = J;
  cfg.L = L;
  cfg.max_order = max_order;
  cfg.threads = 1;
  return cfg;
}

// SPEC section 1: Mp = ((M + 2^J) // 2^J + 1) * 2^J, written independently of the library.
std::size_t spec_padded(std::size_t n, int J) {
  const std::size_t s = std::size_t{1} << J;
  return ((n + s) / s + 1) * s;
}

// The message validate() throws for cfg, or "" when it accepts it.
std::string refusal(const scatkit::Config& cfg) {
  try {
    scatkit::validate(cfg);
  } catch (const scatkit::InvalidArgument& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE(geometry_follows_the_spec_for_odd_tiny_and_non_square_images) {
  const std::size_t sides[] = {2, 3, 4, 5, 7, 8, 9, 16, 17, 31, 32, 33, 100, 257};
  long checked = 0;
  for (std::size_t M : sides)
    for (std::size_t N : sides)
      for (int J = 1; J <= 8; ++J)
        for (int max_order = 1; max_order <= 2; ++max_order) {
          const int L = 1 + (J + static_cast<int>(M)) % 6;
          const scatkit::Config cfg = config(M, N, J, L, max_order);
          if ((std::size_t{1} << J) > std::min(M, N)) {
            CHECK_THROWS(scatkit::geometry(cfg), scatkit::InvalidArgument, "2^J");
            continue;
          }
          const scatkit::Geometry g = scatkit::geometry(cfg);
          const std::size_t P = spec_padded(M, J), Q = spec_padded(N, J);
          CHECK_EQ(g.padded_rows, P);
          CHECK_EQ(g.padded_cols, Q);
          CHECK_EQ(g.pad_top, (P - M) / 2);
          CHECK_EQ(g.pad_left, (Q - N) / 2);
          CHECK_EQ(g.out_rows, P / (std::size_t{1} << J) - 2);
          CHECK_EQ(g.out_cols, Q / (std::size_t{1} << J) - 2);
          const std::size_t l = static_cast<std::size_t>(L), j = static_cast<std::size_t>(J);
          CHECK_EQ(g.num_channels, 1 + j * l + (max_order == 2 ? l * l * j * (j - 1) / 2 : 0));
          CHECK_EQ(g.num_channels, scatkit::num_channels(J, L, max_order));
          CHECK_EQ(scatkit::channel_table(cfg).size(), g.num_channels);
          ++checked;
        }
  CHECK(checked > 500);
}

TEST_CASE(geometry_and_channel_table_match_a_built_plan) {
  const scatkit::Config cfgs[] = {config(12, 10, 2, 3), config(7, 33, 2, 2, 1), config(2, 2, 1, 1),
                                  config(64, 5, 2, 4)};
  for (const scatkit::Config& cfg : cfgs) {
    const scatkit::Geometry g = scatkit::geometry(cfg);
    const scatkit::Plan plan(cfg);
    CHECK_EQ(g.padded_rows, plan.padded_rows());
    CHECK_EQ(g.padded_cols, plan.padded_cols());
    CHECK_EQ(g.out_rows, plan.out_rows());
    CHECK_EQ(g.out_cols, plan.out_cols());
    CHECK_EQ(g.num_channels, plan.num_channels());
    const std::vector<scatkit::ChannelMeta> table = scatkit::channel_table(cfg);
    CHECK_EQ(table.size(), plan.meta().size());
    for (std::size_t k = 0; k < table.size() && k < plan.meta().size(); ++k) {
      const scatkit::ChannelMeta &a = table[k], &b = plan.meta()[k];
      CHECK(a.order == b.order && a.j1 == b.j1 && a.theta1 == b.theta1 && a.j2 == b.j2 &&
            a.theta2 == b.theta2);
    }
  }
}

TEST_CASE(channel_table_follows_spec_order) {
  // Order 0, then (j1, theta1), then (j1, theta1, j2 > j1, theta2), each lexicographic.
  const std::vector<scatkit::ChannelMeta> t = scatkit::channel_table(config(16, 16, 3, 2));
  CHECK_EQ(t.size(), std::size_t{1 + 6 + 12});
  CHECK(t[0].order == 0 && t[0].j1 == -1 && t[0].theta2 == -1);
  CHECK(t[1].order == 1 && t[1].j1 == 0 && t[1].theta1 == 0 && t[1].j2 == -1);
  CHECK(t[6].order == 1 && t[6].j1 == 2 && t[6].theta1 == 1);
  CHECK(t[7].order == 2 && t[7].j1 == 0 && t[7].theta1 == 0 && t[7].j2 == 1 && t[7].theta2 == 0);
  CHECK(t[18].order == 2 && t[18].j1 == 1 && t[18].theta1 == 1 && t[18].j2 == 2 &&
        t[18].theta2 == 1);
}

TEST_CASE(geometry_refuses_what_validate_and_plan_refuse_with_the_same_sentence) {
  const scatkit::Limits lim = scatkit::limits();
  CHECK_EQ(lim.max_J, 30);
  CHECK_EQ(lim.max_L, 1024);
  CHECK_EQ(lim.min_side, std::size_t{2});
  const std::size_t huge = std::numeric_limits<std::size_t>::max();
  const scatkit::Config bad[] = {
      config(16, 16, 0),
      config(16, 16, -3),
      config(16, 16, lim.max_J + 1),
      config(16, 16, 2, 0),
      config(16, 16, 2, -1),
      config(16, 16, 2, lim.max_L + 1),
      config(16, 16, 2, 8, 0),
      config(16, 16, 2, 8, 3),
      config(1, 16, 1),
      config(16, 1, 1),
      config(0, 0, 1),
      config(16, 16, 5),
      config(64, 7, 3),
      config(200000, 200000, 2),
      config(huge, 16, 1),
      config(huge, huge, 1),
      config(std::size_t{1} << 62, std::size_t{1} << 62, 2),
  };
  for (const scatkit::Config& cfg : bad) {
    const std::string why = refusal(cfg);
    CHECK(!why.empty());
    CHECK_THROWS(scatkit::geometry(cfg), scatkit::InvalidArgument, why);
    CHECK_THROWS(scatkit::channel_table(cfg), scatkit::InvalidArgument, why);
    CHECK_THROWS(scatkit::Plan plan(cfg), scatkit::InvalidArgument, why);
  }
  CHECK_EQ(refusal(config(16, 16, 5)),
           std::string("J=5 needs images of at least 2^J=32 pixels per side, got 16x16; use J "
                       "<= 4."));
  CHECK_EQ(refusal(config(64, 7, 3)),
           std::string("J=3 needs images of at least 2^J=8 pixels per side, got 64x7; use J "
                       "<= 2."));
  CHECK_THROWS(scatkit::geometry(config(huge, 16, 1)), scatkit::InvalidArgument, "too large");
  // The largest limits themselves are accepted by the parameter checks.
  CHECK_EQ(refusal(config(16, 16, 1, lim.max_L)), std::string());
}

SCATKIT_TEST_MAIN()
