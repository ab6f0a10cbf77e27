# Helpers of the release scripts (scripts/release.sh, scripts/test-release.sh and the per-artifact
# scripts in scripts/release/). Source it after lib.sh.
# shellcheck shell=bash

# Where the artifacts go: dist/<kind>/… (python, ruby, nuget, cmake), with dist/SHA256SUMS and
# dist/sbom/ beside them.
DIST="${RENDERIQ_DIST:-$REPO_ROOT/dist}"
export DIST
# The SDK's version, the one every artifact carries (the workspace's package version).
RELEASE_VERSION="$(sed -n 's/^version = "\(.*\)"$/\1/p' "$REPO_ROOT/Cargo.toml" | head -n1)"
export RELEASE_VERSION

# The cargo profile of every shipped native library (the wheel's module too): `dist` in the root
# Cargo.toml, release with fat LTO, one codegen unit and size-optimised cold dependencies, so each
# library stays under 8 MB stripped (bench/library_sizes.sh). Its output folder is
# $RELEASE_LIB_DIR (target/dist/).
RELEASE_PROFILE=dist
RELEASE_LIB_DIR="$CARGO_TARGET_DIR/$RELEASE_PROFILE"
export RELEASE_PROFILE RELEASE_LIB_DIR

# release_native_libs: the optimised native libraries every artifact but the wheel ships:
# target/dist/librenderiq.{so,a} (the C ABI: C/C++, C#, Ruby's Fiddle backend),
# target/dist/librenderiq_native.so (Ruby's extension) and target/dist/librenderiq_uniffi.so
# (Kotlin). Cargo skips LTO for a crate that is also an rlib (renderiq-ffi's and renderiq-uniffi's
# rlibs serve the bench example, the bindgen binary and the tests), so those two are built by
# `cargo rustc` with only the library kinds that ship; with no rlib anywhere in the build every
# dependency is compiled once, as LTO bitcode, for all three (and for the wheel's module).
# `rake native_gem` builds the same way. Cheap when they are up to date.
release_native_libs() {
    log "$RELEASE_PROFILE build of the native libraries (renderiq-ruby, renderiq-ffi, renderiq-uniffi)"
    (
        cd "$REPO_ROOT" &&
            cargo build --profile "$RELEASE_PROFILE" --locked -p renderiq-ruby &&
            cargo rustc --profile "$RELEASE_PROFILE" --locked -p renderiq-ffi --lib \
                --crate-type cdylib --crate-type staticlib &&
            cargo rustc --profile "$RELEASE_PROFILE" --locked -p renderiq-uniffi --lib --crate-type cdylib
    ) >&2
}

# release_server_bin: the reference server the smoke renders run against (the debug build the
# test command has already made; built here when missing).
release_server_bin() {
    local bin="$CARGO_TARGET_DIR/debug/renderiq-server"
    if [ ! -x "$bin" ]; then
        (cd "$REPO_ROOT" && cargo build --locked -p renderiq-server) >&2
    fi
    printf '%s\n' "$bin"
}

# Quick starts run exactly as the READMEs print them: against the reference server on
# http://127.0.0.1:8787, signed in as ada@example.com with the password 'correct horse' (the
# README's `user add` line), with the viewport capture at ./view.png and /tmp/view.png.
QS_EMAIL="ada@example.com"
QS_PASSWORD="correct horse"
QS_PIDS=()

# qs_start_server WORKDIR: starts the reference server on 127.0.0.1:8787 with a fresh data dir in
# WORKDIR holding the README's user, and puts the sample capture at WORKDIR/view.png and
# /tmp/view.png. Fails when the port is taken. Stopped by qs_stop_server.
qs_start_server() {
    local work="$1" server
    server="$(release_server_bin)"
    mkdir -p "$work/server-data"
    cp "$REPO_ROOT/examples/assets/sample-viewport.png" "$work/view.png"
    cp "$REPO_ROOT/examples/assets/sample-viewport.png" /tmp/view.png
    RUST_LOG=error "$server" user add --email "$QS_EMAIL" --password "$QS_PASSWORD" \
        --credits 1000 --data-dir "$work/server-data" >/dev/null
    "$server" serve --bind 127.0.0.1:8787 --data-dir "$work/server-data" \
        --sign-in-rate-limit 10000 >"$work/server.log" 2>&1 &
    QS_PIDS+=("$!")
    # Fails when 127.0.0.1:8787 is taken: the server exits at once.
    server_wait_url QS_URL "$work/server.log" "$!" "quick-start"
}

# qs_stop_server: stops the servers qs_start_server started.
qs_stop_server() {
    local pid
    for pid in "${QS_PIDS[@]}"; do
        kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    done
    QS_PIDS=()
}

# qs_extract LANG OUTDIR: writes every README quick start of LANG to OUTDIR (one file each) and
# prints their paths, one a line (see scripts/quickstarts.py).
qs_extract() {
    python3 "$REPO_ROOT/scripts/quickstarts.py" extract --lang "$1" --out "$2"
}
