// RAII ownership of cuFFT plans, device memory, events and the current device, and the
// float/double cuFFT entry points.
#pragma once

#include <cuda_runtime.h>
#include <cufft.h>

#include <cstddef>
#include <utility>

#include "cuda_check.hpp"
#include "scatkit/detail/elementwise.hpp"

namespace scatkit {
namespace detail {
namespace gpu {

/// Owning handle of one cuFFT plan.
class CufftPlan {
 public:
  CufftPlan() = default;
  /// Takes ownership of a handle returned by cufftCreate.
  explicit CufftPlan(cufftHandle h) : h_(h), valid_(true) {}
  ~CufftPlan() { reset(); }
  CufftPlan(CufftPlan&& o) noexcept : h_(o.h_), valid_(o.valid_) { o.valid_ = false; }
  CufftPlan& operator=(CufftPlan&& o) noexcept {
    if (this != &o) {
      reset();
      h_ = o.h_;
      valid_ = o.valid_;
      o.valid_ = false;
    }
    return *this;
  }
  CufftPlan(const CufftPlan&) = delete;
  CufftPlan& operator=(const CufftPlan&) = delete;

  /// The raw handle.
  cufftHandle get() const { return h_; }
  /// Whether a plan is owned.
  explicit operator bool() const { return valid_; }
  /// Destroys the plan (errors at teardown cannot be acted on and are ignored).
  void reset() {
    if (valid_) cufftDestroy(h_);
    valid_ = false;
  }

 private:
  cufftHandle h_ = 0;
  bool valid_ = false;
};

/// Owning pointer to device memory from cudaMalloc.
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  /// Allocates bytes on the current device (nothing for 0).
  explicit DeviceBuffer(std::size_t bytes) : bytes_(bytes) {
    if (bytes > 0) SCATKIT_CUDA_CHECK(cudaMalloc(&p_, bytes));
  }
  ~DeviceBuffer() {
    if (p_) cudaFree(p_);
  }
  DeviceBuffer(DeviceBuffer&& o) noexcept : p_(o.p_), bytes_(o.bytes_) {
    o.p_ = nullptr;
    o.bytes_ = 0;
  }
  DeviceBuffer& operator=(DeviceBuffer&& o) noexcept {
    if (this != &o) {
      if (p_) cudaFree(p_);
      p_ = o.p_;
      bytes_ = o.bytes_;
      o.p_ = nullptr;
      o.bytes_ = 0;
    }
    return *this;
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;

  /// Start of the allocation.
  void* get() const { return p_; }
  /// Bytes allocated.
  std::size_t bytes() const { return bytes_; }

 private:
  void* p_ = nullptr;
  std::size_t bytes_ = 0;
};

template <class T>
struct Cufft;

/// Single-precision cuFFT types and executors.
template <>
struct Cufft<float> {
  using complex_t = cufftComplex;
  static constexpr cufftType r2c_type = CUFFT_R2C;  ///< forward real
  static constexpr cufftType c2r_type = CUFFT_C2R;  ///< inverse real
  static constexpr cufftType c2c_type = CUFFT_C2C;  ///< complex
  /// Forward real-to-complex.
  static cufftResult r2c(cufftHandle p, float* in, Complex<float>* out) {
    return cufftExecR2C(p, in, reinterpret_cast<complex_t*>(out));
  }
  /// Inverse complex-to-real.
  static cufftResult c2r(cufftHandle p, Complex<float>* in, float* out) {
    return cufftExecC2R(p, reinterpret_cast<complex_t*>(in), out);
  }
  /// Unnormalised inverse complex transform, in place.
  static cufftResult c2c_inverse(cufftHandle p, Complex<float>* data) {
    complex_t* d = reinterpret_cast<complex_t*>(data);
    return cufftExecC2C(p, d, d, CUFFT_INVERSE);
  }
  /// Forward complex transform, in place.
  static cufftResult c2c_forward(cufftHandle p, Complex<float>* data) {
    complex_t* d = reinterpret_cast<complex_t*>(data);
    return cufftExecC2C(p, d, d, CUFFT_FORWARD);
  }
};

/// Double-precision cuFFT types and executors.
template <>
struct Cufft<double> {
  using complex_t = cufftDoubleComplex;
  static constexpr cufftType r2c_type = CUFFT_D2Z;  ///< forward real
  static constexpr cufftType c2r_type = CUFFT_Z2D;  ///< inverse real
  static constexpr cufftType c2c_type = CUFFT_Z2Z;  ///< complex
  /// Forward real-to-complex.
  static cufftResult r2c(cufftHandle p, double* in, Complex<double>* out) {
    return cufftExecD2Z(p, in, reinterpret_cast<complex_t*>(out));
  }
  /// Inverse complex-to-real.
  static cufftResult c2r(cufftHandle p, Complex<double>* in, double* out) {
    return cufftExecZ2D(p, reinterpret_cast<complex_t*>(in), out);
  }
  /// Unnormalised inverse complex transform, in place.
  static cufftResult c2c_inverse(cufftHandle p, Complex<double>* data) {
    complex_t* d = reinterpret_cast<complex_t*>(data);
    return cufftExecZ2Z(p, d, d, CUFFT_INVERSE);
  }
  /// Forward complex transform, in place.
  static cufftResult c2c_forward(cufftHandle p, Complex<double>* data) {
    complex_t* d = reinterpret_cast<complex_t*>(data);
    return cufftExecZ2Z(p, d, d, CUFFT_FORWARD);
  }
};

// Makes dev current for its lifetime and restores the caller's device, so a plan never changes
// the device a framework (or the user) selected.
class DeviceGuard {
 public:
  explicit DeviceGuard(int dev) {
    SCATKIT_CUDA_CHECK(cudaGetDevice(&prev_));
    if (prev_ == dev) {
      prev_ = -1;
    } else {
      SCATKIT_CUDA_CHECK(cudaSetDevice(dev));
    }
  }
  ~DeviceGuard() {
    if (prev_ >= 0) cudaSetDevice(prev_);
  }
  DeviceGuard(const DeviceGuard&) = delete;
  DeviceGuard& operator=(const DeviceGuard&) = delete;

 private:
  int prev_ = -1;
};

// Owning cudaEvent_t used to order consecutive executions on different streams.
class Event {
 public:
  Event() { SCATKIT_CUDA_CHECK(cudaEventCreateWithFlags(&e_, cudaEventDisableTiming)); }
  ~Event() {
    if (e_) cudaEventDestroy(e_);
  }
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;
  cudaEvent_t get() const { return e_; }

 private:
  cudaEvent_t e_ = nullptr;
};

static_assert(sizeof(Complex<float>) == sizeof(cufftComplex), "layout of Complex<float>");
static_assert(sizeof(Complex<double>) == sizeof(cufftDoubleComplex), "layout of Complex<double>");

}  // namespace gpu
}  // namespace detail
}  // namespace scatkit
