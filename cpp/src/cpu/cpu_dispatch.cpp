// Picks the CPU engine variant compiled for the best instruction set this processor runs.
#include <string>

#include "backend.hpp"
#include "engine_options.hpp"

namespace scatkit {
namespace detail {

std::unique_ptr<Backend> make_cpu_backend_base(const Config& cfg, const Schedule& s);
#if defined(SCATKIT_HAVE_AVX2_VARIANT)
std::unique_ptr<Backend> make_cpu_backend_avx2(const Config& cfg, const Schedule& s);
#endif

namespace {
// The variant a resolved choice runs on this processor.
const char* isa_for(CpuIsa choice) {
#if defined(SCATKIT_HAVE_AVX2_VARIANT)
  // CpuIsa::Baseline selects the portable variant (for tests and comparisons).
  if (choice == CpuIsa::Baseline) return "baseline";
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2")) return "avx2";
#else
  (void)choice;
#endif
  return "baseline";
}
}  // namespace

const char* cpu_isa() { return isa_for(resolve_engine_options({}).cpu_isa); }

std::unique_ptr<Backend> make_cpu_backend(const Config& cfg, const Schedule& s) {
#if defined(SCATKIT_HAVE_AVX2_VARIANT)
  // cfg.engine comes resolved from Plan.
  if (std::string(isa_for(cfg.engine.cpu_isa)) == "avx2") return make_cpu_backend_avx2(cfg, s);
#endif
  return make_cpu_backend_base(cfg, s);
}

}  // namespace detail
}  // namespace scatkit
