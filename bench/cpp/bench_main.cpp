// C++ timing harness: plan construction and execution of scatkit::Plan, without Python.
//   scatkit_bench M N J [batch] [threads] [L] [order] [repeats]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <random>
#include <vector>

#include "scatkit/scattering2d.hpp"

namespace {
// SCATKIT_BENCH_CPU_TIME=1 measures process CPU time instead of wall time: with threads=1 it is
// far less sensitive to other load on a shared machine.
double now() {
  static const bool cpu = std::getenv("SCATKIT_BENCH_CPU_TIME") != nullptr;
  if (cpu) {
    timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
  }
  using clock = std::chrono::steady_clock;
  return std::chrono::duration<double>(clock::now().time_since_epoch()).count();
}
}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s M N J [batch] [threads] [L] [order] [repeats]\n", argv[0]);
    return 2;
  }
  scatkit::Config cfg;
  cfg.rows = std::strtoul(argv[1], nullptr, 10);
  cfg.cols = std::strtoul(argv[2], nullptr, 10);
  cfg.J = std::atoi(argv[3]);
  const std::size_t batch = argc > 4 ? std::strtoul(argv[4], nullptr, 10) : 8;
  cfg.threads = argc > 5 ? std::atoi(argv[5]) : 0;
  cfg.L = argc > 6 ? std::atoi(argv[6]) : 8;
  cfg.max_order = argc > 7 ? std::atoi(argv[7]) : 2;
  const int repeats = argc > 8 ? std::atoi(argv[8]) : 5;
  // SCATKIT_BENCH_INVARIANCE: an invariance name (scatkit::invariance_name's spelling).
  try {
    if (const char* inv = std::getenv("SCATKIT_BENCH_INVARIANCE"))
      cfg.invariance = scatkit::parse_invariance(inv);
    double t0 = now();
    scatkit::Plan plan(cfg);
    const double t_plan = now() - t0;
    std::vector<float> in(batch * cfg.rows * cfg.cols), out(batch * plan.out_size());
    std::mt19937 rng(0);
    std::normal_distribution<float> dist;
    for (auto& v : in) v = dist(rng);
    plan.execute(in.data(), out.data(), batch);
    std::vector<double> times;
    for (int r = 0; r < repeats; ++r) {
      t0 = now();
      plan.execute(in.data(), out.data(), batch);
      times.push_back(now() - t0);
    }
    std::sort(times.begin(), times.end());
    const double med = times[times.size() / 2];
    std::printf(
        "%zux%zu J=%d L=%d order=%d batch=%zu threads=%d: plan %.4f s, execute median %.4f s "
        "(%.1f images/s), workspace %.1f MiB",
        cfg.rows, cfg.cols, cfg.J, cfg.L, cfg.max_order, batch, plan.threads(), t_plan, med,
        static_cast<double>(batch) / med, static_cast<double>(plan.workspace_bytes()) / (1 << 20));
    // SCATKIT_BENCH_TRANSFORM_ONLY: no FFT-only runs (for profiling the transform alone).
    if (std::getenv("SCATKIT_BENCH_TRANSFORM_ONLY")) {
      std::printf("\n");
      return 0;
    }
    std::vector<double> fft_times;
    for (int r = 0; r < repeats; ++r) {
      t0 = now();
      plan.execute_fft_only(batch);
      fft_times.push_back(now() - t0);
    }
    std::sort(fft_times.begin(), fft_times.end());
    const double fft_med = fft_times[fft_times.size() / 2];
    std::printf(", FFT-only %.4f s, ratio %.2f\n", fft_med, med / fft_med);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
