#!/usr/bin/env bash
# Python binding: builds the `renderiq` package (pyo3 + maturin, abi3) and the reference server,
# then runs the pytest suite: the end-to-end scenario against the real server, every exception,
# background operations, the GIL, webhooks (with the `standardwebhooks` package), the Rhino
# script's logic, and the Blender add-on in real headless Blender (the `bpy` package from PyPI).
#
#   scripts/test-python.sh                 # debug wheel (`maturin build`), installed into .venv
#   scripts/test-python.sh --release-wheel # the release wheel (the manylinux_2_28 one of
#                                          # scripts/release/python.sh) installed into a fresh
#                                          # venv; the abi3 symbol check (abi3audit: nothing
#                                          # outside the CPython 3.9 stable ABI); the same wheel
#                                          # in a Python 3.9 venv (Rhino 8's CPython)
#   scripts/test-python.sh -- -k webhooks  # extra pytest arguments after --
#
# pytest runs verbose: one `tests/test_x.py::test_y PASSED` line per test, for the required-tests
# check.
#
# Environment: RENDERIQ_VENV (default .venv), RENDERIQ_PYTHON (default python3.11, else python3),
# RENDERIQ_SKIP_BPY=1 to skip installing bpy (the Blender test is then skipped; not allowed with
# CI set), RENDERIQ_PYTHON39 (a Python 3.9 interpreter; default: pyenv's newest 3.9.x, else
# python3.9 on PATH), RENDERIQ_ALLOW_NO_PY39=1 to let --release-wheel pass without one (then 3.9
# is checked through the abi3 symbol check only). --release-wheel tests RENDERIQ_WHEEL when set,
# else the one wheel in $DIST/python/ (RENDERIQ_DIST, default dist/: scripts/release.sh ran
# before), else it runs scripts/release/python.sh to build one there.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/release-lib.sh"
cd "$REPO_ROOT"

MODE=develop
PYTEST_ARGS=()
while [ $# -gt 0 ]; do
    case "$1" in
        --release-wheel) MODE=wheel ;;
        --) shift; PYTEST_ARGS=("$@"); break ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
    shift
done

ensure_rust_build_deps
# Shared libraries the `bpy` wheel links against (X11/GL client libraries; no display needed).
ensure_apt libx11-6 libxrender1 libxfixes3 libxi6 libxkbcommon0 libxext6 libsm6 libice6 \
    libgl1 libegl1 libxxf86vm1

PY="${RENDERIQ_PYTHON:-}"
if [ -z "$PY" ]; then
    if command -v python3.11 >/dev/null && python3.11 -c 'import sys' 2>/dev/null; then PY=python3.11; else PY=python3; fi
fi
VENV="${RENDERIQ_VENV:-$REPO_ROOT/.venv}"
if [ "$MODE" = wheel ]; then
    VENV="$CARGO_TARGET_DIR/python-wheel-venv"
    rm -rf "$VENV"
fi
if [ ! -x "$VENV/bin/python" ]; then
    log "creating the virtual environment $VENV ($PY)"
    "$PY" -m venv "$VENV"
fi
log "installing the test tools"
"$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
"$VENV/bin/python" -m pip install -q --disable-pip-version-check 'pytest>=7' \
    'standardwebhooks>=1.0' 'pillow>=10'
[ "$MODE" = develop ] && "$VENV/bin/python" -m pip install -q --disable-pip-version-check 'maturin>=1.9,<2'
[ "$MODE" = wheel ] && "$VENV/bin/python" -m pip install -q --disable-pip-version-check 'abi3audit>=0.0.20'
if [ "${RENDERIQ_SKIP_BPY:-0}" != 1 ]; then
    if "$VENV/bin/python" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else 1)'; then
        log "installing bpy (Blender as a Python module; large download the first time)"
        "$VENV/bin/python" -m pip install -q --disable-pip-version-check 'bpy>=4.2,<6'
        export RENDERIQ_REQUIRE_BPY=1
    else
        log "bpy needs Python 3.11; the Blender add-on test will be skipped"
        if [ -n "${CI:-}" ]; then
            echo "!! CI is set: the Blender add-on test must run, so the venv needs Python 3.11 (set RENDERIQ_PYTHON)" >&2
            exit 1
        fi
    fi
elif [ -n "${CI:-}" ]; then
    echo "!! CI is set: RENDERIQ_SKIP_BPY=1 would skip the Blender add-on test" >&2
    exit 1
fi

export RENDERIQ_SERVER_BIN="${RENDERIQ_SERVER_BIN:-$CARGO_TARGET_DIR/debug/renderiq-server}"
log "building the reference server"
cargo build -p renderiq-server

export VIRTUAL_ENV="$VENV"
export PATH="$VENV/bin:$PATH"
# A real wheel in both modes: the suite tests the installed package, and the Blender test bundles
# the same wheel into the extension it installs.
if [ "$MODE" = wheel ]; then
    # The release wheel users get: built once by scripts/release/python.sh (manylinux_2_28, linked
    # against glibc 2.28 by zig), tested here as is.
    if [ -z "${RENDERIQ_WHEEL:-}" ]; then
        shopt -s nullglob
        wheels=("$DIST"/python/renderiq-*.whl)
        shopt -u nullglob
        if [ ${#wheels[@]} -eq 0 ]; then
            log "no release wheel in $DIST/python: building it (scripts/release/python.sh)"
            "$REPO_ROOT/scripts/release/python.sh" >/dev/null
            wheels=("$DIST"/python/renderiq-*.whl)
        fi
        [ ${#wheels[@]} -eq 1 ] || { echo "!! expected one wheel in $DIST/python: ${wheels[*]}" >&2; exit 1; }
        RENDERIQ_WHEEL="${wheels[0]}"
    fi
    RENDERIQ_WHEEL="$(realpath "$RENDERIQ_WHEEL")"
    case "$(basename "$RENDERIQ_WHEEL")" in
        *-manylinux_2_28_x86_64.whl) ;;
        *) echo "!! not the manylinux_2_28 release wheel: $RENDERIQ_WHEEL" >&2; exit 1 ;;
    esac
    log "testing the release wheel $RENDERIQ_WHEEL"
else
    # The debug build is much faster to compile. No auditwheel repair or policy check: the debug
    # wheel is linked against this machine's glibc and stays in this machine's venv.
    WHEELS="$CARGO_TARGET_DIR/python-wheels"
    rm -rf "$WHEELS"
    log "building the wheel (maturin build, debug)"
    (cd bindings/python && maturin build --auditwheel skip --out "$WHEELS")
    RENDERIQ_WHEEL="$(ls "$WHEELS"/renderiq-*.whl)"
fi
export RENDERIQ_WHEEL
"$VENV/bin/python" -m pip install -q --disable-pip-version-check --force-reinstall --no-deps "$RENDERIQ_WHEEL"

# find_python39: prints a CPython 3.9 interpreter, or nothing. pyenv's are looked at directly
# (its python3.9 shim only works when 3.9 is selected); Debian 12 packages no 3.9, and PyPI
# serves no CPython interpreter that installs without a download from elsewhere.
find_python39() {
    local roots=() candidates=() candidate
    [ -n "${PYENV_ROOT:-}" ] && roots+=("$PYENV_ROOT")
    roots+=("${HOME:-/root}/.pyenv" /root/.pyenv)
    command -v pyenv >/dev/null && roots+=("$(pyenv root 2>/dev/null)")
    for root in "${roots[@]}"; do
        for candidate in "$root"/versions/3.9*/bin/python3.9; do
            [ -x "$candidate" ] && candidates+=("$candidate")
        done
    done
    [ ${#candidates[@]} -gt 0 ] && mapfile -t candidates < <(printf '%s\n' "${candidates[@]}" | sort -V -r -u)
    candidates=(${RENDERIQ_PYTHON39:+"$RENDERIQ_PYTHON39"} "${candidates[@]}")
    command -v python3.9 >/dev/null && candidates+=("$(command -v python3.9)")
    for candidate in "${candidates[@]}"; do
        if "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 9) or sys.implementation.name != "cpython")' \
                >/dev/null 2>&1; then
            echo "$candidate"
            return 0
        fi
    done
    return 0
}

# abi3_check: the extension module imports no symbol outside the CPython 3.9 stable ABI (abi3audit
# knows every stable-ABI symbol and the version that added it). First abi3audit must reject two
# canaries, so a checker that passes everything cannot pass the wheel.
abi3_check() {
    local dir="$CARGO_TARGET_DIR/python-abi3-check" audit="$VENV/bin/abi3audit"
    rm -rf "$dir" && mkdir -p "$dir"
    case "$(basename "$RENDERIQ_WHEEL")" in
        *-cp39-abi3-*) ;;
        *) echo "!! the wheel is not tagged cp39-abi3: $(basename "$RENDERIQ_WHEEL")" >&2; return 1 ;;
    esac
    printf '%s\n' 'extern void *_PyThreadState_UncheckedGet(void);' \
        'void *canary(void) { return _PyThreadState_UncheckedGet(); }' >"$dir/private.c"
    printf '%s\n' 'extern const char *PyUnicode_AsUTF8AndSize(void *, long *);' \
        'const char *canary(void *s) { return PyUnicode_AsUTF8AndSize(s, 0); }' >"$dir/newer.c"
    local canary
    for canary in private newer; do # a non-abi3 symbol; an abi3 symbol added in 3.10
        cc -shared -fPIC -o "$dir/$canary.abi3.so" "$dir/$canary.c"
        if "$audit" --strict --assume-minimum-abi3 3.9 "$dir/$canary.abi3.so" >"$dir/$canary.log" 2>&1; then
            cat "$dir/$canary.log" >&2
            echo "!! abi3audit accepted the '$canary' canary: the abi3 check cannot be trusted" >&2
            return 1
        fi
    done
    "$VENV/bin/python" - "$RENDERIQ_WHEEL" "$dir" <<'PY'
import sys, zipfile
names = [n for n in zipfile.ZipFile(sys.argv[1]).namelist() if n.endswith(".so")]
assert names == ["renderiq/_native.abi3.so"], names
zipfile.ZipFile(sys.argv[1]).extract(names[0], sys.argv[2])
PY
    # The wheel (baseline from its tag) and the module alone (baseline 3.9, whatever the tag).
    "$audit" --strict --summary --verbose "$RENDERIQ_WHEEL"
    "$audit" --strict --summary --verbose --assume-minimum-abi3 3.9 "$dir/renderiq/_native.abi3.so"
}

# run_pytest PYTHON [PYTEST ARGS]: the suite against the wheel installed for PYTHON. The package
# source lives in python/, which is not on sys.path here: `import renderiq` finds the installed
# wheel.
run_pytest() {
    (
        local py="$1"
        cd "$REPO_ROOT/bindings/python"
        "$py" -c 'import renderiq, sys; print("testing renderiq", renderiq.__version__, "from", renderiq.__file__, "on Python", sys.version.split()[0])'
        shift
        "$py" -m pytest tests -p no:cacheprovider -v -rs "$@" "${PYTEST_ARGS[@]}"
    )
}

log "pytest"
run_pytest "$VENV/bin/python"
[ "$MODE" = wheel ] || exit 0

log "abi3 symbol check of the release wheel (abi3audit)"
abi3_check

# The same abi3 wheel on the oldest Python it declares (Rhino 8 runs CPython 3.9).
PY39="$(find_python39)"
if [ -z "$PY39" ]; then
    {
        echo
        echo "!! NO PYTHON 3.9 ON THIS MACHINE: the wheel was NOT tested on Python 3.9 (Rhino 8's CPython)."
        echo "!! Tested on $("$VENV/bin/python" -V) only; 3.9 is covered by the abi3 symbol check alone."
        echo "!! Install one (pyenv install 3.9) or set RENDERIQ_PYTHON39; RENDERIQ_ALLOW_NO_PY39=1 accepts this."
    } >&2
    [ "${RENDERIQ_ALLOW_NO_PY39:-0}" = 1 ] && exit 0
    exit 1
fi
VENV39="$CARGO_TARGET_DIR/python-wheel-venv-3.9"
rm -rf "$VENV39"
log "the same wheel in a fresh Python 3.9 venv ($PY39)"
"$PY39" -m venv "$VENV39"
"$VENV39/bin/python" -m pip install -q --disable-pip-version-check 'pytest>=7' \
    'standardwebhooks>=1.0' 'pillow>=10' "$RENDERIQ_WHEEL"
"$VENV39/bin/python" -c 'import sys; assert sys.version_info[:2] == (3, 9), sys.version'
# bpy exists for Python 3.11 only: the Blender add-on tests ran in the first run.
run_pytest "$VENV39/bin/python" -m "not blender"
