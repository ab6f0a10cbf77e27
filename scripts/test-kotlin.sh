#!/usr/bin/env bash
# Tests the Kotlin binding (uniffi, issue 13; a suite of scripts/test-all.sh): builds
# librenderiq_uniffi and the reference server (debug), starts three reference servers (fast
# renders; --render-delay-ms 3000 for cancelling midway; --workers 1 --render-delay-ms 20000
# for withdrawing a pending render) with the test users (through scripts/ffi-lib.sh, as
# scripts/test-ffi.sh does), runs `mvn verify` on bindings/uniffi/kotlin with
# -Djna.library.path pointing at the built library, prints surefire's summary and one
# `junit PASSED <class>.<method>` line per test, and stops the servers.
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
command -v mvn >/dev/null || ensure_apt maven || exit 1
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
reports=bindings/uniffi/kotlin/target/surefire-reports
rm -rf "$reports"
status=0
mvn -B -f bindings/uniffi/kotlin/pom.xml verify \
    -Drenderiq.native.dir="${RENDERIQ_KOTLIN_NATIVE_DIR:-$CARGO_TARGET_DIR/debug}" "$@" || status=$?
# One line per test from surefire's XML reports (`junit PASSED <class>.<method>`), for the
# required-tests check: Maven's own summary counts tests but does not name them.
python3 - "$reports" <<'PY'
import sys, pathlib, xml.etree.ElementTree as ET
for report in sorted(pathlib.Path(sys.argv[1]).glob("TEST-*.xml")):
    for case in ET.parse(report).getroot().iter("testcase"):
        outcome = "PASSED"
        for tag, name in (("skipped", "SKIPPED"), ("failure", "FAILED"), ("error", "ERROR")):
            if case.find(tag) is not None:
                outcome = name
        print(f"junit {outcome} {case.get('classname')}.{case.get('name')}")
PY
exit "$status"
