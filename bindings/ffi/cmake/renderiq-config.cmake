# renderiq-config.cmake: the Renderiq SDK's C ABI (renderiq.h) and C++17 wrapper (renderiq.hpp)
# for CMake. Found as `find_package(Renderiq)` and, as before, `find_package(renderiq)` (CMake
# looks for <lower-case-name>-config.cmake under either name). An add-on links it in three lines:
#
#   find_package(Renderiq 0.1 REQUIRED)   # -DCMAKE_PREFIX_PATH=<installed prefix>
#   add_library(my_addon SHARED addon.cpp)
#   target_link_libraries(my_addon PRIVATE Renderiq::renderiq)
#
# Targets (each also under the namespace renderiq::, the names of earlier releases):
#   Renderiq::renderiq         the shared library (librenderiq.so / librenderiq.dylib / renderiq.dll)
#   Renderiq::renderiq_static  the static library (librenderiq.a / renderiq.lib) with its system libraries
#
# Where the library is looked for, first found wins:
#   1. RENDERIQ_LIBRARY_DIR (cache variable or environment variable);
#   2. installed (`cmake --install` of bindings/ffi, the release tarball): the prefix's library
#      and include folders, named by renderiq-install-dirs.cmake beside this file, which the
#      installation writes (relative to this folder, so the prefix can be moved);
#   3. the source tree: bindings/ffi/cmake/ (this file), bindings/ffi/include, and the cargo
#      target folder <workspace>/target/<RENDERIQ_PROFILE> (CARGO_TARGET_DIR if set), where
#      RENDERIQ_PROFILE is "release" or "debug" (default: whichever has the library, release
#      first).
#
# Variables set: Renderiq_FOUND / renderiq_FOUND, Renderiq_VERSION / renderiq_VERSION,
# RENDERIQ_ABI_VERSION, RENDERIQ_INCLUDE_DIR, RENDERIQ_SHARED_LIBRARY, RENDERIQ_STATIC_LIBRARY,
# RENDERIQ_RUNTIME_LIBRARY (the file to ship beside the add-on: .so/.dylib/.dll).

cmake_minimum_required(VERSION 3.16)

set(_rq_dir "${CMAKE_CURRENT_LIST_DIR}")

# ---- include folder ------------------------------------------------------------------------
set(_rq_installed FALSE)
if(EXISTS "${_rq_dir}/renderiq-install-dirs.cmake")
  # Sets _rq_install_include_dir, _rq_install_lib_dir and _rq_install_bin_dir.
  include("${_rq_dir}/renderiq-install-dirs.cmake")
  set(_rq_installed TRUE)
  set(_rq_include_hints "${_rq_install_include_dir}")
else()
  set(_rq_include_hints "${_rq_dir}/../include")
endif()
find_path(RENDERIQ_INCLUDE_DIR renderiq.h HINTS ${_rq_include_hints} NO_DEFAULT_PATH)

if(RENDERIQ_INCLUDE_DIR)
  file(STRINGS "${RENDERIQ_INCLUDE_DIR}/renderiq.h" _rq_abi REGEX "^#define RENDERIQ_ABI_VERSION ")
  string(REGEX REPLACE ".* ([0-9]+).*" "\\1" RENDERIQ_ABI_VERSION "${_rq_abi}")
  unset(_rq_abi)
endif()

# ---- library folder ------------------------------------------------------------------------
set(_rq_lib_dirs "")
if(RENDERIQ_LIBRARY_DIR)
  list(APPEND _rq_lib_dirs "${RENDERIQ_LIBRARY_DIR}")
elseif(DEFINED ENV{RENDERIQ_LIBRARY_DIR})
  list(APPEND _rq_lib_dirs "$ENV{RENDERIQ_LIBRARY_DIR}")
endif()
if(_rq_installed)
  list(APPEND _rq_lib_dirs "${_rq_install_lib_dir}" "${_rq_install_bin_dir}")
else()
  # source tree: bindings/ffi/cmake -> <workspace>/target/<profile>
  if(DEFINED ENV{CARGO_TARGET_DIR})
    set(_rq_target "$ENV{CARGO_TARGET_DIR}")
  else()
    get_filename_component(_rq_target "${_rq_dir}/../../../target" ABSOLUTE)
  endif()
  if(RENDERIQ_PROFILE)
    list(APPEND _rq_lib_dirs "${_rq_target}/${RENDERIQ_PROFILE}")
  else()
    list(APPEND _rq_lib_dirs "${_rq_target}/release" "${_rq_target}/debug")
  endif()
endif()

if(WIN32)
  set(_rq_shared_names renderiq.dll.lib)   # the import library of renderiq.dll
  set(_rq_static_names renderiq.lib)
  set(_rq_runtime_names renderiq.dll)
elseif(APPLE)
  set(_rq_shared_names librenderiq.dylib)
  set(_rq_static_names librenderiq.a)
  set(_rq_runtime_names librenderiq.dylib)
else()
  set(_rq_shared_names librenderiq.so)
  set(_rq_static_names librenderiq.a)
  set(_rq_runtime_names librenderiq.so)
endif()

find_file(RENDERIQ_SHARED_LIBRARY NAMES ${_rq_shared_names} PATHS ${_rq_lib_dirs} NO_DEFAULT_PATH)
find_file(RENDERIQ_STATIC_LIBRARY NAMES ${_rq_static_names} PATHS ${_rq_lib_dirs} NO_DEFAULT_PATH)
find_file(RENDERIQ_RUNTIME_LIBRARY NAMES ${_rq_runtime_names} PATHS ${_rq_lib_dirs} NO_DEFAULT_PATH)

string(REPLACE ";" ", " _rq_searched "${_rq_lib_dirs}")
include(FindPackageHandleStandardArgs)
# The name the caller used (Renderiq or renderiq): find_package reads <that name>_FOUND.
set(_rq_name "${CMAKE_FIND_PACKAGE_NAME}")
if(NOT _rq_name)
  set(_rq_name renderiq)
endif()
set(${_rq_name}_CONFIG "${CMAKE_CURRENT_LIST_FILE}")
find_package_handle_standard_args(${_rq_name}
  REQUIRED_VARS RENDERIQ_INCLUDE_DIR RENDERIQ_SHARED_LIBRARY RENDERIQ_RUNTIME_LIBRARY
  VERSION_VAR ${_rq_name}_VERSION
  REASON_FAILURE_MESSAGE
    "librenderiq was not found in: ${_rq_searched}. Build it with `cargo build --release -p renderiq-ffi` or set RENDERIQ_LIBRARY_DIR to the folder holding it.")
set(renderiq_FOUND "${${_rq_name}_FOUND}")
set(Renderiq_FOUND "${${_rq_name}_FOUND}")
set(renderiq_VERSION "${${_rq_name}_VERSION}")
set(Renderiq_VERSION "${${_rq_name}_VERSION}")

# _renderiq_import_shared(NAME) / _renderiq_import_static(NAME): the imported targets, under each namespace.
function(_renderiq_import_shared name)
  if(TARGET ${name})
    return()
  endif()
  add_library(${name} SHARED IMPORTED)
  set_target_properties(${name} PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${RENDERIQ_INCLUDE_DIR}"
    INTERFACE_COMPILE_FEATURES "cxx_std_17")
  if(WIN32)
    set_target_properties(${name} PROPERTIES
      IMPORTED_IMPLIB "${RENDERIQ_SHARED_LIBRARY}"
      IMPORTED_LOCATION "${RENDERIQ_RUNTIME_LIBRARY}")
  else()
    set_target_properties(${name} PROPERTIES IMPORTED_LOCATION "${RENDERIQ_SHARED_LIBRARY}")
    if(NOT APPLE)
      # Rust cdylibs carry no SONAME; link by path so the binary's DT_NEEDED is librenderiq.so.
      set_target_properties(${name} PROPERTIES IMPORTED_NO_SONAME TRUE)
    endif()
  endif()
endfunction()

function(_renderiq_import_static name)
  if(TARGET ${name})
    return()
  endif()
  add_library(${name} STATIC IMPORTED)
  set_target_properties(${name} PROPERTIES
    IMPORTED_LOCATION "${RENDERIQ_STATIC_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${RENDERIQ_INCLUDE_DIR}"
    INTERFACE_COMPILE_FEATURES "cxx_std_17")
  # The system libraries the Rust standard library and the SDK need
  # (`cargo rustc --crate-type staticlib -- --print native-static-libs`).
  if(WIN32)
    set(sys ws2_32 userenv ntdll bcrypt advapi32 crypt32 secur32 ncrypt kernel32 ole32 credui)
  elseif(APPLE)
    set(sys "-framework Security" "-framework CoreFoundation" "-framework SystemConfiguration" iconv m)
  else()
    set(sys gcc_s util rt pthread m dl c)
  endif()
  set_target_properties(${name} PROPERTIES INTERFACE_LINK_LIBRARIES "${sys}")
endfunction()

if(${_rq_name}_FOUND)
  _renderiq_import_shared(Renderiq::renderiq)
  _renderiq_import_shared(renderiq::renderiq)
  if(RENDERIQ_STATIC_LIBRARY)
    _renderiq_import_static(Renderiq::renderiq_static)
    _renderiq_import_static(renderiq::renderiq_static)
  endif()
endif()

unset(_rq_dir)
unset(_rq_name)
unset(_rq_installed)
unset(_rq_include_hints)
unset(_rq_install_include_dir)
unset(_rq_install_lib_dir)
unset(_rq_install_bin_dir)
unset(_rq_lib_dirs)
unset(_rq_searched)
unset(_rq_target)
