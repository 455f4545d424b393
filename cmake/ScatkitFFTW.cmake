# Finds FFTW3 (double and single precision) through pkg-config and defines the interface
# target scatkit_fftw. Fails with a message naming the Debian/Ubuntu package when missing.
find_package(PkgConfig QUIET)
if(PkgConfig_FOUND)
  pkg_check_modules(SCATKIT_FFTW3 QUIET IMPORTED_TARGET fftw3)
  pkg_check_modules(SCATKIT_FFTW3F QUIET IMPORTED_TARGET fftw3f)
endif()
if(NOT SCATKIT_FFTW3_FOUND OR NOT SCATKIT_FFTW3F_FOUND)
  message(FATAL_ERROR
    "scatkit needs FFTW3 in double and single precision, found through pkg-config.\n"
    "On Debian/Ubuntu: sudo apt-get install libfftw3-dev pkg-config\n"
    "On Fedora: sudo dnf install fftw-devel; on macOS: brew install fftw pkg-config")
endif()
add_library(scatkit_fftw INTERFACE)
target_link_libraries(scatkit_fftw INTERFACE PkgConfig::SCATKIT_FFTW3F PkgConfig::SCATKIT_FFTW3)
