// Worker threads of the CPU engine: one pool per process, shared by every plan, rebuilt in a
// forked child (whose copy of the pool has no threads), plus the default thread count (CPU
// affinity and cgroup quota) and the upper limit on `threads`.
#pragma once

#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace scatkit {
namespace detail {

/// Runs fn(ctx, worker) on n workers, the calling thread being worker 0. One job at a time:
/// a caller first takes the pool with try_acquire() and keeps it until its run() returns.
class ThreadPool {
 public:
  using Fn = void (*)(void* ctx, int worker);

  explicit ThreadPool(int n) : n_(n < 1 ? 1 : n) {
    workers_.reserve(static_cast<size_t>(n_ - 1));
    for (int i = 1; i < n_; ++i) workers_.emplace_back([this, i] { loop(i); });
  }
  ~ThreadPool() {
    {
      std::lock_guard<std::mutex> lock(m_);
      stop_ = true;
      ++generation_;
    }
    cv_.notify_all();
    for (auto& t : workers_) t.join();
  }
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return n_; }

  /// The pool for one job, or an empty lock when another caller is running one: that caller
  /// then does its work on its own thread instead of waiting (see CpuBackend::execute).
  std::unique_lock<std::mutex> try_acquire() {
    return std::unique_lock<std::mutex>(busy_, std::try_to_lock);
  }

  /// Runs the job on `active` workers and returns when all are done; rethrows the first
  /// exception. The caller holds try_acquire()'s lock.
  void run(Fn fn, void* ctx, int active) {
    if (active > n_) active = n_;
    if (active < 1) active = 1;
    {
      std::lock_guard<std::mutex> lock(m_);
      fn_ = fn;
      ctx_ = ctx;
      active_ = active;
      pending_ = active - 1;
      error_ = nullptr;
      ++generation_;
    }
    if (active > 1) cv_.notify_all();
    try {
      fn(ctx, 0);
    } catch (...) {
      std::lock_guard<std::mutex> lock(m_);
      if (!error_) error_ = std::current_exception();
    }
    std::unique_lock<std::mutex> lock(m_);
    done_cv_.wait(lock, [this] { return pending_ == 0; });
    if (error_) {
      std::exception_ptr e = error_;
      error_ = nullptr;
      std::rethrow_exception(e);
    }
  }

 private:
  void loop(int id) {
    unsigned long seen = 0;
    for (;;) {
      Fn fn;
      void* ctx;
      {
        std::unique_lock<std::mutex> lock(m_);
        cv_.wait(lock, [&] { return generation_ != seen; });
        seen = generation_;
        if (stop_) return;
        if (id >= active_) continue;
        fn = fn_;
        ctx = ctx_;
      }
      try {
        fn(ctx, id);
      } catch (...) {
        std::lock_guard<std::mutex> lock(m_);
        if (!error_) error_ = std::current_exception();
      }
      {
        std::lock_guard<std::mutex> lock(m_);
        if (--pending_ == 0) done_cv_.notify_one();
      }
    }
  }

  int n_;
  std::vector<std::thread> workers_;
  std::mutex busy_;  // held by the caller whose job the pool runs
  std::mutex m_;
  std::condition_variable cv_, done_cv_;
  unsigned long generation_ = 0;
  bool stop_ = false;
  Fn fn_ = nullptr;
  void* ctx_ = nullptr;
  int active_ = 0;
  int pending_ = 0;
  std::exception_ptr error_;
};

/// The process's pool with at least `threads` workers (cpu_dispatch.cpp). Every plan shares it;
/// a larger request replaces it for later callers (running jobs keep theirs alive). In a child
/// of fork() the parent's pool, whose threads did not survive, is abandoned and a new one built.
std::shared_ptr<ThreadPool> process_pool(int threads);

/// CPU threads a plan with threads = 0 uses: the CPUs this process may run on
/// (sched_getaffinity), lowered to a cgroup CPU quota (cpu.max or cpu.cfs_quota_us) when one is
/// set; at least 1.
int default_threads();

/// The largest `threads` a plan accepts: 4 x the machine's cores, at least 64, at most 1024.
int max_threads();

}  // namespace detail
}  // namespace scatkit
