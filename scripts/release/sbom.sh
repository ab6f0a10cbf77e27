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

# The crates whose code ships: the SDK core and each binding's library.
CRATES=(renderiq-sdk renderiq-ffi renderiq-python renderiq-ruby)
OUT="$DIST/sbom"
rm -rf "$OUT" && mkdir -p "$OUT"
log "SBOM (CycloneDX) of ${CRATES[*]}"
for crate in "${CRATES[@]}"; do
    manifest="$(cargo metadata --format-version 1 --no-deps |
        python3 -c 'import json,sys; print(next(p["manifest_path"] for p in json.load(sys.stdin)["packages"] if p["name"]==sys.argv[1]))' "$crate")"
    dir="$(dirname "$manifest")"
    # Only the dependencies that are built into the library (no dev or build dependencies),
    # for the target this runner builds.
    (cd "$dir" && cargo cyclonedx --format json --spec-version 1.5 --no-build-deps \
        --target "$(rustc -vV | sed -n 's/^host: //p')" --override-filename "$crate.cdx" >&2)
    mv "$dir/$crate.cdx.json" "$OUT/"
done
ls -l "$OUT" >&2
