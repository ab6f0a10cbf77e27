# Version of the Renderiq CMake package (the renderiq-ffi crate's version; a test keeps them
# equal). While the major version is 0 a minor change is incompatible, as in Cargo:
# find_package(Renderiq 0.1) accepts 0.1.x only; 1.x and later follow the major version.
set(PACKAGE_VERSION "0.1.0")

string(REGEX MATCH "^([0-9]+)\\.([0-9]+)" _rq_match "${PACKAGE_VERSION}")
set(_rq_major "${CMAKE_MATCH_1}")
set(_rq_minor "${CMAKE_MATCH_2}")

set(PACKAGE_VERSION_COMPATIBLE FALSE)
if(NOT PACKAGE_FIND_VERSION)
  set(PACKAGE_VERSION_COMPATIBLE TRUE)
elseif(PACKAGE_FIND_VERSION VERSION_LESS_EQUAL PACKAGE_VERSION
       AND PACKAGE_FIND_VERSION_MAJOR EQUAL _rq_major
       AND (NOT _rq_major EQUAL 0 OR PACKAGE_FIND_VERSION_MINOR EQUAL _rq_minor))
  set(PACKAGE_VERSION_COMPATIBLE TRUE)
endif()
if(PACKAGE_FIND_VERSION STREQUAL PACKAGE_VERSION)
  set(PACKAGE_VERSION_EXACT TRUE)
endif()

# The library is built 64-bit: it cannot be linked into a 32-bit build.
if(CMAKE_SIZEOF_VOID_P AND NOT CMAKE_SIZEOF_VOID_P EQUAL 8)
  set(PACKAGE_VERSION "${PACKAGE_VERSION} (64-bit)")
  set(PACKAGE_VERSION_UNSUITABLE TRUE)
endif()
unset(_rq_match)
unset(_rq_major)
unset(_rq_minor)
