#!/usr/bin/env bash
# Size of every shipped native library of this platform (x86-64 Linux), stripped, against the
# 8 MB target of issue 15. The libraries are built the way scripts/release.sh builds them:
#
#   librenderiq.so           C ABI (C/C++, C#, Ruby's Fiddle backend)   release_native_libs
#   librenderiq_native.so    Ruby extension                           (cargo build --profile dist,
#   librenderiq_uniffi.so    Kotlin/Swift (uniffi)                     one invocation)
#   _native.abi3.so          Python extension, taken out of the wheel scripts/release/python.sh
#                            builds (maturin --profile dist --zig, manylinux_2_28) into a
#                            temporary dist folder
#
# Each is copied and stripped (`strip`: every symbol but the dynamic ones, as
# `cmake --install --strip` ships librenderiq) and printed in MB (10^6 bytes) next to the target;
# the size as built (target/dist keeps the symbol table) is printed beside it.
#
#   bench/library_sizes.sh                 # exits 1 when a library is above the target
#   bench/library_sizes.sh --no-python     # the cargo-built libraries only (no maturin, no zig)
#   LIBRARY_SIZE_TARGET_MB=8 bench/library_sizes.sh
#
# Run by hand (not in CI timing): a cold build of the dist profile takes ~20 min on 2 cores.
set -euo pipefail
# shellcheck source=../scripts/lib.sh
. "$(dirname "$0")/../scripts/lib.sh"
# shellcheck source=../scripts/release-lib.sh
. "$(dirname "$0")/../scripts/release-lib.sh"
cd "$REPO_ROOT"

PYTHON=1
for arg in "$@"; do
    case "$arg" in
        --no-python) PYTHON=0 ;;
        *) echo "unknown argument: $arg" >&2; exit 2 ;;
    esac
done
TARGET_MB="${LIBRARY_SIZE_TARGET_MB:-8}"

ensure_workspace_build_deps
command -v strip >/dev/null || ensure_apt binutils
WORK="$(mktemp -d "${TMPDIR:-/tmp}/renderiq-library-sizes.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

start=$SECONDS
release_native_libs
LIBS=("librenderiq.so:$RELEASE_LIB_DIR/librenderiq.so"
      "librenderiq_native.so (Ruby):$RELEASE_LIB_DIR/librenderiq_native.so"
      "librenderiq_uniffi.so (Kotlin):$RELEASE_LIB_DIR/librenderiq_uniffi.so")
if [ "$PYTHON" = 1 ]; then
    RENDERIQ_DIST="$WORK/dist" DIST="$WORK/dist" scripts/release/python.sh >/dev/null
    python3 -m zipfile -e "$WORK"/dist/python/renderiq-*.whl "$WORK/wheel"
    LIBS+=("_native.abi3.so (Python):$WORK/wheel/renderiq/_native.abi3.so")
fi
build_s=$((SECONDS - start))

mb() { awk -v b="$1" 'BEGIN { printf "%.2f", b / 1e6 }'; }
printf '\n%-34s %12s %12s %8s  %s\n' "library ($RELEASE_PROFILE profile)" "stripped MB" "as built MB" "target" "result"
status=0
for entry in "${LIBS[@]}"; do
    name="${entry%%:*}" file="${entry#*:}"
    strip -o "$WORK/stripped.so" "$file"
    bytes="$(stat -c %s "$WORK/stripped.so")"
    result=ok
    if awk -v b="$bytes" -v t="$TARGET_MB" 'BEGIN { exit !(b > t * 1e6) }'; then
        result="ABOVE TARGET"
        status=1
    fi
    printf '%-34s %12s %12s %8s  %s\n' "$name" "$(mb "$bytes")" "$(mb "$(stat -c %s "$file")")" "$TARGET_MB" "$result"
done
printf '(builds and wheel: %d s, mostly up-to-date checks when nothing changed)\n' "$build_s"
exit $status
