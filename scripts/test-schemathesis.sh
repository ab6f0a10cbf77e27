#!/usr/bin/env bash
# Schema-driven API test (issue 11): starts the reference server (target/debug/renderiq-server;
# built here when missing) on a free loopback port with a fresh data folder, creates a user with
# credits, signs in, and runs schemathesis against <base>/api/plugins/openapi.json with the
# bearer token: every operation, positive and negative data, ST_MAX_EXAMPLES (default 100)
# cases per operation and phase — at least 2,000 requests in all. Checks: not_a_server_error,
# status_code_conformance, content_type_conformance, response_schema_conformance. Prints
# schemathesis' summary (its "Test cases" line is the request count) and exits non-zero on any
# failure. Schemathesis is installed into $CARGO_TARGET_DIR/schemathesis-venv when missing.
#
#   scripts/test-schemathesis.sh                  # the full run
#   ST_MAX_EXAMPLES=20 scripts/test-schemathesis.sh   # a quicker one
#   scripts/test-schemathesis.sh --include-path /credits   # extra arguments go to `st run`
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"

ST_MAX_EXAMPLES="${ST_MAX_EXAMPLES:-100}"
SCHEMATHESIS_VERSION="${SCHEMATHESIS_VERSION:-4.32.5}"
VENV="$CARGO_TARGET_DIR/schemathesis-venv"
if [ ! -x "$VENV/bin/st" ]; then
    log "installing schemathesis $SCHEMATHESIS_VERSION into $VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q "schemathesis==$SCHEMATHESIS_VERSION"
fi

SERVER="${RENDERIQ_SERVER_BIN:-$CARGO_TARGET_DIR/debug/renderiq-server}"
if [ ! -x "$SERVER" ]; then
    ensure_rust_build_deps
    log "building the reference server"
    cargo build -q -p renderiq-server
fi

WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
    [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT

PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
BASE="http://127.0.0.1:$PORT"
EMAIL="schemathesis@example.com"
PASSWORD="schemathesis-password"
"$SERVER" user add --data-dir "$WORK/data" --email "$EMAIL" --password "$PASSWORD" \
    --credits 1000000 >/dev/null
# No rate limits: schemathesis sends thousands of requests from one user. Fast renders.
"$SERVER" serve --data-dir "$WORK/data" --bind "127.0.0.1:$PORT" --public-url "$BASE" \
    --read-rate-limit 0 --create-rate-limit 0 --render-delay-ms 10 \
    --token-ttl-seconds 86400 >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do
    curl -fsS "$BASE/api/plugins/health" >/dev/null 2>&1 && break
    sleep 0.1
done

TOKEN="$(curl -fsS -X POST "$BASE/api/plugins/auth/signin" -H 'Content-Type: application/json' \
    -d "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\"}" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["accessToken"])')"

log "schemathesis against $BASE/api/plugins/openapi.json ($ST_MAX_EXAMPLES examples per operation)"
status=0
# From the temporary folder: schemathesis keeps a cache (.schemathesis/) in its working folder.
(cd "$WORK" && "$VENV/bin/st" run "$BASE/api/plugins/openapi.json" \
    --url "$BASE" \
    -H "Authorization: Bearer $TOKEN" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
    --max-examples "$ST_MAX_EXAMPLES" \
    --seed 11 \
    --generation-database none \
    --workers 2 \
    --no-color \
    --report junit --report-junit-path "$CARGO_TARGET_DIR/schemathesis-junit.xml" \
    "$@") || status=$?
if [ "$status" -ne 0 ]; then
    echo "schemathesis failed; the server's log ends:" >&2
    tail -20 "$WORK/server.log" >&2
fi
exit "$status"
