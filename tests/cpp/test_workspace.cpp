// The CPU engine's per-worker workspace alone (cpu/workspace.hpp): the buffer sizes of a
// schedule, worked out by hand for one case, their allocation, and the bytes a CPU plan reports
// (workers x workspace + prepared filters).
#include <algorithm>
#include <vector>

#include "check.hpp"
#include "cpu/fft_plan_set.hpp"
#include "cpu/prepared_filters.hpp"
#include "cpu/workspace.hpp"
#include "scatkit/scattering2d.hpp"
#include "schedule.hpp"

using scatkit::Config;
using scatkit::detail::batched_level;
using scatkit::detail::FftPlanSet;
using scatkit::detail::make_schedule;
using scatkit::detail::PreparedFilters;
using scatkit::detail::Schedule;
using scatkit::detail::SpatialLowpass;
using scatkit::detail::Workspace;
using scatkit::detail::workspace_sizes;
using scatkit::detail::WorkspaceSizes;

namespace {

Config config(size_t rows, size_t cols, int J, int L, int max_order) {
  Config c;
  c.rows = rows, c.cols = cols, c.J = J, c.L = L, c.max_order = max_order;
  return c;
}

Schedule schedule(size_t rows, size_t cols, int J, int L, int max_order) {
  return make_schedule(config(rows, cols, J, L, max_order));
}

}  // namespace

TEST_CASE(sizes_of_32x32_J2) {
  // Pads to 40 x 40 (P*Q = 1600, half spectrum 40 x 21 = 840); 40 x 40 complex floats are
  // 12.5 KiB, so all 8 angles are band-passed at once; level J = 2 is 10 x 10.
  const Schedule s = schedule(32, 32, 2, 8, 2);
  CHECK(s.P == 40 && s.Q == 40);
  CHECK(batched_level<float>(s, 0) && batched_level<float>(s, 1));
  const WorkspaceSizes z = workspace_sizes<float>(s, 7, 11, true);
  CHECK_EQ(z.R, size_t{1600});
  CHECK_EQ(z.H, size_t{840});
  CHECK_EQ(z.X, size_t{1600});
  CHECK_EQ(z.Y, size_t{8 * 1600});
  CHECK_EQ(z.U, size_t{8 * 1600});
  CHECK_EQ(z.V1h, size_t{8 * 840});
  CHECK_EQ(z.V, size_t{1600});
  CHECK_EQ(z.V2h, size_t{8 * (840 / 4 + 40)});
  CHECK_EQ(z.Ch, size_t{8 * 10 * 6});
  CHECK_EQ(z.Cr, size_t{8 * 100});
  CHECK_EQ(z.Z, size_t{10 * 21});
  CHECK_EQ(z.S, size_t{7});
  CHECK_EQ(z.Lt, size_t{11});
  CHECK_EQ(workspace_sizes<float>(s, 7, 11, false).V2h, size_t{0});
  const size_t reals = z.R + z.U + z.Cr + z.Lt;
  const size_t complexes = z.H + z.X + z.Y + z.V1h + z.V + z.V2h + z.Ch + z.Z + z.S;
  CHECK_EQ(z.bytes<float>(), 4 * reals + 8 * complexes);
  CHECK_EQ(z.bytes<double>(), 8 * reals + 16 * complexes);
}

TEST_CASE(large_levels_go_one_angle_at_a_time) {
  // 256 x 256 pads to 272 x 272: level 0 (578 KiB of complex floats) runs one angle at a time,
  // level 2 (68 x 68) all at once, so Y holds max(1 x 272^2, 8 x 136^2 or 8 x 68^2) grids.
  const Schedule s = schedule(256, 256, 3, 8, 2);
  CHECK(!batched_level<float>(s, 0) && batched_level<float>(s, 2));
  const WorkspaceSizes z = workspace_sizes<float>(s, 0, 0, true);
  size_t want = 0;
  for (int r = 0; r < 3; ++r) {
    const size_t grid = static_cast<size_t>(s.rows_at(r) * s.cols_at(r));
    want = std::max(want, (batched_level<float>(s, r) ? 8 : 1) * grid);
  }
  CHECK_EQ(z.Y, want);
}

TEST_CASE(workspace_allocates_the_sizes) {
  const Schedule s = schedule(33, 17, 2, 4, 2);
  const WorkspaceSizes z = workspace_sizes<double>(s, 5, 3, false);
  Workspace<double> w(z);
  CHECK(w.R.size() == z.R && w.Y.size() == z.Y && w.V2h.size() == 0 && w.S.size() == z.S);
  CHECK(w.Lt.size() == z.Lt && w.Z.size() == z.Z && w.Ch.size() == z.Ch);
  w.R.data()[0] = 1.0;
  w.zero();
  CHECK_EQ(w.R.data()[0], 0.0);
}

TEST_CASE(plan_reports_workspace_and_filters) {
  // One worker: Plan::workspace_bytes() is the sized workspace plus the prepared filters. The
  // plan runs the baseline variant, whose vectors (and so fold layouts) are this test's.
  for (int order : {1, 2}) {
    Config c = config(60, 62, 3, 6, order);
    c.threads = 1;
    c.engine.cpu_isa = scatkit::CpuIsa::Baseline;
    const Schedule s = make_schedule(c);
    const PreparedFilters<float> f(s, 1, true, true);
    const size_t lt =
        f.any_spatial() ? SpatialLowpass<float>::scratch_size(s.out_rows, s.Q, s.out_cols) : 0;
    const WorkspaceSizes z = workspace_sizes<float>(s, FftPlanSet<float>::scratch_size(s, true), lt,
                                                    f.second_order_spectra());
    scatkit::Plan plan(c);
    CHECK_EQ(plan.workspace_bytes(), z.bytes<float>() + f.bytes());
  }
}

SCATKIT_TEST_MAIN()
