#!/usr/bin/env bash
# Tests the Kotlin example (examples/kotlin, issue 13) against the reference server: builds
# librenderiq_uniffi and the server (debug), compiles the example with `mvn package` into a
# temporary folder, starts a reference server with a fresh user (through scripts/ffi-lib.sh),
# renders examples/assets/sample-viewport.png with it and checks what it did: exit 0, a real
# image of the printed size, progress up to 100 %, credits lowered by the render's cost. Then
# the failures: a wrong password (exit 1, Auth), a missing image (exit 1, Image), bad arguments
# (exit 2, usage). Prints PASS/FAIL per check and a summary; exits 1 on any failure.
# scripts/test-all.sh runs it in the kotlin suite, after scripts/test-kotlin.sh.
#
#   scripts/test-kotlin-example.sh
#   RENDERIQ_KOTLIN_NATIVE_DIR=DIR scripts/test-kotlin-example.sh    # librenderiq_uniffi from
#                          # DIR (and renderiq-server, when DIR holds one)
#   RENDERIQ_KOTLIN_NO_BUILD=1 scripts/test-kotlin-example.sh   # no cargo build: use what is
#                          # already built in $CARGO_TARGET_DIR/debug (or the folder above)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ffi-lib.sh"
cd "$REPO_ROOT"

FFI_PROFILE=debug
NATIVE_DIR="${RENDERIQ_KOTLIN_NATIVE_DIR:-$CARGO_TARGET_DIR/debug}"
if [ "${RENDERIQ_KOTLIN_NO_BUILD:-0}" != 1 ]; then
    log "building librenderiq_uniffi and the reference server"
    cargo build -p renderiq-uniffi -p renderiq-server
fi
# ffi_start_server runs $CARGO_TARGET_DIR/$FFI_PROFILE/renderiq-server: the native folder's
# server when it has one, so a private copy of both is used together.
SERVER_TARGET="$CARGO_TARGET_DIR" SERVER_PROFILE="$FFI_PROFILE"
if [ -x "$NATIVE_DIR/renderiq-server" ]; then
    SERVER_TARGET="$(dirname "$NATIVE_DIR")" SERVER_PROFILE="$(basename "$NATIVE_DIR")"
fi

pom_matches_binding examples/kotlin/pom.xml kotlin.version coroutines.version jna.version || exit 1

ffi_workdir
trap ffi_cleanup EXIT
BUILD="$FFI_WORK/example-build"
log "compiling the example with the binding's sources (mvn package)"
mvn -q -B -f examples/kotlin/pom.xml package -Drenderiq.example.build.dir="$BUILD" >&2
CP="$BUILD/classes:$(cat "$BUILD/classpath.txt")"

log "starting the reference server"
# Five progress steps over 1.5 s: several progress lines before the end.
CARGO_TARGET_DIR="$SERVER_TARGET" FFI_PROFILE="$SERVER_PROFILE" \
    ffi_start_server RENDERIQ_EXAMPLE_URL example --render-delay-ms 1500
EMAIL=example-kotlin@example.com
START_CREDITS=1000
CARGO_TARGET_DIR="$SERVER_TARGET" FFI_PROFILE="$SERVER_PROFILE" \
    ffi_add_user example "$EMAIL" "$START_CREDITS"
IMAGE="$REPO_ROOT/examples/assets/sample-viewport.png"

PASSED=0 FAILED=0
# check NAME TEST...: runs TEST, prints PASS or FAIL with NAME.
check() {
    local name="$1"; shift
    if "$@"; then
        echo "PASS  $name"
        PASSED=$((PASSED + 1))
    else
        echo "FAIL  $name"
        FAILED=$((FAILED + 1))
    fi
}

# example OUT ERR [args...]: runs the example, its output in OUT and ERR; sets STATUS.
example() {
    local out="$1" err="$2"; shift 2
    STATUS=0
    java -Djna.library.path="$NATIVE_DIR" -cp "$CP" com.renderiq.example.MainKt "$@" \
        >"$out" 2>"$err" || STATUS=$?
}

log "rendering $IMAGE"
export RENDERIQ_EXAMPLE_PASSWORD="$RENDERIQ_TEST_PASSWORD"
RESULT="$FFI_WORK/render.png"
example "$FFI_WORK/ok.out" "$FFI_WORK/ok.err" --base-url "$RENDERIQ_EXAMPLE_URL" --email "$EMAIL" \
    --password-env RENDERIQ_EXAMPLE_PASSWORD --image "$IMAGE" --prompt "warm evening light" \
    --out "$RESULT" --platform other
sed 's/^/  | /' "$FFI_WORK/ok.out" "$FFI_WORK/ok.err" >&2

magic="$(head -c 4 "$RESULT" 2>/dev/null | od -An -tx1 | tr -d ' \n')"
size="$(stat -c %s "$RESULT" 2>/dev/null || echo missing)"
printed="$(sed -n 's/^saved .* (\([0-9]*\) bytes)$/\1/p' "$FFI_WORK/ok.out")"
percents="$(sed -n 's/^progress \([0-9]*\)%.*/\1/p' "$FFI_WORK/ok.out")"
cost="$(sed -n 's/^render .* created, cost \([0-9]*\) credits$/\1/p' "$FFI_WORK/ok.out")"
left="$(sed -n 's/^credits left: \(-\{0,1\}[0-9]*\)$/\1/p' "$FFI_WORK/ok.out")"

check "the render run exits 0 (got $STATUS)" test "$STATUS" -eq 0
check "the output is a PNG or JPEG (magic ${magic:-none})" \
    grep -Eq '^(89504e47|ffd8ff)' <<<"$magic"
check "the printed byte count is the file's ($printed printed, $size on disk)" \
    test -n "$printed" -a "$printed" = "$size"
reaches_100() {
    [ -n "$percents" ] && sort -n -c <<<"$percents" 2>/dev/null && [ "$(tail -n1 <<<"$percents")" = 100 ]
}
check "progress lines never go back and reach 100 ($(paste -sd' ' - <<<"$percents"))" reaches_100
check "several progress lines ($(grep -c . <<<"$percents") printed)" \
    test "$(grep -c . <<<"$percents")" -ge 3
charged() { [ -n "$cost" ] && [ "$cost" -gt 0 ] && [ -n "$left" ] && [ "$left" -eq $((START_CREDITS - cost)) ]; }
check "credits left = $START_CREDITS - cost (cost ${cost:-?}, left ${left:-?})" charged

log "a wrong password (read from standard input)"
example "$FFI_WORK/auth.out" "$FFI_WORK/auth.err" --base-url "$RENDERIQ_EXAMPLE_URL" --email "$EMAIL" \
    --password-stdin --image "$IMAGE" --prompt p --out "$FFI_WORK/no.png" <<<"not the password"
sed 's/^/  | /' "$FFI_WORK/auth.err" >&2
check "a wrong password exits 1 (got $STATUS)" test "$STATUS" -eq 1
check "a wrong password prints the Auth error" grep -q '^error: Auth: ' "$FFI_WORK/auth.err"

log "a missing image file"
example "$FFI_WORK/img.out" "$FFI_WORK/img.err" --base-url "$RENDERIQ_EXAMPLE_URL" --email "$EMAIL" \
    --password-env RENDERIQ_EXAMPLE_PASSWORD --image "$FFI_WORK/no-such-image.png" --prompt p \
    --out "$FFI_WORK/no.png"
sed 's/^/  | /' "$FFI_WORK/img.err" >&2
check "a missing image exits 1 (got $STATUS)" test "$STATUS" -eq 1
check "a missing image prints the Image error" grep -q '^error: Image: ' "$FFI_WORK/img.err"

log "bad arguments"
example "$FFI_WORK/usage.out" "$FFI_WORK/usage.err" --base-url "$RENDERIQ_EXAMPLE_URL" --password abc
check "bad arguments exit 2 (got $STATUS)" test "$STATUS" -eq 2
check "bad arguments print the usage" grep -q '^usage: ' "$FFI_WORK/usage.err"

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
