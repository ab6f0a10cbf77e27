#!/usr/bin/env bash
# Per-call overhead of the C# binding: the calls of bench/ffi_overhead.{rs,c} made through
# Renderiq.Sdk (P/Invoke, on Mono) beside the same calls from Rust on the SDK directly and, when
# it builds, from C through the C ABI. Release builds, against a local reference server.
#
#   bench/dotnet_overhead.sh
#   RENDERIQ_BENCH_VERIFY_N=50000 RENDERIQ_BENCH_GET_N=500 bench/dotnet_overhead.sh
set -euo pipefail
. "$(dirname "$0")/../scripts/lib.sh"
. "$(dirname "$0")/../scripts/ffi-lib.sh"
cd "$REPO_ROOT"
ensure_rust_build_deps
ensure_apt mono-complete

FFI_PROFILE=release
OUT="$CARGO_TARGET_DIR/dotnet-bench"
log "release builds: librenderiq, the Rust example, the reference server"
# Two builds: with --example, cargo builds that example alone (no librenderiq.so, no server).
cargo build --release -p renderiq-ffi -p renderiq-server
cargo build --release -p renderiq-ffi --example ffi_overhead
rm -rf "$OUT" && mkdir -p "$OUT"
cp "$CARGO_TARGET_DIR/release/librenderiq.so" "$OUT/"

log "compiling Renderiq.Sdk.dll and the C# benchmark (mcs -optimize+)"
mapfile -t SDK_SOURCES < <(find bindings/dotnet/src/Renderiq.Sdk -name '*.cs' -not -path '*/obj/*' -not -path '*/bin/*' | sort)
mcs -langversion:7.2 -sdk:4.8 -optimize+ -nologo -unsafe -target:library \
    -r:/usr/lib/mono/4.8-api/Facades/System.Runtime.InteropServices.RuntimeInformation.dll \
    -out:"$OUT/Renderiq.Sdk.dll" "${SDK_SOURCES[@]}"
mcs -langversion:7.2 -sdk:4.8 -optimize+ -nologo -unsafe -target:exe \
    -r:"$OUT/Renderiq.Sdk.dll" -out:"$OUT/dotnet_overhead.exe" bench/dotnet_overhead.cs

C_BIN=""
if [ -f bindings/ffi/include/renderiq.h ] && command -v cc >/dev/null 2>&1 &&
    cc -O2 -std=c99 -D_POSIX_C_SOURCE=199309L -I bindings/ffi/include bench/ffi_overhead.c \
        -L "$CARGO_TARGET_DIR/release" -lrenderiq -Wl,-rpath,"$CARGO_TARGET_DIR/release" \
        -o "$OUT/ffi_overhead_c" 2>/dev/null; then
    C_BIN="$OUT/ffi_overhead_c"
fi

ffi_workdir
trap ffi_cleanup EXIT
log "starting a reference server"
ffi_start_server RENDERIQ_BENCH_URL bench --render-delay-ms 50 --read-rate-limit 1000000

log "running (each line: ns per call)"
RUST_OUT="$("$CARGO_TARGET_DIR/release/examples/ffi_overhead")"
C_OUT=""
[ -n "$C_BIN" ] && C_OUT="$("$C_BIN")"
CS_OUT="$(cd "$OUT" && mono dotnet_overhead.exe)"

printf '\n%-18s %12s %12s %12s %14s %8s   (%s)\n' "call" "Rust (ns)" "C ABI (ns)" "C# (ns)" "C# - Rust (ns)" "C#/Rust" "$(mono --version | head -1 | sed 's/ (.*//')"
while read -r name cs_ns calls; do
    base="${name%_raw}"
    r_ns="$(awk -v n="$base" '$1 == n { print $2 }' <<<"$RUST_OUT")"
    c_ns="$(awk -v n="$base" '$1 == n { print $2 }' <<<"$C_OUT")"
    awk -v n="$name" -v r="${r_ns:-0}" -v c="${c_ns:-0}" -v s="$cs_ns" -v k="$calls" 'BEGIN {
        cs = (c > 0) ? sprintf("%12.1f", c) : sprintf("%12s", "-");
        if (r > 0) printf "%-18s %12.1f %s %12.1f %14.1f %7.2fx   (%d calls)\n", n, r, cs, s, s - r, s / r, k;
        else printf "%-18s %12s %s %12.1f %14s %8s   (%d calls)\n", n, "-", cs, s, "-", "-", k }'
done <<<"$CS_OUT"
