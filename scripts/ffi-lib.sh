# Helpers of the C ABI scripts (test-ffi.sh, bench/ffi_overhead.sh). Source it after lib.sh.
# shellcheck shell=bash

FFI_WORK="${FFI_WORK:-}"
FFI_SERVER_PIDS=()

# ffi_workdir: a temporary folder for the servers' data, removed by ffi_cleanup.
ffi_workdir() {
    [ -n "$FFI_WORK" ] || FFI_WORK="$(mktemp -d "${TMPDIR:-/tmp}/renderiq-ffi.XXXXXX")"
}

# ffi_start_server VAR NAME [serve flags...]: starts `renderiq-server serve` on a free loopback
# port with a fresh data dir holding the test users, and stores its base URL in VAR.
# Users: $RENDERIQ_TEST_EMAIL (100000 credits) and $RENDERIQ_TEST_POOR_EMAIL (0 credits).
ffi_start_server() {
    local var="$1" name="$2"; shift 2
    local server="$CARGO_TARGET_DIR/${FFI_PROFILE:-debug}/renderiq-server"
    local data="$FFI_WORK/$name" log="$FFI_WORK/$name.log" url=""
    mkdir -p "$data"
    RUST_LOG=error "$server" user add --email "$RENDERIQ_TEST_EMAIL" --password "$RENDERIQ_TEST_PASSWORD" \
        --credits 100000 --data-dir "$data" >/dev/null
    RUST_LOG=error "$server" user add --email "$RENDERIQ_TEST_POOR_EMAIL" --password "$RENDERIQ_TEST_POOR_PASSWORD" \
        --credits 0 --data-dir "$data" >/dev/null
    # The suites sign in from 127.0.0.1 as the same users far more often than the shipped limits
    # allow (60 sign-ins a minute per address, 10 per email).
    "$server" serve --bind 127.0.0.1:0 --data-dir "$data" --test-hooks --allow-private-webhooks \
        --auth-rate-limit 10000 --sign-in-rate-limit 10000 "$@" >"$log" 2>&1 &
    FFI_SERVER_PIDS+=("$!")
    server_wait_url url "$log" "$!" "$name" || return 1
    printf -v "$var" '%s' "$url"
    export "${var?}"
    echo "  $name server: $url ($*)" >&2
}

# ffi_add_user NAME EMAIL CREDITS: adds a user (password $RENDERIQ_TEST_PASSWORD) to the server
# ffi_start_server started as NAME; works while it runs.
ffi_add_user() {
    local name="$1" email="$2" credits="$3"
    RUST_LOG=error "$CARGO_TARGET_DIR/${FFI_PROFILE:-debug}/renderiq-server" user add --email "$email" \
        --password "$RENDERIQ_TEST_PASSWORD" --credits "$credits" --data-dir "$FFI_WORK/$name" >/dev/null
}

# ffi_cleanup: stops the servers this script started (by pid) and removes the work folder.
ffi_cleanup() {
    local pid
    for pid in "${FFI_SERVER_PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${FFI_SERVER_PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    FFI_SERVER_PIDS=()
    [ -n "$FFI_WORK" ] && rm -rf "$FFI_WORK"
    FFI_WORK=""
}

export RENDERIQ_TEST_EMAIL="${RENDERIQ_TEST_EMAIL:-ada@example.com}"
export RENDERIQ_TEST_PASSWORD="${RENDERIQ_TEST_PASSWORD:-correct horse battery}"
export RENDERIQ_TEST_POOR_EMAIL="${RENDERIQ_TEST_POOR_EMAIL:-poor@example.com}"
export RENDERIQ_TEST_POOR_PASSWORD="${RENDERIQ_TEST_POOR_PASSWORD:-correct horse battery}"
