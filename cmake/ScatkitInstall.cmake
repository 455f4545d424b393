# Install rules for native use: public headers, libscatkit, a relocatable CMake package exporting
# scatkit::scatkit, and scatkit.pc for pkg-config. Included at the end of the top-level
# CMakeLists.txt, after every target_link_libraries() call on scatkit, so the dependency
# detection below sees the final link interface.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(SCATKIT_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/scatkit"
    CACHE STRING "Where scatkitConfig.cmake is installed, relative to the prefix")
mark_as_advanced(SCATKIT_INSTALL_CMAKEDIR)

install(DIRECTORY "${PROJECT_SOURCE_DIR}/cpp/include/scatkit"
        DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}"
        FILES_MATCHING PATTERN "*.h" PATTERN "*.hpp")

get_target_property(_scatkit_type scatkit TYPE)
if(_scatkit_type STREQUAL "STATIC_LIBRARY")
  set(SCATKIT_STATIC_LIBRARY TRUE)
else()
  set(SCATKIT_STATIC_LIBRARY FALSE)
endif()

# A static libscatkit carries its private dependencies (FFTW, and cuFFT/cudart when the CUDA
# backend is built) into every consumer's link line; the config file finds them again.
get_target_property(_scatkit_links scatkit LINK_LIBRARIES)
set(SCATKIT_CONFIG_NEEDS_CUDA FALSE)
foreach(_lib IN LISTS _scatkit_links)
  if(_lib MATCHES "CUDA::")
    set(SCATKIT_CONFIG_NEEDS_CUDA TRUE)
  endif()
endforeach()

set(_scatkit_export_targets scatkit)
if(SCATKIT_STATIC_LIBRARY)
  # scatkit_fftw only forwards the pkg-config imported targets; exported, it keeps naming
  # PkgConfig::SCATKIT_FFTW3(F), which scatkitConfig.cmake recreates on the consumer side.
  set_target_properties(scatkit_fftw PROPERTIES EXPORT_NAME fftw)
  list(APPEND _scatkit_export_targets scatkit_fftw)
endif()
set_target_properties(scatkit PROPERTIES EXPORT_NAME scatkit)
install(TARGETS ${_scatkit_export_targets} EXPORT scatkitTargets
        ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}"
        LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}"
        RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}")
install(EXPORT scatkitTargets NAMESPACE scatkit:: FILE scatkitTargets.cmake
        DESTINATION "${SCATKIT_INSTALL_CMAKEDIR}")

configure_package_config_file(
  "${PROJECT_SOURCE_DIR}/cmake/scatkitConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/scatkitConfig.cmake"
  INSTALL_DESTINATION "${SCATKIT_INSTALL_CMAKEDIR}")
# 0.x releases may change the API between minor versions, so only the same MAJOR.MINOR matches.
write_basic_package_version_file(
  "${PROJECT_BINARY_DIR}/scatkitConfigVersion.cmake"
  VERSION "${PROJECT_VERSION}" COMPATIBILITY SameMinorVersion)
install(FILES "${PROJECT_BINARY_DIR}/scatkitConfig.cmake"
              "${PROJECT_BINARY_DIR}/scatkitConfigVersion.cmake"
        DESTINATION "${SCATKIT_INSTALL_CMAKEDIR}")

# pkg-config: the prefix is computed from the .pc file's own location, so the installed tree
# can be moved as a whole.
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  set(SCATKIT_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
  set(SCATKIT_PC_LIBDIR "${CMAKE_INSTALL_LIBDIR}")
else()
  file(RELATIVE_PATH _rel "/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/")
  string(REGEX REPLACE "/$" "" _rel "${_rel}")
  set(SCATKIT_PC_PREFIX "\${pcfiledir}/${_rel}")
  set(SCATKIT_PC_LIBDIR "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
endif()
if(IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(SCATKIT_PC_INCLUDEDIR "${CMAKE_INSTALL_INCLUDEDIR}")
else()
  set(SCATKIT_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()
set(SCATKIT_PC_REQUIRES_PRIVATE "")
set(SCATKIT_PC_LIBS_PRIVATE "")
if(SCATKIT_STATIC_LIBRARY)
  set(SCATKIT_PC_REQUIRES_PRIVATE "fftw3 fftw3f")
  # The C++ runtime a C linker would not add on its own (libstdc++ and libm with GCC).
  set(_cxx_only ${CMAKE_CXX_IMPLICIT_LINK_LIBRARIES})
  if(CMAKE_C_IMPLICIT_LINK_LIBRARIES)
    list(REMOVE_ITEM _cxx_only ${CMAKE_C_IMPLICIT_LINK_LIBRARIES})
  endif()
  list(REMOVE_DUPLICATES _cxx_only)
  set(_pc_libs "")
  foreach(_lib IN LISTS _cxx_only)
    list(APPEND _pc_libs "-l${_lib}")
  endforeach()
  # Plain system libraries linked directly (e.g. ${CMAKE_DL_LIBS} for dlopen on older glibc).
  foreach(_lib IN LISTS _scatkit_links)
    if(NOT TARGET "${_lib}" AND _lib MATCHES "^[A-Za-z0-9_.+-]+$" AND NOT _lib MATCHES "^-")
      list(APPEND _pc_libs "-l${_lib}")
    elseif(_lib MATCHES "^-[lL]")
      list(APPEND _pc_libs "${_lib}")
    endif()
  endforeach()
  if(CMAKE_THREAD_LIBS_INIT)
    list(APPEND _pc_libs "${CMAKE_THREAD_LIBS_INIT}")
  endif()
  list(JOIN _pc_libs " " SCATKIT_PC_LIBS_PRIVATE)
endif()
configure_file("${PROJECT_SOURCE_DIR}/cmake/scatkit.pc.in" "${PROJECT_BINARY_DIR}/scatkit.pc" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/scatkit.pc" DESTINATION "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
