#!/usr/bin/env bash
# Real-browser tests (issue 16): Playwright (playwright-core from npm, pinned in
# tests/browser/package-lock.json) drives Debian's Chromium (installed when missing) through
#   - the operator dashboard (/admin) of a reference server started here on a free loopback port
#     with a fresh data folder and a user with credits: sign-in (and a wrong token), the render
#     gallery with a completed render's two images loaded, one render's timeline, granting
#     credits (and a forged CSRF token refused), a plugin token not opening a page, health,
#     webhooks (a delivery to a receiver the test starts, replayed from the page);
#   - the SketchUp dialog page (examples/sketchup/renderiq_sketchup/dialog.html) opened from
#     disk with a stand-in for SketchUp's `sketchup.*` bridge: sign-in, progress, the result.
# Node's own test runner (`node --test`) prints its summary (`# pass N`, `# fail N`); the exit
# status is non-zero when a test fails. A full-page screenshot of every page visited is saved
# in $CARGO_TARGET_DIR/test-artifacts/browser/. The server is stopped at the end.
#
#   scripts/test-browser.sh                              # both files
#   scripts/test-browser.sh tests/browser/dashboard.test.js   # only the files given
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"

ensure_apt chromium
CHROMIUM="$(command -v chromium)"

log "npm ci in tests/browser"
(cd tests/browser && npm ci --no-audit --no-fund --loglevel=error >/dev/null)

SERVER="${RENDERIQ_SERVER_BIN:-$CARGO_TARGET_DIR/debug/renderiq-server}"
if [ ! -x "$SERVER" ]; then
    ensure_rust_build_deps
    log "building the reference server"
    cargo build -q -p renderiq-server
fi

ARTIFACTS="$CARGO_TARGET_DIR/test-artifacts/browser"
rm -rf "$ARTIFACTS" && mkdir -p "$ARTIFACTS"

WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
    if [ -n "$SERVER_PID" ]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

EMAIL="browser@example.com"
PASSWORD="browser-password"
ADMIN_TOKEN="$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
"$SERVER" user add --data-dir "$WORK/data" --email "$EMAIL" --password "$PASSWORD" \
    --credits 100 >"$WORK/user-add.log" 2>&1 || { cat "$WORK/user-add.log" >&2; exit 1; }
"$SERVER" serve --data-dir "$WORK/data" --bind 127.0.0.1:0 --admin-token "$ADMIN_TOKEN" \
    --test-hooks --allow-private-webhooks --render-delay-ms 200 \
    --read-rate-limit 0 --create-rate-limit 0 >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
server_wait_url URL "$WORK/server.log" "$SERVER_PID" reference

if [ "$#" -eq 0 ]; then
    set -- tests/browser/dashboard.test.js tests/browser/sketchup_dialog.test.js
fi
log "node --test against $URL with $("$CHROMIUM" --version 2>/dev/null | head -n1)"
status=0
RENDERIQ_URL="$URL" RENDERIQ_ADMIN_TOKEN="$ADMIN_TOKEN" \
    RENDERIQ_EMAIL="$EMAIL" RENDERIQ_PASSWORD="$PASSWORD" \
    CHROMIUM="$CHROMIUM" BROWSER_ARTIFACTS="$ARTIFACTS" \
    node --test --test-concurrency=1 "$@" || status=$?
if [ "$status" -ne 0 ]; then
    echo "browser tests failed; the server's log ends:" >&2
    tail -20 "$WORK/server.log" >&2
fi
log "screenshots in $ARTIFACTS"
exit "$status"
