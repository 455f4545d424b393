// Built only with -DSCATKIT_FLOAT_ONLY=ON: float32 plans work, float64 plans are refused clearly.
#include <cstdio>
#include <string>
#include <vector>

#include "scatkit/scattering2d.hpp"

int main() {
  scatkit::Config cfg;
  cfg.rows = 16;
  cfg.cols = 16;
  cfg.J = 2;
  cfg.L = 4;
  cfg.threads = 1;
  scatkit::Plan plan(cfg);
  std::vector<float> in(16 * 16, 1.0f), out(plan.out_size());
  plan.execute(in.data(), out.data(), 1);
  // A constant image: order 0 equals the constant times phi's DC gain, orders 1-2 vanish.
  if (!(out[0] > 0.5f)) {
    std::printf("FAIL: order 0 of a constant image is %g\n", static_cast<double>(out[0]));
    return 1;
  }
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
  std::printf("float-only build: float32 runs, float64 refused\n");
  return 0;
}
