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

# server_wait_url VAR LOG PID NAME: waits up to 30 s for a `renderiq-server serve` started in the
# background (pid PID, output in LOG) to print its address, and stores its base URL in VAR.
# Fails, printing LOG, when the server exits first or does not start in time.
server_wait_url() {
    local _var="$1" _log="$2" _pid="$3" _name="$4" _url="" _i
    for _i in $(seq 1 300); do
        _url="$(sed -n 's/^Renderiq reference server listening on \(http:\/\/[0-9.:]*\).*/\1/p' "$_log" | head -n1)"
        [ -n "$_url" ] && break
        if ! kill -0 "$_pid" 2>/dev/null; then
            echo "the $_name server exited:" >&2
            cat "$_log" >&2
            return 1
        fi
        sleep 0.1
    done
    if [ -z "$_url" ]; then
        echo "the $_name server did not start within 30 s:" >&2
        cat "$_log" >&2
        return 1
    fi
    printf -v "$_var" '%s' "$_url"
}

# PostgreSQL for a script (Debian's): pg_up installs it when missing, creates a cluster when there
# is none and starts it when it is not running; it sets PG_VERSION, PG_CLUSTER, PG_PORT, and
# PG_STARTED when it started the cluster, which pg_down then stops again. psql_admin runs psql as
# the postgres user on that cluster.
pg_up() {
    ensure_apt postgresql
    PG_VERSION="$(pg_lsclusters -h | awk 'NR==1 {print $1}')"
    PG_CLUSTER="$(pg_lsclusters -h | awk 'NR==1 {print $2}')"
    if [ -z "$PG_VERSION" ]; then
        PG_VERSION="$(find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -n | tail -1)"
        PG_CLUSTER=main
        log "creating the PostgreSQL $PG_VERSION cluster $PG_CLUSTER"
        pg_createcluster "$PG_VERSION" "$PG_CLUSTER" >/dev/null
    fi
    PG_STARTED=""
    if ! pg_lsclusters -h | awk -v v="$PG_VERSION" -v c="$PG_CLUSTER" '$1==v && $2==c {print $4}' | grep -q online; then
        log "starting PostgreSQL $PG_VERSION/$PG_CLUSTER"
        pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" start
        PG_STARTED=1
    fi
    PG_PORT="$(pg_lsclusters -h | awk -v v="$PG_VERSION" -v c="$PG_CLUSTER" '$1==v && $2==c {print $3}')"
}

psql_admin() {
    local as_postgres=(runuser -u postgres --)
    [ "$(id -u)" -eq 0 ] || as_postgres=(sudo -u postgres)
    "${as_postgres[@]}" psql -p "$PG_PORT" -qAtX -v ON_ERROR_STOP=1 "$@"
}

pg_down() {
    if [ -n "${PG_STARTED:-}" ]; then
        log "stopping PostgreSQL $PG_VERSION/$PG_CLUSTER"
        pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" stop || true
    fi
}

# pom_property POM NAME: the value of <NAME>…</NAME> in a Maven pom (its properties).
pom_property() { sed -n "s:.*<$2>\(.*\)</$2>.*:\1:p" "$1"; }

# pom_matches_binding POM PROPERTY...: fails, naming the first difference, unless POM pins each
# PROPERTY as the Kotlin binding's pom does (kotlin.version, coroutines.version, …): a project
# that compiles the binding's sources must use the same compiler and libraries.
pom_matches_binding() {
    local pom="$1" prop ours theirs; shift
    for prop in "$@"; do
        ours="$(pom_property "$REPO_ROOT/bindings/uniffi/kotlin/pom.xml" "$prop")"
        theirs="$(pom_property "$pom" "$prop")"
        if [ "$ours" != "$theirs" ]; then
            echo "$pom has $prop '$theirs', the binding '$ours'" >&2
            return 1
        fi
    done
}
