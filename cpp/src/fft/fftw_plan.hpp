// RAII wrappers over FFTW plans in float and double, and the process-wide planner lock.
#pragma once

#include <fftw3.h>

#include <mutex>
#include <string>

namespace scatkit {
namespace detail {

/// FFTW's planner is not thread-safe; every plan creation and destruction holds this lock.
std::mutex& fftw_planner_mutex();

/// Loads FFTW wisdom from the user cache once per process (no-op when disabled or absent).
void fftw_load_wisdom_once();
/// Saves the accumulated FFTW wisdom to the user cache (best effort, never throws).
void fftw_save_wisdom();

template <class T>
struct Fftw;

/// Single-precision FFTW entry points.
template <>
struct Fftw<float> {
  using plan_t = fftwf_plan;
  using complex_t = fftwf_complex;
  static void destroy(plan_t p) { fftwf_destroy_plan(p); }
  static plan_t many_c2c(int n0, int n1, int howmany, complex_t* in, complex_t* out, int sign,
                         unsigned flags) {
    int n[2] = {n0, n1};
    return fftwf_plan_many_dft(2, n, howmany, in, nullptr, 1, n0 * n1, out, nullptr, 1, n0 * n1,
                               sign, flags);
  }
  static plan_t many_r2c(int n0, int n1, int howmany, float* in, complex_t* out, unsigned flags) {
    int n[2] = {n0, n1};
    return fftwf_plan_many_dft_r2c(2, n, howmany, in, nullptr, 1, n0 * n1, out, nullptr, 1,
                                   n0 * (n1 / 2 + 1), flags);
  }
  static plan_t many_c2r(int n0, int n1, int howmany, complex_t* in, float* out, unsigned flags) {
    int n[2] = {n0, n1};
    return fftwf_plan_many_dft_c2r(2, n, howmany, in, nullptr, 1, n0 * (n1 / 2 + 1), out, nullptr,
                                   1, n0 * n1, flags);
  }
  using dim_t = fftwf_iodim;
  static plan_t guru_c2c(int rank, const dim_t* d, int hr, const dim_t* h, complex_t* in,
                         complex_t* out, int sign, unsigned flags) {
    return fftwf_plan_guru_dft(rank, d, hr, h, in, out, sign, flags);
  }
  static void exec_c2c(plan_t p, complex_t* in, complex_t* out) { fftwf_execute_dft(p, in, out); }
  static void exec_r2c(plan_t p, float* in, complex_t* out) { fftwf_execute_dft_r2c(p, in, out); }
  static void exec_c2r(plan_t p, complex_t* in, float* out) { fftwf_execute_dft_c2r(p, in, out); }
  static int alignment_of(const float* p) { return fftwf_alignment_of(const_cast<float*>(p)); }
  static void* malloc(size_t n) { return fftwf_malloc(n); }
  static void free(void* p) { fftwf_free(p); }
};

/// Double-precision FFTW entry points.
template <>
struct Fftw<double> {
  using plan_t = fftw_plan;
  using complex_t = fftw_complex;
  static void destroy(plan_t p) { fftw_destroy_plan(p); }
  static plan_t many_c2c(int n0, int n1, int howmany, complex_t* in, complex_t* out, int sign,
                         unsigned flags) {
    int n[2] = {n0, n1};
    return fftw_plan_many_dft(2, n, howmany, in, nullptr, 1, n0 * n1, out, nullptr, 1, n0 * n1,
                              sign, flags);
  }
  static plan_t many_r2c(int n0, int n1, int howmany, double* in, complex_t* out, unsigned flags) {
    int n[2] = {n0, n1};
    return fftw_plan_many_dft_r2c(2, n, howmany, in, nullptr, 1, n0 * n1, out, nullptr, 1,
                                  n0 * (n1 / 2 + 1), flags);
  }
  static plan_t many_c2r(int n0, int n1, int howmany, complex_t* in, double* out, unsigned flags) {
    int n[2] = {n0, n1};
    return fftw_plan_many_dft_c2r(2, n, howmany, in, nullptr, 1, n0 * (n1 / 2 + 1), out, nullptr, 1,
                                  n0 * n1, flags);
  }
  using dim_t = fftw_iodim;
  static plan_t guru_c2c(int rank, const dim_t* d, int hr, const dim_t* h, complex_t* in,
                         complex_t* out, int sign, unsigned flags) {
    return fftw_plan_guru_dft(rank, d, hr, h, in, out, sign, flags);
  }
  static void exec_c2c(plan_t p, complex_t* in, complex_t* out) { fftw_execute_dft(p, in, out); }
  static void exec_r2c(plan_t p, double* in, complex_t* out) { fftw_execute_dft_r2c(p, in, out); }
  static void exec_c2r(plan_t p, complex_t* in, double* out) { fftw_execute_dft_c2r(p, in, out); }
  static int alignment_of(const double* p) { return fftw_alignment_of(const_cast<double*>(p)); }
  static void* malloc(size_t n) { return fftw_malloc(n); }
  static void free(void* p) { fftw_free(p); }
};

/// Owning handle of one FFTW plan; destroys it under the planner lock.
template <class T>
class FftwPlan {
 public:
  using plan_t = typename Fftw<T>::plan_t;
  FftwPlan() = default;
  explicit FftwPlan(plan_t p) : p_(p) {}
  ~FftwPlan() { reset(); }
  FftwPlan(FftwPlan&& o) noexcept : p_(o.p_) { o.p_ = nullptr; }
  FftwPlan& operator=(FftwPlan&& o) noexcept {
    if (this != &o) {
      reset();
      p_ = o.p_;
      o.p_ = nullptr;
    }
    return *this;
  }
  FftwPlan(const FftwPlan&) = delete;
  FftwPlan& operator=(const FftwPlan&) = delete;
  plan_t get() const { return p_; }
  explicit operator bool() const { return p_ != nullptr; }
  void reset() {
    if (p_) {
      std::lock_guard<std::mutex> lock(fftw_planner_mutex());
      Fftw<T>::destroy(p_);
      p_ = nullptr;
    }
  }

 private:
  plan_t p_ = nullptr;
};

/// Throws OutOfMemory naming the request.
[[noreturn]] void throw_out_of_memory(size_t bytes, const char* what);

/// Takes ownership of a freshly made plan; FFTW returns null only when it cannot allocate.
template <class T>
FftwPlan<T> checked_plan(typename Fftw<T>::plan_t p) {
  if (!p) throw_out_of_memory(0, "an FFTW plan");
  return FftwPlan<T>(p);
}

/// Owning FFTW-aligned buffer of n elements of type E.
template <class E>
class AlignedBuffer {
 public:
  AlignedBuffer() = default;
  explicit AlignedBuffer(size_t n);
  ~AlignedBuffer() { fftw_free(p_); }
  AlignedBuffer(AlignedBuffer&& o) noexcept : p_(o.p_), n_(o.n_) {
    o.p_ = nullptr;
    o.n_ = 0;
  }
  AlignedBuffer& operator=(AlignedBuffer&& o) noexcept {
    if (this != &o) {
      fftw_free(p_);
      p_ = o.p_;
      n_ = o.n_;
      o.p_ = nullptr;
      o.n_ = 0;
    }
    return *this;
  }
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;
  E* data() const { return p_; }
  size_t size() const { return n_; }

 private:
  E* p_ = nullptr;
  size_t n_ = 0;
};

template <class E>
AlignedBuffer<E>::AlignedBuffer(size_t n) : n_(n) {
  if (n == 0) return;
  if (n > SIZE_MAX / sizeof(E)) throw_out_of_memory(SIZE_MAX, "a buffer");
  p_ = static_cast<E*>(fftw_malloc(n * sizeof(E)));
  if (!p_) throw_out_of_memory(n * sizeof(E), "a buffer");
}

}  // namespace detail
}  // namespace scatkit
