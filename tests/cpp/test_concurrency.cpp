// One plan called from many threads at once, plans built concurrently, plans used across fork(),
// the thread limit and the default thread count (CPU affinity).
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "check.hpp"
#include "naive.hpp"
#include "scatkit/scattering2d.hpp"

namespace {

constexpr int kCallers = 8;

// ThreadSanitizer cannot follow threads started in a child of a multi-threaded process (it
// reuses thread ids and reports "dup thread"); its preset sets SCATKIT_TEST_NO_FORK=1 and the
// fork cases run in the ordinary and ASan builds.
bool fork_cases_skipped() {
  const char* v = std::getenv("SCATKIT_TEST_NO_FORK");
  if (v && *v && std::string(v) != "0") {
    std::printf("  (fork case skipped: SCATKIT_TEST_NO_FORK)\n");
    return true;
  }
  return false;
}

scatkit::Config config(int rows, int cols, int threads,
                       scatkit::Precision p = scatkit::Precision::Float32) {
  scatkit::Config cfg;
  cfg.rows = static_cast<size_t>(rows);
  cfg.cols = static_cast<size_t>(cols);
  cfg.J = 2;
  cfg.L = 4;
  cfg.precision = p;
  cfg.threads = threads;
  return cfg;
}

// kCallers threads call one plan at once, each on its own input and batch size, `rounds` times;
// every output must equal the plan's sequential output bit for bit.
template <class T>
void callers_match_sequential(int threads) {
  const auto p = sizeof(T) == 4 ? scatkit::Precision::Float32 : scatkit::Precision::Float64;
  scatkit::Plan plan(config(28, 20, threads, p));
  const size_t in1 = 28 * 20, out1 = plan.out_size();
  std::vector<std::vector<T>> in(kCallers), want(kCallers), got(kCallers);
  for (int c = 0; c < kCallers; ++c) {
    const size_t batch = 1 + static_cast<size_t>(c % 3);
    in[c] = scatkit_test::random_values<T>(batch * in1, 100 + static_cast<std::uint64_t>(c));
    want[c].resize(batch * out1);
    got[c].resize(batch * out1);
    plan.execute(in[c].data(), want[c].data(), batch);
  }
  std::atomic<int> mismatches{0};
  std::vector<std::thread> pool;
  for (int c = 0; c < kCallers; ++c)
    pool.emplace_back([&, c] {
      const size_t batch = in[c].size() / in1;
      for (int round = 0; round < 5; ++round) {
        std::fill(got[c].begin(), got[c].end(), T(-1));
        plan.execute(in[c].data(), got[c].data(), batch);
        if (std::memcmp(got[c].data(), want[c].data(), got[c].size() * sizeof(T)) != 0)
          ++mismatches;
      }
    });
  for (auto& t : pool) t.join();
  CHECK_EQ(mismatches.load(), 0);
}

}  // namespace

TEST_CASE(one_plan_many_callers_float_one_thread) { callers_match_sequential<float>(1); }
TEST_CASE(one_plan_many_callers_float_three_threads) { callers_match_sequential<float>(3); }
TEST_CASE(one_plan_many_callers_double_two_threads) { callers_match_sequential<double>(2); }

// Plans of different sizes built on 8 threads at once (FFTW's planner is not thread-safe; the
// engine serialises it) give the outputs of the same plans built one after another.
TEST_CASE(plans_built_concurrently) {
  std::vector<std::vector<float>> want(kCallers), got(kCallers);
  std::vector<std::vector<float>> in(kCallers);
  for (int c = 0; c < kCallers; ++c) {
    const int rows = 16 + 2 * c, cols = 18 + c;
    in[c] = scatkit_test::random_values<float>(static_cast<size_t>(rows * cols),
                                               7 + static_cast<std::uint64_t>(c));
    scatkit::Plan plan(config(rows, cols, 1 + c % 2));
    want[c].resize(plan.out_size());
    plan.execute(in[c].data(), want[c].data(), 1);
  }
  std::atomic<int> mismatches{0}, failures{0};
  std::vector<std::thread> pool;
  for (int c = 0; c < kCallers; ++c)
    pool.emplace_back([&, c] {
      try {
        scatkit::Plan plan(config(16 + 2 * c, 18 + c, 1 + c % 2));
        got[c].resize(plan.out_size());
        plan.execute(in[c].data(), got[c].data(), 1);
        if (got[c] != want[c]) ++mismatches;
      } catch (...) {
        ++failures;
      }
    });
  for (auto& t : pool) t.join();
  CHECK_EQ(mismatches.load(), 0);
  CHECK_EQ(failures.load(), 0);
}

// A plan used on several threads before fork() works in the child (which inherits no worker
// threads) and gives the parent's result; the child is killed by alarm() rather than hang.
TEST_CASE(plan_survives_fork) {
  if (fork_cases_skipped()) return;
  scatkit::Plan plan(config(28, 20, 3));
  const auto x = scatkit_test::random_values<float>(4 * 28 * 20, 3);
  std::vector<float> want(4 * plan.out_size()), got(want.size());
  plan.execute(x.data(), want.data(), 4);
  for (int child = 0; child < 2; ++child) {
    const pid_t pid = fork();
    if (pid == 0) {
      alarm(60);
      plan.execute(x.data(), got.data(), 4);
      const bool same = std::memcmp(got.data(), want.data(), got.size() * sizeof(float)) == 0;
      scatkit::Plan fresh(config(28, 20, 2));
      std::vector<float> again(want.size());
      fresh.execute(x.data(), again.data(), 4);
      const bool fresh_same = again == want;
      _exit(same && fresh_same ? 0 : 1);
    }
    int status = 0;
    CHECK(pid > 0);
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  plan.execute(x.data(), got.data(), 4);  // the parent's pool still works
  CHECK(got == want);
}

TEST_CASE(threads_are_capped_with_a_sentence) {
  CHECK_THROWS(scatkit::Plan(config(16, 16, 100000)), scatkit::InvalidArgument, "threads=100000");
  CHECK_THROWS(scatkit::Plan(config(16, 16, 5000)), scatkit::InvalidArgument, "at most 1024");
}

// The default thread count follows the CPU affinity mask (taskset -c 0 means one thread).
TEST_CASE(default_threads_follow_affinity) {
  if (fork_cases_skipped()) return;
  const pid_t pid = fork();
  if (pid == 0) {
    alarm(60);
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(0, &one);
    if (sched_setaffinity(0, sizeof one, &one) != 0) _exit(2);
    scatkit::Plan plan(config(16, 16, 0));
    _exit(plan.threads() == 1 ? 0 : 1);
  }
  int status = 0;
  CHECK(waitpid(pid, &status, 0) == pid);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    scatkit::Plan plan(config(16, 16, 0));
    CHECK(plan.threads() <= CPU_COUNT(&set));
    CHECK(plan.threads() >= 1);
  }
}

SCATKIT_TEST_MAIN()
