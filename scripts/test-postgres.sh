#!/usr/bin/env bash
# The server's suites on PostgreSQL and an S3 bucket (issue 14): installs Debian's PostgreSQL when
# missing, starts its cluster (and stops it at the end if it was not running), creates a throwaway
# role allowed to create databases; builds the S3-protocol server s3s-fs from crates.io into
# $CARGO_TARGET_DIR/tools when missing and starts it on a temporary folder; then runs the server's
# integration tests (`tests/it`: the HTTP API, the SDK end to end against the server, crashes,
# several servers on one database, webhooks, limits) with RENDERIQ_TEST_DATABASE_URL and
# RENDERIQ_TEST_STORAGE_URL, so every test server runs on a PostgreSQL database of its own and
# keeps its files under a prefix of its own in the bucket (renderiq_server::testing). The
# default run (`cargo test --workspace`) covers SQLite and the local folder. The test databases,
# the role, the bucket and s3s-fs are gone at the end.
#
#   scripts/test-postgres.sh                    # the whole server suite on PostgreSQL
#   scripts/test-postgres.sh credits::          # extra arguments go to the test binary
#
# `cargo test --workspace --test it` selects the same packages as the workspace's own test run,
# so its build is reused (a `-p renderiq-server` build would unify other features and rebuild);
# it also runs the SDK's `tests/it`, which never touches a database.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"

ensure_rust_build_deps
ensure_apt openssl curl
pg_up

ROLE="renderiq_test_$$"
PASSWORD="$(python3 -c 'import secrets; print(secrets.token_hex(16))')"

S3_ROOT="$(mktemp -d)"
S3_PID=""
cleanup() {
    local dbs
    if [ -n "$S3_PID" ]; then kill "$S3_PID" 2>/dev/null || true; fi
    rm -rf "$S3_ROOT" "$S3_ROOT.log"
    dbs="$(psql_admin -c "SELECT datname FROM pg_database WHERE datname LIKE 'rq\_test\_%'" 2>/dev/null || true)"
    for db in $dbs; do
        psql_admin -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
    done
    psql_admin -c "DROP ROLE IF EXISTS $ROLE" >/dev/null 2>&1 || true
    pg_down
}
trap cleanup EXIT

# The cluster's TLS certificate (Debian makes a self-signed one and turns TLS on): the suite
# reaches the database over verified TLS with it (database::tls_to_postgres_…).
[ "$(psql_admin -c 'SHOW ssl')" = on ] || { echo "PostgreSQL $PG_VERSION/$PG_CLUSTER has ssl off" >&2; exit 1; }
CERT="$(psql_admin -c 'SHOW ssl_cert_file')"
CERT_HOST="$(openssl x509 -in "$CERT" -noout -ext subjectAltName 2>/dev/null |
    grep -o 'DNS:[^, ]*' | head -n1 | cut -d: -f2)"
[ -n "$CERT_HOST" ] || CERT_HOST="$(openssl x509 -in "$CERT" -noout -subject -nameopt multiline |
    sed -n 's/^ *commonName *= *//p')"
export RENDERIQ_TEST_DATABASE_TLS="$CERT_HOST,$CERT"

# The bucket: s3s-fs (S3 over HTTP, signature v4 checked) on a free loopback port.
S3S_VERSION=0.14.0   # the newest whose rust-version the toolchain here meets
S3S="$CARGO_TARGET_DIR/tools/bin/s3s-fs"
if [ ! -x "$S3S" ] || ! "$S3S" --version | grep -q "$S3S_VERSION"; then
    log "building s3s-fs $S3S_VERSION (crates.io) into $CARGO_TARGET_DIR/tools"
    cargo install "s3s-fs@$S3S_VERSION" --features binary --locked --root "$CARGO_TARGET_DIR/tools"
fi
S3_PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
S3_KEY="renderiq-test" S3_SECRET="$(python3 -c 'import secrets; print(secrets.token_hex(16))')"
mkdir "$S3_ROOT/renderiq-test"
"$S3S" --host 127.0.0.1 --port "$S3_PORT" --access-key "$S3_KEY" --secret-key "$S3_SECRET" \
    "$S3_ROOT" >"$S3_ROOT.log" 2>&1 &
S3_PID=$!
for _ in $(seq 1 100); do
    curl -s -o /dev/null "http://127.0.0.1:$S3_PORT/" && break
    kill -0 "$S3_PID" 2>/dev/null || { cat "$S3_ROOT.log" >&2; exit 1; }
    sleep 0.1
done
export AWS_ENDPOINT_URL="http://127.0.0.1:$S3_PORT" AWS_ALLOW_HTTP=true AWS_REGION=us-east-1 \
    AWS_ACCESS_KEY_ID="$S3_KEY" AWS_SECRET_ACCESS_KEY="$S3_SECRET"
export RENDERIQ_TEST_STORAGE_URL="s3://renderiq-test"

psql_admin -c "CREATE ROLE $ROLE LOGIN CREATEDB PASSWORD '$PASSWORD'"
export RENDERIQ_TEST_DATABASE_URL="postgres://$ROLE:$PASSWORD@127.0.0.1:$PG_PORT/postgres"
log "server suites on PostgreSQL $PG_VERSION ($(psql_admin -c 'SHOW server_version')) and s3s-fs $S3S_VERSION"
cargo test --workspace --test it --no-fail-fast -- "$@"
