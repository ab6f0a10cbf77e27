#!/usr/bin/env bash
# The reference server on SQLite beside PostgreSQL (issue 14): one release build of
# renderiq-server, one instance on each backend in turn, driven by wrk on the same machine:
# `GET /renders/{id}` (an authenticated status read) and `POST /renders` (a multipart upload, a
# credit transaction, a queued render). Prints req/s and latency percentiles side by side and
# the PostgreSQL/SQLite ratio. Installs wrk and Debian's PostgreSQL when missing, starts the
# cluster when it is down (and stops it again), uses a throwaway role and database. Not part of
# any test suite; the figures in the README come from it.
#
#   bench/db_backends.sh                        # 10 s per workload and backend
#   RENDERIQ_BENCH_SECONDS=30 RENDERIQ_BENCH_CONNECTIONS=64 bench/db_backends.sh
set -euo pipefail
. "$(dirname "$0")/../scripts/lib.sh"
cd "$REPO_ROOT"

SECONDS_PER_RUN="${RENDERIQ_BENCH_SECONDS:-10}"
CONNECTIONS="${RENDERIQ_BENCH_CONNECTIONS:-32}"
ensure_rust_build_deps
ensure_apt wrk postgresql curl
log "building the server (release)"
cargo build --release -q -p renderiq-server
SERVER="$CARGO_TARGET_DIR/release/renderiq-server"

WORK="$(mktemp -d)"
AS_POSTGRES=(runuser -u postgres --)
[ "$(id -u)" -eq 0 ] || AS_POSTGRES=(sudo -u postgres)
VERSION="$(pg_lsclusters -h | awk 'NR==1 {print $1}')"
CLUSTER="$(pg_lsclusters -h | awk 'NR==1 {print $2}')"
STARTED=""
if ! pg_lsclusters -h | awk 'NR==1 {print $4}' | grep -q online; then
    pg_ctlcluster "$VERSION" "$CLUSTER" start
    STARTED=1
fi
PORT="$(pg_lsclusters -h | awk 'NR==1 {print $3}')"
ROLE="renderiq_bench_$$"
PASSWORD="$(python3 -c 'import secrets; print(secrets.token_hex(16))')"
psql_admin() { "${AS_POSTGRES[@]}" psql -p "$PORT" -qAtX -v ON_ERROR_STOP=1 "$@"; }
SERVER_PID=""
cleanup() {
    [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
    psql_admin -c "DROP DATABASE IF EXISTS $ROLE WITH (FORCE)" >/dev/null 2>&1 || true
    psql_admin -c "DROP ROLE IF EXISTS $ROLE" >/dev/null 2>&1 || true
    [ -n "$STARTED" ] && pg_ctlcluster "$VERSION" "$CLUSTER" stop
    rm -rf "$WORK"
}
trap cleanup EXIT
psql_admin -c "CREATE ROLE $ROLE LOGIN PASSWORD '$PASSWORD'"
psql_admin -c "CREATE DATABASE $ROLE OWNER $ROLE"
PG_URL="postgres://$ROLE:$PASSWORD@127.0.0.1:$PORT/$ROLE"

python3 - "$WORK/view.png" <<'PY'
import struct, sys, zlib
w, h = 64, 48
raw = b"".join(b"\0" + bytes((x * 4 % 256, y * 5 % 256, 128) for x in range(w)) for y in range(h))
def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) \
    + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
open(sys.argv[1], "wb").write(png)
PY

# wrk_run NAME ARGS...: prints "req/s p50 p99" of one wrk run.
wrk_run() {
    local out
    out="$(wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --latency "$@")"
    # wrk reports error answers on a line of its own; a run that measured errors is void.
    echo "$out" >>"$WORK/wrk.log"
    local rps p50 p99
    rps="$(echo "$out" | awk '/Requests\/sec/ {print $2}')"
    p50="$(echo "$out" | awk '$1=="50%" {print $2}')"
    p99="$(echo "$out" | awk '$1=="99%" {print $2}')"
    if echo "$out" | grep -q "Non-2xx"; then
        echo "wrk saw error answers:" >&2
        echo "$out" >&2
        exit 1
    fi
    echo "$rps $p50 $p99"
}

# bench BACKEND DATABASE_URL: one server, both workloads; prints "BACKEND reads… creates…".
bench() {
    local backend="$1" url="$2" data="$WORK/data-$1"
    local base token id
    local -a db=()
    [ -n "$url" ] && db=(--database-url "$url")
    "$SERVER" user add --data-dir "$data" "${db[@]}" --email bench@example.com \
        --password bench-password --credits 1000000000000 >/dev/null
    "$SERVER" serve --data-dir "$data" "${db[@]}" --bind 127.0.0.1:0 \
        --read-rate-limit 0 --create-rate-limit 0 --user-read-rate-limit 0 \
        --user-create-rate-limit 0 --max-pending-renders 0 --render-delay-ms 0 \
        --token-ttl-seconds 86400 >"$WORK/server-$backend.log" 2>&1 &
    SERVER_PID=$!
    server_wait_url base "$WORK/server-$backend.log" "$SERVER_PID" "$backend"
    token="$(curl -fsS -X POST "$base/api/plugins/auth/signin" -H 'Content-Type: application/json' \
        -d '{"email":"bench@example.com","password":"bench-password"}' |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["accessToken"])')"
    id="$(curl -fsS -X POST "$base/api/plugins/renders" -H "Authorization: Bearer $token" \
        -F "image=@$WORK/view.png" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["id"])')"
    local reads creates
    reads="$(wrk_run -H "Authorization: Bearer $token" "$base/api/plugins/renders/$id")"
    creates="$(RENDERIQ_BENCH_TOKEN="$token" RENDERIQ_BENCH_IMAGE="$WORK/view.png" \
        wrk_run -s bench/wrk/create_render.lua "$base/api/plugins/renders")"
    kill "$SERVER_PID"
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
    echo "$backend $reads $creates"
}

log "SQLite: $SECONDS_PER_RUN s per workload, $CONNECTIONS connections"
SQLITE="$(bench sqlite "")"
log "PostgreSQL $VERSION: $SECONDS_PER_RUN s per workload, $CONNECTIONS connections"
POSTGRES="$(bench postgres "$PG_URL")"

python3 - "$SQLITE" "$POSTGRES" <<'PY'
import sys
rows = [line.split() for line in sys.argv[1:]]
print()
print("| backend | GET /renders/{id} req/s | p50 | p99 | POST /renders req/s | p50 | p99 |")
print("|---|---|---|---|---|---|---|")
for r in rows:
    print(f"| {r[0]} | {float(r[1]):,.0f} | {r[2]} | {r[3]} | {float(r[4]):,.0f} | {r[5]} | {r[6]} |")
s, p = rows
print(f"\nPostgreSQL / SQLite: reads {float(p[1]) / float(s[1]):.2f}x, creates {float(p[4]) / float(s[4]):.2f}x")
PY
