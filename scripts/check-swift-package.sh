#!/usr/bin/env bash
# Checks, without a Swift toolchain, that the Swift package (issue 13) hangs together:
# bindings/uniffi/swift/Package.swift declares tools version 5.9, its targets' paths exist and
# hold Swift files, every dependency and product names a declared target, the binary target is
# the XCFramework that scripts/build-xcframework.sh writes (git-ignored), named as the C module;
# the module map declares the module the generated Renderiq.swift imports, its headers exist, and
# the header declares every FFI function the Swift calls. It cannot tell whether the Swift
# compiles: that needs macOS (see bindings/uniffi/swift/README.md).
# `scripts/uniffi-generate.sh check` runs it after the freshness check.
#
#   scripts/check-swift-package.sh
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"

PKG=bindings/uniffi/swift
MANIFEST="$PKG/Package.swift"
SWIFT_SOURCE="$PKG/Sources/Renderiq/Renderiq.swift"
MODULEMAP_GLOB="$PKG/Headers/*/module.modulemap"
BUILD_SCRIPT=scripts/build-xcframework.sh

errors=0
fail() { echo "check-swift-package: $*" >&2; errors=$((errors + 1)); }

[ -f "$MANIFEST" ] || { echo "check-swift-package: $MANIFEST is missing" >&2; exit 1; }
[ -f "$SWIFT_SOURCE" ] || { echo "check-swift-package: $SWIFT_SOURCE is missing (scripts/uniffi-generate.sh swift)" >&2; exit 1; }

head -n1 "$MANIFEST" | grep -qE '^// swift-tools-version: ?5\.9$' ||
    fail "$MANIFEST must start with '// swift-tools-version:5.9' (found: $(head -n1 "$MANIFEST"))"

# The manifest as one line without its comment lines: each declaration is then one match.
flat="$(grep -vE '^[[:space:]]*//' "$MANIFEST" | tr '\n' ' ' | tr -s ' ')"
# `.kind(name: "N", …)` up to the first `)`: name, dependencies and path come before any
# setting with parentheses of its own (Swift fixes the argument order).
decls="$(grep -oE '\.(binaryTarget|target|testTarget)\( ?name: "[^"]+"[^)]*\)' <<<"$flat" || true)"
[ -n "$decls" ] || fail "$MANIFEST declares no targets"

field() { sed -nE "s/.*$1: \"([^\"]*)\".*/\1/p" <<<"$2"; }
deps_of() { sed -nE 's/.*dependencies: \[([^]]*)\].*/\1/p' <<<"$1" | grep -oE '"[^"]+"' | tr -d '"' || true; }

declared=() binary_name=""
while IFS= read -r d; do
    declared+=("$(field name "$d")")
done <<<"$decls"
is_declared() { local t; for t in "${declared[@]}"; do [ "$t" = "$1" ] && return 0; done; return 1; }

summary=()
while IFS= read -r d; do
    kind="$(sed -nE 's/^\.([a-zA-Z]+)\(.*/\1/p' <<<"$d")"
    name="$(field name "$d")"
    path="$(field path "$d")"
    [ -n "$path" ] || { fail "target $name has no explicit path: give one (the layout is not SwiftPM's default)"; continue; }
    for dep in $(deps_of "$d"); do
        is_declared "$dep" || fail "target $name depends on $dep, which $MANIFEST does not declare"
    done
    if [ "$kind" = binaryTarget ]; then
        [ -z "$binary_name" ] || fail "more than one binary target ($binary_name, $name)"
        binary_name="$name"
        grep -qF "$PKG/$path" "$BUILD_SCRIPT" ||
            fail "binary target $name points at $PKG/$path, which $BUILD_SCRIPT does not write"
        git check-ignore -q "$PKG/$path" ||
            fail "$PKG/$path (built on macOS) is not git-ignored"
        summary+=("binary $name -> $path (built by $BUILD_SCRIPT; $( [ -e "$PKG/$path" ] && echo present || echo 'absent here, as expected without macOS'))")
    else
        if [ ! -d "$PKG/$path" ]; then
            fail "target $name: path $PKG/$path does not exist"
            continue
        fi
        n="$(find "$PKG/$path" -name '*.swift' | wc -l | tr -d ' ')"
        [ "$n" -gt 0 ] || fail "target $name: $PKG/$path holds no .swift file"
        summary+=("$kind $name -> $path ($n Swift file(s))")
    fi
done <<<"$decls"

products="$(grep -oE '\.library\( ?name: "[^"]+", ?(type: \.[a-z]+, ?)?targets: \[[^]]*\]' <<<"$flat" || true)"
[ -n "$products" ] || fail "$MANIFEST declares no library product"
while IFS= read -r p; do
    [ -n "$p" ] || continue
    for t in $(grep -oE 'targets: \[[^]]*\]' <<<"$p" | grep -oE '"[^"]+"' | tr -d '"'); do
        is_declared "$t" || fail "product $(field name "$p") names target $t, which is not declared"
    done
done <<<"$products"

# The deployment targets the script builds for are the package's platforms.
for pair in "macOS MACOSX_DEPLOYMENT_TARGET" "iOS IPHONEOS_DEPLOYMENT_TARGET"; do
    platform="${pair% *}" var="${pair#* }"
    v="$(grep -oE "\.$platform\(\.v[0-9_]+\)" <<<"$flat" | sed -E 's/.*\.v([0-9_]+)\)/\1/' | tr _ . || true)"
    if [ -z "$v" ]; then
        fail "$MANIFEST names no .$platform platform"
    else
        case "$v" in *.*) ;; *) v="$v.0" ;; esac
        grep -qxF "export $var=$v" "$BUILD_SCRIPT" ||
            fail "$MANIFEST supports $platform $v but $BUILD_SCRIPT does not export $var=$v"
        summary+=("platform $platform $v = $BUILD_SCRIPT's $var")
    fi
done

# The C module: one module map, in Headers/<module>/ (the XCFramework's header layout).
mapfile -t maps < <(compgen -G "$MODULEMAP_GLOB" || true)
if [ "${#maps[@]}" -ne 1 ]; then
    fail "expected exactly one $MODULEMAP_GLOB, found ${#maps[@]}"
else
    map="${maps[0]}"
    map_dir="$(dirname "$map")"
    module="$(sed -nE 's/^[[:space:]]*(framework[[:space:]]+)?module[[:space:]]+([A-Za-z_][A-Za-z0-9_]*)[[:space:]]*\{.*/\2/p' "$map" | head -n1)"
    [ -n "$module" ] || fail "$map declares no module"
    [ "$(basename "$map_dir")" = "$module" ] ||
        fail "$map declares module $module but sits in Headers/$(basename "$map_dir")/"
    imported="$(sed -nE 's/^[[:space:]]*import[[:space:]]+([A-Za-z_][A-Za-z0-9_]*)[[:space:]]*$/\1/p' "$SWIFT_SOURCE" | grep -vxE 'Foundation|Darwin|Dispatch' | sort -u | tr '\n' ' ' | sed 's/ $//')"
    [ "$imported" = "$module" ] ||
        fail "$SWIFT_SOURCE imports [$imported] but the module map declares $module"
    [ "$binary_name" = "$module" ] ||
        fail "the binary target is named [$binary_name], the C module [$module]: keep them the same (the XCFramework carries the module)"
    headers="$(sed -nE 's/^[[:space:]]*header[[:space:]]+"([^"]+)".*/\1/p' "$map")"
    [ -n "$headers" ] || fail "$map lists no header"
    for h in $headers; do
        [ -f "$map_dir/$h" ] || fail "$map lists header $h, which is not in $map_dir"
    done
    # Every FFI function the Swift calls is declared by the module's headers.
    used="$(grep -oE '\b(uniffi|ffi)_renderiq_uniffi_[A-Za-z0-9_]+' "$SWIFT_SOURCE" | sort -u)"
    declared_syms="$(for h in $headers; do if [ -f "$map_dir/$h" ]; then grep -oE '\b(uniffi|ffi)_renderiq_uniffi_[A-Za-z0-9_]+' "$map_dir/$h" || true; fi; done | sort -u)"
    undeclared="$(comm -23 <(echo "$used") <(echo "$declared_syms"))"
    [ -z "$undeclared" ] || fail "$SWIFT_SOURCE calls functions no header declares: $(echo "$undeclared" | tr '\n' ' ')"
    summary+=("module $module: $map, headers [$headers], $(echo "$used" | wc -l | tr -d ' ') FFI functions used by the Swift, all declared")
fi

if [ "$errors" -ne 0 ]; then
    echo "check-swift-package: $errors problem(s) in $PKG" >&2
    exit 1
fi
echo "Swift package $PKG is consistent:" >&2
printf '  %s\n' "${summary[@]}" >&2
