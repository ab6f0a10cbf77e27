#!/usr/bin/env bash
# Supply-chain check (issue 11): `cargo deny check licenses bans` against deny.toml — every
# dependency's license on the allow-list, no wildcard versions; duplicate majors are printed
# as warnings. Installs cargo-deny (`cargo install cargo-deny --locked`, about 3 minutes) when
# it is missing. Exits non-zero when the check fails.
#
#   scripts/check-deny.sh
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"

if ! cargo deny --version >/dev/null 2>&1; then
    log "installing cargo-deny"
    cargo install cargo-deny --locked
fi
log "cargo deny check licenses bans"
cargo deny check licenses bans
