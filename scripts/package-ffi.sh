#!/usr/bin/env bash
# Packages the C ABI for add-on developers who do not build Rust: a relocatable folder
#   target/package/renderiq-<version>-<os>-<arch>/{include,lib,lib/cmake/renderiq,README.md}
# (plus bin/renderiq.dll on Windows) that `find_package(renderiq)` finds with
# -DCMAKE_PREFIX_PATH=<folder>. Builds the release library first; prints the folder.
#
#   scripts/package-ffi.sh            # release build
#   FFI_PROFILE=debug scripts/package-ffi.sh
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"

PROFILE="${FFI_PROFILE:-release}"
if [ "$PROFILE" = release ]; then
    cargo build --release -p renderiq-ffi >&2
else
    cargo build -p renderiq-ffi >&2
fi
VERSION="$(sed -n 's/^set(PACKAGE_VERSION "\(.*\)")$/\1/p' bindings/ffi/cmake/renderiqConfigVersion.cmake)"
OS="$(uname -s | tr '[:upper:]' '[:lower:]')"
ARCH="$(uname -m)"
OUT="$CARGO_TARGET_DIR/package/renderiq-$VERSION-$OS-$ARCH"
SRC="$CARGO_TARGET_DIR/$PROFILE"

rm -rf "$OUT"
mkdir -p "$OUT/include" "$OUT/lib/cmake/renderiq"
cp bindings/ffi/include/renderiq.h bindings/ffi/include/renderiq*.hpp "$OUT/include/"
cp bindings/ffi/cmake/renderiqConfig.cmake bindings/ffi/cmake/renderiqConfigVersion.cmake "$OUT/lib/cmake/renderiq/"
cp bindings/ffi/README.md "$OUT/README.md"
for f in librenderiq.so librenderiq.dylib librenderiq.a renderiq.lib renderiq.dll.lib; do
    [ -f "$SRC/$f" ] && cp "$SRC/$f" "$OUT/lib/"
done
if [ -f "$SRC/renderiq.dll" ]; then
    mkdir -p "$OUT/bin"
    cp "$SRC/renderiq.dll" "$OUT/bin/"
fi
echo "$OUT"
