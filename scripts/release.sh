#!/usr/bin/env bash
# Builds every release artifact for this platform into dist/, the way the release workflow
# (.github/workflows/release.yml) does on each of its runners:
#
#   dist/python/  renderiq-<v>-cp39-abi3-manylinux_2_28_x86_64.whl, renderiq-<v>.tar.gz (sdist)
#   dist/ruby/    renderiq-<v>-x86_64-linux.gem (native extension + librenderiq), renderiq-<v>.gem
#                 (pure Ruby, Fiddle over a librenderiq you point it to)
#   dist/nuget/   Renderiq.Sdk.<v>.nupkg
#   dist/cmake/   renderiq-<v>-linux-x86_64.tar.gz (cmake --install prefix: lib, include,
#                 lib/cmake/Renderiq, lib/pkgconfig/renderiq.pc)
#   dist/kotlin/  renderiq-kotlin-<v>.jar (Kotlin classes + librenderiq_uniffi in JNA's
#                 linux-x86-64/ folder), renderiq-kotlin-<v>.pom (its dependencies)
#   dist/sbom/    one CycloneDX 1.5 JSON bill of materials per shipped crate (cargo-cyclonedx)
#   dist/SHA256SUMS
#
#   scripts/release.sh                 # everything
#   scripts/release.sh python cmake    # some kinds (then SBOM and checksums over what is there)
#   RENDERIQ_DIST=/tmp/dist scripts/release.sh
#
# scripts/test-release.sh installs each artifact in a clean environment and renders through it.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/release-lib.sh"
cd "$REPO_ROOT"

KINDS=(python ruby nuget cmake kotlin)
[ $# -gt 0 ] && KINDS=("$@")
for kind in "${KINDS[@]}"; do
    [ -x "scripts/release/$kind.sh" ] || { echo "release.sh: unknown artifact kind '$kind' (one of: python ruby nuget cmake kotlin)" >&2; exit 2; }
done

ensure_workspace_build_deps
mkdir -p "$DIST"
# The libraries all but the wheel ship, in one optimised build.
release_native_libs
for kind in "${KINDS[@]}"; do
    log "release: $kind"
    "scripts/release/$kind.sh"
done

scripts/release/sbom.sh

log "checksums: $DIST/SHA256SUMS"
(cd "$DIST" && find . -type f ! -name SHA256SUMS -printf '%P\n' | LC_ALL=C sort | xargs -r sha256sum >SHA256SUMS)
log "release artifacts in $DIST:"
(cd "$DIST" && find . -type f -printf '%P\t%s bytes\n' | LC_ALL=C sort) >&2
