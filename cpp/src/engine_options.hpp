// Config::engine resolved: the one place the engine switches' environment variables are read.
#pragma once

#include "scatkit/scattering2d.hpp"

namespace scatkit {
namespace detail {

/// o with every Auto field replaced by its environment variable's choice (SCATKIT_LOWPASS,
/// SCATKIT_FOLD, SCATKIT_FFT, SCATKIT_FFTW_PLANNER, SCATKIT_CPU_ISA), else the default. Read at
/// each plan construction, so benchmarks can switch between plans of one process.
EngineOptions resolve_engine_options(const EngineOptions& o);

/// FFTW planner flags of a resolved planner choice.
unsigned fftw_planner_flags(FftwPlanner p);

}  // namespace detail
}  // namespace scatkit
