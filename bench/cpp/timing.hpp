// Wall-clock seconds for the C++ benchmark harnesses.
#pragma once

#include <chrono>

namespace scatkit_bench {

inline double seconds() {
  using clock = std::chrono::steady_clock;
  return std::chrono::duration<double>(clock::now().time_since_epoch()).count();
}

}  // namespace scatkit_bench
