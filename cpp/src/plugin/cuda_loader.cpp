// libscatkit's side of the CUDA backend: finds and dlopen()s libscatkit_cuda.so the first time a
// CUDA plan or the CUDA status is asked for, so that libscatkit itself never links cudart or
// cuFFT and loads on every machine.
#include <dlfcn.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "backend.hpp"
#include "plugin/cuda_plugin_api.hpp"

#ifndef SCATKIT_HAS_CUDA_PLUGIN
#define SCATKIT_HAS_CUDA_PLUGIN 0
#endif

namespace scatkit {
namespace detail {
namespace {

constexpr std::size_t kMessageCap = 2048;

struct LoadedPlugin {
  const ScatkitCudaPluginApi* api = nullptr;
  std::string error;  // why api is null
};

// Its address locates the shared object (or executable) libscatkit was linked into.
const char kAnchor = 0;

std::string own_directory() {
  Dl_info info{};
  if (dladdr(&kAnchor, &info) == 0 || info.dli_fname == nullptr) return "";
  const std::string path = info.dli_fname;
  const std::size_t slash = path.rfind('/');
  return slash == std::string::npos ? "" : path.substr(0, slash + 1);
}

// Opens one candidate; returns the API table or sets why it failed.
const ScatkitCudaPluginApi* try_open(const std::string& file, std::string& why) {
  void* lib = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) {
    const char* e = dlerror();
    why = e ? e : (file + ": dlopen failed");
    return nullptr;
  }
  void* sym = dlsym(lib, SCATKIT_CUDA_PLUGIN_SYMBOL);
  if (sym == nullptr) {
    why = file + " does not export " SCATKIT_CUDA_PLUGIN_SYMBOL;
    dlclose(lib);
    return nullptr;
  }
  ScatkitCudaPluginEntry entry = reinterpret_cast<ScatkitCudaPluginEntry>(sym);
  const ScatkitCudaPluginApi* api = entry();
  if (api == nullptr || api->abi != SCATKIT_CUDA_PLUGIN_ABI ||
      std::string(api->version) != SCATKIT_VERSION_STRING || api->config_size != sizeof(Config) ||
      api->schedule_size != sizeof(Schedule) || api->filterbank_size != sizeof(FilterBank)) {
    why = file + " comes from another build of scatkit (plugin version " +
          (api ? std::string(api->version) : std::string("?")) + ", this library " +
          SCATKIT_VERSION_STRING + "); reinstall scatkit";
    dlclose(lib);
    return nullptr;
  }
  // Never dlclose()d: cuFFT plans and the CUDA runtime live until the process exits.
  return api;
}

LoadedPlugin load_plugin() {
  LoadedPlugin out;
  std::vector<std::string> candidates;
  const char* env = std::getenv("SCATKIT_CUDA_PLUGIN");
  if (env != nullptr && *env != '\0') {
    candidates.push_back(env);  // an explicit choice is the only one tried
  } else {
    const std::string dir = own_directory();
    if (!dir.empty()) candidates.push_back(dir + SCATKIT_CUDA_PLUGIN_FILE);
#ifdef SCATKIT_CUDA_PLUGIN_BUILD_DIR
    candidates.push_back(std::string(SCATKIT_CUDA_PLUGIN_BUILD_DIR) + "/" +
                         SCATKIT_CUDA_PLUGIN_FILE);
#endif
    candidates.push_back(SCATKIT_CUDA_PLUGIN_FILE);  // the dynamic linker's search path
  }
  std::string why;
  for (const std::string& file : candidates) {
    const bool is_path = file.find('/') != std::string::npos;
    if (is_path && candidates.size() > 1 && access(file.c_str(), F_OK) != 0) continue;
    out.api = try_open(file, why);
    // The first plugin that exists decides: a broken one (say, libcufft missing) is reported,
    // never silently replaced by another copy found further down the list.
    if (out.api != nullptr || is_path) break;
  }
  if (out.api == nullptr)
    out.error = why.empty() ? std::string(SCATKIT_CUDA_PLUGIN_FILE) + " not found" : why;
  return out;
}

const LoadedPlugin& plugin() {
  static const LoadedPlugin loaded = load_plugin();  // thread-safe, once per process
  return loaded;
}

[[noreturn]] void throw_status(int status, const char* msg) {
  switch (status) {
    case SCATKIT_CUDA_OUT_OF_MEMORY:
      throw OutOfMemory(msg);
    case SCATKIT_CUDA_INVALID_ARGUMENT:
      throw InvalidArgument(msg);
    default:
      throw CudaError(msg);
  }
}

// Forwards Backend calls through the plugin's C table.
class PluginBackend final : public Backend {
 public:
  PluginBackend(const ScatkitCudaPluginApi* api, void* handle) : api_(api), handle_(handle) {}
  ~PluginBackend() override { api_->destroy(handle_); }
  PluginBackend(const PluginBackend&) = delete;
  PluginBackend& operator=(const PluginBackend&) = delete;

  void execute(const void* in, void* out, std::size_t batch, std::uintptr_t stream) override {
    char msg[kMessageCap] = {0};
    const int status = api_->execute(handle_, in, out, batch, stream, msg, sizeof msg);
    if (status != SCATKIT_CUDA_OK) throw_status(status, msg);
  }
  void execute_fft_only(std::size_t batch) override {
    char msg[kMessageCap] = {0};
    const int status = api_->execute_fft_only(handle_, batch, msg, sizeof msg);
    if (status != SCATKIT_CUDA_OK) throw_status(status, msg);
  }
  std::size_t workspace_bytes() const override { return api_->workspace_bytes(handle_); }
  int threads() const override { return 0; }

 private:
  const ScatkitCudaPluginApi* api_;
  void* handle_;
};

}  // namespace

std::unique_ptr<Backend> make_cuda_backend(const Config& cfg, const Schedule& s,
                                           const FilterBank& fb) {
  const std::string why = cuda_unavailable_reason();
  if (!why.empty()) {
    if (!SCATKIT_HAS_CUDA_PLUGIN)
      throw CudaError(
          "this build of scatkit has no CUDA backend (built without CUDA); use the "
          "CPU or rebuild with -DSCATKIT_CUDA=ON.");
    throw CudaError("cannot build a CUDA plan: " + why + ".");
  }
  const ScatkitCudaPluginApi* api = plugin().api;
  char msg[kMessageCap] = {0};
  void* handle = nullptr;
  const int status = api->create(&cfg, &s, &fb, &handle, msg, sizeof msg);
  if (status != SCATKIT_CUDA_OK) throw_status(status, msg);
  return std::make_unique<PluginBackend>(api, handle);
}

}  // namespace detail

std::string cuda_unavailable_reason() {
  if (!SCATKIT_HAS_CUDA_PLUGIN) return "built without CUDA";
  const detail::LoadedPlugin& p = detail::plugin();
  if (p.api == nullptr) return "CUDA plugin could not be loaded: " + p.error;
  char msg[detail::kMessageCap] = {0};
  p.api->unavailable_reason(msg, sizeof msg);
  return msg;
}

}  // namespace scatkit
