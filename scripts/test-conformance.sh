#!/usr/bin/env bash
# The conformance suite (tests/conformance/README.md): one set of scenario files, run by seven
# runners (Rust, C++, C#, Python, Ruby native, Ruby Fiddle, Kotlin) against the reference server.
#
#   scripts/test-conformance.sh                                # every runner; all must pass
#   RENDERIQ_CONFORMANCE_ONLY=rust scripts/test-conformance.sh # only these (comma list)
#
# Builds the reference server and the Rust runner, starts the four servers of the README on free
# loopback ports with temporary data dirs, creates one account per (runner, scenario) with
# `renderiq-server user add`, then runs each runner with
#   RENDERIQ_CONFORMANCE_ROOT     the repository root
#   RENDERIQ_CONFORMANCE_SERVERS  {"default": "http://127.0.0.1:…", "short_token": …, …}
#   RENDERIQ_CONFORMANCE_USERS    a JSON file {"<scenario stem>": {"email", "password"}}
# and prints a table runner → `N passed, N failed`. Exits non-zero unless every runner ran,
# passed every scenario, and all ran the same number of scenarios (the number of files).
# A runner that does not exist yet FAILS the run; RENDERIQ_CONFORMANCE_ONLY leaves it out.
#
# Environment: RENDERIQ_CARGO_LOCK (a file: builds run under `flock` on it, for machines where
# builds must not overlap), RENDERIQ_CONFORMANCE_KEEP=1 keeps the work dir (server logs),
# RENDERIQ_KOTLIN_NATIVE_DIR (a folder with a librenderiq_uniffi.so built from this checkout: the
# Kotlin runner then builds none).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"

ALL_RUNNERS=(rust cpp csharp python ruby-native ruby-fiddle kotlin)
SCENARIO_DIR="$REPO_ROOT/tests/conformance/scenarios"

# Each runner builds the same set of packages as its language's suite (scripts/test-ffi.sh,
# test-ruby.sh, test-kotlin.sh): cargo unifies features over the packages of one build, so
# another set would rebuild the core and its dependencies under other features.
FFI_SET=(-p renderiq-ffi -p renderiq-server)
RUBY_SET=(-p renderiq-ruby -p renderiq-ffi -p renderiq-server)

# locked CMD...: runs a build command, under `flock $RENDERIQ_CARGO_LOCK` when that is set.
locked() {
    if [ -n "${RENDERIQ_CARGO_LOCK:-}" ]; then flock "$RENDERIQ_CARGO_LOCK" "$@"; else "$@"; fi
}

# ---- the runners ----------------------------------------------------------------------------
# Each function builds what its runner needs (builds through `locked`), then runs it with the
# RENDERIQ_CONFORMANCE_* environment set; the runner prints one line per scenario and ends with
# `N passed, N failed`. Each helper edits only its own function.

# runner: rust — owned by the conformance suite (tests/conformance/rust)
runner_rust() {
    "$CARGO_TARGET_DIR/debug/conformance"
}

# runner: cpp — owned by the C++ helper. tests/conformance/cpp against librenderiq through
# renderiq.hpp, built with the ffi CMake package (needs cmake, g++ and nlohmann-json3-dev).
runner_cpp() {
    local build
    build="$CARGO_TARGET_DIR/conformance-cpp-$(printf '%s' "$REPO_ROOT" | cksum | cut -d' ' -f1)"
    ensure_apt cmake make g++ nlohmann-json3-dev || return 1
    locked cargo build "${FFI_SET[@]}" || return 1
    cmake -S tests/conformance/cpp -B "$build" -Drenderiq_DIR="$REPO_ROOT/bindings/ffi/cmake" \
        -DRENDERIQ_PROFILE=debug >/dev/null || return 1
    locked cmake --build "$build" -j 2 >"$build.log" 2>&1 || { cat "$build.log" >&2; return 1; }
    "$build/renderiq_conformance_cpp"
}

# runner: csharp — owned by the C# helper. tests/conformance/csharp through
# RenderiqClient.CallAsync / Start, compiled with Mono's mcs as scripts/test-dotnet.sh does (its
# run.sh builds librenderiq under RENDERIQ_CARGO_LOCK, copies it beside Renderiq.Sdk.dll, runs).
runner_csharp() {
    tests/conformance/csharp/run.sh
}

# runner: python — owned by the Python helper. tests/conformance/python/run.py on the `renderiq`
# package: its Python sources beside the extension module that `cargo build -p renderiq-python`
# makes (the same library maturin packs into the wheel), on PYTHONPATH of the system python3.
runner_python() {
    local pkg="$CARGO_TARGET_DIR/conformance-python"
    locked cargo build -p renderiq-python || return 1
    rm -rf "$pkg" && mkdir -p "$pkg" || return 1
    cp -r bindings/python/python/renderiq "$pkg/renderiq" || return 1
    cp "$CARGO_TARGET_DIR/debug/lib_native.so" "$pkg/renderiq/_native.abi3.so" || return 1
    PYTHONPATH="$pkg" python3 tests/conformance/python/run.py
}

# runner: ruby-native — owned by the Ruby helper. tests/conformance/ruby/run.rb on the magnus
# extension, built and copied into the gem as scripts/test-ruby.sh does.
runner_ruby_native() {
    ensure_apt ruby-full ruby-dev libclang-dev clang || return 1
    locked cargo build "${RUBY_SET[@]}" || return 1
    cp "$CARGO_TARGET_DIR/debug/librenderiq_native.so" bindings/ruby/lib/renderiq/renderiq_native.so || return 1
    RENDERIQ_RUBY_BACKEND=native ruby tests/conformance/ruby/run.rb
}

# runner: ruby-fiddle — owned by the Ruby helper. The same runner on librenderiq through Fiddle
# (RENDERIQ_RUBY_BACKEND=fiddle, RENDERIQ_LIBRARY_PATH), as scripts/test-ruby.sh picks it.
runner_ruby_fiddle() {
    ensure_apt ruby-full || return 1
    locked cargo build "${FFI_SET[@]}" || return 1
    cp "$CARGO_TARGET_DIR/debug/librenderiq.so" bindings/ruby/lib/renderiq/librenderiq.so || return 1
    RENDERIQ_RUBY_BACKEND=fiddle RENDERIQ_LIBRARY_PATH="$REPO_ROOT/bindings/ruby/lib/renderiq/librenderiq.so" \
        ruby tests/conformance/ruby/run.rb
}

# runner: kotlin — owned by the Kotlin helper (issue 13). tests/conformance/kotlin, a Maven project
# that compiles the uniffi binding's generated Kotlin beside the runner, on librenderiq_uniffi
# through JNA (-Djna.library.path). The library is copied out of the target dir in the same
# locked step that builds it: the generated Kotlin checks the library's API checksum at load, so
# it must be this checkout's build, not one another checkout made meanwhile.
runner_kotlin() {
    local build="$CARGO_TARGET_DIR/conformance-kotlin" native="${RENDERIQ_KOTLIN_NATIVE_DIR:-}"
    command -v mvn >/dev/null || ensure_apt maven || return 1
    mkdir -p "$build" || return 1
    if [ -z "$native" ]; then
        native="$build/native"
        mkdir -p "$native" || return 1
        # shellcheck disable=SC2016 # expanded by the inner shell
        locked sh -c 'cargo build -p renderiq-uniffi -p renderiq-server && cp "$1/debug/librenderiq_uniffi.so" "$2/"' \
            sh "$CARGO_TARGET_DIR" "$native" || return 1
    fi
    mvn -B -q -f tests/conformance/kotlin/pom.xml compile -Drenderiq.build.dir="$build" \
        >"$build/mvn.log" 2>&1 || { cat "$build/mvn.log" >&2; return 1; }
    java -Djna.library.path="$native" -cp "$build/classes:$(cat "$build/classpath.txt")" \
        com.renderiq.conformance.MainKt
}

runner_missing() {
    echo "!! the $1 runner does not exist yet (scripts/test-conformance.sh, function runner_${1//-/_})" >&2
    return 127
}

# ---- which runners --------------------------------------------------------------------------
RUNNERS=()
if [ -n "${RENDERIQ_CONFORMANCE_ONLY:-}" ]; then
    IFS=',' read -r -a wanted <<<"$RENDERIQ_CONFORMANCE_ONLY"
    for r in "${wanted[@]}"; do
        r="${r// /}"
        [ -z "$r" ] && continue
        if ! printf '%s\n' "${ALL_RUNNERS[@]}" | grep -qx -- "$r"; then
            echo "unknown runner $r in RENDERIQ_CONFORMANCE_ONLY (known: ${ALL_RUNNERS[*]})" >&2
            exit 2
        fi
        RUNNERS+=("$r")
    done
else
    RUNNERS=("${ALL_RUNNERS[@]}")
fi

mapfile -t SCENARIOS < <(cd "$SCENARIO_DIR" && ls -1 -- *.json | sed 's/\.json$//' | sort)
[ ${#SCENARIOS[@]} -gt 0 ] || { echo "no scenarios in $SCENARIO_DIR" >&2; exit 1; }

# ---- build ----------------------------------------------------------------------------------
ensure_rust_build_deps
log "building the reference server and the Rust runner"
locked cargo build -p renderiq-server -p renderiq-conformance
SERVER_BIN="$CARGO_TARGET_DIR/debug/renderiq-server"

# ---- servers --------------------------------------------------------------------------------
WORK="$(mktemp -d "${TMPDIR:-/tmp}/renderiq-conformance.XXXXXX")"
declare -A SERVER_PID=() SERVER_URL=()
stop_servers() {
    local name pid
    for name in "${!SERVER_PID[@]}"; do
        pid="${SERVER_PID[$name]}"
        kill -TERM "$pid" 2>/dev/null || true
    done
    for name in "${!SERVER_PID[@]}"; do
        pid="${SERVER_PID[$name]}"
        # A server finishes its in-flight renders on TERM; the slow one's take 20 s.
        for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    SERVER_PID=()
    if [ -z "$WORK" ]; then
        return
    elif [ "${RENDERIQ_CONFORMANCE_KEEP:-0}" = 1 ]; then
        echo "work dir kept: $WORK" >&2
    else
        rm -rf "$WORK"
    fi
}
trap stop_servers EXIT

# The servers of the README's *Servers*: four reference servers and the `faulty` stub.
server_args() {
    case "$1" in
        default) echo "--render-delay-ms 300 --create-rate-limit 0" ;;
        short_token) echo "--token-ttl-seconds 1" ;;
        slow) echo "--workers 1 --render-delay-ms 20000" ;;
        limited) echo "--create-rate-limit 2" ;;
        faulty) echo "(stub)" ;;
    esac
}
REFERENCE_SERVERS=(default short_token slow limited)
SERVERS=("${REFERENCE_SERVERS[@]}" faulty)

# The `faulty` stub: HTTP 503 with Retry-After: 1 and the API's error envelope for every request,
# except under /garbage/, answered 200 with a body that is not JSON.
FAULTY_STUB='
import http.server, json
class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        if self.path.startswith("/garbage/"):
            status, body, kind = 200, b"<html>not the Renderiq API</html>", "text/html"
        else:
            status, kind = 503, "application/json"
            body = json.dumps({"success": False, "error": "service unavailable (conformance stub)",
                               "errorCode": "SERVICE_UNAVAILABLE"}).encode()
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        if status == 503:
            self.send_header("Retry-After", "1")
        self.end_headers()
        self.wfile.write(body)
    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = answer
    def log_message(self, *args):
        pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print("conformance stub listening on http://127.0.0.1:%d" % server.server_address[1], flush=True)
server.serve_forever()
'

# Each scenario's server and credits: "stem server credits" lines.
SCENARIO_TABLE="$WORK/scenarios.tsv"
python3 - "$SCENARIO_DIR" >"$SCENARIO_TABLE" <<'PY'
import json, pathlib, sys
for path in sorted(pathlib.Path(sys.argv[1]).glob("*.json")):
    doc = json.loads(path.read_text())
    server = doc.get("server", "default")
    credits = (doc.get("user") or {}).get("credits", 100)
    print(path.stem, server, int(credits))
PY
while read -r stem server _; do
    [ -n "$(server_args "$server")" ] || { echo "$stem.json: unknown server $server" >&2; exit 1; }
done <"$SCENARIO_TABLE"

# The accounts: one per (runner, scenario), created before the servers start.
log "creating ${#RUNNERS[@]} x ${#SCENARIOS[@]} accounts"
RUN_ID="$(date +%s)$$"
add_users() {
    local server="$1" runner stem srv credits
    for runner in "${RUNNERS[@]}"; do
        while read -r stem srv credits; do
            [ "$srv" = "$server" ] || continue
            "$SERVER_BIN" user add --data-dir "$WORK/data-$server" \
                --email "$runner.$stem.$RUN_ID@conformance.test" \
                --password "pw-$runner-$stem" --credits "$credits" >/dev/null
        done <"$SCENARIO_TABLE"
    done
}
user_pids=()
for server in "${REFERENCE_SERVERS[@]}"; do
    mkdir -p "$WORK/data-$server"
    add_users "$server" &
    user_pids+=($!)
done
for pid in "${user_pids[@]}"; do wait "$pid" || { echo "creating the accounts failed" >&2; exit 1; }; done
for runner in "${RUNNERS[@]}"; do
    python3 - "$runner" "$RUN_ID" "$SCENARIO_TABLE" >"$WORK/users-$runner.json" <<'PY'
import json, sys
runner, run_id, table = sys.argv[1:4]
users = {}
for line in open(table):
    stem = line.split()[0]
    users[stem] = {"email": f"{runner}.{stem}.{run_id}@conformance.test",
                   "password": f"pw-{runner}-{stem}"}
print(json.dumps(users, indent=1))
PY
done

start_server() {
    local name="$1" out="$WORK/server-$1.out" url="" _
    # Created before the server starts, so the poll below never reads a file not there yet.
    : >"$out"
    if [ "$name" = faulty ]; then
        python3 -c "$FAULTY_STUB" >"$out" 2>"$WORK/server-$name.log" &
    else
        # shellcheck disable=SC2046 # the flags are words
        # Every language's scenarios sign in from 127.0.0.1, as few users: raise the sign-in limits.
        "$SERVER_BIN" serve --bind 127.0.0.1:0 --data-dir "$WORK/data-$name" --test-hooks --allow-private-webhooks \
            --auth-rate-limit 10000 --sign-in-rate-limit 10000 $(server_args "$name") \
            >"$out" 2>"$WORK/server-$name.log" &
    fi
    SERVER_PID[$name]=$!
    for _ in $(seq 300); do
        url="$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$out" | head -n 1)"
        [ -n "$url" ] && break
        kill -0 "${SERVER_PID[$name]}" 2>/dev/null || break
        sleep 0.1
    done
    if [ -z "$url" ]; then
        echo "the $name server did not start; its log:" >&2
        cat "$WORK/server-$name.log" >&2
        exit 1
    fi
    SERVER_URL[$name]="$url"
}
log "starting the reference servers"
for server in "${SERVERS[@]}"; do start_server "$server"; done
RENDERIQ_CONFORMANCE_SERVERS="$(
    for server in "${SERVERS[@]}"; do printf '%s\t%s\n' "$server" "${SERVER_URL[$server]}"; done |
        python3 -c 'import json, sys; print(json.dumps(dict(l.rstrip("\n").split("\t") for l in sys.stdin)))'
)"
export RENDERIQ_CONFORMANCE_SERVERS RENDERIQ_CONFORMANCE_ROOT="$REPO_ROOT"
echo "servers: $RENDERIQ_CONFORMANCE_SERVERS" >&2

# ---- run ------------------------------------------------------------------------------------
declare -A SUMMARY=()
FAILED=0
for runner in "${RUNNERS[@]}"; do
    log "runner: $runner (${#SCENARIOS[@]} scenarios)"
    export RENDERIQ_CONFORMANCE_USERS="$WORK/users-$runner.json"
    set +e
    "runner_${runner//-/_}" 2>&1 </dev/null | tee "$WORK/runner-$runner.log"
    status=${PIPESTATUS[0]}
    set -e
    line="$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$WORK/runner-$runner.log" | tail -n 1 || true)"
    if [ -z "$line" ]; then
        SUMMARY[$runner]="no summary line (exit $status)"
        FAILED=1
        continue
    fi
    SUMMARY[$runner]="$line"
    passed="${line%% passed*}"
    failed="${line#*, }"; failed="${failed%% failed}"
    if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$passed" -ne ${#SCENARIOS[@]} ]; then
        [ "$status" -ne 0 ] && SUMMARY[$runner]+=" (exit $status)"
        [ "$((passed + failed))" -ne ${#SCENARIOS[@]} ] &&
            SUMMARY[$runner]+=" (ran $((passed + failed)) of ${#SCENARIOS[@]} scenarios)"
        FAILED=1
    fi
done

echo
echo "conformance: ${#SCENARIOS[@]} scenarios"
for runner in "${RUNNERS[@]}"; do
    printf '  %-12s %s\n' "$runner" "${SUMMARY[$runner]}"
done
if [ ${#RUNNERS[@]} -lt ${#ALL_RUNNERS[@]} ]; then
    echo "  (only ${RUNNERS[*]}: RENDERIQ_CONFORMANCE_ONLY is set)"
fi
exit "$FAILED"
