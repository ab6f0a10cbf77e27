#!/usr/bin/env bash
# Runs a command with a throwaway, unlocked Secret Service (GNOME Keyring) on a private D-Bus
# session bus, so the keychain token store can be tested for real on a headless Linux machine.
#
#   scripts/with-keyring.sh cargo test -p renderiq-sdk --test keychain -- --ignored
#   scripts/with-keyring.sh bash -c 'RENDERIQ_KEEP_TEST_ENTRY=1 cargo test -p renderiq-sdk \
#       --test keychain -- --ignored && secret-tool search --all service renderiq-test'
#
# How: `dbus-run-session` starts a private session bus and exports DBUS_SESSION_BUS_ADDRESS
# to the command only. On that bus, `gnome-keyring-daemon --unlock --components=secrets`
# creates a "login" keyring protected by a fixed throwaway password (read from stdin; an empty
# one would make it ask through a GUI prompt), unlocks it and becomes org.freedesktop.secrets.
# The daemon's HOME, XDG_DATA_HOME (where keyrings live) and XDG_RUNTIME_DIR (its control
# socket) point into a temporary folder, so the user's real keyring and a running desktop
# keyring are never touched; the command itself runs with the caller's environment. When the
# command ends, the daemon is stopped, the bus goes away and the folder is deleted.
#
# Needs: dbus-run-session (dbus-daemon), gnome-keyring-daemon, dbus-send (dbus-bin).
# Optional: secret-tool (libsecret-tools) to look inside the keyring.
# Exit status: the command's.
set -euo pipefail

if [[ $# -eq 0 || "$1" == "-h" || "$1" == "--help" ]]; then
    sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'
    [[ $# -eq 0 ]] && exit 2 || exit 0
fi

if [[ "$(uname -s)" != "Linux" ]]; then
    echo "with-keyring.sh: only needed on Linux (macOS and Windows have a keychain); running the command as is" >&2
    exec "$@"
fi

for tool in dbus-run-session gnome-keyring-daemon dbus-send; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "with-keyring.sh: '$tool' not found; install dbus, dbus-bin and gnome-keyring (Debian/Ubuntu: apt-get install dbus dbus-bin gnome-keyring)" >&2
        exit 127
    fi
done

tmp="$(mktemp -d "${TMPDIR:-/tmp}/renderiq-keyring.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
mkdir -m 700 "$tmp/home" "$tmp/data" "$tmp/runtime" "$tmp/config"

# The inner script runs on the private bus. It receives the caller's values of the variables we
# isolate, starts and unlocks the keyring with the isolated values, then restores the caller's
# environment for the command.
inner='
set -uo pipefail
keyring_env=(env -u GNOME_KEYRING_CONTROL -u SSH_AUTH_SOCK
    HOME="$RQ_KR_TMP/home" XDG_DATA_HOME="$RQ_KR_TMP/data"
    XDG_RUNTIME_DIR="$RQ_KR_TMP/runtime" XDG_CONFIG_HOME="$RQ_KR_TMP/config")

# Prints the env lines (GNOME_KEYRING_CONTROL=...) on stdout; we do not want them.
if ! printf %s "renderiq-throwaway-keyring" \
        | "${keyring_env[@]}" gnome-keyring-daemon --unlock --components=secrets >/dev/null; then
    echo "with-keyring.sh: gnome-keyring-daemon --unlock failed" >&2
    exit 1
fi

bus_call() {
    dbus-send --session --print-reply=literal --dest=org.freedesktop.DBus \
        /org/freedesktop/DBus "org.freedesktop.DBus.$1" "string:org.freedesktop.secrets" 2>/dev/null
}
for _ in $(seq 1 100); do
    [[ "$(bus_call NameHasOwner)" == *true* ]] && break
    sleep 0.1
done
if [[ "$(bus_call NameHasOwner)" != *true* ]]; then
    echo "with-keyring.sh: the keyring did not appear on the session bus as org.freedesktop.secrets" >&2
    exit 1
fi
daemon_pid="$(bus_call GetConnectionUnixProcessID | awk "{print \$NF}")"

restore() { # name, saved-set flag, saved value
    if [[ "$2" == 1 ]]; then export "$1=$3"; else unset "$1"; fi
}
restore HOME "$RQ_KR_HOME_SET" "$RQ_KR_HOME"
restore XDG_DATA_HOME "$RQ_KR_DATA_SET" "$RQ_KR_DATA"
restore XDG_RUNTIME_DIR "$RQ_KR_RUNTIME_SET" "$RQ_KR_RUNTIME"
restore XDG_CONFIG_HOME "$RQ_KR_CONFIG_SET" "$RQ_KR_CONFIG"
unset GNOME_KEYRING_CONTROL
unset RQ_KR_TMP RQ_KR_HOME_SET RQ_KR_HOME RQ_KR_DATA_SET RQ_KR_DATA RQ_KR_RUNTIME_SET \
    RQ_KR_RUNTIME RQ_KR_CONFIG_SET RQ_KR_CONFIG

"$@"
status=$?

# Stop exactly the daemon we started (the bus going away would stop it too, but not at once).
if [[ "$daemon_pid" =~ ^[0-9]+$ ]]; then
    kill "$daemon_pid" 2>/dev/null || true
fi
exit "$status"
'

set_flag() { [[ -n "${!1+x}" ]] && echo 1 || echo 0; }
export RQ_KR_TMP="$tmp"
export RQ_KR_HOME_SET="$(set_flag HOME)" RQ_KR_HOME="${HOME-}"
export RQ_KR_DATA_SET="$(set_flag XDG_DATA_HOME)" RQ_KR_DATA="${XDG_DATA_HOME-}"
export RQ_KR_RUNTIME_SET="$(set_flag XDG_RUNTIME_DIR)" RQ_KR_RUNTIME="${XDG_RUNTIME_DIR-}"
export RQ_KR_CONFIG_SET="$(set_flag XDG_CONFIG_HOME)" RQ_KR_CONFIG="${XDG_CONFIG_HOME-}"

# The bus daemon (and anything it activates) gets the isolated folders too.
set +e
HOME="$tmp/home" XDG_DATA_HOME="$tmp/data" XDG_RUNTIME_DIR="$tmp/runtime" \
    XDG_CONFIG_HOME="$tmp/config" \
    dbus-run-session -- bash -c "$inner" with-keyring "$@"
status=$?
set -e
exit "$status"
