#!/usr/bin/env bash
# The Rust code's style gates: rustfmt (the layout reqwest and tokio use) and clippy with
# warnings as errors, over every crate and target of the workspace.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"

for component in rustfmt clippy; do
    if ! cargo "${component/rustfmt/fmt}" --version >/dev/null 2>&1; then
        if command -v rustup >/dev/null; then
            log "installing the $component component"
            rustup component add "$component"
        else
            echo "cargo ${component/rustfmt/fmt} is missing and there is no rustup to add it" >&2
            exit 1
        fi
    fi
done

log "cargo fmt --all --check"
cargo fmt --all --check
log "cargo clippy --workspace --all-targets -- -D warnings"
cargo clippy --workspace --all-targets --quiet -- -D warnings
echo "rustfmt and clippy: clean"
