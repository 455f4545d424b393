// The Ops of the CUDA engine's Pipeline (pipeline.hpp) on the GPU: cuFFT plans sharing one work
// area, and the elementwise functors of kernels.cuh / roto.hpp launched on one stream.
#pragma once

#include <cuda_runtime.h>
#include <cufft.h>

#include <algorithm>
#include <cstddef>
#include <vector>

#include "cuda_check.hpp"
#include "cufft_plan.hpp"
#include "kernels.cuh"

namespace scatkit {
namespace detail {
namespace gpu {

constexpr unsigned kThreads = 256;
constexpr std::size_t kMaxBlocks = 65535;

/// Pipeline's Ops on the GPU.
template <class T>
class CudaOps {
 public:
  using Fft = CufftPlan;

  Fft plan_r2c(long n0, long n1, std::size_t batch) {
    return make(n0, n1, batch, Cufft<T>::r2c_type);
  }
  Fft plan_c2r(long n0, long n1, std::size_t batch) {
    return make(n0, n1, batch, Cufft<T>::c2r_type);
  }
  Fft plan_c2c_inverse(long n0, long n1, std::size_t batch) {
    return make(n0, n1, batch, Cufft<T>::c2c_type);
  }
  void r2c(const Fft& p, T* in, Complex<T>* out) {
    SCATKIT_CUFFT_CHECK(Cufft<T>::r2c(p.get(), in, out));
  }
  void c2r(const Fft& p, Complex<T>* in, T* out) {
    SCATKIT_CUFFT_CHECK(Cufft<T>::c2r(p.get(), in, out));
  }
  // Sequences of n points interleaved (point t of sequence v at t * vectors + v), so the passes
  // around them read consecutive pixels. cuFFT takes the direction at execution.
  Fft plan_angular(long n, std::size_t vectors, bool /*inverse*/) {
    long long dims[1] = {n};
    const long long stride = static_cast<long long>(vectors);
    return plan(1, dims, dims, stride, 1, dims, stride, 1, Cufft<T>::c2c_type, vectors);
  }
  void c2c_inverse(const Fft& p, Complex<T>* data) {
    SCATKIT_CUFFT_CHECK(Cufft<T>::c2c_inverse(p.get(), data));
  }
  void c2c_forward(const Fft& p, Complex<T>* data) {
    SCATKIT_CUFFT_CHECK(Cufft<T>::c2c_forward(p.get(), data));
  }
  template <class Op>
  void launch(std::size_t n, const Op& op) {
    if (n == 0) return;
    const std::size_t blocks = std::min((n + kThreads - 1) / kThreads, kMaxBlocks);
    if (fits_32_bit(n))
      for_each_index<<<static_cast<unsigned>(blocks), kThreads, 0, stream_>>>(
          static_cast<unsigned>(n), op);
    else
      for_each_index<<<static_cast<unsigned>(blocks), kThreads, 0, stream_>>>(n, op);
    SCATKIT_CUDA_CHECK(cudaGetLastError());
  }

  // Routes every plan and kernel to stream s.
  void set_stream(cudaStream_t s) {
    for (cufftHandle h : handles_) SCATKIT_CUFFT_CHECK(cufftSetStream(h, s));
    stream_ = s;
  }
  // Largest work area any plan asked for.
  std::size_t work_bytes() const { return work_; }
  // Gives every plan the shared work area (plans run one after another on one stream).
  void attach_work_area(void* area) {
    for (cufftHandle h : handles_) SCATKIT_CUFFT_CHECK(cufftSetWorkArea(h, area));
  }

 private:
  Fft make(long n0, long n1, std::size_t batch, cufftType type) {
    long long n[2] = {n0, n1};
    long long full[2] = {n0, n1};
    long long half[2] = {n0, n1 / 2 + 1};
    const bool real_in = type == Cufft<T>::r2c_type, real_out = type == Cufft<T>::c2r_type;
    long long* inembed = real_out ? half : full;
    long long* onembed = real_in ? half : full;
    const long long idist = inembed[0] * inembed[1], odist = onembed[0] * onembed[1];
    return plan(2, n, inembed, 1, idist, onembed, 1, odist, type, batch);
  }

  // One cuFFT plan in the advanced layout, without its own work area (attach_work_area).
  Fft plan(int rank, long long* n, long long* inembed, long long istride, long long idist,
           long long* onembed, long long ostride, long long odist, cufftType type,
           std::size_t batch) {
    cufftHandle h = 0;
    SCATKIT_CUFFT_CHECK(cufftCreate(&h));
    Fft owned(h);
    SCATKIT_CUFFT_CHECK(cufftSetAutoAllocation(h, 0));
    std::size_t work = 0;
    SCATKIT_CUFFT_CHECK(cufftMakePlanMany64(h, rank, n, inembed, istride, idist, onembed, ostride,
                                            odist, type, static_cast<long long>(batch), &work));
    work_ = std::max(work_, work);
    handles_.push_back(h);
    return owned;
  }

  cudaStream_t stream_ = nullptr;
  std::vector<cufftHandle> handles_;
  std::size_t work_ = 0;
};

}  // namespace gpu
}  // namespace detail
}  // namespace scatkit
