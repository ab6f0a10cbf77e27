#!/usr/bin/env bash
# Installs every artifact scripts/release.sh put in dist/ the way a user does, in a clean
# environment, and renders through it against the reference server; runs every README quick start
# as written; checks the checksums, the SBOMs, the portability of the native code and the release
# workflow. Exits non-zero when anything fails.
#
#   scripts/release.sh && scripts/test-release.sh
#   scripts/test-release.sh python cmake     # some kinds only
#
#   python  a fresh venv: the manylinux wheel (auditwheel, abi3audit), the sdist built by pip
#   ruby    a clean GEM_HOME: the platform gem (native and Fiddle backends), the pure-Ruby gem
#   nuget   a local folder feed, restored by Mono's tooling into a consumer project
#   cmake   the tarball unpacked into a fresh prefix: find_package(Renderiq) and pkg-config
#   kotlin  the jar + pom in a file repository, a Maven consumer project outside the tree
#   rust    a crate outside the workspace with the README's Cargo.toml lines
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/release-lib.sh"
cd "$REPO_ROOT"

KINDS=(python ruby nuget cmake kotlin rust)
[ $# -gt 0 ] && KINDS=("$@")
declare -a RESULTS=()
FAILED=0
# step NAME COMMAND...: runs one check, records PASS/FAIL with its time.
step() {
    local name="$1" start=$SECONDS; shift
    log "release check: $name"
    if "$@"; then
        RESULTS+=("PASS  $name ($((SECONDS - start))s)")
    else
        RESULTS+=("FAIL  $name ($((SECONDS - start))s)")
        FAILED=1
    fi
}

check_checksums() {
    [ -s "$DIST/SHA256SUMS" ] || { echo "no $DIST/SHA256SUMS: run scripts/release.sh" >&2; return 1; }
    (cd "$DIST" && sha256sum --check --strict SHA256SUMS)
}

# Each SBOM is CycloneDX 1.5 JSON naming its crate and listing the crates built into it.
check_sboms() {
    python3 - "$DIST/sbom" <<'PY'
import json, pathlib, sys
boms = sorted(pathlib.Path(sys.argv[1]).glob("*.cdx.json"))
assert boms, f"no SBOM in {sys.argv[1]}"
for path in boms:
    bom = json.loads(path.read_text())
    assert bom["bomFormat"] == "CycloneDX" and bom["specVersion"] == "1.5", path
    crate = path.name.removesuffix(".cdx.json")
    assert bom["metadata"]["component"]["name"] == crate, (path, bom["metadata"]["component"]["name"])
    names = {c["name"] for c in bom.get("components", [])}
    assert "tokio" in names and "reqwest" in names, f"{path}: dependencies missing"
    assert not names & {"wiremock", "criterion"}, f"{path}: dev-dependencies listed"
    print(f"  {path.name}: {len(names)} components")
PY
}

step "checksums (SHA256SUMS)" check_checksums
step "SBOMs (CycloneDX)" check_sboms
step "portability of the native code" scripts/check-portability.sh
step "release workflow (actionlint)" scripts/check-workflows.sh
for kind in "${KINDS[@]}"; do
    step "$kind: installed from dist/ and used" "scripts/release/test-$kind.sh"
done

printf '\n==== release checks ====\n'
printf '%s\n' "${RESULTS[@]}"
exit $FAILED
