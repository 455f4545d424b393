// Embedded guarantees of the C++ and C APIs: Plan::execute allocates nothing after warm-up
// (global operator new/delete are replaced by counting versions), the C API's error message is
// thread-local, and scatkit.h compiles as C++.
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <thread>
#include <vector>

#include "scatkit/scatkit.h"
#include "scatkit/scattering2d.hpp"

namespace {
std::atomic<bool> g_counting{false};
std::atomic<long> g_allocations{0};
int g_failures = 0;

void* counted_alloc(std::size_t n) {
  if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1);
  if (n == 0) n = 1;
  if (void* p = std::malloc(n)) return p;
  throw std::bad_alloc();
}

void* counted_aligned_alloc(std::size_t n, std::size_t align) {
  if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1);
  void* p = nullptr;
  if (posix_memalign(&p, align < sizeof(void*) ? sizeof(void*) : align, n ? n : 1) != 0)
    throw std::bad_alloc();
  return p;
}

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "check failed: %s\n", what);
    ++g_failures;
  }
}

// Allocations made by fn() while counting.
template <class Fn>
long allocations_during(Fn&& fn) {
  g_allocations = 0;
  g_counting = true;
  fn();
  g_counting = false;
  return g_allocations.load();
}

template <class T>
void check_plan(scatkit::Precision precision, int threads,
                scatkit::Invariance invariance = scatkit::Invariance::Translation,
                std::size_t batch = 3) {
  scatkit::Config cfg;
  cfg.invariance = invariance;
  cfg.rows = 30;
  cfg.cols = 36;
  cfg.J = 2;
  cfg.L = 4;
  cfg.precision = precision;
  cfg.threads = threads;
  scatkit::Plan plan(cfg);
  std::vector<T> in(batch * cfg.rows * cfg.cols), out(batch * plan.out_size());
  for (std::size_t i = 0; i < in.size(); ++i) in[i] = static_cast<T>((i * 37 % 101) / 101.0);
  plan.execute(in.data(), out.data(), batch);  // warm-up: threads started, pages touched
  const long n = allocations_during([&] {
    for (int rep = 0; rep < 3; ++rep) plan.execute(in.data(), out.data(), batch);
  });
  std::printf(
      "Plan::execute %s threads=%d invariance=%d batch=%zu: %ld operator new calls in 3 runs\n",
      sizeof(T) == 4 ? "float32" : "float64", threads, static_cast<int>(invariance), batch, n);
  check(n == 0, "Plan::execute performs no allocation after warm-up");
}
}  // namespace

// Replacements of every global allocation function, so any operator new in execute is seen.
void* operator new(std::size_t n) { return counted_alloc(n); }
void* operator new[](std::size_t n) { return counted_alloc(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  try {
    return counted_alloc(n);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
  try {
    return counted_alloc(n);
  } catch (...) {
    return nullptr;
  }
}
void* operator new(std::size_t n, std::align_val_t a) {
  return counted_aligned_alloc(n, static_cast<std::size_t>(a));
}
void* operator new[](std::size_t n, std::align_val_t a) {
  return counted_aligned_alloc(n, static_cast<std::size_t>(a));
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

int main() {
  // The counter must see allocations at all, or a zero below would prove nothing.
  const long seen = allocations_during([] {
    std::vector<int>* v = new std::vector<int>(1000);
    delete v;
  });
  check(seen >= 2, "the counting operator new observes allocations");

  check_plan<float>(scatkit::Precision::Float32, 1);
  check_plan<float>(scatkit::Precision::Float32, 2);
  check_plan<double>(scatkit::Precision::Float64, 2);
  // The invariance stages (orbit average, roto-translation angular stage) allocate at build too.
  for (scatkit::Invariance inv :
       {scatkit::Invariance::Rotation, scatkit::Invariance::RotoTranslation,
        scatkit::Invariance::RotoTranslationSeparable}) {
    check_plan<float>(scatkit::Precision::Float32, 1, inv);
    check_plan<float>(scatkit::Precision::Float32, 2, inv);
    check_plan<double>(scatkit::Precision::Float64, 2, inv);
    check_plan<float>(scatkit::Precision::Float32, 2, inv, 1);  // one image shared by workers
  }

  // The C API adds nothing on top: its error buffer is a fixed thread-local array.
  scatkit_config cfg;
  scatkit_config_init(&cfg);
  cfg.rows = 16;
  cfg.cols = 16;
  cfg.J = 2;
  cfg.L = 4;
  cfg.threads = 1;
  scatkit_plan* plan = nullptr;
  check(scatkit_plan_create(&cfg, &plan) == SCATKIT_OK, "C plan creation");
  std::size_t size = 0;
  scatkit_plan_out_size(plan, &size);
  std::vector<float> in(16 * 16, 0.5f), out(size);
  std::vector<double> din(16 * 16, 0.5), dout(size);
  scatkit_execute_f32(plan, in.data(), out.data(), 1);
  const long c_api = allocations_during([&] {
    check(scatkit_execute_f32(plan, in.data(), out.data(), 1) == SCATKIT_OK, "C execute");
    // failures too: recording the message must not allocate
    check(scatkit_execute_f64(plan, din.data(), dout.data(), 1) == SCATKIT_ERR_INVALID_ARGUMENT,
          "C execute refuses the wrong precision");
    check(scatkit_execute_f32(plan, nullptr, out.data(), 1) == SCATKIT_ERR_NULL_POINTER,
          "C execute refuses NULL input");
  });
  std::printf("scatkit_execute_f32 (and two refused calls): %ld operator new calls\n", c_api);
  check(c_api == 0, "the C API performs no allocation in execute, even when reporting errors");

  // Thread-local messages: a failure on another thread leaves this thread's message alone.
  check(scatkit_execute_f32(plan, nullptr, nullptr, 1) == SCATKIT_ERR_NULL_POINTER, "error");
  const std::string mine = scatkit_last_error();
  std::string theirs_before, theirs_after;
  std::thread other([&] {
    theirs_before = scatkit_last_error();
    scatkit_config bad;
    scatkit_config_init(&bad);
    scatkit_plan* p = nullptr;
    scatkit_plan_create(&bad, &p);
    theirs_after = scatkit_last_error();
  });
  other.join();
  check(theirs_before.empty(), "a new thread starts with an empty message");
  check(!theirs_after.empty() && theirs_after != mine, "the other thread has its own message");
  check(mine == scatkit_last_error(), "this thread's message is unchanged");
  scatkit_plan_destroy(plan);

  if (g_failures) {
    std::fprintf(stderr, "test_no_alloc: %d check(s) failed\n", g_failures);
    return 1;
  }
  std::printf("test_no_alloc: all checks passed\n");
  return 0;
}
