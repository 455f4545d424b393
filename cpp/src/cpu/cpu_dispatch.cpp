// Picks the CPU engine variant compiled for the best instruction set this processor runs, and
// holds what both variants share per process: the thread pool and the thread counts.
#include <algorithm>
#include <cmath>
#include <fstream>
#include <string>

#if defined(__linux__)
#include <sched.h>
#endif
#if defined(__unix__) || defined(__APPLE__)
#include <pthread.h>
#include <unistd.h>
#endif

#include "backend.hpp"
#include "cpu/thread_pool.hpp"
#include "engine_options.hpp"

namespace scatkit {
namespace detail {

std::unique_ptr<Backend> make_cpu_backend_base(const Config& cfg, const Schedule& s);
#if defined(SCATKIT_HAVE_AVX2_VARIANT)
std::unique_ptr<Backend> make_cpu_backend_avx2(const Config& cfg, const Schedule& s);
#endif

namespace {
// The variant a resolved choice runs on this processor.
const char* isa_for(CpuIsa choice) {
#if defined(SCATKIT_HAVE_AVX2_VARIANT)
  // CpuIsa::Baseline selects the portable variant (for tests and comparisons).
  if (choice == CpuIsa::Baseline) return "baseline";
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2")) return "avx2";
#else
  (void)choice;
#endif
  return "baseline";
}
}  // namespace

const char* cpu_isa() { return isa_for(resolve_engine_options({}).cpu_isa); }

std::unique_ptr<Backend> make_cpu_backend(const Config& cfg, const Schedule& s) {
#if defined(SCATKIT_HAVE_AVX2_VARIANT)
  // cfg.engine comes resolved from Plan.
  if (std::string(isa_for(cfg.engine.cpu_isa)) == "avx2") return make_cpu_backend_avx2(cfg, s);
#endif
  return make_cpu_backend_base(cfg, s);
}

namespace {

struct PoolRegistry {
  std::mutex m;
  std::shared_ptr<ThreadPool> pool;
};

PoolRegistry& registry() {
  // Never destroyed: plans may outlive static destruction order at exit, and a forked child's
  // inherited pool must never be joined (its threads do not exist there).
  static PoolRegistry* r = new PoolRegistry;
  return *r;
}

#if defined(__unix__) || defined(__APPLE__)
// fork() copies only the calling thread: the registry lock is taken around it so the child never
// inherits it held, and the child drops the parent's pool without touching it (leaking it: its
// threads are gone and its mutexes may be held by them).
void before_fork() { registry().m.lock(); }
void after_fork_parent() { registry().m.unlock(); }
void after_fork_child() {
  PoolRegistry& r = registry();
  if (r.pool) new std::shared_ptr<ThreadPool>(std::move(r.pool));  // deliberately leaked
  r.m.unlock();
}
#endif

void install_fork_handlers() {
#if defined(__unix__) || defined(__APPLE__)
  static const bool installed =
      pthread_atfork(before_fork, after_fork_parent, after_fork_child) == 0;
  (void)installed;
#endif
}

#if defined(__linux__)
// The CPU quota of this process's cgroup, in CPUs (rounded up), or 0 when there is none.
int cgroup_cpu_limit() {
  double quota = -1, period = 0;
  {  // cgroup v2: "max 100000" or "<quota> <period>"
    std::ifstream f("/sys/fs/cgroup/cpu.max");
    std::string q;
    if (f >> q >> period && q != "max") quota = std::atof(q.c_str());
  }
  if (quota <= 0) {  // cgroup v1
    std::ifstream fq("/sys/fs/cgroup/cpu/cpu.cfs_quota_us"),
        fp("/sys/fs/cgroup/cpu/cpu.cfs_period_us");
    double q = -1, p = 0;
    if (fq >> q && fp >> p && q > 0) quota = q, period = p;
  }
  if (quota <= 0 || period <= 0) return 0;
  return std::max(1, static_cast<int>(std::ceil(quota / period)));
}
#endif

}  // namespace

std::shared_ptr<ThreadPool> process_pool(int threads) {
  install_fork_handlers();
  PoolRegistry& r = registry();
  std::lock_guard<std::mutex> lock(r.m);
  if (!r.pool || r.pool->size() < threads) r.pool = std::make_shared<ThreadPool>(threads);
  return r.pool;
}

int default_threads() {
  int n = static_cast<int>(std::thread::hardware_concurrency());
#if defined(__linux__)
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) n = CPU_COUNT(&set);
  const int quota = cgroup_cpu_limit();
  if (quota > 0) n = std::min(n, quota);
#endif
  return std::max(1, n);
}

int max_threads() {
  const int cores = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  return std::min(1024, std::max(64, 4 * cores));
}

}  // namespace detail
}  // namespace scatkit
