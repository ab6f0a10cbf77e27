#!/usr/bin/env bash
# Release artifacts of the Ruby binding for this platform, into $DIST/ruby/ (emptied first):
#   renderiq-<version>-x86_64-linux.gem  the platform gem: the Ruby files, the native extension
#                                        (release build, for this Ruby's minor version, in
#                                        lib/renderiq/<minor>/) and librenderiq.so for the Fiddle
#                                        backend (the fallback on any other Ruby)
#   renderiq-<version>.gem               the pure-Ruby gem: the Ruby files only, Fiddle over a
#                                        librenderiq the user points to (RENDERIQ_LIBRARY_PATH)
# Both come from bindings/ruby exactly as its README builds them: `gem build renderiq.gemspec`
# and `rake native_gem`. Everything comes from Debian's Ruby (RubyGems.org is not needed).
#
#   scripts/release/ruby.sh            # RENDERIQ_DIST=/elsewhere to change dist/
#
# Run it with the cargo lock held (it builds the native libraries through release_native_libs).
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=../release-lib.sh
. "$REPO_ROOT/scripts/release-lib.sh"

ensure_workspace_build_deps   # ruby-full, ruby-dev, libclang (rb-sys) and pkg-config
ensure_apt binutils           # strip, for the shipped libraries

OUT="$DIST/ruby"
rm -rf "$OUT"
mkdir -p "$OUT"

gem_version="$(ruby -e 'require_relative ARGV[0]; print Renderiq::VERSION' "$REPO_ROOT/bindings/ruby/lib/renderiq/version.rb")"
if [ "$gem_version" != "$RELEASE_VERSION" ]; then
    echo "!! bindings/ruby/lib/renderiq/version.rb says $gem_version but the workspace is $RELEASE_VERSION" >&2
    exit 1
fi

release_native_libs

cd "$REPO_ROOT/bindings/ruby"
log "pure-Ruby gem (gem build renderiq.gemspec)"
gem build renderiq.gemspec --output "$OUT/renderiq-$RELEASE_VERSION.gem" >&2
log "platform gem (rake native_gem)"
rake "native_gem[$OUT]" >&2

log "wrote $OUT"
ls -l "$OUT"
