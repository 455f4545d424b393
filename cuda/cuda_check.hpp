// Checks for every CUDA runtime and cuFFT call: failures become scatkit exceptions carrying the
// call, its location and the library's own message (allocation failures become OutOfMemory).
#pragma once

#include <cuda_runtime.h>
#include <cufft.h>

#include <string>

#include "scatkit/errors.hpp"

namespace scatkit {
namespace detail {
namespace gpu {

/// Symbolic name of a cuFFT status code.
inline const char* cufft_status_name(cufftResult r) {
  switch (r) {
    case CUFFT_SUCCESS:
      return "CUFFT_SUCCESS";
    case CUFFT_INVALID_PLAN:
      return "CUFFT_INVALID_PLAN";
    case CUFFT_ALLOC_FAILED:
      return "CUFFT_ALLOC_FAILED";
    case CUFFT_INVALID_TYPE:
      return "CUFFT_INVALID_TYPE";
    case CUFFT_INVALID_VALUE:
      return "CUFFT_INVALID_VALUE";
    case CUFFT_INTERNAL_ERROR:
      return "CUFFT_INTERNAL_ERROR";
    case CUFFT_EXEC_FAILED:
      return "CUFFT_EXEC_FAILED";
    case CUFFT_SETUP_FAILED:
      return "CUFFT_SETUP_FAILED";
    case CUFFT_INVALID_SIZE:
      return "CUFFT_INVALID_SIZE";
    case CUFFT_UNALIGNED_DATA:
      return "CUFFT_UNALIGNED_DATA";
    case CUFFT_INVALID_DEVICE:
      return "CUFFT_INVALID_DEVICE";
    case CUFFT_NO_WORKSPACE:
      return "CUFFT_NO_WORKSPACE";
    case CUFFT_NOT_IMPLEMENTED:
      return "CUFFT_NOT_IMPLEMENTED";
    case CUFFT_NOT_SUPPORTED:
      return "CUFFT_NOT_SUPPORTED";
    default:
      return "unknown cuFFT error";
  }
}

/// File name without its folders, so messages do not carry build-machine paths.
inline const char* source_name(const char* file) {
  const char* base = file;
  for (const char* c = file; *c; ++c)
    if (*c == '/') base = c + 1;
  return base;
}

/// Throws for a failed CUDA runtime call; clears the (non-sticky) error state first.
[[noreturn]] inline void throw_cuda(cudaError_t e, const char* call, const char* file, int line) {
  cudaGetLastError();
  std::string msg = std::string(call) + " failed: " + cudaGetErrorName(e) + ": " +
                    cudaGetErrorString(e) + " (" + source_name(file) + ":" + std::to_string(line) +
                    ")";
  if (e == cudaErrorMemoryAllocation) throw OutOfMemory("out of CUDA device memory: " + msg);
  throw CudaError(msg);
}

/// Throws for a failed cuFFT call.
[[noreturn]] inline void throw_cufft(cufftResult r, const char* call, const char* file, int line) {
  std::string msg = std::string(call) + " failed: " + cufft_status_name(r) + " (" +
                    source_name(file) + ":" + std::to_string(line) + ")";
  if (r == CUFFT_ALLOC_FAILED) throw OutOfMemory("out of CUDA device memory: " + msg);
  throw CudaError(msg);
}

}  // namespace gpu
}  // namespace detail
}  // namespace scatkit

/// Evaluates a CUDA runtime call and throws CudaError/OutOfMemory unless it succeeded.
#define SCATKIT_CUDA_CHECK(call)                                                   \
  do {                                                                             \
    const cudaError_t scatkit_err_ = (call);                                       \
    if (scatkit_err_ != cudaSuccess)                                               \
      ::scatkit::detail::gpu::throw_cuda(scatkit_err_, #call, __FILE__, __LINE__); \
  } while (0)

/// Evaluates a cuFFT call and throws CudaError/OutOfMemory unless it succeeded.
#define SCATKIT_CUFFT_CHECK(call)                                                   \
  do {                                                                              \
    const cufftResult scatkit_res_ = (call);                                        \
    if (scatkit_res_ != CUFFT_SUCCESS)                                              \
      ::scatkit::detail::gpu::throw_cufft(scatkit_res_, #call, __FILE__, __LINE__); \
  } while (0)
