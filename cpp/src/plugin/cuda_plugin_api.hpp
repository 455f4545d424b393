// The boundary between libscatkit and the CUDA plugin (libscatkit_cuda.so) it dlopen()s.
//
// A table of C functions: no C++ exception ever crosses it, so a plugin failure always arrives
// as a status code and a message that libscatkit turns into its own exception. The C++ types
// passed by pointer come from the same headers in the same build; abi and the struct sizes catch
// a plugin left over from another build.
#pragma once

#include <cstddef>
#include <cstdint>

#include "scatkit/scattering2d.hpp"
#include "schedule.hpp"

/// Bumped whenever ScatkitCudaPluginApi, the types it passes or what a call does with them
/// change. 2: execute writes the channels of cfg.invariance ('rotation': the orbit average), so
/// a plugin of ABI 1, which ignores it, would overrun the smaller output. 3: create accepts the
/// roto-translation variants (cfg.angular_scales included) and execute writes their output.
#define SCATKIT_CUDA_PLUGIN_ABI 3
/// The one symbol the plugin exports.
#define SCATKIT_CUDA_PLUGIN_SYMBOL "scatkit_cuda_plugin_api"
/// File name of the plugin, looked up next to the module that holds libscatkit.
#define SCATKIT_CUDA_PLUGIN_FILE "libscatkit_cuda.so"

extern "C" {

/// Outcome of a plugin call; anything but SCATKIT_CUDA_OK comes with a message.
enum ScatkitCudaStatus {
  SCATKIT_CUDA_OK = 0,             ///< success
  SCATKIT_CUDA_ERROR = 1,          ///< CUDA runtime or cuFFT failure -> CudaError
  SCATKIT_CUDA_OUT_OF_MEMORY = 2,  ///< device memory exhausted -> OutOfMemory
  SCATKIT_CUDA_INVALID_ARGUMENT =
      3,  ///< caller error (wrong device, bad pointer) -> InvalidArgument
};

/// Entry points of the plugin. Messages are NUL-terminated and truncated to cap bytes.
struct ScatkitCudaPluginApi {
  int abi;                      ///< SCATKIT_CUDA_PLUGIN_ABI of the plugin's build
  const char* version;          ///< SCATKIT_VERSION_STRING of the plugin's build
  std::size_t config_size;      ///< sizeof(scatkit::Config) in the plugin's build
  std::size_t schedule_size;    ///< sizeof(scatkit::detail::Schedule) in the plugin's build
  std::size_t filterbank_size;  ///< sizeof(scatkit::FilterBank) in the plugin's build
  /// Writes "" when a CUDA device can be used, else why not.
  void (*unavailable_reason)(char* msg, std::size_t cap);
  /// Builds an engine for one plan; *handle receives it on SCATKIT_CUDA_OK.
  int (*create)(const scatkit::Config* cfg, const scatkit::detail::Schedule* s,
                const scatkit::FilterBank* fb, void** handle, char* msg, std::size_t cap);
  /// Backend::execute: batch images from in to out, enqueued on the cudaStream_t stream.
  int (*execute)(void* handle, const void* in, void* out, std::size_t batch, std::uintptr_t stream,
                 char* msg, std::size_t cap);
  /// Runs only the FFTs of batch images on the engine's workspace and waits for them.
  int (*execute_fft_only)(void* handle, std::size_t batch, char* msg, std::size_t cap);
  /// Device bytes held by the engine.
  std::size_t (*workspace_bytes)(const void* handle);
  /// Releases the engine; never fails.
  void (*destroy)(void* handle);
};

/// Type of the exported function SCATKIT_CUDA_PLUGIN_SYMBOL.
typedef const ScatkitCudaPluginApi* (*ScatkitCudaPluginEntry)(void);
}
