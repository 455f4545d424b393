# The optional CUDA engine, built as the plugin libscatkit_cuda.so that libscatkit dlopen()s on
# the first CUDA plan, so that libscatkit and the Python module never link cudart or cuFFT and
# load on machines without either.
#
# SCATKIT_CUDA=OFF  never looks for CUDA.
# SCATKIT_CUDA=AUTO builds the plugin when nvcc and cuFFT are found, else says why and goes on.
# SCATKIT_CUDA=ON   fails when nvcc or cuFFT is missing.
#
# cuFFT comes from the CUDA toolkit (CUDA::cufft) or from the pip wheel nvidia-cufft (layout
# nvidia/cu13/{include,lib}), found through the Python interpreter or the hint SCATKIT_CUFFT_ROOT.
#
# Included after add_library(scatkit): also configures libscatkit's plugin loader. Defines
# SCATKIT_CUDA_ENABLED (ON/OFF), SCATKIT_CUDA_REASON (why not) and, when enabled, the target
# scatkit_cuda. The CPU-side pipeline emulation test lives in tests/cuda/.

set(SCATKIT_CUFFT_ROOT "" CACHE PATH
    "Folder holding include/cufft.h and lib/libcufft.so* (e.g. site-packages/nvidia/cu13)")

set(SCATKIT_CUDA_ENABLED OFF)
set(SCATKIT_CUDA_REASON "")

# Reports why CUDA is off (the arguments, concatenated): fatal under SCATKIT_CUDA=ON, a status
# line under AUTO.
function(_scatkit_cuda_unavailable)
  string(JOIN "" why ${ARGV})
  if(SCATKIT_CUDA STREQUAL "ON")
    message(FATAL_ERROR "SCATKIT_CUDA=ON but ${why}.\n"
      "Install the CUDA toolkit (nvcc) and cuFFT (the toolkit's, or `pip install nvidia-cufft`, "
      "or pass -DSCATKIT_CUFFT_ROOT=<folder with include/cufft.h and lib/libcufft.so*>), "
      "or configure with -DSCATKIT_CUDA=AUTO or OFF.")
  endif()
  message(STATUS "scatkit: building without the CUDA backend: ${why}")
  set(SCATKIT_CUDA_REASON "${why}" PARENT_SCOPE)
endfunction()

# Looks for include/cufft.h and lib/libcufft.so* under root; sets out_inc/out_lib on success.
function(_scatkit_cufft_in root out_inc out_lib)
  set(${out_inc} "" PARENT_SCOPE)
  set(${out_lib} "" PARENT_SCOPE)
  if(NOT root OR NOT EXISTS "${root}/include/cufft.h")
    return()
  endif()
  file(GLOB _libs "${root}/lib/libcufft.so" "${root}/lib/libcufft.so.[0-9]*"
                  "${root}/lib64/libcufft.so" "${root}/lib64/libcufft.so.[0-9]*")
  list(FILTER _libs EXCLUDE REGEX "libcufftw")
  if(NOT _libs)
    return()
  endif()
  list(SORT _libs)
  list(GET _libs 0 _lib)
  set(${out_inc} "${root}/include" PARENT_SCOPE)
  set(${out_lib} "${_lib}" PARENT_SCOPE)
endfunction()

string(TOUPPER "${SCATKIT_CUDA}" SCATKIT_CUDA)
if(NOT SCATKIT_CUDA MATCHES "^(AUTO|ON|OFF)$")
  message(FATAL_ERROR "SCATKIT_CUDA must be AUTO, ON or OFF, got '${SCATKIT_CUDA}'.")
endif()

set(_scatkit_cuda_ok ON)
if(SCATKIT_CUDA STREQUAL "OFF")
  set(SCATKIT_CUDA_REASON "disabled with -DSCATKIT_CUDA=OFF")
  message(STATUS "scatkit: building without the CUDA backend: ${SCATKIT_CUDA_REASON}")
  set(_scatkit_cuda_ok OFF)
endif()

if(_scatkit_cuda_ok)
  # nvcc on PATH or in its usual homes (CUDA_HOME, CUDA_PATH, the default toolkit prefix);
  # check_language() alone only searches PATH.
  if(NOT CMAKE_CUDA_COMPILER AND NOT DEFINED ENV{CUDACXX})
    find_program(_scatkit_nvcc nvcc HINTS ENV CUDA_HOME ENV CUDA_PATH /usr/local/cuda
                 PATH_SUFFIXES bin)
    if(_scatkit_nvcc)
      set(ENV{CUDACXX} "${_scatkit_nvcc}")  # still verified by check_language() below
    endif()
  endif()
  include(CheckLanguage)
  check_language(CUDA)
  if(NOT CMAKE_CUDA_COMPILER)
    _scatkit_cuda_unavailable("no CUDA compiler (nvcc) was found")
    set(_scatkit_cuda_ok OFF)
  endif()
endif()

if(_scatkit_cuda_ok)
  # A small default architecture list unless the user gives one: real code for Turing through
  # Blackwell plus PTX of the newest for later GPUs.
  if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES AND NOT DEFINED ENV{CUDAARCHS})
    set(CMAKE_CUDA_ARCHITECTURES "75-real;80-real;86-real;89-real;90-real;100-real;120"
        CACHE STRING "CUDA architectures of the scatkit CUDA plugin")
  endif()
  enable_language(CUDA)
  find_package(CUDAToolkit QUIET)
  if(NOT CUDAToolkit_FOUND)
    _scatkit_cuda_unavailable("nvcc was found but CMake's FindCUDAToolkit could not locate the "
                              "CUDA runtime next to it")
    set(_scatkit_cuda_ok OFF)
  endif()
endif()

set(_cufft_inc "")
set(_cufft_lib "")
set(_cufft_from "")
if(_scatkit_cuda_ok)
  if(SCATKIT_CUFFT_ROOT)
    _scatkit_cufft_in("${SCATKIT_CUFFT_ROOT}" _cufft_inc _cufft_lib)
    if(NOT _cufft_lib)
      message(FATAL_ERROR "SCATKIT_CUFFT_ROOT=${SCATKIT_CUFFT_ROOT} holds no include/cufft.h with "
                          "lib/libcufft.so*.")
    endif()
    set(_cufft_from "SCATKIT_CUFFT_ROOT")
  elseif(TARGET CUDA::cufft)
    set(_cufft_from "the CUDA toolkit")
  else()
    # The pip wheel nvidia-cufft: ask the interpreter that builds the Python module (or any
    # python3) where the nvidia.cu13 namespace package lives.
    set(_py "")
    if(Python_EXECUTABLE)
      set(_py "${Python_EXECUTABLE}")
    elseif(Python3_EXECUTABLE)
      set(_py "${Python3_EXECUTABLE}")
    else()
      find_package(Python3 QUIET COMPONENTS Interpreter)
      if(Python3_Interpreter_FOUND)
        set(_py "${Python3_EXECUTABLE}")
      endif()
    endif()
    set(_roots "")
    if(_py)
      execute_process(
        COMMAND "${_py}" -c
          "import sys, os, site\nroots = []\ntry:\n    import nvidia.cu13 as m\n    roots += list(m.__path__)\nexcept Exception:\n    pass\ntry:\n    dirs = site.getsitepackages() + [site.getusersitepackages()]\nexcept Exception:\n    dirs = []\nroots += [os.path.join(d, 'nvidia', 'cu13') for d in dirs + sys.path if d]\nprint(';'.join(r.replace(os.sep, '/') for r in roots))"
        OUTPUT_VARIABLE _roots OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
    endif()
    foreach(_root IN LISTS _roots)
      _scatkit_cufft_in("${_root}" _cufft_inc _cufft_lib)
      if(_cufft_lib)
        set(_cufft_from "the pip wheel nvidia-cufft")
        break()
      endif()
    endforeach()
    if(NOT _cufft_lib)
      _scatkit_cuda_unavailable("cuFFT was not found (neither CUDA::cufft from the toolkit nor "
                                "the pip wheel nvidia-cufft, nvidia/cu13/include/cufft.h)")
      set(_scatkit_cuda_ok OFF)
    endif()
  endif()
endif()

if(_scatkit_cuda_ok)
  if(_cufft_lib)
    add_library(scatkit_cufft SHARED IMPORTED)
    set_target_properties(scatkit_cufft PROPERTIES
      IMPORTED_LOCATION "${_cufft_lib}"
      INTERFACE_INCLUDE_DIRECTORIES "${_cufft_inc}")
    message(STATUS "scatkit: cuFFT from ${_cufft_from}: ${_cufft_lib}")
  else()
    add_library(scatkit_cufft INTERFACE)
    target_link_libraries(scatkit_cufft INTERFACE CUDA::cufft)
    message(STATUS "scatkit: cuFFT from ${_cufft_from}")
  endif()

  add_library(scatkit_cuda MODULE ${PROJECT_SOURCE_DIR}/cuda/cuda_backend.cu)
  target_include_directories(scatkit_cuda PRIVATE
    ${PROJECT_SOURCE_DIR}/cpp/include ${PROJECT_SOURCE_DIR}/cpp/src ${PROJECT_SOURCE_DIR}/cuda)
  # cudart is linked statically and hidden (--exclude-libs): the plugin then needs only the
  # driver and libcufft at run time, and never binds to another cudart a framework loaded.
  target_link_libraries(scatkit_cuda PRIVATE scatkit_cufft CUDA::cudart_static)
  set_target_properties(scatkit_cuda PROPERTIES
    PREFIX "lib"
    OUTPUT_NAME scatkit_cuda
    CUDA_STANDARD 17
    CUDA_STANDARD_REQUIRED ON
    CUDA_RUNTIME_LIBRARY Static
    CXX_VISIBILITY_PRESET hidden
    CUDA_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    # Installed next to the Python module in a wheel, the nvidia-cufft wheel sits at
    # ../nvidia/cu13/lib from it.
    INSTALL_RPATH "$ORIGIN;$ORIGIN/../nvidia/cu13/lib")
  target_link_options(scatkit_cuda PRIVATE "LINKER:--exclude-libs,ALL" "LINKER:--no-undefined"
    "LINKER:--version-script=${PROJECT_SOURCE_DIR}/cuda/plugin.map")
  set_property(TARGET scatkit_cuda APPEND PROPERTY LINK_DEPENDS ${PROJECT_SOURCE_DIR}/cuda/plugin.map)
  target_compile_options(scatkit_cuda PRIVATE
    $<$<COMPILE_LANGUAGE:CUDA>:-Xcompiler=-Wall,-Wextra
    $<$<BOOL:${SCATKIT_WERROR}>:-Werror=all-warnings -Xcompiler=-Werror>>)

  set(SCATKIT_CUDA_ENABLED ON)
  message(STATUS "scatkit: building the CUDA backend plugin "
                 "(architectures ${CMAKE_CUDA_ARCHITECTURES})")
  if(SCATKIT_PYTHON)
    install(TARGETS scatkit_cuda LIBRARY DESTINATION scatkit)
  else()
    include(GNUInstallDirs)
    install(TARGETS scatkit_cuda LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
  endif()
endif()

# libscatkit's loader (cpp/src/plugin/cuda_loader.cpp) looks for the plugin next to the module that holds
# libscatkit, then (C++ builds) in the build tree, then on the library search path.
target_link_libraries(scatkit PRIVATE ${CMAKE_DL_LIBS})
if(SCATKIT_CUDA_ENABLED)
  target_compile_definitions(scatkit PRIVATE SCATKIT_HAS_CUDA_PLUGIN=1)
  # Test programs in the build tree do not sit next to the plugin; installed modules do.
  if(NOT SCATKIT_PYTHON)
    target_compile_definitions(scatkit PRIVATE
      SCATKIT_CUDA_PLUGIN_BUILD_DIR="$<TARGET_FILE_DIR:scatkit_cuda>")
  endif()
endif()
