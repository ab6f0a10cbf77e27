# Shared helpers for the repository's scripts. Source it: `. "$(dirname "$0")/lib.sh"`.
# shellcheck shell=bash

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export REPO_ROOT
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$REPO_ROOT/target}"

log() { printf '\n==> %s\n' "$*" >&2; }

# ensure_apt PKG...: installs the Debian packages that are missing (noninteractive, one
# `apt-get update` per run). Needs root or sudo; fails loudly otherwise.
ensure_apt() {
    local missing=() pkg
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    local SUDO=""
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || { echo "need root to install: ${missing[*]}" >&2; return 1; }
        SUDO="sudo"
    fi
    log "installing Debian packages: ${missing[*]}"
    if [ ! -f /tmp/.renderiq-apt-updated ]; then
        $SUDO apt-get update -qq </dev/null && touch /tmp/.renderiq-apt-updated
    fi
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" </dev/null
}

# What building the SDK, the server and the CLI needs (the keychain store speaks D-Bus in pure
# Rust since keyring 4: no libdbus).
ensure_rust_build_deps() {
    ensure_apt pkg-config
}

# What building the whole workspace needs: the above, plus Ruby's headers and libclang for the
# Ruby extension (magnus/rb-sys).
ensure_workspace_build_deps() {
    ensure_rust_build_deps && ensure_apt ruby-full ruby-dev libclang-dev clang
}
