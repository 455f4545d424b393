// The one internal interface every backend implements.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "scatkit/scattering2d.hpp"
#include "schedule.hpp"

namespace scatkit {
namespace detail {

/// A compiled transform for one device and precision. Constructed once per Plan.
class Backend {
 public:
  virtual ~Backend() = default;
  /// in: batch x M x N, out: batch x K x out_rows x out_cols, in the plan's precision and on
  /// the backend's device. stream is a cudaStream_t for CUDA backends, ignored on the CPU.
  virtual void execute(const void* in, void* out, std::size_t batch, std::uintptr_t stream) = 0;
  /// Bytes of workspace and filters held.
  virtual std::size_t workspace_bytes() const = 0;
  /// Worker threads used (CPU) or 0.
  virtual int threads() const = 0;
  /// Runs only the FFTs a batch needs, on the plan's own workspace (Plan::execute_fft_only).
  virtual void execute_fft_only(std::size_t batch) = 0;
};

/// The FFTW engine. Builds its own filters (make_filters) and converts each as it comes, so the
/// double-precision filter bank never exists in full.
std::unique_ptr<Backend> make_cpu_backend(const Config& cfg, const Schedule& s);

/// Instruction set of the CPU engine variant in use ("avx2" or "baseline").
const char* cpu_isa();

/// The cuFFT engine, or throws CudaError saying why it is unavailable.
std::unique_ptr<Backend> make_cuda_backend(const Config& cfg, const Schedule& s,
                                           const FilterBank& fb);

/// Total physical memory of this machine in bytes (0 when unknown).
std::size_t physical_memory_bytes();

}  // namespace detail
}  // namespace scatkit
