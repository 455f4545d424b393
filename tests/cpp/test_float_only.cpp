// Built only with -DSCATKIT_FLOAT_ONLY=ON: float32 plans match the float64 reference, float64
// plans are refused clearly.
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "scatkit/scattering2d.hpp"

namespace {

int failures = 0;
const double kPi = 3.14159265358979323846;

void expect_near(double got, double want, double tol, const char* what) {
  if (!(std::fabs(got - want) <= tol)) {
    std::printf("FAIL: %s is %.9g, want %.9g (tolerance %g)\n", what, got, want, tol);
    ++failures;
  }
}

}  // namespace

int main() {
  scatkit::Config cfg;
  cfg.rows = 16;
  cfg.cols = 16;
  cfg.J = 2;
  cfg.L = 4;
  cfg.threads = 1;
  scatkit::Plan plan(cfg);
  const size_t px = 4 * 4;  // (16 / 2^J)^2 output pixels per channel
  std::vector<float> in(16 * 16, 1.0f), out(plan.out_size());

  // Expected values come from the float64 pure-Python reference (scatkit.reference) on the
  // same inputs. A constant image: order 0 is phi's periodised DC gain, orders 1-2 vanish.
  plan.execute(in.data(), out.data(), 1);
  for (size_t p = 0; p < px; ++p) expect_near(out[p], 1.0000294934, 2e-6, "order 0 of ones");
  for (size_t i = px; i < out.size(); ++i) expect_near(out[i], 0.0, 1e-5, "orders 1-2 of ones");

  // cos(2 pi 3 x / 16) along the columns: the order-1 channel means (j1 = 0, 1 by theta = 0..3)
  // respond to the horizontal orientation only, as the reference does.
  for (int r = 0; r < 16; ++r)
    for (int c = 0; c < 16; ++c)
      in[r * 16 + c] = static_cast<float>(std::cos(2 * kPi * 3 * c / 16));
  plan.execute(in.data(), out.data(), 1);
  const double want_means[8] = {0.138221127, 0.0, 0.138221127, 0.267090854,
                                0.154918263, 0.0, 0.154918263, 0.467671208};
  for (size_t k = 0; k < 8; ++k) {
    double mean = 0;
    for (size_t p = 0; p < px; ++p) mean += out[(1 + k) * px + p];
    expect_near(mean / px, want_means[k], 2e-5, "an order-1 channel mean of the cosine");
  }
  expect_near(out[0], 0.16906458375860545, 2e-5, "order 0 of the cosine at (0, 0)");

  cfg.precision = scatkit::Precision::Float64;
  try {
    scatkit::Plan p64(cfg);
    std::printf("FAIL: a float64 plan was built in a float-only build\n");
    return 1;
  } catch (const scatkit::InvalidArgument& e) {
    if (std::string(e.what()).find("SCATKIT_FLOAT_ONLY") == std::string::npos) {
      std::printf("FAIL: unclear message: %s\n", e.what());
      return 1;
    }
  }
  if (failures) return 1;
  std::printf("float-only build: float32 matches the reference, float64 refused\n");
  return 0;
}
