// Exceptions thrown by the scatkit C++ API.
#pragma once

#include <new>
#include <stdexcept>
#include <string>

namespace scatkit {

/// A configuration or argument that violates the documented contract.
class InvalidArgument : public std::invalid_argument {
 public:
  /// Builds the exception from a sentence that says what was expected and what was given.
  explicit InvalidArgument(const std::string& what) : std::invalid_argument(what) {}
};

/// A request whose memory cannot be provided (too large for this machine or device).
class OutOfMemory : public std::bad_alloc {
 public:
  /// Builds the exception from a sentence that says how much was asked for.
  explicit OutOfMemory(std::string what) : what_(std::move(what)) {}
  /// The sentence given at construction.
  const char* what() const noexcept override { return what_.c_str(); }

 private:
  std::string what_;
};

/// A failure reported by the CUDA runtime or cuFFT, or a missing CUDA backend.
class CudaError : public std::runtime_error {
 public:
  /// Builds the exception from the CUDA/cuFFT message.
  explicit CudaError(const std::string& what) : std::runtime_error(what) {}
};

}  // namespace scatkit
