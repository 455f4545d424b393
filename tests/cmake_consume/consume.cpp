// Uses the installed C++ API: a constant image has a known order-0 output and a known channel
// count; exits non-zero on any mismatch.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <vector>

#include "scatkit/scattering2d.hpp"

#ifndef SCATKIT_PACKAGE_VERSION
#define SCATKIT_PACKAGE_VERSION ""
#endif

namespace {
int failures = 0;
void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "consume: FAILED: %s\n", what);
    ++failures;
  }
}
}  // namespace

int main() {
  const int J = 3, L = 6;
  const std::size_t M = 40, N = 36;
  const double c = 0.6;

  scatkit::Config cfg;
  cfg.rows = M;
  cfg.cols = N;
  cfg.J = J;
  cfg.L = L;
  cfg.precision = scatkit::Precision::Float64;
  cfg.threads = 1;
  scatkit::Plan plan(cfg);

  // K = 1 + J L + L^2 J (J - 1) / 2 and the output side padded/2^J - 2 (SPEC section 1).
  const std::size_t K = static_cast<std::size_t>(1 + J * L + L * L * J * (J - 1) / 2);
  auto side = [](std::size_t n, int j) {
    const std::size_t s = std::size_t{1} << j;
    return ((n + s) / s + 1) * s / s - 2;
  };
  check(plan.num_channels() == K, "channel count equals 1 + J*L + L*L*J*(J-1)/2");
  check(plan.out_rows() == side(M, J) && plan.out_cols() == side(N, J), "output size");

  std::vector<double> img(M * N, c), out(plan.out_size());
  plan.execute(img.data(), out.data(), 1);

  // The low-pass filter's DC gain is pi / 3.1415 (SPEC normalisation 2 * 3.1415 * sigma^2), so
  // order 0 of a constant image c is c * pi / 3.1415 at every pixel; higher orders vanish.
  const double expect = c * 3.14159265358979323846 / 3.1415;
  const std::size_t hw = plan.out_rows() * plan.out_cols();
  double mean0 = 0, worst12 = 0;
  for (std::size_t i = 0; i < hw; ++i) mean0 += out[i];
  mean0 /= static_cast<double>(hw);
  for (std::size_t i = hw; i < out.size(); ++i) worst12 = std::fmax(worst12, std::fabs(out[i]));
  std::printf("consume: scatkit %s, K=%zu, %zux%zu, order-0 mean %.15f (expected %.15f)\n",
              scatkit::version(), plan.num_channels(), plan.out_rows(), plan.out_cols(), mean0,
              expect);
  check(std::fabs(mean0 - expect) < 1e-12, "order-0 mean of a constant image is c * pi / 3.1415");
  check(worst12 < 1e-12, "orders 1 and 2 of a constant image vanish");
  check(plan.meta()[0].order == 0 && plan.meta()[K - 1].order == 2, "metadata order");

  // The package version, the header and the library agree.
  check(std::strcmp(scatkit::version(), SCATKIT_VERSION_STRING) == 0, "header version");
  check(std::strcmp(SCATKIT_PACKAGE_VERSION, "") == 0 ||
            std::strcmp(SCATKIT_PACKAGE_VERSION, SCATKIT_VERSION_STRING) == 0,
        "CMake package version matches the headers");

  // Errors reach the caller as exceptions with a sentence.
  bool threw = false;
  try {
    scatkit::Config bad = cfg;
    bad.J = 7;  // 2^7 > 36
    scatkit::Plan p(bad);
  } catch (const scatkit::InvalidArgument& e) {
    threw = std::strstr(e.what(), "J=7") != nullptr;
  }
  check(threw, "an invalid configuration throws scatkit::InvalidArgument naming the problem");

  if (failures) return 1;
  std::printf("consume: OK\n");
  return 0;
}
