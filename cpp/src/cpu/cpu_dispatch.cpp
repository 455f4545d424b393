// Picks the CPU engine variant compiled for the best instruction set this processor runs.
#include <cstdlib>
#include <string>

#include "backend.hpp"

namespace scatkit {
namespace detail {

std::unique_ptr<Backend> make_cpu_backend_base(const Config& cfg, const Schedule& s);
#if defined(SCATKIT_HAVE_AVX2_VARIANT)
std::unique_ptr<Backend> make_cpu_backend_avx2(const Config& cfg, const Schedule& s);
#endif

const char* cpu_isa() {
#if defined(SCATKIT_HAVE_AVX2_VARIANT)
  // SCATKIT_CPU_ISA=baseline selects the portable variant (for tests and comparisons).
  const char* force = std::getenv("SCATKIT_CPU_ISA");
  if (force && std::string(force) == "baseline") return "baseline";
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2")) return "avx2";
#endif
  return "baseline";
}

std::unique_ptr<Backend> make_cpu_backend(const Config& cfg, const Schedule& s) {
#if defined(SCATKIT_HAVE_AVX2_VARIANT)
  if (std::string(cpu_isa()) == "avx2") return make_cpu_backend_avx2(cfg, s);
#endif
  return make_cpu_backend_base(cfg, s);
}

}  // namespace detail
}  // namespace scatkit
