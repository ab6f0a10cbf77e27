#!/usr/bin/env bash
# The reference server on SQLite beside PostgreSQL (issue 14): one release build of
# renderiq-server; one instance on SQLite, one on PostgreSQL, then two instances on one
# PostgreSQL database (each driven by its own wrk with half the connections, their req/s summed,
# the worse percentiles kept), all on the same machine: `GET /renders/{id}` (an authenticated
# status read) and `POST /renders` (a multipart upload, a credit transaction, a queued render that
# the workers then run). Prints req/s and latency percentiles side by side and the ratios. Installs wrk and Debian's PostgreSQL when missing, starts the
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
pg_up
ROLE="renderiq_bench_$$"
PASSWORD="$(python3 -c 'import secrets; print(secrets.token_hex(16))')"
cleanup() {
    if declare -F stop_servers >/dev/null; then stop_servers; fi
    psql_admin -c "DROP DATABASE IF EXISTS $ROLE WITH (FORCE)" >/dev/null 2>&1 || true
    psql_admin -c "DROP ROLE IF EXISTS $ROLE" >/dev/null 2>&1 || true
    pg_down
    rm -rf "$WORK"
}
trap cleanup EXIT
psql_admin -c "CREATE ROLE $ROLE LOGIN PASSWORD '$PASSWORD'"
psql_admin -c "CREATE DATABASE $ROLE OWNER $ROLE"
PG_URL="postgres://$ROLE:$PASSWORD@127.0.0.1:$PG_PORT/$ROLE"

python3 - "$WORK/view.png" <<'PY'
import struct, sys, zlib
w, h = 64, 48
raw = b"".join(b"\0" + bytes(v for x in range(w) for v in (x * 4 % 256, y * 5 % 256, 128)) for y in range(h))
def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) \
    + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
open(sys.argv[1], "wb").write(png)
PY

# wrk_run ARGS...: prints "req/s p50 p99" of one wrk run, after a 2 s warm-up run whose figures
# are dropped (the pool's connections are opened and their statements prepared then).
wrk_run() {
    local out
    wrk -t2 -c"$CONNECTIONS" -d2s "$@" >/dev/null
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

SERVER_PIDS=()
# start_server NAME DATA DATABASE_URL: one more server; its base URL in $STARTED_URL.
start_server() {
    local name="$1" data="$2" url="$3"
    local -a db=()
    [ -n "$url" ] && db=(--database-url "$url")
    "$SERVER" serve --data-dir "$data" "${db[@]}" --bind 127.0.0.1:0 \
        --read-rate-limit 0 --create-rate-limit 0 --user-read-rate-limit 0 \
        --user-create-rate-limit 0 --max-pending-renders 0 --render-delay-ms 0 \
        --token-ttl-seconds 86400 >"$WORK/server-$name.log" 2>&1 &
    SERVER_PIDS+=($!)
    server_wait_url STARTED_URL "$WORK/server-$name.log" "$!" "$name"
}

stop_servers() {
    local pid
    for pid in "${SERVER_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${SERVER_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    SERVER_PIDS=()
}

# bench NAME INSTANCES DATABASE_URL: INSTANCES servers on one database, both workloads, one wrk
# per server; prints "NAME reads… creates…".
bench() {
    local name="$1" instances="$2" url="$3" data="$WORK/data-$1"
    local -a db=() bases=()
    local token id i
    [ -n "$url" ] && db=(--database-url "$url")
    "$SERVER" user add --data-dir "$data" "${db[@]}" --email "bench-$name@example.com" \
        --password bench-password --credits 1000000000000 >/dev/null
    for i in $(seq 1 "$instances"); do
        start_server "$name-$i" "$data" "$url"
        bases+=("$STARTED_URL")
    done
    token="$(curl -fsS -X POST "${bases[0]}/api/plugins/auth/signin" -H 'Content-Type: application/json' \
        -d "{\"email\":\"bench-$name@example.com\",\"password\":\"bench-password\"}" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["accessToken"])')"
    id="$(curl -fsS -X POST "${bases[0]}/api/plugins/renders" -H "Authorization: Bearer $token" \
        -F "image=@$WORK/view.png" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["id"])')"
    local per=$((CONNECTIONS / instances))
    local reads creates
    reads="$(for base in "${bases[@]}"; do
        CONNECTIONS=$per wrk_run -H "Authorization: Bearer $token" "$base/api/plugins/renders/$id" &
    done | sum_runs; wait)"
    creates="$(for base in "${bases[@]}"; do
        CONNECTIONS=$per RENDERIQ_BENCH_TOKEN="$token" RENDERIQ_BENCH_IMAGE="$WORK/view.png" \
            wrk_run -s bench/wrk/create_render.lua "$base/api/plugins/renders" &
    done | sum_runs; wait)"
    stop_servers
    echo "$name $reads $creates"
}

# sum_runs: "req/s p50 p99" lines of concurrent runs → their summed req/s and the worst
# percentiles.
sum_runs() {
    python3 -c '
import sys
def ms(v):
    for unit, f in (("us", 0.001), ("ms", 1.0), ("s", 1000.0)):
        if v.endswith(unit):
            return float(v[: -len(unit)]) * f
    return float(v)
runs = [l.split() for l in sys.stdin if l.strip()]
print(sum(float(r[0]) for r in runs), "%.2fms" % max(ms(r[1]) for r in runs), "%.2fms" % max(ms(r[2]) for r in runs))'
}

log "SQLite, one server: $SECONDS_PER_RUN s per workload, $CONNECTIONS connections"
SQLITE="$(bench sqlite 1 "")"
log "PostgreSQL $PG_VERSION, one server: $SECONDS_PER_RUN s per workload, $CONNECTIONS connections"
POSTGRES="$(bench postgres 1 "$PG_URL")"
log "PostgreSQL $PG_VERSION, two servers on one database: $CONNECTIONS connections in all"
POSTGRES2="$(bench postgres-x2 2 "$PG_URL")"

python3 - "$SQLITE" "$POSTGRES" "$POSTGRES2" <<'PY'
import sys
rows = [line.split() for line in sys.argv[1:]]
print()
print("| servers | GET /renders/{id} req/s | p50 | p99 | POST /renders req/s | p50 | p99 |")
print("|---|---|---|---|---|---|---|")
for r in rows:
    print(f"| {r[0]} | {float(r[1]):,.0f} | {r[2]} | {r[3]} | {float(r[4]):,.0f} | {r[5]} | {r[6]} |")
s, p, p2 = rows
print(f"\nPostgreSQL / SQLite: reads {float(p[1]) / float(s[1]):.2f}x, creates {float(p[4]) / float(s[4]):.2f}x")
print(f"two PostgreSQL servers / one: reads {float(p2[1]) / float(p[1]):.2f}x, creates {float(p2[4]) / float(p[4]):.2f}x")
PY
