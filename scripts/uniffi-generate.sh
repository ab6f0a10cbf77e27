#!/usr/bin/env bash
# Generates the uniffi bindings (issue 13) from the built library: Kotlin into
# bindings/uniffi/kotlin/src/main/kotlin/ (checked in) and, with `swift`, Swift into the Swift
# package's layout (checked in):
#   bindings/uniffi/swift/Sources/Renderiq/Renderiq.swift        the Swift module `Renderiq`
#   bindings/uniffi/swift/Headers/RenderiqFFI/RenderiqFFI.h      the C module `RenderiqFFI`, which
#   bindings/uniffi/swift/Headers/RenderiqFFI/module.modulemap   scripts/build-xcframework.sh puts
#                                                                in RenderiqFFI.xcframework
# Builds renderiq-uniffi and its uniffi-bindgen binary first (debug), so that the generator and
# the scaffolding are the same uniffi version.
#
#   scripts/uniffi-generate.sh            # Kotlin
#   scripts/uniffi-generate.sh swift      # Kotlin and Swift
#   scripts/uniffi-generate.sh check      # fails when the checked-in Kotlin or Swift is stale, or
#                                         # when Package.swift does not match the Swift files
#                                         # (scripts/check-swift-package.sh); needs no Swift
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"

KOTLIN_OUT=bindings/uniffi/kotlin/src/main/kotlin
SWIFT_PKG=bindings/uniffi/swift
SWIFT_SOURCE="$SWIFT_PKG/Sources/Renderiq/Renderiq.swift"
SWIFT_HEADERS="$SWIFT_PKG/Headers/RenderiqFFI"

if [ "${1:-}" = check ]; then
    tmp="$(mktemp -d "${TMPDIR:-/tmp}/renderiq-uniffi.XXXXXX")"
    trap 'rm -rf "$tmp"' EXIT
    cp -r "$KOTLIN_OUT" "$tmp/kotlin"
    mkdir -p "$tmp/swift-source" "$tmp/swift-headers"
    # A missing checked-in file leaves its copy missing too, and `diff -r` reports it.
    if [ -f "$SWIFT_SOURCE" ]; then cp "$SWIFT_SOURCE" "$tmp/swift-source/"; fi
    if [ -d "$SWIFT_HEADERS" ]; then cp -r "$SWIFT_HEADERS/." "$tmp/swift-headers/"; fi
    "$0" swift
    stale=0
    diff -r "$tmp/kotlin" "$KOTLIN_OUT" || stale=1
    diff -r "$tmp/swift-source" "$(dirname "$SWIFT_SOURCE")" || stale=1
    diff -r "$tmp/swift-headers" "$SWIFT_HEADERS" || stale=1
    if [ "$stale" -ne 0 ]; then
        # Leave the checkout as it was: the check reports, `scripts/uniffi-generate.sh swift`
        # fixes.
        rm -rf "$KOTLIN_OUT" && cp -r "$tmp/kotlin" "$KOTLIN_OUT"
        if [ -f "$tmp/swift-source/Renderiq.swift" ]; then cp "$tmp/swift-source/Renderiq.swift" "$SWIFT_SOURCE"; fi
        rm -rf "$SWIFT_HEADERS" && mkdir -p "$SWIFT_HEADERS" && cp -r "$tmp/swift-headers/." "$SWIFT_HEADERS/"
        echo "the generated uniffi bindings are stale (diff above): run scripts/uniffi-generate.sh swift and commit the result" >&2
        exit 1
    fi
    echo "uniffi bindings are fresh" >&2
    "$(dirname "$0")/check-swift-package.sh"
    exit 0
fi

log "building renderiq-uniffi and uniffi-bindgen"
cargo build -p renderiq-uniffi --features cli

case "$(uname -s)" in
    Darwin) LIB="$CARGO_TARGET_DIR/debug/librenderiq_uniffi.dylib" ;;
    *) LIB="$CARGO_TARGET_DIR/debug/librenderiq_uniffi.so" ;;
esac
BINDGEN="$CARGO_TARGET_DIR/debug/uniffi-bindgen"

log "generating Kotlin into $KOTLIN_OUT"
rm -rf "$KOTLIN_OUT/com/renderiq/sdk/renderiq_uniffi.kt"
# Run from the repository: library mode finds bindings/uniffi/uniffi.toml through cargo metadata.
"$BINDGEN" generate --library "$LIB" --language kotlin --out-dir "$KOTLIN_OUT" --no-format

if [ "${1:-}" = swift ]; then
    # uniffi writes the three files side by side (names from uniffi.toml); SwiftPM and the
    # XCFramework want them apart, and clang wants the module map named module.modulemap.
    gen="$(mktemp -d "${TMPDIR:-/tmp}/renderiq-uniffi-swift.XXXXXX")"
    "$BINDGEN" generate --library "$LIB" --language swift --out-dir "$gen" --no-format
    expected="Renderiq.swift RenderiqFFI.h RenderiqFFI.modulemap"  # in LC_ALL=C order
    got="$(cd "$gen" && find . -type f | sed 's|^\./||' | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//')"
    if [ "$got" != "$expected" ]; then
        echo "uniffi-bindgen wrote [$got], expected [$expected]: was uniffi.toml's [bindings.swift] changed? update this script and Package.swift" >&2
        rm -rf "$gen"
        exit 1
    fi
    log "generating Swift into $SWIFT_SOURCE and $SWIFT_HEADERS/"
    mkdir -p "$(dirname "$SWIFT_SOURCE")"
    rm -rf "$SWIFT_HEADERS"
    mkdir -p "$SWIFT_HEADERS"
    mv "$gen/Renderiq.swift" "$SWIFT_SOURCE"
    mv "$gen/RenderiqFFI.h" "$SWIFT_HEADERS/RenderiqFFI.h"
    mv "$gen/RenderiqFFI.modulemap" "$SWIFT_HEADERS/module.modulemap"
    rm -rf "$gen"
fi
