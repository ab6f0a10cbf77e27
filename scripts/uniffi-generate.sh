#!/usr/bin/env bash
# Generates the uniffi bindings (issue 13) from the built library: Kotlin into
# bindings/uniffi/kotlin/src/main/kotlin/ (checked in) and, with `swift`, Swift into
# bindings/uniffi/swift/Sources/. Builds renderiq-uniffi and its uniffi-bindgen binary first
# (debug), so that the generator and the scaffolding are the same uniffi version.
#
#   scripts/uniffi-generate.sh            # Kotlin
#   scripts/uniffi-generate.sh swift      # Kotlin and Swift
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"

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
