#!/usr/bin/env bash
# Per-call overhead of the C ABI: the same calls through librenderiq from C (bench/ffi_overhead.c)
# and on the SDK directly from Rust (bench/ffi_overhead.rs), release builds, against a local
# reference server, printed side by side.
#
#   bench/ffi_overhead.sh
#   RENDERIQ_BENCH_VERIFY_N=50000 RENDERIQ_BENCH_GET_N=500 bench/ffi_overhead.sh
set -euo pipefail
. "$(dirname "$0")/../scripts/lib.sh"
. "$(dirname "$0")/../scripts/ffi-lib.sh"
cd "$REPO_ROOT"

FFI_PROFILE=release
log "release builds: librenderiq, the Rust example, the reference server"
# Two builds: with --example, cargo builds that example alone (no librenderiq.so, no server).
cargo build --release -p renderiq-ffi -p renderiq-server
cargo build --release -p renderiq-ffi --example ffi_overhead
mkdir -p "$CARGO_TARGET_DIR/ffi-bench"
cc -O2 -std=c99 -D_POSIX_C_SOURCE=199309L -I bindings/ffi/include bench/ffi_overhead.c \
    -L "$CARGO_TARGET_DIR/release" -lrenderiq -Wl,-rpath,"$CARGO_TARGET_DIR/release" \
    -o "$CARGO_TARGET_DIR/ffi-bench/ffi_overhead"

ffi_workdir
trap ffi_cleanup EXIT
log "starting a reference server"
ffi_start_server RENDERIQ_BENCH_URL bench --render-delay-ms 50 --read-rate-limit 1000000

ROUNDS="${RENDERIQ_BENCH_ROUNDS:-3}"
log "running $ROUNDS interleaved rounds of each (the best round counts: other load only adds time)"
C_OUT=""
RUST_OUT=""
for _ in $(seq 1 "$ROUNDS"); do
    C_OUT+="$("$CARGO_TARGET_DIR/ffi-bench/ffi_overhead")"$'\n'
    RUST_OUT+="$("$CARGO_TARGET_DIR/release/examples/ffi_overhead")"$'\n'
done
best() { awk '$1 != "" { if (!($1 in m) || $2 < m[$1]) { m[$1] = $2; n[$1] = $3 } } END { for (k in m) print k, m[k], n[k] }' | sort; }
C_BEST="$(best <<<"$C_OUT")"
RUST_BEST="$(best <<<"$RUST_OUT")"

printf '\n%-20s %14s %14s %14s %10s\n' "call" "C ABI (ns)" "Rust (ns)" "overhead (ns)" "ratio"
while read -r name c_ns calls; do
    r_ns="$(awk -v n="$name" '$1 == n { print $2 }' <<<"$RUST_BEST")"
    awk -v n="$name" -v c="$c_ns" -v r="$r_ns" -v k="$calls" \
        'BEGIN { printf "%-20s %14.1f %14.1f %14.1f %9.2fx   (%d calls, best of rounds)\n", n, c, r, c - r, c / r, k }'
done <<<"$C_BEST"
