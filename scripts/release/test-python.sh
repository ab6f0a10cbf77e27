#!/usr/bin/env bash
# Tests the Python release artifacts of $DIST/python/ (scripts/release/python.sh) the way a user
# meets them, each in a fresh venv:
#   1. the wheel as is: `auditwheel show` must report it consistent with its manylinux_2_28 tag
#      (nothing to repair); `abi3audit --strict` (nothing outside the stable ABI of its cp39
#      tag); the wheel's own tags;
#   2. the wheel installed into a fresh venv: the pytest suite (bindings/python/tests, its own
#      reference servers on free ports) imports the INSTALLED package, not the checkout;
#   3. the sdist built by `pip wheel renderiq-<v>.tar.gz` in another fresh venv (pip fetches the
#      build backend, maturin, from PyPI; a dev-profile build, MATURIN_PEP517_ARGS=--profile dev,
#      into the shared $CARGO_TARGET_DIR to keep it short), installed there and imported;
#   4. with the reference server on 127.0.0.1:8787 (qs_start_server, under /tmp/qs8787.lock):
#      the from-source `sh` quick starts of the Python sections (README.md's "Python, Blender and
#      Rhino" section and bindings/python/README.md) run as written with bash -e in a copy of the
#      checkout (its tracked and untracked-not-ignored files; CARGO_TARGET_DIR is the shared one,
#      so only the workspace crates are rebuilt), then every `python` quick start run as written
#      in the quick-start folder (./view.png) with the released wheel's venv, with the sdist's
#      venv and with the venv the from-source steps made.
#
#   scripts/release/test-python.sh
#
# Environment: RENDERIQ_DIST (default dist/), RENDERIQ_WHEEL / RENDERIQ_SDIST (default: the one
# file of each kind in $DIST/python/), RENDERIQ_PYTHON (default python3.11, else python3).
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../release-lib.sh"
cd "$REPO_ROOT"

pick() { # pick VAR GLOB: $VAR, else the one file matching GLOB
    local var="$1" glob="$2" found
    if [ -n "${!var:-}" ]; then printf '%s\n' "${!var}"; return 0; fi
    # shellcheck disable=SC2206 # the glob is meant to expand
    found=($glob)
    [ ${#found[@]} -eq 1 ] && [ -f "${found[0]}" ] || {
        echo "!! expected one $glob (run scripts/release/python.sh, or set $var)" >&2; return 1; }
    printf '%s\n' "${found[0]}"
}
WHEEL="$(realpath "$(pick RENDERIQ_WHEEL "$DIST/python/renderiq-*.whl")")"
SDIST="$(realpath "$(pick RENDERIQ_SDIST "$DIST/python/renderiq-*.tar.gz")")"
PY="${RENDERIQ_PYTHON:-}"
if [ -z "$PY" ]; then
    if command -v python3.11 >/dev/null && python3.11 -c 'import sys' 2>/dev/null; then PY=python3.11; else PY=python3; fi
fi
PIP=(-m pip install -q --disable-pip-version-check)

ensure_rust_build_deps
ensure_apt binutils
SERVER_BIN="$(release_server_bin)"
export RENDERIQ_SERVER_BIN="$SERVER_BIN"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/renderiq-release-python.XXXXXX")"
cleanup() {
    qs_stop_server
    rm -rf "$WORK"
}
trap cleanup EXIT

new_venv() { # new_venv DIR: a fresh venv with an up-to-date pip
    "$PY" -m venv "$1"
    "$1/bin/python" "${PIP[@]}" --upgrade pip
}

# ---- 1. the wheel as is
log "the wheel as is: $(basename "$WHEEL") ($(du -h "$WHEEL" | cut -f1))"
new_venv "$WORK/tools"
"$WORK/tools/bin/python" "${PIP[@]}" 'auditwheel>=6' 'abi3audit>=0.0.20'
AW="$("$WORK/tools/bin/auditwheel" show "$WHEEL" 2>&1)" || { echo "$AW" >&2; echo "!! auditwheel show failed" >&2; exit 1; }
printf '%s\n' "$AW"
TAG="$(printf '%s' "$AW" | tr '\n' ' ' | sed -n 's/.*consistent with the following platform tag: *"\([^"]*\)".*/\1/p')"
case "$(basename "$WHEEL")" in
    *-cp39-abi3-"$TAG".whl) ;;
    *) echo "!! auditwheel reports the platform tag '$TAG', the wheel is $(basename "$WHEEL")" >&2; exit 1 ;;
esac
[ "$TAG" = manylinux_2_28_x86_64 ] || { echo "!! expected manylinux_2_28_x86_64, auditwheel says '$TAG'" >&2; exit 1; }
# Anything auditwheel would have to bundle is listed as "system-provided"/external; a repair
# would be needed if it names a library outside the policy.
if printf '%s' "$AW" | grep -q "requires external shared libraries\|not consistent"; then
    echo "!! auditwheel would need to repair the wheel" >&2; exit 1
fi
"$WORK/tools/bin/abi3audit" --strict --summary --verbose "$WHEEL"

# ---- 2. the wheel in a fresh venv: the pytest suite against the installed package
log "the wheel in a fresh venv: the pytest suite"
new_venv "$WORK/venv-wheel"
"$WORK/venv-wheel/bin/python" "${PIP[@]}" "$WHEEL" 'pytest>=7' 'standardwebhooks>=1.0' 'pillow>=10'
(
    cd "$REPO_ROOT/bindings/python"
    "$WORK/venv-wheel/bin/python" - "$WORK/venv-wheel" <<'PY'
import pathlib, sys, renderiq, renderiq._native as native
where = pathlib.Path(renderiq.__file__).resolve()
assert pathlib.Path(sys.argv[1]).resolve() in where.parents, f"renderiq imported from {where}"
assert (where.parent / "py.typed").is_file() and (where.parent / "_native.pyi").is_file()
print("renderiq", renderiq.__version__, "from", where, "native", pathlib.Path(native.__file__).name)
PY
    # bpy (Blender) is installed by scripts/test-python.sh --release-wheel, which runs the same
    # suite with the Blender add-on test against this wheel.
    "$WORK/venv-wheel/bin/python" -m pytest tests -p no:cacheprovider -q -rs -m "not blender"
)

# ---- 3. the sdist builds in a fresh venv
log "the sdist in a fresh venv: pip wheel $(basename "$SDIST") (dev profile, shared target dir)"
new_venv "$WORK/venv-sdist"
start=$SECONDS
CARGO_TARGET_DIR="$CARGO_TARGET_DIR" MATURIN_PEP517_ARGS="--profile dev" \
    flock /tmp/cargo.lock "$WORK/venv-sdist/bin/python" -m pip wheel -q --disable-pip-version-check \
    --no-deps -w "$WORK/sdist-wheel" "$SDIST"
log "the sdist built in $((SECONDS - start)) s: $(ls "$WORK/sdist-wheel")"
"$WORK/venv-sdist/bin/python" "${PIP[@]}" "$WORK"/sdist-wheel/renderiq-*.whl
(cd "$WORK" && "$WORK/venv-sdist/bin/python" -c '
import renderiq, sys
assert sys.prefix in renderiq.__file__, renderiq.__file__
print("sdist build: renderiq", renderiq.__version__, "from", renderiq.__file__)')

# ---- 4. the quick starts as written, on 127.0.0.1:8787
exec 9>/tmp/qs8787.lock
log "waiting for the quick-start port lock (/tmp/qs8787.lock)"
flock 9
QS="$WORK/qs"
mkdir -p "$QS"
qs_start_server "$QS"

# The from-source steps of the Python sections only (other `sh` quick starts belong to other
# languages): bindings/python/README.md's, and README.md's between its Python heading and the next.
qs_extract sh "$WORK/sh" >"$WORK/sh.list"
SECTION="$(awk '/^## Python, Blender and Rhino/{s=NR; next} s && /^## /{print s, NR; exit}' README.md)"
read -r FROM TO <<<"$SECTION"
STEPS=()
while read -r f; do
    case "$(basename "$f")" in
        bindings-python-readme-*.sh) STEPS+=("$f") ;;
        readme-*.sh)
            line="$(basename "$f" .sh)"; line="${line#readme-}"
            [ "$line" -gt "$FROM" ] && [ "$line" -lt "$TO" ] && STEPS+=("$f") ;;
    esac
done <"$WORK/sh.list"
[ ${#STEPS[@]} -ge 2 ] || { echo "!! expected the from-source steps in both Python READMEs, found ${STEPS[*]:-none}" >&2; exit 1; }
for f in "${STEPS[@]}"; do
    log "from-source quick start $(basename "$f"), run as written in a copy of the checkout"
    rm -rf "$WORK/tree" && mkdir -p "$WORK/tree"
    git ls-files -z -co --exclude-standard | tar -cf - --null -T - | tar -xf - -C "$WORK/tree"
    cat "$f"
    (cd "$WORK/tree" && CARGO_TARGET_DIR="$CARGO_TARGET_DIR" flock /tmp/cargo.lock bash -e "$f")
    "$WORK/tree/.venv/bin/python" -c 'import renderiq; print("from source:", renderiq.__file__)'
done

qs_extract python "$WORK/py" >"$WORK/py.list"
[ "$(wc -l <"$WORK/py.list")" -ge 2 ] || { echo "!! expected a python quick start in each README" >&2; exit 1; }
for venv in "$WORK/venv-wheel" "$WORK/venv-sdist" "$WORK/tree/.venv"; do
    while read -r f; do
        log "python quick start $(basename "$f") with $(basename "$venv")"
        rm -f "$QS/render.png"
        (cd "$QS" && "$venv/bin/python" "$f")
        # The quick starts download the render: a real PNG from the server must be there.
        "$venv/bin/python" - "$QS/render.png" <<'PY'
import sys
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 1000, (len(data), data[:8])
print(f"render.png: {len(data)} bytes")
PY
    done <"$WORK/py.list"
done
qs_stop_server
log "the Python release artifacts passed: $(basename "$WHEEL"), $(basename "$SDIST")"
