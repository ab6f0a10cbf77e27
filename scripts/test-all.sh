#!/usr/bin/env bash
# Runs every test suite of every language, installing what it needs first:
#   Rust (cargo test: core, server, CLI, examples; the server's suites again on PostgreSQL), the
#   nginx configuration of the deployment docs (nginx -t, then in front of two servers), the
#   supply-chain check (cargo deny), the
#   server against schemathesis, the dashboard and the SketchUp dialog in Chromium (Playwright),
#   the fuzz smoke runs, the keychain store against a real Secret
#   Service, the C ABI + C/C++ (CTest under valgrind), C# (NUnit on Mono), Python (pytest, real
#   Blender via bpy; then the release wheel in a fresh venv), Ruby (minitest, native and Fiddle
#   backends), Kotlin (JUnit through uniffi), and the generated-file checks.
# Exits non-zero when anything fails; prints each runner's own summary and a final table.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"

# A one-off run gains nothing from incremental compilation, and its caches would take
# gigabytes of the disk the later suites need.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"

disk_free() { df -Ph "$(dirname "$CARGO_TARGET_DIR")" | awk 'NR==2 {print $4 " free"}'; }
log "disk before the suites: $(disk_free)"

# Each suite's output is also kept in $LOG_DIR/<slug>.log, where the required-tests check at the
# end looks for every test CI is meant to run (tests/required-tests.txt).
LOG_DIR="${RENDERIQ_TEST_LOG_DIR:-$CARGO_TARGET_DIR/test-logs}"
rm -rf "$LOG_DIR" && mkdir -p "$LOG_DIR"

declare -a RESULTS=() FAILED_SLUGS=()
FAILED=0
# run_suite SLUG NAME COMMAND...: runs one suite, its output shown and kept in $LOG_DIR/SLUG.log.
run_suite() {
    local slug="$1" name="$2"; shift 2
    log "suite: $name"
    local start=$SECONDS status
    "$@" 2>&1 </dev/null | tee "$LOG_DIR/$slug.log"
    status=${PIPESTATUS[0]}
    if [ "$status" -eq 0 ]; then
        RESULTS+=("PASS  $name ($((SECONDS - start))s)")
    else
        RESULTS+=("FAIL  $name (exit $status, $((SECONDS - start))s, $(disk_free))")
        FAILED_SLUGS+=("$slug")
        FAILED=1
    fi
}

ensure_workspace_build_deps || exit 1
ensure_apt gnome-keyring dbus dbus-x11 libsecret-tools || exit 1

run_suite rust "rust: cargo test --workspace" cargo test --workspace --no-fail-fast
# The server's integration suites again, on PostgreSQL and S3 (installed and started by the script).
run_suite postgres "server: integration suites on PostgreSQL and an S3 bucket (s3s-fs)" scripts/test-postgres.sh
# The load balancer configuration of the README: nginx -t, then requests through it.
run_suite nginx "deploy: nginx in front of two servers" scripts/check-nginx.sh
run_suite lint "rust: rustfmt and clippy" scripts/lint-rust.sh
run_suite generated "generated files are fresh" scripts/check-generated.sh
run_suite deny "supply chain: cargo deny check licenses bans" scripts/check-deny.sh
# The reference server under attack-shaped input: schemathesis generates requests from its own
# OpenAPI document (no 5xx, every answer as documented), then each fuzz target runs briefly
# from its checked-in corpus (longer runs are made by hand: see the README's security section).
run_suite schemathesis "server: schemathesis against the OpenAPI document" scripts/test-schemathesis.sh
# The operator dashboard and the SketchUp dialog page in a real Chromium (Playwright); screenshots
# of every page visited go to $CARGO_TARGET_DIR/test-artifacts/browser/.
run_suite browser "browser: Playwright + Chromium, dashboard and SketchUp dialog" scripts/test-browser.sh
run_suite fuzz "fuzz smoke runs (cargo-fuzz, four targets)" scripts/fuzz-smoke.sh
run_suite keychain "rust: keychain store on a real Secret Service" \
    scripts/with-keyring.sh cargo test -p renderiq-sdk --test keychain -- --ignored
for suite in ffi dotnet python ruby; do
    run_suite "$suite" "$suite" "scripts/test-$suite.sh"
done
# Kotlin on the JVM through uniffi (JUnit 5 against the reference servers).
run_suite kotlin "kotlin: JUnit through uniffi, examples/kotlin" \
    sh -c 'scripts/test-kotlin.sh && RENDERIQ_KOTLIN_NO_BUILD=1 scripts/test-kotlin-example.sh'
# One set of scenario files through every language's call entry; the seven runners must agree.
run_suite conformance "conformance: the same scenarios in seven runners" scripts/test-conformance.sh
# What users install: every release artifact built once into dist/ (the manylinux wheel and
# sdist, both gems, the .nupkg, the CMake tarball, SBOMs, checksums), then each installed the way
# a user does in a clean environment and rendered through, every README quick start run as
# written, the shipped native code checked for portability and the release workflow linted.
run_suite release "release: every artifact built into dist/" scripts/release.sh
run_suite release-test "release: artifacts installed and used, README quick starts" \
    scripts/test-release.sh
# The release wheel from dist/ in a fresh venv through the whole Python suite with real Blender
# (bpy comes from pip's cache this time), then on Python 3.9 (Rhino 8's CPython).
run_suite python-wheel "python: release wheel in a fresh venv" \
    scripts/test-python.sh --release-wheel

# A skipped test looks green in its runner's summary: fail unless every required test ran.
run_suite checker "the required-tests check's own tests" \
    python3 -m unittest discover -s scripts/tests -v
run_suite required "required tests ran and passed" scripts/check-required-tests.py "$LOG_DIR"

printf '\n==== summary ====\n'
printf '%s\n' "${RESULTS[@]}"
# What failed, by name, from each failed suite's log (the runners' own failure lines): the end
# of the output is often all a CI page keeps.
for slug in "${FAILED_SLUGS[@]}"; do
    printf -- '-- failures in %s.log:\n' "$slug"
    grep -E -- '^test .* FAILED$|^---- .* stdout ----$|panicked at|^FAILED |^ERROR |^  [0-9]+\) (Failure|Error):|Failed .*\[|The following tests FAILED|^!! |^  MISSING ' \
        "$LOG_DIR/$slug.log" | head -n 30
done
printf 'target dir: %s, disk: %s\n' "$(du -sh "$CARGO_TARGET_DIR" 2>/dev/null | cut -f1)" "$(disk_free)"
exit $FAILED
