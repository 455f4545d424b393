// The CUDA plugin's own checks of the invariance, run on every machine with the plugin built:
// create() takes every invariance (it builds, or fails only for want of a device). Where a GPU
// exists it also compares CUDA plans with invariance 'rotation' and both roto-translation
// variants against the CPU plan.
#include <dlfcn.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "plugin/cuda_plugin_api.hpp"
#include "scatkit/scattering2d.hpp"
#include "schedule.hpp"

namespace {

scatkit::Config small_config(scatkit::Invariance inv) {
  scatkit::Config cfg;
  cfg.rows = 32;
  cfg.cols = 28;
  cfg.J = 2;
  cfg.L = 4;
  cfg.invariance = inv;
  return cfg;
}

// create() with cfg's invariance; returns its status and message.
int create(const ScatkitCudaPluginApi* api, const scatkit::Config& cfg, std::string& msg) {
  const scatkit::detail::Schedule s = scatkit::detail::make_schedule(cfg);
  const scatkit::FilterBank fb = scatkit::make_filter_bank(
      static_cast<std::size_t>(s.P), static_cast<std::size_t>(s.Q), cfg.J, cfg.L, 1);
  char buf[512] = {0};
  void* handle = nullptr;
  const int status = api->create(&cfg, &s, &fb, &handle, buf, sizeof buf);
  if (status == SCATKIT_CUDA_OK) api->destroy(handle);
  msg = buf;
  return status;
}

// max |got - want| / max |want| (infinite where got has NaNs).
double relative_error(const std::vector<float>& want, const std::vector<float>& got) {
  double scale = 0, worst = 0;
  for (std::size_t i = 0; i < want.size(); ++i) {
    scale = std::max(scale, std::fabs(static_cast<double>(want[i])));
    const double d = std::fabs(static_cast<double>(got[i]) - want[i]);
    worst = std::isnan(d) ? INFINITY : std::max(worst, d);
  }
  return worst / scale;
}

// CUDA vs CPU with invariance inv, host arrays, a batch that needs several chunks.
bool compare_on_gpu(scatkit::Invariance inv) {
  scatkit::Config cfg = small_config(inv);
  cfg.J = 3;
  cfg.L = inv == scatkit::Invariance::Rotation ? 4 : 5;
  cfg.max_batch = 2;
  scatkit::Plan cpu(cfg);
  cfg.device = scatkit::Device::CUDA;
  scatkit::Plan gpu(cfg);
  if (gpu.num_channels() != cpu.num_channels()) return false;
  const std::size_t batch = 5;
  std::vector<float> in(batch * cfg.rows * cfg.cols);
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  for (float& v : in) v = dist(rng);
  const std::size_t values = batch * cpu.out_size();
  std::vector<float> want(values);
  std::vector<float> got(values, NAN);
  cpu.execute(in.data(), want.data(), batch);
  gpu.execute(in.data(), got.data(), batch);
  const double rel = relative_error(want, got);
  std::printf("%s gpu %s vs cpu: relative error %.2g\n", rel <= 1e-5 ? "ok  " : "FAIL",
              scatkit::invariance_name(inv), rel);
  return rel <= 1e-5;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::printf("usage: %s <path of libscatkit_cuda.so>\n", argv[0]);
    return 2;
  }
  void* lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) {
    std::printf("FAIL cannot load the plugin: %s\n", dlerror());
    return 1;
  }
  auto entry = reinterpret_cast<ScatkitCudaPluginEntry>(dlsym(lib, SCATKIT_CUDA_PLUGIN_SYMBOL));
  const ScatkitCudaPluginApi* api = entry ? entry() : nullptr;
  if (api == nullptr || api->abi != SCATKIT_CUDA_PLUGIN_ABI) {
    std::printf("FAIL the plugin's table is missing or of another ABI\n");
    return 1;
  }
  int failures = 0;
  for (scatkit::Invariance inv :
       {scatkit::Invariance::Rotation, scatkit::Invariance::RotoTranslation,
        scatkit::Invariance::RotoTranslationSeparable}) {
    std::string msg;
    const int status = create(api, small_config(inv), msg);
    const bool ok = status == SCATKIT_CUDA_OK || status == SCATKIT_CUDA_ERROR;
    std::printf("%s create takes '%s': status %d%s%s\n", ok ? "ok  " : "FAIL",
                scatkit::invariance_name(inv), status, msg.empty() ? "" : ", ", msg.c_str());
    failures += ok ? 0 : 1;
    if (status == SCATKIT_CUDA_OK)
      failures += compare_on_gpu(inv) ? 0 : 1;
    else
      std::printf("skip gpu %s vs cpu: no usable CUDA device\n", scatkit::invariance_name(inv));
  }
  if (failures) std::printf("%d check(s) failed\n", failures);
  return failures ? 1 : 0;
}
