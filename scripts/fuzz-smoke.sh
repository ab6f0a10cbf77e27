#!/usr/bin/env bash
# Fuzz smoke run (issue 11): builds the cargo-fuzz targets of fuzz/ once (nightly, address
# sanitizer, into $CARGO_TARGET_DIR/fuzz, shared by the targets; unoptimised with debug
# assertions by default, FUZZ_PROFILE=release for the optimised build a long run wants: a smoke
# run of seconds gains less from optimisation than the build costs), then runs each target for
# FUZZ_SECONDS (default 15) from a copy of its checked-in corpus (fuzz/corpus/<target>/; the
# copy lives in a temporary folder, so nothing is written into the checkout). Prints each
# target's libFuzzer summary ("Done N runs in S second(s)", the cov: figure) and fails on the
# first crash, leak, timeout or out-of-memory, keeping the crashing input in
# $CARGO_TARGET_DIR/fuzz-artifacts/<target>/ (reproduce with
# `cargo +nightly fuzz run --fuzz-dir fuzz <target> <file>`).
#
#   scripts/fuzz-smoke.sh                       # every target, 15 s each
#   FUZZ_SECONDS=600 FUZZ_PROFILE=release scripts/fuzz-smoke.sh ffi_call   # a long run of one target
#
# Needs rustup's nightly toolchain (installed here when missing) and cargo-fuzz (installed
# with `cargo install cargo-fuzz --locked` when missing).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"

FUZZ_SECONDS="${FUZZ_SECONDS:-15}"
case "${FUZZ_PROFILE:-dev}" in
    dev) PROFILE_FLAG=--dev PROFILE_DIR=debug ;;
    release) PROFILE_FLAG=-O PROFILE_DIR=release ;;
    *) echo "FUZZ_PROFILE must be dev or release" >&2; exit 2 ;;
esac
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(webhook_verify screenshot_prepare render_input ffi_call)

ensure_rust_build_deps
rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
if ! command -v cargo-fuzz >/dev/null; then
    log "installing cargo-fuzz"
    cargo install cargo-fuzz --locked
fi

FUZZ_TARGET_DIR="$CARGO_TARGET_DIR/fuzz"
ARTIFACTS="$CARGO_TARGET_DIR/fuzz-artifacts"
log "building the fuzz targets (${TARGETS[*]}) into $FUZZ_TARGET_DIR"
if [ $# -eq 0 ]; then
    # One cargo build for every target.
    CARGO_TARGET_DIR="$FUZZ_TARGET_DIR" cargo +nightly fuzz build --fuzz-dir fuzz "$PROFILE_FLAG"
else
    for target in "${TARGETS[@]}"; do
        CARGO_TARGET_DIR="$FUZZ_TARGET_DIR" cargo +nightly fuzz build --fuzz-dir fuzz "$PROFILE_FLAG" "$target"
    done
fi
BIN_DIR="$FUZZ_TARGET_DIR/x86_64-unknown-linux-gnu/$PROFILE_DIR"

WORK="$(mktemp -d)"
# A CI run needs the fuzz build only for these smoke runs: its ~4 GB go back to the suites after.
trap 'rm -rf "$WORK"; [ -z "${CI:-}" ] || rm -rf "$FUZZ_TARGET_DIR"' EXIT
failed=()
for target in "${TARGETS[@]}"; do
    log "fuzzing $target for ${FUZZ_SECONDS}s"
    mkdir -p "$WORK/$target" "$ARTIFACTS/$target"
    cp -R "fuzz/corpus/$target/." "$WORK/$target/"
    # -rss_limit_mb: the targets decode images, bounded well under 2 GB; -timeout: one input.
    # SQLite's C globals are linked twice into render_input: not a bug of ours (cargo-fuzz
    # itself runs with detect_odr_violation=0).
    if ASAN_OPTIONS="detect_odr_violation=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}" "$BIN_DIR/$target" "$WORK/$target" \
        -max_total_time="$FUZZ_SECONDS" -max_len=65536 -timeout=20 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$ARTIFACTS/$target/" \
        >"$WORK/$target.log" 2>&1; then
        grep -E '^Done [0-9]+ runs' "$WORK/$target.log" | sed "s/^/$target: /"
        grep -E '#[0-9]+\s+DONE' "$WORK/$target.log" | tail -1 | sed "s/^/$target: /"
    else
        tail -60 "$WORK/$target.log" >&2
        failed+=("$target")
    fi
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz-smoke: crashes in: ${failed[*]} (inputs in $ARTIFACTS)" >&2
    exit 1
fi
echo "fuzz-smoke: ${#TARGETS[@]} target(s), ${FUZZ_SECONDS}s each, no crash"
