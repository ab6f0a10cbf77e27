#!/usr/bin/env bash
# The README's Rust quick start as a user writes it: a new crate outside this workspace whose
# Cargo.toml holds the README's [dependencies] block (the SDK by path, from a checkout beside the
# crate) and whose main.rs is the README's program, built and run against the reference server on
# 127.0.0.1:8787. Fails when the snippet no longer compiles or the render does not complete.
#
#   scripts/release/test-rust.sh
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../release-lib.sh"
cd "$REPO_ROOT"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/renderiq-qs-rust.XXXXXX")"
trap 'qs_stop_server; rm -rf "$WORK"' EXIT

qs_extract rust-toml "$WORK/snippets" >/dev/null
qs_extract rust "$WORK/snippets" >/dev/null
tomls=("$WORK"/snippets/*.toml)
programs=("$WORK"/snippets/*.rs)
[ ${#tomls[@]} -eq 1 ] || { echo "expected one rust-toml quick start, found ${#tomls[@]}" >&2; exit 1; }

# The README's path is `../renderiq/renderiq-sdk`: a checkout named renderiq beside the crate.
ln -s "$REPO_ROOT" "$WORK/renderiq"
crate="$WORK/my-plugin"
mkdir -p "$crate/src"
{
    printf '[package]\nname = "my-plugin"\nversion = "0.1.0"\nedition = "2021"\n\n'
    cat "${tomls[0]}"
} >"$crate/Cargo.toml"
# The workspace's lock file pins the versions this SDK is tested with (cargo drops what the
# crate does not use), so the shared target dir's compiled dependencies are reused.
cp Cargo.lock "$crate/Cargo.lock"

exec 9>/tmp/qs8787.lock && flock 9   # one quick-start server on 8787 at a time
qs_start_server "$WORK"
for program in "${programs[@]}"; do
    log "Rust quick start ${program##*/}"
    cp "$program" "$crate/src/main.rs"
    (cd "$crate" && cargo build --quiet)
    (cd "$WORK" && "$CARGO_TARGET_DIR/debug/my-plugin")
    [ -s "$WORK/render.png" ] || { echo "the quick start wrote no render.png" >&2; exit 1; }
    file "$WORK/render.png" 2>/dev/null || true
    rm -f "$WORK/render.png"
done
echo "rust quick starts: ${#programs[@]} passed"
