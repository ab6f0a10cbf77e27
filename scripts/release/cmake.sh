#!/usr/bin/env bash
# Builds the C/C++ SDK's release artifact into $DIST/cmake/ (dist/cmake/ unless RENDERIQ_DIST):
#
#   renderiq-<version>-<os>-<arch>.tar.gz   e.g. renderiq-0.1.0-linux-x86_64.tar.gz
#
# one folder of that name holding what `cmake --install` of bindings/ffi puts in a prefix:
# lib/librenderiq.so and lib/librenderiq.a (stripped), include/renderiq.h and the C++17 wrapper
# renderiq*.hpp, lib/cmake/renderiq/ (find_package(Renderiq), targets Renderiq::renderiq and
# Renderiq::renderiq_static), lib/pkgconfig/renderiq.pc and share/doc/renderiq/README.md. The
# package and the .pc file find their files relative to themselves, so the folder works wherever
# it is unpacked. The release libraries come from release_native_libs. The tarball is
# reproducible (sorted, owner 0, the last commit's time, gzip -n).
#
#   scripts/release/cmake.sh                          # -> dist/cmake/
#   RENDERIQ_DIST=/tmp/dist scripts/release/cmake.sh  # -> /tmp/dist/cmake/
#
# Installed and used by scripts/release/test-cmake.sh.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
. "$REPO_ROOT/scripts/release-lib.sh"
cd "$REPO_ROOT"

ensure_rust_build_deps
ensure_apt cmake make gcc binutils

NAME="renderiq-$RELEASE_VERSION-$(uname -s | tr '[:upper:]' '[:lower:]')-$(uname -m)"
OUT="$DIST/cmake"
# Keyed by checkout, so two checkouts sharing one target dir do not share a CMake cache.
BUILD="$CARGO_TARGET_DIR/release-cmake-$(printf '%s' "$REPO_ROOT" | cksum | cut -d' ' -f1)"

release_native_libs

log "cmake --install of bindings/ffi into $NAME/"
rm -rf "$OUT" "$BUILD"
mkdir -p "$OUT" "$BUILD/stage"
cmake -S bindings/ffi -B "$BUILD/build" -DRENDERIQ_LIBRARY_DIR="$RELEASE_LIB_DIR" >/dev/null
cmake --install "$BUILD/build" --prefix "$BUILD/stage/$NAME" --strip >&2

log "packing $NAME.tar.gz"
EPOCH="$(git log -1 --format=%ct 2>/dev/null || date +%s)"
tar -C "$BUILD/stage" --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$EPOCH" \
    -cf - "$NAME" | gzip -9n >"$OUT/$NAME.tar.gz"
rm -rf "$BUILD"

ls -l "$OUT" >&2
tar -tzvf "$OUT/$NAME.tar.gz" >&2
echo "$OUT/$NAME.tar.gz"
