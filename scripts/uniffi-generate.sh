#!/usr/bin/env bash
# Generates the uniffi bindings (issue 13) from the built library: Kotlin into
# bindings/uniffi/kotlin/src/main/kotlin/ (checked in) and, with `swift`, Swift into
# bindings/uniffi/swift/Sources/. Builds renderiq-uniffi and its uniffi-bindgen binary first
# (debug), so that the generator and the scaffolding are the same uniffi version.
#
#   scripts/uniffi-generate.sh            # Kotlin
#   scripts/uniffi-generate.sh swift      # Kotlin and Swift
#   scripts/uniffi-generate.sh check      # fails when the checked-in Kotlin or Swift is stale
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"

if [ "${1:-}" = check ]; then
    tmp="$(mktemp -d "${TMPDIR:-/tmp}/renderiq-uniffi.XXXXXX")"
    trap 'rm -rf "$tmp"' EXIT
    cp -r bindings/uniffi/kotlin/src/main/kotlin "$tmp/kotlin"
    cp -r bindings/uniffi/swift/Sources "$tmp/swift"
    "$0" swift
    if ! diff -r "$tmp/kotlin" bindings/uniffi/kotlin/src/main/kotlin || ! diff -r "$tmp/swift" bindings/uniffi/swift/Sources; then
        echo "the generated uniffi bindings were stale: regenerated; commit the result" >&2
        exit 1
    fi
    echo "uniffi bindings are fresh" >&2
    exit 0
fi

log "building renderiq-uniffi and uniffi-bindgen"
cargo build -p renderiq-uniffi --features cli

LIB="$CARGO_TARGET_DIR/debug/librenderiq_uniffi.so"
BINDGEN="$CARGO_TARGET_DIR/debug/uniffi-bindgen"
OUT=bindings/uniffi/kotlin/src/main/kotlin

log "generating Kotlin into $OUT"
rm -rf "$OUT/com/renderiq/sdk/renderiq_uniffi.kt"
# Run from the repository: library mode finds bindings/uniffi/uniffi.toml through cargo metadata.
"$BINDGEN" generate --library "$LIB" --language kotlin --out-dir "$OUT" --no-format

if [ "${1:-}" = swift ]; then
    SWIFT_OUT=bindings/uniffi/swift/Sources
    log "generating Swift into $SWIFT_OUT"
    mkdir -p "$SWIFT_OUT"
    "$BINDGEN" generate --library "$LIB" --language swift --out-dir "$SWIFT_OUT" --no-format
fi
