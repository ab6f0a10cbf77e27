#!/usr/bin/env bash
# Per-call overhead of the Kotlin binding (uniffi over JNA, issue 13): reading one render's
# status (`{"call":"retrieve_render","id":…}`) through `Client.call` in Kotlin
# (bench/kotlin/) beside the same read on the Rust SDK directly (bench/ffi_overhead.rs: the
# typed `retrieve_render`, and the JSON call path the bindings take), plus a webhook verify and
# an operation poll that cross without any network. Release builds, one local reference server,
# interleaved rounds; the best round counts (other load only adds time). Each Kotlin round is a
# fresh JVM that runs every loop once untimed (JIT warm-up) before timing it, and makes a tenth
# of the Rust side's webhook/poll calls (microseconds each instead of nanoseconds). Not part of
# any test suite.
#
#   bench/kotlin_overhead.sh            # build, then run
#   bench/kotlin_overhead.sh build      # only the cargo builds, copied to $RENDERIQ_BENCH_DIR
#   bench/kotlin_overhead.sh run        # only compile the Kotlin side and run, from that copy
#   RENDERIQ_BENCH_ROUNDS=5 RENDERIQ_BENCH_GET_N=5000 bench/kotlin_overhead.sh
#
# RENDERIQ_BENCH_DIR (default $CARGO_TARGET_DIR/kotlin-bench) holds release/ (the library, the
# server, the Rust example) and kotlin/ (classes): runs use that copy, so a later rebuild of
# the target dir cannot swap the library under the Kotlin sources compiled against it.
set -euo pipefail
. "$(dirname "$0")/../scripts/lib.sh"
. "$(dirname "$0")/../scripts/ffi-lib.sh"
cd "$REPO_ROOT"

STEP="${1:-all}"
case "$STEP" in
    all | build | run) ;;
    *) echo "usage: $0 [build|run]" >&2; exit 2 ;;
esac
OUT="${RENDERIQ_BENCH_DIR:-$CARGO_TARGET_DIR/kotlin-bench}"

if [ "$STEP" != run ]; then
    ensure_rust_build_deps
    log "release builds: librenderiq_uniffi, the reference server, the Rust example"
    # Two builds: with --example, cargo builds that example alone.
    cargo build --release -p renderiq-uniffi -p renderiq-server
    cargo build --release -p renderiq-ffi --example ffi_overhead
    rm -rf "$OUT/release" && mkdir -p "$OUT/release"
    cp "$CARGO_TARGET_DIR/release/librenderiq_uniffi.so" "$CARGO_TARGET_DIR/release/renderiq-server" \
        "$CARGO_TARGET_DIR/release/examples/ffi_overhead" "$OUT/release/"
fi
[ "$STEP" = build ] && exit 0

for f in librenderiq_uniffi.so renderiq-server ffi_overhead; do
    [ -f "$OUT/release/$f" ] ||
        { echo "$OUT/release/$f is missing: run $0 build first" >&2; exit 1; }
done
# bench/kotlin/pom.xml repeats the binding's versions (a parent would bring its jar layout).
pom_matches_binding bench/kotlin/pom.xml kotlin.version coroutines.version jna.version \
    kotlin.compiler.jvmTarget || exit 1

log "compiling the Kotlin side with the binding's sources (mvn compile)"
rm -rf "$OUT/kotlin"
mvn -q -B -f bench/kotlin/pom.xml compile dependency:build-classpath \
    -Drenderiq.bench.build.dir="$OUT/kotlin" -Dmdep.outputFile="$OUT/kotlin/classpath.txt"
KT_CP="$OUT/kotlin/classes:$(cat "$OUT/kotlin/classpath.txt")"

ffi_workdir
trap ffi_cleanup EXIT
log "starting a reference server"
FFI_PROFILE=release CARGO_TARGET_DIR="$OUT" \
    ffi_start_server RENDERIQ_BENCH_URL bench --render-delay-ms 50 --read-rate-limit 1000000

ROUNDS="${RENDERIQ_BENCH_ROUNDS:-3}"
log "running $ROUNDS interleaved rounds of each (each line: ns per call)"
RUST_OUT=""
KT_OUT=""
for round in $(seq 1 "$ROUNDS"); do
    r="$("$OUT/release/ffi_overhead")"
    k="$(java -Djna.library.path="$OUT/release" -cp "$KT_CP" com.renderiq.bench.KotlinOverheadKt)"
    # Every round's figures on stderr, so the spread is visible beside the best.
    awk -v p="  round $round  Rust  " '{ print p, $0 }' <<<"$r" >&2
    awk -v p="  round $round  Kotlin" '{ print p, $0 }' <<<"$k" >&2
    RUST_OUT+="$r"$'\n'
    KT_OUT+="$k"$'\n'
done
best() { awk '$1 != "" { if (!($1 in m) || $2 < m[$1]) { m[$1] = $2; n[$1] = $3 } } END { for (k in m) print k, m[k], n[k] }' | sort; }
RUST_BEST="$(best <<<"$RUST_OUT")"
KT_BEST="$(best <<<"$KT_OUT")"

# Kotlin line, then the Rust line it is compared with.
PAIRS="webhook_verify_1k webhook_verify_1k
render_get render_get
render_get render_get_call
op_poll op_poll"
printf '\n%-18s %-18s %12s %12s %14s %8s   (%s, best of %s rounds)\n' "Kotlin" "Rust" "Rust (µs)" "Kotlin (µs)" "overhead (µs)" "ratio" \
    "$(java -version 2>&1 | head -1)" "$ROUNDS"
while read -r kt rs; do
    k_ns="$(awk -v n="$kt" '$1 == n { print $2 }' <<<"$KT_BEST")"
    calls="$(awk -v n="$kt" '$1 == n { print $3 }' <<<"$KT_BEST")"
    r_ns="$(awk -v n="$rs" '$1 == n { print $2 }' <<<"$RUST_BEST")"
    if [ -z "$k_ns" ] || [ -z "$r_ns" ]; then
        echo "no figure for $kt / $rs" >&2
        exit 1
    fi
    awk -v k="$kt" -v r="$rs" -v kn="$k_ns" -v rn="$r_ns" -v c="$calls" 'BEGIN {
        printf "%-18s %-18s %12.3f %12.3f %14.3f %7.2fx   (%d calls)\n", k, r, rn / 1000, kn / 1000, (kn - rn) / 1000, kn / rn, c }'
done <<<"$PAIRS"
