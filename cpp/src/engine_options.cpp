#include "engine_options.hpp"

#include <fftw3.h>

#include <cstdlib>
#include <string>

namespace scatkit {
namespace detail {

namespace {
// The variable's value, or "" when unset.
std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}
}  // namespace

// Only the switches live here: the locations of caches (SCATKIT_FFTW_WISDOM, SCATKIT_CACHE_DIR,
// read by fft/fftw_plan.cpp) and of the CUDA plugin (SCATKIT_CUDA_PLUGIN) stay environment-only,
// since they describe the machine, not the transform.
EngineOptions resolve_engine_options(const EngineOptions& o) {
  EngineOptions r = o;
  if (r.lowpass == Lowpass::Auto)
    r.lowpass = env("SCATKIT_LOWPASS") == "fourier" ? Lowpass::Fourier : Lowpass::Spatial;
  if (r.fold == Fold::Auto)
    r.fold = env("SCATKIT_FOLD") == "streamed" ? Fold::Streamed : Fold::Gathered;
  if (r.fft == CpuFft::Auto) r.fft = env("SCATKIT_FFT") == "fftw" ? CpuFft::Fftw : CpuFft::Split;
  if (r.fftw_planner == FftwPlanner::Auto) {
    const std::string v = env("SCATKIT_FFTW_PLANNER");
    r.fftw_planner = v == "estimate"     ? FftwPlanner::Estimate
                     : v == "patient"    ? FftwPlanner::Patient
                     : v == "exhaustive" ? FftwPlanner::Exhaustive
                                         : FftwPlanner::Measure;
  }
  if (r.cpu_isa == CpuIsa::Auto)
    r.cpu_isa = env("SCATKIT_CPU_ISA") == "baseline" ? CpuIsa::Baseline : CpuIsa::Best;
  return r;
}

unsigned fftw_planner_flags(FftwPlanner p) {
  switch (p) {
    case FftwPlanner::Estimate:
      return FFTW_ESTIMATE;
    case FftwPlanner::Patient:
      return FFTW_PATIENT;
    case FftwPlanner::Exhaustive:
      return FFTW_EXHAUSTIVE;
    default:
      return FFTW_MEASURE;
  }
}

}  // namespace detail
}  // namespace scatkit
