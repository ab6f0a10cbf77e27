#!/usr/bin/env bash
# Fails when a checked-in generated file is not what its generator makes now: regenerates every
# one (scripts/regenerate.sh --out) into a temporary folder, compares byte for byte and prints
# the diff and the command that fixes it; then the uniffi bindings (scripts/uniffi-generate.sh
# check). Leaves the checkout as it was.
#
#   scripts/check-generated.sh
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/renderiq-generated.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

scripts/regenerate.sh --out "$tmp"

stale=()
while IFS= read -r f; do
    if ! cmp -s "$f" "$tmp/$f"; then
        stale+=("$f")
        if grep -Iq . "$tmp/$f" 2>/dev/null; then
            diff -u --label "$f (checked in)" --label "$f (generated)" "$f" "$tmp/$f" | head -n 200 >&2 || true
        else
            echo "$f: binary file differs from a fresh generation ($(wc -c <"$f" 2>/dev/null || echo 0) bytes checked in, $(wc -c <"$tmp/$f") generated)" >&2
        fi
    fi
done < <(scripts/regenerate.sh --list)

if [ ${#stale[@]} -gt 0 ]; then
    printf '\ngenerated files out of date: %s\nfix: run scripts/regenerate.sh and commit the result\n' "${stale[*]}" >&2
    exit 1
fi
echo "generated files up to date: $(scripts/regenerate.sh --list | tr '\n' ' ')"

# The uniffi bindings (Kotlin, Swift) and the Swift package's consistency: their own generator
# and check (they need the uniffi-bindgen build, and the Swift check needs no Swift).
scripts/uniffi-generate.sh check
