#!/usr/bin/env bash
# Tests the Kotlin binding (uniffi, issue 13): builds librenderiq_uniffi and the reference
# server (debug), starts three reference servers (fast renders; --render-delay-ms 3000
# for cancelling midway; --workers 1 --render-delay-ms 20000 for withdrawing a pending render) with the test users (as scripts/test-ffi.sh does,
# through scripts/ffi-lib.sh), runs `mvn verify` on bindings/uniffi/kotlin with
# -Djna.library.path pointing at the built library, prints surefire's summary and stops the
# server. Not part of scripts/test-all.sh yet.
#
#   scripts/test-kotlin.sh                    # everything
#   scripts/test-kotlin.sh -Dtest=ClientTest  # extra arguments go to mvn
#   RENDERIQ_KOTLIN_NATIVE_DIR=DIR                      # librenderiq_uniffi from DIR
#   RENDERIQ_KOTLIN_NO_BUILD=1 scripts/test-kotlin.sh   # use the library and server already
#                                                       # built in $CARGO_TARGET_DIR/debug
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ffi-lib.sh"
cd "$REPO_ROOT"

FFI_PROFILE=debug
if [ "${RENDERIQ_KOTLIN_NO_BUILD:-0}" != 1 ]; then
    log "building librenderiq_uniffi and the reference server"
    cargo build -p renderiq-uniffi -p renderiq-server
fi

ffi_workdir
trap ffi_cleanup EXIT
log "starting the reference server"
ffi_start_server RENDERIQ_TEST_BASE_URL fast --render-delay-ms 200 --create-rate-limit 0
ffi_start_server RENDERIQ_TEST_SLOW_URL slow --render-delay-ms 3000
ffi_start_server RENDERIQ_TEST_WITHDRAW_URL withdraw --workers 1 --render-delay-ms 20000
export RENDERIQ_TEST_WITHDRAW_EMAIL=withdraw-kotlin@example.com
ffi_add_user withdraw "$RENDERIQ_TEST_WITHDRAW_EMAIL" 1000
export RENDERIQ_TEST_IMAGE="$REPO_ROOT/examples/assets/sample-viewport.png"

log "mvn verify (bindings/uniffi/kotlin)"
mvn -B -f bindings/uniffi/kotlin/pom.xml verify \
    -Drenderiq.native.dir="${RENDERIQ_KOTLIN_NATIVE_DIR:-$CARGO_TARGET_DIR/debug}" "$@"
