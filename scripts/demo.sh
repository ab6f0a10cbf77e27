#!/usr/bin/env bash
# The main job: starts the reference server (SQLite file in a fresh data dir), signs in a demo
# user, renders the bundled viewport screenshot end to end and writes the result image.
#   ./scripts/demo.sh [--out FILE]
set -euo pipefail
. "$(dirname "$0")/lib.sh"
ensure_rust_build_deps
cd "$REPO_ROOT"
cargo run --quiet -p renderiq-cli -- demo "$@"
