#!/usr/bin/env bash
# Software bill of materials of the shipped crates: CycloneDX 1.5 JSON from cargo-cyclonedx
# (the CycloneDX project's cargo plugin), one per crate that ends up in an artifact, written to
# dist/sbom/<crate>.cdx.json. Installs the plugin (`cargo install cargo-cyclonedx --locked`,
# about 3 minutes) when it is missing.
#
#   scripts/release/sbom.sh
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../release-lib.sh"
cd "$REPO_ROOT"

CYCLONEDX_VERSION=0.5.9
if ! cargo cyclonedx --version 2>/dev/null | grep -q "$CYCLONEDX_VERSION"; then
    log "installing cargo-cyclonedx $CYCLONEDX_VERSION"
    cargo install cargo-cyclonedx --locked --version "$CYCLONEDX_VERSION"
fi

# The crates whose code ships: the SDK core and each binding's library (the CLI and the server
# are not release artifacts).
CRATES=(renderiq-sdk renderiq-ffi renderiq-python renderiq-ruby renderiq-uniffi)
OUT="$DIST/sbom"
rm -rf "$OUT" && mkdir -p "$OUT"
log "SBOM (CycloneDX 1.5) of ${CRATES[*]}"
# cargo-cyclonedx writes <crate>.cdx.json beside every workspace member's Cargo.toml: only the
# dependencies built into the library (no dev or build dependencies), for this runner's target.
cargo cyclonedx --format json --spec-version 1.5 --no-build-deps --quiet
manifests="$(cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json,sys; [print(p["name"], p["manifest_path"]) for p in json.load(sys.stdin)["packages"]]')"
while read -r name manifest; do
    bom="$(dirname "$manifest")/$name.cdx.json"
    if [[ " ${CRATES[*]} " == *" $name "* ]]; then
        mv "$bom" "$OUT/"
    else
        rm -f "$bom"
    fi
done <<<"$manifests"
ls -l "$OUT" >&2
