#!/usr/bin/env bash
# Release artifacts of the Python package `renderiq`, built into $DIST/python/ (cleaned first):
#   renderiq-<v>-cp39-abi3-manylinux_2_28_x86_64.whl   (the dist profile, stripped)
#   renderiq-<v>.tar.gz                                                      (the sdist)
# The wheel is built by maturin with an explicit manylinux policy, so maturin's own audit fails
# the build when the native module needs a newer glibc symbol or links any library outside the
# policy (nothing is repaired or bundled). Then this script checks the wheel itself: its tag
# (cp39-abi3, the policy), that it carries the stubs and py.typed, and the NEEDED entries of
# renderiq/_native.abi3.so (glibc's libraries, libgcc_s and the loader only).
#
#   scripts/release/python.sh
#
# Environment: RENDERIQ_DIST (default dist/), PY_MANYLINUX (default manylinux_2_28),
# RENDERIQ_PYTHON (the interpreter of the tool venv; default python3).
# Tools (maturin, ziglang) go into a venv under $CARGO_TARGET_DIR.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../release-lib.sh"
cd "$REPO_ROOT"

POLICY="${PY_MANYLINUX:-manylinux_2_28}"
OUT="$DIST/python"
TOOLS="$CARGO_TARGET_DIR/release-python-tools"

ensure_rust_build_deps
ensure_apt binutils
if [ ! -x "$TOOLS/bin/maturin" ] || ! "$TOOLS/bin/python" -c 'import ziglang' 2>/dev/null; then
    log "tool venv $TOOLS (maturin, ziglang)"
    rm -rf "$TOOLS"
    "${RENDERIQ_PYTHON:-python3}" -m venv "$TOOLS"
    # ziglang < 0.14: 0.14 links C objects of debug builds against a UBSan runtime it then lacks.
    "$TOOLS/bin/python" -m pip install -q --disable-pip-version-check 'maturin>=1.9,<2' 'ziglang<0.14'
fi

# python_check_needed SO: prints the NEEDED entries of SO and fails on any library outside glibc
# (libc, libm, libpthread, libdl), libgcc_s and the loader, or on an RPATH/RUNPATH.
python_check_needed() {
    local so="$1" lib bad=0
    readelf -d "$so" | grep -E '\((NEEDED|RPATH|RUNPATH)\)' >&2 || true
    while read -r lib; do
        case "$lib" in
            libc.so.6|libm.so.6|libpthread.so.0|libdl.so.2|libgcc_s.so.1|ld-linux-x86-64.so.2) ;;
            *) echo "!! $so needs $lib (not glibc, libgcc_s or the loader)" >&2; bad=1 ;;
        esac
    done < <(readelf -d "$so" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p')
    if readelf -d "$so" | grep -qE '\((RPATH|RUNPATH)\)'; then
        echo "!! $so has an RPATH/RUNPATH" >&2; bad=1
    fi
    return "$bad"
}

rm -rf "$OUT"
mkdir -p "$OUT"
# The wheel is linked by zig against the glibc version of the policy (--zig): linked against
# this machine's glibc, the module would need symbols of glibc 2.34 (pthread_* moved into libc)
# and carry a manylinux_2_34 tag. maturin finds zig through `python -m ziglang` of the tool venv.
log "release wheel (maturin build --profile $RELEASE_PROFILE --zig --compatibility $POLICY)"
(cd bindings/python && PATH="$TOOLS/bin:$PATH" "$TOOLS/bin/maturin" build --profile "$RELEASE_PROFILE" --locked \
    --zig --compatibility "$POLICY" --out "$OUT") >&2
log "sdist (maturin sdist)"
(cd bindings/python && "$TOOLS/bin/maturin" sdist --out "$OUT") >&2

shopt -s nullglob
wheels=("$OUT"/renderiq-*.whl)
sdists=("$OUT"/renderiq-*.tar.gz)
[ ${#wheels[@]} -eq 1 ] && [ ${#sdists[@]} -eq 1 ] || { echo "!! expected one wheel and one sdist in $OUT" >&2; ls -l "$OUT" >&2; exit 1; }
WHEEL="${wheels[0]}"
SDIST="${sdists[0]}"
case "$(basename "$WHEEL")" in
    "renderiq-$RELEASE_VERSION-cp39-abi3-"*manylinux*_x86_64.whl) ;;
    *) echo "!! unexpected wheel name: $(basename "$WHEEL")" >&2; exit 1 ;;
esac
[ "$(basename "$SDIST")" = "renderiq-$RELEASE_VERSION.tar.gz" ] || { echo "!! unexpected sdist name: $SDIST" >&2; exit 1; }

log "checking the wheel's contents and the native module's NEEDED entries"
CHECK="$(mktemp -d)"
trap 'rm -rf "$CHECK"' EXIT
"$TOOLS/bin/python" - "$WHEEL" "$CHECK" <<'PY'
import sys, zipfile
wheel, out = sys.argv[1], sys.argv[2]
names = set(zipfile.ZipFile(wheel).namelist())
need = {"renderiq/__init__.py", "renderiq/py.typed", "renderiq/_native.pyi", "renderiq/_native.abi3.so"}
missing = need - names
assert not missing, f"the wheel lacks {sorted(missing)}"
so = [n for n in names if n.endswith(".so")]
assert so == ["renderiq/_native.abi3.so"], f"unexpected native files: {so}"
assert not [n for n in names if ".libs/" in n], "the wheel bundles libraries"
zipfile.ZipFile(wheel).extract("renderiq/_native.abi3.so", out)
PY
python_check_needed "$CHECK/renderiq/_native.abi3.so"

log "wrote"
ls -l "$OUT" >&2
printf '%s\n' "$WHEEL" "$SDIST"
