#!/usr/bin/env bash
# Tests the C ABI (bindings/ffi): builds librenderiq and the reference server, runs the crate's
# Rust tests (including the check that include/renderiq.h is fresh), starts four reference
# servers (fast renders; --render-delay-ms 3000 for cancelling midway; --create-rate-limit 1 for
# 429s; --workers 1 --render-delay-ms 20000, whose only worker a test keeps busy so that its next
# render is certainly pending, with a user per test), builds the C and C++ tests against the
# CMake package, runs them with CTest, each also under valgrind (definite leaks and invalid
# accesses fail), then builds and runs the ArchiCAD example's controller test (examples/archicad)
# against the same servers, and stops the servers. CTest prints every test's name with its
# result ("Test #3: c.render ....   Passed"); the ArchiCAD run also writes a JUnit file,
# $CARGO_TARGET_DIR/ffi-archicad-example-*/junit.xml, and the C/C++ run
# $CARGO_TARGET_DIR/ffi-tests-*/junit.xml.
#
#   scripts/test-ffi.sh                 # everything
#   RENDERIQ_FFI_VALGRIND=0 scripts/test-ffi.sh     # without the valgrind runs
#   scripts/test-ffi.sh -R c.render     # extra arguments go to ctest
#
# Exits non-zero when anything fails; prints ctest's summary.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ffi-lib.sh"
cd "$REPO_ROOT"

ensure_rust_build_deps
ensure_apt cmake make gcc g++ libgtest-dev valgrind

FFI_PROFILE=debug
# Keyed by checkout, so two checkouts sharing one target dir do not share a CMake cache.
CHECKOUT_KEY="$(printf '%s' "$REPO_ROOT" | cksum | cut -d' ' -f1)"
BUILD_DIR="$CARGO_TARGET_DIR/ffi-tests-$CHECKOUT_KEY"

log "building librenderiq and the reference server"
cargo build -p renderiq-ffi -p renderiq-server

log "cargo test -p renderiq-ffi (unit tests, header freshness)"
cargo test -p renderiq-ffi

ffi_workdir
trap ffi_cleanup EXIT
log "starting reference servers"
# Every test renders as the same user: the fast server does not rate-limit creations, or tests
# running in parallel would wait out one another's 429s (the rate server tests those).
ffi_start_server RENDERIQ_TEST_BASE_URL fast --render-delay-ms 200 --create-rate-limit 0
ffi_start_server RENDERIQ_TEST_SLOW_URL slow --render-delay-ms 3000
ffi_start_server RENDERIQ_TEST_RATE_URL rate --create-rate-limit 1
ffi_start_server RENDERIQ_TEST_WITHDRAW_URL withdraw --workers 1 --render-delay-ms 20000
# One user per test that reads its balance there (the names CMake gives them).
for t in c.withdraw valgrind.c.withdraw cpp.gtest valgrind.cpp.gtest archicad.controller; do
    ffi_add_user withdraw "withdraw-$t@example.com" 1000
done

log "building the C and C++ tests against the CMake package"
cmake -S bindings/ffi/tests -B "$BUILD_DIR" \
    -Drenderiq_DIR="$REPO_ROOT/bindings/ffi/cmake" -DRENDERIQ_PROFILE="$FFI_PROFILE" \
    -DRENDERIQ_TEST_VALGRIND="$([ "${RENDERIQ_FFI_VALGRIND:-1}" = 0 ] && echo OFF || echo ON)" >/dev/null
cmake --build "$BUILD_DIR" -j 2

log "ctest"
ctest --test-dir "$BUILD_DIR" --output-on-failure -j 2 --output-junit junit.xml "$@"

log "ArchiCAD example (examples/archicad): the portable core and its CTest, same servers and user"
ARCHICAD_BUILD_DIR="$CARGO_TARGET_DIR/ffi-archicad-example-$CHECKOUT_KEY"
cmake -S examples/archicad -B "$ARCHICAD_BUILD_DIR" \
    -Drenderiq_DIR="$REPO_ROOT/bindings/ffi/cmake" -DRENDERIQ_PROFILE="$FFI_PROFILE" >/dev/null
cmake --build "$ARCHICAD_BUILD_DIR" -j 2
RENDERIQ_TEST_WITHDRAW_EMAIL=withdraw-archicad.controller@example.com \
    ctest --test-dir "$ARCHICAD_BUILD_DIR" --output-on-failure --output-junit junit.xml
