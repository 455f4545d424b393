// Library version, kept in step with pyproject.toml by CMake.
#pragma once

#define SCATKIT_VERSION_MAJOR 0
#define SCATKIT_VERSION_MINOR 1
#define SCATKIT_VERSION_PATCH 0
#define SCATKIT_VERSION_STRING "0.1.0"

namespace scatkit {
/// The version of the library the program was compiled against, e.g. "0.1.0".
inline const char* version() { return SCATKIT_VERSION_STRING; }
}  // namespace scatkit
