#!/usr/bin/env bash
# The one way to refresh every checked-in generated file. No build writes them: each generator
# runs here, on request, and scripts/check-generated.sh runs this into a temporary folder and
# diffs against the checked-in copies.
#
#   bindings/ffi/include/renderiq.h                      cbindgen, written by bindings/ffi/build.rs
#                                                        into the build's OUT_DIR, copied from there
#   bindings/dotnet/src/Renderiq.Sdk/NativeMethods.g.cs  csbindgen (cargo run -p renderiq-dotnet-codegen)
#   examples/assets/sample-viewport.png                  examples/assets/generate_sample_viewport.py,
#                                                        with Pillow 13.0.0 in a venv under the target dir
#   what `renderiq-codegen --list` prints                models, enums, error tables, hints and typed
#                                                        call methods of every binding (codegen/)
#
#   scripts/regenerate.sh             # rewrite the checked-in files, then review `git diff` and commit
#   scripts/regenerate.sh --out DIR   # write them under DIR at the same relative paths instead
#   scripts/regenerate.sh --list      # print the generated files' paths
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"

GENERATED=(
    bindings/ffi/include/renderiq.h
    bindings/dotnet/src/Renderiq.Sdk/NativeMethods.g.cs
    examples/assets/sample-viewport.png
)
# renderiq-codegen's files, as it lists them (so a new one is checked without editing this list).
mapfile -t CODEGEN < <(cargo run -q -p renderiq-codegen -- --list)
if [ ${#CODEGEN[@]} -eq 0 ]; then
    echo "renderiq-codegen --list printed nothing: does it build? (cargo run -p renderiq-codegen -- --list)" >&2
    exit 1
fi
GENERATED+=("${CODEGEN[@]}")
PILLOW_VERSION=13.0.0

out="$REPO_ROOT"
case "${1:-}" in
    "") ;;
    --list) printf '%s\n' "${GENERATED[@]}"; exit 0 ;;
    --out) out="$(mkdir -p "${2:?--out needs a folder}" && cd "$2" && pwd)" ;;
    *) echo "usage: scripts/regenerate.sh [--out DIR | --list]" >&2; exit 2 ;;
esac
for f in "${GENERATED[@]}"; do mkdir -p "$out/$(dirname "$f")"; done

log "renderiq.h (cbindgen, from the renderiq-ffi build script's OUT_DIR)"
# The build script runs on every build whose sources changed; its OUT_DIR is read from cargo's
# own report of the run rather than guessed.
out_dir="$(cargo build -p renderiq-ffi --message-format=json 2>/dev/null | python3 -c '
import json, sys
dirs = [m["out_dir"] for m in map(json.loads, sys.stdin)
        if m.get("reason") == "build-script-executed"
        and ("/bindings/ffi#" in m["package_id"] or m["package_id"].startswith("renderiq-ffi "))]
print(dirs[-1] if dirs else "")
')" || true
if [ -z "$out_dir" ] || [ ! -f "$out_dir/renderiq.h" ]; then
    echo "cargo build -p renderiq-ffi did not generate renderiq.h; its output:" >&2
    cargo build -p renderiq-ffi >&2 || true
    exit 1
fi
cp "$out_dir/renderiq.h" "$out/bindings/ffi/include/renderiq.h"

log "NativeMethods.g.cs (csbindgen)"
cargo run -q -p renderiq-dotnet-codegen -- --out "$out/bindings/dotnet/src/Renderiq.Sdk/NativeMethods.g.cs" >/dev/null

log "models, enums, error tables and hints (renderiq-codegen, from the core's types and error table)"
cargo run -q -p renderiq-codegen -- --out "$out" >/dev/null

log "sample-viewport.png (Pillow $PILLOW_VERSION)"
venv="$CARGO_TARGET_DIR/regenerate-venv"
if ! "$venv/bin/python" -c "import PIL, sys; sys.exit(PIL.__version__ != '$PILLOW_VERSION')" 2>/dev/null; then
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check "pillow==$PILLOW_VERSION"
fi
"$venv/bin/python" examples/assets/generate_sample_viewport.py "$out/examples/assets/sample-viewport.png" >/dev/null

if [ "$out" = "$REPO_ROOT" ]; then
    git status --short -- "${GENERATED[@]}"
fi
