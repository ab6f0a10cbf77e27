#!/usr/bin/env bash
# Builds bindings/uniffi/swift/RenderiqFFI.xcframework (issue 13), the binary target of the Swift
# package: renderiq-uniffi as a static library for macOS (arm64 + x86_64, one lipo'd slice), iOS
# (arm64) and the iOS simulator (arm64 + x86_64, one slice), each with the C module RenderiqFFI
# (Headers/RenderiqFFI: RenderiqFFI.h, module.modulemap). Regenerates the Swift sources first, so
# the library and Renderiq.swift come from the same build (uniffi checks this at load).
# macOS with Xcode and rustup only; elsewhere it stops with a message and builds nothing.
# The staticlib is asked for on the command line (`cargo rustc --crate-type staticlib`), so the
# crate's own crate-type (cdylib for JNA, rlib) and the Linux builds stay as they are.
#
#   scripts/build-xcframework.sh            # release build
#   scripts/build-xcframework.sh --debug    # debug build (faster to build)
#   scripts/build-xcframework.sh --zip      # also RenderiqFFI.xcframework.zip and its checksum,
#                                           # for a release's .binaryTarget(url:checksum:)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"

SWIFT_PKG=bindings/uniffi/swift
XCFRAMEWORK="$SWIFT_PKG/RenderiqFFI.xcframework"
HEADERS="$SWIFT_PKG/Headers"
LIB_NAME=librenderiq_uniffi.a
# The oldest systems the package supports (Package.swift's platforms; check-swift-package.sh
# compares them).
export MACOSX_DEPLOYMENT_TARGET=12.0
export IPHONEOS_DEPLOYMENT_TARGET=15.0

profile_args=(--release) profile_dir=release zip=0
for arg in "$@"; do
    case "$arg" in
        --debug) profile_args=() profile_dir=debug ;;
        --zip) zip=1 ;;
        *) echo "usage: $0 [--debug] [--zip]" >&2; exit 2 ;;
    esac
done

if [ "$(uname -s)" != Darwin ]; then
    cat >&2 <<MSG
build-xcframework.sh: the XCFramework needs macOS with Xcode (xcodebuild, lipo and the Apple
SDKs); this machine runs $(uname -s), so nothing was built. Here, scripts/uniffi-generate.sh check
keeps the checked-in Swift sources, header and module map fresh without Swift.
MSG
    exit 1
fi
for tool in xcodebuild lipo rustup cargo; do
    command -v "$tool" >/dev/null || { echo "build-xcframework.sh: $tool not found (install Xcode and rustup)" >&2; exit 1; }
done

MACOS_TRIPLES=(aarch64-apple-darwin x86_64-apple-darwin)
IOS_TRIPLES=(aarch64-apple-ios)
IOS_SIM_TRIPLES=(aarch64-apple-ios-sim x86_64-apple-ios)
ALL_TRIPLES=("${MACOS_TRIPLES[@]}" "${IOS_TRIPLES[@]}" "${IOS_SIM_TRIPLES[@]}")

log "Rust targets: ${ALL_TRIPLES[*]}"
rustup target add "${ALL_TRIPLES[@]}"

# Swift sources, header and module map from this tree, checked against Package.swift.
"$(dirname "$0")/uniffi-generate.sh" swift
"$(dirname "$0")/check-swift-package.sh"
if [ -n "$(git status --porcelain -- "$SWIFT_PKG/Sources" "$SWIFT_PKG/Headers")" ]; then
    log "note: the generated Swift differs from the committed one; commit it with this XCFramework"
fi

for triple in "${ALL_TRIPLES[@]}"; do
    log "building $LIB_NAME for $triple ($profile_dir)"
    cargo rustc -p renderiq-uniffi --lib --crate-type staticlib "${profile_args[@]}" --target "$triple"
done

lib_of() { echo "$CARGO_TARGET_DIR/$1/$profile_dir/$LIB_NAME"; }
slices="$CARGO_TARGET_DIR/xcframework/$profile_dir"
rm -rf "$slices"
mkdir -p "$slices/macos" "$slices/ios" "$slices/ios-simulator"
# One library per platform: lipo joins the architectures of macOS and of the simulator.
lipo -create "$(lib_of "${MACOS_TRIPLES[0]}")" "$(lib_of "${MACOS_TRIPLES[1]}")" -output "$slices/macos/$LIB_NAME"
cp "$(lib_of "${IOS_TRIPLES[0]}")" "$slices/ios/$LIB_NAME"
lipo -create "$(lib_of "${IOS_SIM_TRIPLES[0]}")" "$(lib_of "${IOS_SIM_TRIPLES[1]}")" -output "$slices/ios-simulator/$LIB_NAME"
for slice in macos ios ios-simulator; do
    lipo -info "$slices/$slice/$LIB_NAME"
done

log "creating $XCFRAMEWORK"
rm -rf "$XCFRAMEWORK"
xcodebuild -create-xcframework \
    -library "$slices/macos/$LIB_NAME" -headers "$HEADERS" \
    -library "$slices/ios/$LIB_NAME" -headers "$HEADERS" \
    -library "$slices/ios-simulator/$LIB_NAME" -headers "$HEADERS" \
    -output "$XCFRAMEWORK"

if [ "$zip" -eq 1 ]; then
    log "zipping $XCFRAMEWORK"
    (
        cd "$SWIFT_PKG"
        rm -f RenderiqFFI.xcframework.zip
        ditto -c -k --sequesterRsrc --keepParent RenderiqFFI.xcframework RenderiqFFI.xcframework.zip
        echo "checksum for .binaryTarget(url:checksum:): $(swift package compute-checksum RenderiqFFI.xcframework.zip)"
    )
fi
log "done: $XCFRAMEWORK; try it: cd $SWIFT_PKG && swift build && swift test"
