// The public Plan API: validation messages, precision checks, batch handling, determinism across
// thread counts, metadata order (SPEC section 6), workspace accounting and moves.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <utility>
#include <vector>

#include "check.hpp"
#include "naive.hpp"
#include "scatkit/scattering2d.hpp"

namespace {

scatkit::Config small_config(scatkit::Precision p = scatkit::Precision::Float32, int threads = 1) {
  scatkit::Config cfg;
  cfg.rows = 12;
  cfg.cols = 10;
  cfg.J = 2;
  cfg.L = 3;
  cfg.max_order = 2;
  cfg.precision = p;
  cfg.threads = threads;
  return cfg;
}

void check_invalid(scatkit::Config cfg, const char* substr) {
  CHECK_THROWS(scatkit::validate(cfg), scatkit::InvalidArgument, substr);
  CHECK_THROWS(scatkit::Plan plan(cfg), scatkit::InvalidArgument, substr);
}

}  // namespace

TEST_CASE(sizes_follow_spec_formulas) {
  // Mp = ((M + 2^J) // 2^J + 1) * 2^J, written out for a few sizes.
  CHECK_EQ(scatkit::padded_size(12, 2), size_t{20});
  CHECK_EQ(scatkit::padded_size(10, 2), size_t{16});
  CHECK_EQ(scatkit::padded_size(8, 3), size_t{24});
  CHECK_EQ(scatkit::padded_size(32, 3), size_t{48});
  CHECK_EQ(scatkit::padded_size(33, 1), size_t{36});
  CHECK_EQ(scatkit::num_channels(2, 3, 2), size_t{1 + 6 + 9});
  CHECK_EQ(scatkit::num_channels(3, 8, 2), size_t{1 + 24 + 64 * 3});
  CHECK_EQ(scatkit::num_channels(3, 8, 1), size_t{25});
  scatkit::Plan plan(small_config());
  CHECK_EQ(plan.padded_rows(), size_t{20});
  CHECK_EQ(plan.padded_cols(), size_t{16});
  CHECK_EQ(plan.out_rows(), size_t{3});
  CHECK_EQ(plan.out_cols(), size_t{2});
  CHECK_EQ(plan.num_channels(), size_t{16});
  CHECK_EQ(plan.out_size(), size_t{16 * 3 * 2});
  CHECK_EQ(plan.threads(), 1);
  CHECK_EQ(plan.config().rows, size_t{12});
}

TEST_CASE(validation_errors_are_sentences) {
  auto cfg = small_config();
  cfg.J = 4;  // 2^4 = 16 > 10 columns
  check_invalid(cfg, "J=4");
  cfg.J = 0;
  check_invalid(cfg, "J must be");
  cfg = small_config();
  cfg.L = 0;
  check_invalid(cfg, "L=0");
  cfg = small_config();
  cfg.max_order = 3;
  check_invalid(cfg, "max_order=3");
  cfg.max_order = 0;
  check_invalid(cfg, "max_order=0");
  cfg = small_config();
  cfg.rows = 1;
  cfg.J = 1;
  check_invalid(cfg, "1-pixel");
  cfg = small_config();
  cfg.cols = 1;
  cfg.J = 1;
  check_invalid(cfg, "got 12x1");
  cfg = small_config();
  cfg.rows = 0;
  check_invalid(cfg, "at least 2x2");
  cfg = small_config();
  cfg.threads = -1;
  check_invalid(cfg, "threads");
  // A valid configuration passes.
  scatkit::validate(small_config());
}

TEST_CASE(smallest_transform_in_closed_form) {
  // 2x2 with J = 1: the 6x6 reflect-padded image repeats the 2x2 block, so it is
  // 2.5 - (-1)^p - 0.5 (-1)^q: three Fourier bins (0,0), (3,0), (0,3). The single output pixel
  // (padded position (2, 2)) of S0 is then 2.5 phi(0,0) - phi(3,0) - 0.5 phi(0,3), with the
  // separable low-pass phi(k,l) = g(k) g(l) / (2 * 3.1415 * sigma^2), sigma = 0.8.
  auto cfg = small_config(scatkit::Precision::Float64);
  cfg.rows = 2;
  cfg.cols = 2;
  cfg.J = 1;
  cfg.max_order = 1;
  scatkit::Plan tiny(cfg);
  CHECK_EQ(tiny.padded_rows(), size_t{6});  // ((2 + 2) / 2 + 1) * 2
  CHECK_EQ(tiny.out_rows(), size_t{1});     // 6 / 2 - 2
  CHECK_EQ(tiny.out_cols(), size_t{1});
  const double sigma = 0.8, pi = std::acos(-1.0);
  auto g = [&](long k) {
    double s = 0;
    for (long u = -12; u < 18; ++u)  // the 5 tiles of a 6-point axis
      s += std::exp(-static_cast<double>(u * u) / (2 * sigma * sigma)) * std::cos(pi * k * u / 3.0);
    return s;
  };
  const double norm = 2 * 3.1415 * sigma * sigma;
  const double want = (2.5 * g(0) * g(0) - g(3) * g(0) - 0.5 * g(0) * g(3)) / norm;
  const std::vector<double> x = {1.0, 2.0, 3.0, 4.0};
  std::vector<double> out(tiny.out_size(), -1.0);
  tiny.execute(x.data(), out.data(), 1);
  CHECK_NEAR(out[0], want, 1e-12);
}

TEST_CASE(cuda_plan_without_cuda_says_why) {
  if (scatkit::cuda_unavailable_reason().empty()) {
    std::printf("  (CUDA available in this build: nothing to check here)\n");
    return;
  }
  auto cfg = small_config();
  cfg.device = scatkit::Device::CUDA;
  CHECK_THROWS(scatkit::Plan plan(cfg), scatkit::CudaError, "CUDA");
}

TEST_CASE(wrong_precision_execute_throws) {
  scatkit::Plan p32(small_config(scatkit::Precision::Float32));
  scatkit::Plan p64(small_config(scatkit::Precision::Float64));
  std::vector<double> xd(12 * 10, 0.5), od(p64.out_size());
  std::vector<float> xf(12 * 10, 0.5f), of(p32.out_size());
  CHECK_THROWS(p32.execute(xd.data(), od.data(), 1), scatkit::InvalidArgument, "float32");
  CHECK_THROWS(p64.execute(xf.data(), of.data(), 1), scatkit::InvalidArgument, "float64");
  CHECK_THROWS(p32.execute(static_cast<const float*>(nullptr), of.data(), 1),
               scatkit::InvalidArgument, "non-null");
  CHECK_THROWS(p32.execute(xf.data(), static_cast<float*>(nullptr), 1), scatkit::InvalidArgument,
               "non-null");
  // The right precision still works after the failed calls.
  p32.execute(xf.data(), of.data(), 1);
  p64.execute(xd.data(), od.data(), 1);
  CHECK(of[0] > 0.0f);
  CHECK(od[0] > 0.0);
}

TEST_CASE(batch_zero_is_a_no_op) {
  scatkit::Plan plan(small_config());
  std::vector<float> x(12 * 10, 1.0f), out(plan.out_size(), -7.0f);
  plan.execute(x.data(), out.data(), 0);
  for (float v : out) CHECK_EQ(v, -7.0f);
  plan.execute(static_cast<const float*>(nullptr), static_cast<float*>(nullptr), 0);
}

TEST_CASE(batches_and_threads_give_identical_bits) {
  // Every image runs the same arithmetic whichever worker takes it, so neither the batch
  // position nor the thread count may change a single bit.
  const size_t batch = 5;
  for (auto prec : {scatkit::Precision::Float32, scatkit::Precision::Float64}) {
    scatkit::Plan one(small_config(prec, 1));
    scatkit::Plan two(small_config(prec, 2));
    const size_t in_sz = 12 * 10, out_sz = one.out_size();
    if (prec == scatkit::Precision::Float32) {
      const auto x = scatkit_test::random_values<float>(batch * in_sz, 1);
      std::vector<float> a(batch * out_sz), b(batch * out_sz), single(out_sz);
      one.execute(x.data(), a.data(), batch);
      two.execute(x.data(), b.data(), batch);
      CHECK(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
      for (size_t i = 0; i < batch; ++i) {
        two.execute(x.data() + i * in_sz, single.data(), 1);
        CHECK(std::memcmp(single.data(), a.data() + i * out_sz, out_sz * sizeof(float)) == 0);
      }
    } else {
      const auto x = scatkit_test::random_values<double>(batch * in_sz, 2);
      std::vector<double> a(batch * out_sz), b(batch * out_sz);
      one.execute(x.data(), a.data(), batch);
      two.execute(x.data(), b.data(), batch);
      CHECK(std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0);
      // Different images really give different outputs (the comparison above is not vacuous).
      CHECK(std::memcmp(a.data(), a.data() + out_sz, out_sz * sizeof(double)) != 0);
    }
  }
}

TEST_CASE(float32_and_float64_agree) {
  scatkit::Plan p32(small_config(scatkit::Precision::Float32));
  scatkit::Plan p64(small_config(scatkit::Precision::Float64));
  const auto xd = scatkit_test::random_values<double>(12 * 10, 3);
  const std::vector<float> xf(xd.begin(), xd.end());
  std::vector<double> od(p64.out_size());
  std::vector<float> of(p32.out_size());
  p64.execute(xd.data(), od.data(), 1);
  p32.execute(xf.data(), of.data(), 1);
  double diff = 0, mag = 0;
  for (size_t i = 0; i < od.size(); ++i) {
    diff = std::max(diff, std::fabs(od[i] - static_cast<double>(of[i])));
    mag = std::max(mag, std::fabs(od[i]));
  }
  CHECK(mag > 0);
  CHECK(diff <= 1e-5 * mag);
}

TEST_CASE(meta_table_follows_spec_order) {
  for (int max_order : {1, 2}) {
    auto cfg = small_config();
    cfg.rows = 16;
    cfg.cols = 16;
    cfg.J = 3;
    cfg.L = 2;
    cfg.max_order = max_order;
    scatkit::Plan plan(cfg);
    // SPEC section 4: S0, then S1 by n1 = (j1, t1), then S2 by (n1, n2) with j2 > j1.
    std::vector<scatkit::ChannelMeta> want;
    want.push_back({0, -1, -1, -1, -1});
    for (int j = 0; j < 3; ++j)
      for (int t = 0; t < 2; ++t) want.push_back({1, j, t, -1, -1});
    if (max_order == 2)
      for (int j1 = 0; j1 < 3; ++j1)
        for (int t1 = 0; t1 < 2; ++t1)
          for (int j2 = j1 + 1; j2 < 3; ++j2)
            for (int t2 = 0; t2 < 2; ++t2) want.push_back({2, j1, t1, j2, t2});
    const auto& meta = plan.meta();
    CHECK_EQ(meta.size(), want.size());
    CHECK_EQ(meta.size(), plan.num_channels());
    for (size_t i = 0; i < std::min(meta.size(), want.size()); ++i) {
      const auto& m = meta[i];
      const auto& w = want[i];
      if (!CHECK(m.order == w.order && m.j1 == w.j1 && m.theta1 == w.theta1 && m.j2 == w.j2 &&
                 m.theta2 == w.theta2))
        std::fprintf(stderr, "  channel %zu: got (%d %d %d %d %d) want (%d %d %d %d %d)\n", i,
                     m.order, m.j1, m.theta1, m.j2, m.theta2, w.order, w.j1, w.theta1, w.j2,
                     w.theta2);
    }
  }
}

TEST_CASE(workspace_is_fixed_at_construction) {
  scatkit::Plan plan(small_config(scatkit::Precision::Float64, 2));
  const size_t ws = plan.workspace_bytes();
  const auto x = scatkit_test::random_values<double>(3 * 12 * 10, 4);
  std::vector<double> out(3 * plan.out_size());
  plan.execute(x.data(), out.data(), 3);
  CHECK_EQ(plan.workspace_bytes(), ws);
  plan.execute(x.data(), out.data(), 1);
  CHECK_EQ(plan.workspace_bytes(), ws);
}

// The accounting is the shared filters plus the same scratch per thread, and that scratch holds
// at least one padded complex grid in the plan's precision: a count that ignored threads or
// precision, or that left out the FFT buffers, fails here.
TEST_CASE(workspace_accounting_follows_threads_and_precision) {
  size_t per_thread[2] = {0, 0};
  int k = 0;
  for (auto prec : {scatkit::Precision::Float32, scatkit::Precision::Float64}) {
    const size_t real = prec == scatkit::Precision::Float32 ? 4 : 8;
    const size_t w1 = scatkit::Plan(small_config(prec, 1)).workspace_bytes();
    const size_t w2 = scatkit::Plan(small_config(prec, 2)).workspace_bytes();
    const size_t w3 = scatkit::Plan(small_config(prec, 3)).workspace_bytes();
    CHECK(w2 > w1);
    CHECK_EQ(w3 - w2, w2 - w1);
    const size_t grid = 20 * 16;  // padded 12 x 10 at J = 2
    CHECK(w2 - w1 >= grid * 2 * real);
    // Filters: phi and J * L wavelets, each at least one real value per padded pixel.
    CHECK(w1 - (w2 - w1) >= (1 + 2 * 3) * grid * real);
    per_thread[k++] = w2 - w1;
  }
  CHECK_EQ(per_thread[1], 2 * per_thread[0]);
}

TEST_CASE(plans_move) {
  const auto x = scatkit_test::random_values<float>(12 * 10, 5);
  scatkit::Plan a(small_config());
  std::vector<float> want(a.out_size()), got(a.out_size());
  a.execute(x.data(), want.data(), 1);

  scatkit::Plan b(std::move(a));
  CHECK_EQ(b.num_channels(), size_t{16});
  b.execute(x.data(), got.data(), 1);
  CHECK(got == want);

  auto other = small_config();
  other.L = 2;
  scatkit::Plan c(other);
  c = std::move(b);
  CHECK_EQ(c.num_channels(), size_t{16});
  CHECK_EQ(c.config().L, 3);
  std::fill(got.begin(), got.end(), 0.0f);
  c.execute(x.data(), got.data(), 1);
  CHECK(got == want);
}

SCATKIT_TEST_MAIN()
