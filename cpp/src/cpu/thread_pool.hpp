// A fixed pool of worker threads that runs one job at a time, without allocating per job.
#pragma once

#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace scatkit {
namespace detail {

/// Runs fn(ctx, worker) on n workers, the calling thread being worker 0.
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

  /// Runs the job on every worker and returns when all are done; rethrows the first exception.
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

}  // namespace detail
}  // namespace scatkit
