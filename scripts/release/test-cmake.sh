#!/usr/bin/env bash
# Tests the C/C++ release artifact as a user installs it: unpacks
# $DIST/cmake/renderiq-<version>-<os>-<arch>.tar.gz (scripts/release/cmake.sh) into a fresh
# temporary prefix and, against a reference server,
#   1. checks the layout and prints the installed library's dynamic section (NEEDED, no SONAME,
#      no RPATH/RUNPATH);
#   2. copies the consumer project bindings/ffi/tests/consumer/ to a temporary folder outside the
#      tree, configures it with -DCMAKE_PREFIX_PATH=<prefix> (find_package(Renderiq) and the
#      earlier find_package(renderiq)), builds C and C++ smoke programs against the shared and
#      the static library, and runs them with ctest: each checks it loaded the installed library
#      (or none, statically linked), the version, an auth error, a render and its PNG download,
#      and no leaked objects;
#   3. builds the same two programs by hand with `cc`/`c++ $(pkg-config --cflags --libs
#      renderiq)` (PKG_CONFIG_PATH=<prefix>/lib/pkgconfig) and runs them;
#   4. runs every C, C++ and CMake quick start of README.md and bindings/ffi/README.md as written
#      against the quick-start server on 127.0.0.1:8787 (taking /tmp/qs8787.lock), built against
#      the prefix with the READMEs' own commands, with no D-Bus session (headless).
# Exits non-zero on any failure; prints ctest's summary. Cleans up servers and temp folders.
#
#   scripts/release/cmake.sh && scripts/release/test-cmake.sh
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
. "$REPO_ROOT/scripts/ffi-lib.sh"
. "$REPO_ROOT/scripts/release-lib.sh"

ensure_rust_build_deps
ensure_apt cmake make gcc g++ binutils

NAME="renderiq-$RELEASE_VERSION-$(uname -s | tr '[:upper:]' '[:lower:]')-$(uname -m)"
TARBALL="$DIST/cmake/$NAME.tar.gz"
[ -f "$TARBALL" ] || { echo "no $TARBALL: run scripts/release/cmake.sh first" >&2; exit 1; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/renderiq-test-cmake.XXXXXX")"
cleanup() {
    qs_stop_server
    ffi_cleanup
    rm -rf "$WORK"
}
trap cleanup EXIT

# What a user's shell has: no cargo target folder, no override of the library's folder, no
# keychain (headless).
unset RENDERIQ_LIBRARY_DIR DBUS_SESSION_BUS_ADDRESS
SERVER_BIN="$(release_server_bin)"
unset CARGO_TARGET_DIR
FAILED=()
fail() { echo "FAIL: $*" >&2; FAILED+=("$*"); }

log "1. unpacking $(basename "$TARBALL") ($(du -h "$TARBALL" | cut -f1)) into a fresh prefix"
mkdir -p "$WORK/opt"
tar -xzf "$TARBALL" -C "$WORK/opt"
[ "$(ls "$WORK/opt")" = "$NAME" ] || fail "the tarball does not hold exactly one folder $NAME: $(ls "$WORK/opt")"
PREFIX="$WORK/opt/$NAME"
for f in lib/librenderiq.so lib/librenderiq.a include/renderiq.h include/renderiq.hpp \
    include/renderiq_calls.hpp include/renderiq_errors.hpp include/renderiq_models.hpp \
    lib/cmake/renderiq/renderiq-config.cmake lib/cmake/renderiq/renderiq-config-version.cmake \
    lib/cmake/renderiq/renderiq-install-dirs.cmake lib/pkgconfig/renderiq.pc share/doc/renderiq/README.md; do
    [ -f "$PREFIX/$f" ] || fail "missing $f"
done
echo "readelf -d lib/librenderiq.so:"
readelf -d "$PREFIX/lib/librenderiq.so" | grep -E "NEEDED|SONAME|RPATH|RUNPATH" | sed 's/^/  /'
readelf -d "$PREFIX/lib/librenderiq.so" | grep -qE "RPATH|RUNPATH" && fail "librenderiq.so carries an RPATH/RUNPATH"
readelf -S "$PREFIX/lib/librenderiq.so" | grep -q "\.debug_" && fail "librenderiq.so is not stripped"

log "2. a CMake consumer outside the tree: find_package(Renderiq) with CMAKE_PREFIX_PATH=<prefix>"
cp "$REPO_ROOT/examples/assets/sample-viewport.png" "$WORK/view.png"
export RENDERIQ_TEST_IMAGE="$WORK/view.png"
FFI_WORK="$WORK/servers"
mkdir -p "$FFI_WORK"
CARGO_TARGET_DIR="$(dirname "$(dirname "$SERVER_BIN")")" FFI_PROFILE=debug \
    ffi_start_server RENDERIQ_TEST_BASE_URL smoke --render-delay-ms 200
cp -r "$REPO_ROOT/bindings/ffi/tests/consumer" "$WORK/consumer"
cmake -S "$WORK/consumer" -B "$WORK/consumer/build" -DCMAKE_PREFIX_PATH="$PREFIX" | grep -E "Renderiq|renderiq" || true
cmake --build "$WORK/consumer/build" -j 2
for exe in smoke_c_static smoke_cpp_static; do
    readelf -d "$WORK/consumer/build/$exe" | grep -q "librenderiq" && fail "$exe needs librenderiq.so though linked statically"
done
ctest --test-dir "$WORK/consumer/build" --output-on-failure -j 2 || fail "ctest of the consumer project"

log "3. pkg-config: cc \$(pkg-config --cflags --libs renderiq)"
export PKG_CONFIG_PATH="$PREFIX/lib/pkgconfig"
PC_VERSION="$(pkg-config --modversion renderiq)"
[ "$PC_VERSION" = "$RELEASE_VERSION" ] || fail "pkg-config --modversion renderiq is $PC_VERSION, not $RELEASE_VERSION"
echo "pkg-config --cflags --libs renderiq: $(pkg-config --cflags --libs renderiq)"
RPATH="-Wl,-rpath,$(pkg-config --variable=libdir renderiq)"
DEF="-DRENDERIQ_EXPECTED_VERSION=\"$PC_VERSION\""
cd "$WORK/consumer"
# shellcheck disable=SC2046  # pkg-config's flags are words
cc -std=c99 -Wall -Wextra -Werror "$DEF" smoke.c $(pkg-config --cflags --libs renderiq) "$RPATH" -o smoke_pc_c
# shellcheck disable=SC2046
c++ -std=c++17 -Wall -Wextra -Werror "$DEF" smoke.cpp $(pkg-config --cflags --libs renderiq) "$RPATH" -o smoke_pc_cpp
for exe in smoke_pc_c smoke_pc_cpp; do
    echo "--- $exe"
    RENDERIQ_EXPECT_LIBRARY="$PREFIX/lib/librenderiq.so" "./$exe" || fail "$exe (pkg-config build)"
done
ffi_cleanup

log "4. README quick starts (C, C++, CMake) against 127.0.0.1:8787, built against the prefix"
exec {QS_LOCK}>/tmp/qs8787.lock
flock "$QS_LOCK"
QS="$WORK/qs"
mkdir -p "$QS/src"
CARGO_TARGET_DIR="$(dirname "$(dirname "$SERVER_BIN")")" qs_start_server "$QS"
mapfile -t C_QS < <(qs_extract c "$QS/src")
mapfile -t CPP_QS < <(qs_extract cpp "$QS/src")
mapfile -t CMAKE_QS < <(qs_extract cmake "$QS/src")
if [ "${#C_QS[@]}" -eq 0 ] || [ "${#CPP_QS[@]}" -eq 0 ] || [ "${#CMAKE_QS[@]}" -eq 0 ]; then
    fail "expected C, C++ and CMake quick starts, found ${#C_QS[@]}, ${#CPP_QS[@]}, ${#CMAKE_QS[@]}"
fi
QS_RESULTS=()

# run_qs NAME DIR CMD...: runs a built quick start in DIR (which holds view.png), checks it wrote
# a PNG render.png.
run_qs() {
    local name="$1" dir="$2"; shift 2
    rm -f "$dir/render.png"
    echo "--- $name"
    if (cd "$dir" && "$@") && head -c 8 "$dir/render.png" 2>/dev/null | od -An -c | grep -q "P   N   G"; then
        QS_RESULTS+=("ok    $name")
    else
        QS_RESULTS+=("FAIL  $name")
        fail "quick start $name"
    fi
}

# pkg_config_qs SRC EXT COMPILER [FLAGS...]: builds a C or C++ quick start with the READMEs'
# pkg-config command (see "Build with pkg-config") and runs it.
pkg_config_qs() {
    local src="$1" ext="$2" name dir
    shift 2
    name="$(basename "$src")"
    dir="$QS/$ext-${name%."$ext"}"
    mkdir -p "$dir" && cp "$src" "$dir/quickstart.$ext" && cp "$QS/view.png" "$dir/"
    # shellcheck disable=SC2046
    (cd "$dir" && "$@" "quickstart.$ext" $(pkg-config --cflags --libs renderiq) -Wl,-rpath,"$(pkg-config --variable=libdir renderiq)" -o quickstart) ||
        fail "building $name"
    run_qs "$name ($1 + pkg-config)" "$dir" ./quickstart
}
for src in "${C_QS[@]}"; do pkg_config_qs "$src" c cc; done
for src in "${CPP_QS[@]}"; do pkg_config_qs "$src" cpp c++ -std=c++17; done
# A CMake quick start is a CMakeLists.txt for the C++ quick start of the same README, saved as
# main.cpp beside it (as the READMEs say).
for src in "${CMAKE_QS[@]}"; do
    name="$(basename "$src")"
    readme="${name%-*}"
    cpp=""
    for c in "${CPP_QS[@]}"; do
        [ "$(basename "${c%-*}")" = "$readme" ] && { cpp="$c"; break; }
    done
    [ -n "$cpp" ] || { fail "no C++ quick start beside $name"; continue; }
    dir="$QS/cmake-${name%.cmake}"
    mkdir -p "$dir" && cp "$src" "$dir/CMakeLists.txt" && cp "$cpp" "$dir/main.cpp" && cp "$QS/view.png" "$dir/"
    (cmake -S "$dir" -B "$dir/build" -DCMAKE_PREFIX_PATH="$PREFIX" >/dev/null && cmake --build "$dir/build" -j 2 >/dev/null) ||
        fail "building $name"
    run_qs "$name (find_package(Renderiq), main.cpp = $(basename "$cpp"))" "$dir" ./build/quickstart
done
qs_stop_server
flock -u "$QS_LOCK"

log "summary"
printf '%s\n' "${QS_RESULTS[@]}"
if [ ${#FAILED[@]} -ne 0 ]; then
    printf 'FAILED: %s\n' "${FAILED[@]}" >&2
    exit 1
fi
echo "C/C++ release artifact: all checks passed ($NAME.tar.gz)"
