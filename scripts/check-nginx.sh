#!/usr/bin/env bash
# The load balancer configuration of the README's "Several instances" (deploy/nginx/renderiq.conf),
# checked for real: Debian's nginx is installed when missing, the file passes `nginx -t` as
# shipped (with a throwaway self-signed certificate at its certificate paths' place), then nginx
# runs it in front of two reference servers on one PostgreSQL database (Debian's, started when it
# is not running; a SQLite file is served by one server) and a user signs in and reads their
# credits through it over HTTPS; plain HTTP is redirected. Everything it starts is stopped, and
# the database and its role dropped, at the end.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"

ensure_apt nginx-light openssl curl
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
WORK="$(mktemp -d)"
ROLE="renderiq_nginx_$$"
pids=()
cleanup() {
    if [ -f "$WORK/nginx.pid" ]; then kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true; fi
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    if [ -n "${PG_PORT:-}" ]; then
        psql_admin -c "DROP DATABASE IF EXISTS $ROLE WITH (FORCE)" >/dev/null 2>&1 || true
        psql_admin -c "DROP ROLE IF EXISTS $ROLE" >/dev/null 2>&1 || true
        pg_down
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

log "nginx -t on deploy/nginx/renderiq.conf"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=render.example.com" \
    -keyout "$WORK/privkey.pem" -out "$WORK/fullchain.pem" 2>/dev/null
# Only the paths change: the certificate's, and the temporary files nginx writes.
sed "s#/etc/renderiq/tls/#$WORK/#" deploy/nginx/renderiq.conf > "$WORK/shipped.conf"
run_nginx() { "$NGINX" -p "$WORK" -e "$WORK/error.log" -c "$1" -g "pid $WORK/nginx.pid;" "${@:2}"; }
run_nginx "$WORK/shipped.conf" -t

log "nginx in front of two servers on one PostgreSQL database"
pg_up
PASSWORD="$(python3 -c 'import secrets; print(secrets.token_hex(16))')"
psql_admin -c "CREATE ROLE $ROLE LOGIN PASSWORD '$PASSWORD'"
psql_admin -c "CREATE DATABASE $ROLE OWNER $ROLE"
export RENDERIQ_DATABASE_URL="postgres://$ROLE:$PASSWORD@127.0.0.1:$PG_PORT/$ROLE"
SERVER="$CARGO_TARGET_DIR/debug/renderiq-server"
[ -x "$SERVER" ] || cargo build -p renderiq-server
# The files in one folder both servers use, as the README's "Several instances" allows.
DATA="$WORK/data"
"$SERVER" user add --data-dir "$DATA" --email lb@example.com --password 'correct horse' --credits 7 >/dev/null
upstreams="" url=""
for i in 1 2; do
    "$SERVER" serve --bind 127.0.0.1:0 --data-dir "$DATA" --trusted-proxy 127.0.0.1 \
        >"$WORK/server$i.log" 2>&1 &
    pids+=($!)
    server_wait_url url "$WORK/server$i.log" "$!" "instance $i"
    upstreams+="        server ${url#http://} max_fails=3 fail_timeout=10s;\n"
done
HTTP_PORT=18080 HTTPS_PORT=18443
# The shipped file with its example upstreams replaced by the two servers and high ports.
awk -v ups="$upstreams" '
    /server 10\.0\.0\.1[0-9]:8787/ { if (!done) { printf "%s", ups; done = 1 } next }
    { print }' "$WORK/shipped.conf" |
    sed -e "s/listen 80;/listen 127.0.0.1:$HTTP_PORT;/" -e "s/listen 443 ssl/listen 127.0.0.1:$HTTPS_PORT ssl/" \
        -e 's/worker_processes auto;/worker_processes 1;/' > "$WORK/run.conf"
run_nginx "$WORK/run.conf" -t 2>/dev/null
run_nginx "$WORK/run.conf"

CURL=(curl -sS --fail-with-body --cacert "$WORK/fullchain.pem" --resolve "render.example.com:$HTTPS_PORT:127.0.0.1")
BASE="https://render.example.com:$HTTPS_PORT/api/plugins"
for _ in $(seq 1 50); do "${CURL[@]}" -o /dev/null "$BASE/health" 2>/dev/null && break; sleep 0.1; done
token="$("${CURL[@]}" -H 'content-type: application/json' \
    -d '{"email":"lb@example.com","password":"correct horse"}' "$BASE/auth/signin" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["accessToken"])')"
failed=0
for i in 1 2 3 4; do
    balance="$("${CURL[@]}" -H "authorization: Bearer $token" "$BASE/credits" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["balance"])')"
    if [ "$balance" = 7 ]; then echo "nginx: credits read $i through the balancer: ok"; else
        echo "nginx: credits read $i answered balance $balance, expected 7" >&2; failed=1; fi
done
status="$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' "http://127.0.0.1:$HTTP_PORT/api/plugins/health")"
case "$status" in
    "308 https://127.0.0.1/api/plugins/health") echo "nginx: plain HTTP redirected to HTTPS: ok" ;;
    *) echo "nginx: plain HTTP answered '$status', expected a 308 to https" >&2; failed=1 ;;
esac
[ "$failed" -eq 0 ] || exit 1
echo "check-nginx: deploy/nginx/renderiq.conf passes nginx -t and serves through two servers"
