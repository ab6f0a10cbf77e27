#!/usr/bin/env bash
# Ruby binding (bindings/ruby) and SketchUp extension (examples/sketchup): builds the magnus
# native extension, librenderiq (the C ABI, for the Fiddle backend) and the reference server,
# then runs the minitest suites twice, once per backend (RENDERIQ_RUBY_BACKEND=native, then
# =fiddle). The tests start the real renderiq-server themselves. Both runs must pass.
#
#   scripts/test-ruby.sh
#
# Installs what is missing: Debian packages ruby-full, ruby-dev (headers for rb-sys),
# libclang-dev and clang (rb-sys runs bindgen), unzip (the .rbz is checked with `unzip -t`, an
# independent reader), dbus-daemon, dbus-bin and gnome-keyring (scripts/with-keyring.sh), plus the
# Rust build deps of lib.sh; minitest comes with Ruby 3.x (else Debian's ruby-minitest, else
# `gem install minitest`).
# The suites always run on a throwaway Secret Service (scripts/with-keyring.sh) with
# RENDERIQ_TEST_KEYCHAIN=1, so the keychain token store is tested for real; without the tools
# the script stops. Minitest runs verbose (-v): one `Class#test_name = … s = .` line per test.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"

ensure_rust_build_deps
ensure_apt ruby-full ruby-dev libclang-dev clang unzip dbus-daemon dbus-bin gnome-keyring
if ! ruby -e 'require "minitest"' >/dev/null 2>&1; then
    ensure_apt ruby-minitest || gem install --no-document minitest
fi
log "ruby $(ruby -e 'print RUBY_VERSION, " ", RUBY_PLATFORM'), minitest $(ruby -e 'require "minitest"; print Minitest::VERSION')"

log "building renderiq-ruby, renderiq-ffi, renderiq-server (debug)"
cargo build -p renderiq-ruby -p renderiq-ffi -p renderiq-server
TARGET="$CARGO_TARGET_DIR/debug"
GEM_NATIVE="$REPO_ROOT/bindings/ruby/lib/renderiq"
cp "$TARGET/librenderiq_native.so" "$GEM_NATIVE/renderiq_native.so"
cp "$TARGET/librenderiq.so" "$GEM_NATIVE/librenderiq.so"
export RENDERIQ_SERVER_BIN="$TARGET/renderiq-server"

for tool in unzip dbus-run-session gnome-keyring-daemon dbus-send; do
    command -v "$tool" >/dev/null || { echo "!! $tool is missing after installing its package" >&2; exit 1; }
done
WRAP=(scripts/with-keyring.sh)
export RENDERIQ_TEST_KEYCHAIN=1

RUNNER='Dir[File.join(ARGV[0], "bindings/ruby/test/*_test.rb")].sort.each { |f| require f }
        Dir[File.join(ARGV[0], "examples/sketchup/test/*_test.rb")].sort.each { |f| require f }'
status=0
for backend in native fiddle; do
    log "minitest: Ruby binding + SketchUp extension, RENDERIQ_RUBY_BACKEND=$backend"
    if ! RENDERIQ_RUBY_BACKEND="$backend" RENDERIQ_LIBRARY_PATH="$GEM_NATIVE/librenderiq.so" \
            "${WRAP[@]}" ruby -e "$RUNNER" "$REPO_ROOT" -v; then
        echo "!! Ruby tests failed with the $backend backend" >&2
        status=1
    fi
done
exit $status
