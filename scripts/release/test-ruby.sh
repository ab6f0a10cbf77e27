#!/usr/bin/env bash
# Installs the Ruby release artifacts from $DIST/ruby/ (scripts/release/ruby.sh) the way a user
# would and tests them through the INSTALLED gem, never the checkout's bindings/ruby/lib:
#   1. each gem is installed with `gem install --local` into its own fresh GEM_HOME (GEM_PATH =
#      that folder plus Ruby's own bundled gems, for minitest), and the minitest suite of
#      bindings/ruby/test runs against it (RENDERIQ_TEST_INSTALLED_GEM=1: no -I lib, the log names
#      the file `renderiq` was loaded from and the backend library):
#        platform gem, RENDERIQ_RUBY_BACKEND=native and =fiddle (its own librenderiq.so);
#        pure-Ruby gem, =fiddle with RENDERIQ_LIBRARY_PATH at a copy of the release librenderiq.so;
#   2. the README's Ruby quick starts (<!-- quickstart: ruby -->) run as written against the
#      reference server on 127.0.0.1:8787 (under flock /tmp/qs8787.lock) with each installed gem
#      and backend, with no D-Bus session (so the keychain token store falls back to memory);
#   3. the from-source steps of bindings/ruby/README.md § Install run as written (each line is
#      checked to be in the README first): `gem build renderiq.gemspec`, `rake native_gem`, their
#      installs, and `rake compile ffi` + `ruby -I lib` from the checkout.
#
#   scripts/release/test-ruby.sh       # after scripts/release/ruby.sh; RENDERIQ_DIST as there
#
# `rake native_gem` and `rake compile ffi` run cargo (no-ops when the release and debug builds are
# up to date). Exits non-zero on any failure; removes its temporary folders and servers.
# shellcheck disable=SC2016 # Ruby code in single quotes
# shellcheck disable=SC2317 # cleanup runs from the trap
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=../release-lib.sh
. "$REPO_ROOT/scripts/release-lib.sh"

ensure_apt ruby-full binutils python3
OUT="$DIST/ruby"
PLATFORM_GEM="$OUT/renderiq-$RELEASE_VERSION-x86_64-linux.gem"
PURE_GEM="$OUT/renderiq-$RELEASE_VERSION.gem"
for f in "$PLATFORM_GEM" "$PURE_GEM"; do
    [ -f "$f" ] || { echo "!! $f is missing: run scripts/release/ruby.sh first" >&2; exit 1; }
done

WORK="$(mktemp -d "${TMPDIR:-/tmp}/renderiq-ruby-release.XXXXXX")"
RUBY_DIR="$REPO_ROOT/bindings/ruby"
# What the from-source steps write into the checkout and was not there before: removed at the end.
MADE=()
for f in "renderiq-$RELEASE_VERSION.gem" "pkg/renderiq-$RELEASE_VERSION-x86_64-linux.gem" pkg \
        lib/renderiq/renderiq_native.so lib/renderiq/librenderiq.so; do
    [ -e "$RUBY_DIR/$f" ] || MADE+=("$RUBY_DIR/$f")
done
cleanup() {
    qs_stop_server
    local f
    for f in "${MADE[@]}"; do
        if [ -d "$f" ]; then rmdir "$f" 2>/dev/null || true; else rm -f "$f"; fi
    done
    rm -rf "$WORK"
}
trap cleanup EXIT

export RENDERIQ_SERVER_BIN
RENDERIQ_SERVER_BIN="$(release_server_bin)"
RELEASE_LIB="$RELEASE_LIB_DIR/librenderiq.so"
# Ruby's own gem folder (its bundled gems: minitest, rake, test-unit…), never a renderiq.
BUNDLED_GEMS="$(ruby -e 'print File.join(RbConfig::CONFIG["rubylibprefix"], "gems", RbConfig::CONFIG["ruby_version"])')"
unset RUBYLIB RUBYOPT BUNDLE_GEMFILE RENDERIQ_LIBRARY_PATH RENDERIQ_RUBY_BACKEND

# use_gem_home NAME: a fresh, empty GEM_HOME for the commands that follow.
use_gem_home() {
    export GEM_HOME="$WORK/$1" GEM_PATH="$WORK/$1:$BUNDLED_GEMS"
    mkdir -p "$GEM_HOME"
    if gem list --installed renderiq >/dev/null 2>&1; then
        echo "!! a renderiq gem is already visible in $GEM_PATH" >&2
        exit 1
    fi
}

use_gem_home probe
if ! ruby -e 'require "minitest"' >/dev/null 2>&1; then
    ensure_apt ruby-minitest   # lands in vendor_ruby, on every Ruby's load path
fi
log "ruby $(ruby -e 'print RUBY_VERSION, " ", RUBY_PLATFORM'), rubygems $(gem --version), minitest $(ruby -e 'require "minitest"; print Minitest::VERSION') from $(ruby -e 'require "minitest"; print $LOADED_FEATURES.grep(/minitest\.rb$/).first')"

log "artifacts"
ls -l "$OUT"

# check_contents GEM: the file list of a .gem, with what each kind must (not) carry.
check_contents() {
    local gem="$1" files
    files="$(tar -xOf "$gem" data.tar.gz | tar -tz)"
    printf '%s\n' "$files" | sed 's/^/    /'
    grep -qx 'lib/renderiq.rb' <<<"$files" || { echo "!! $gem has no lib/renderiq.rb" >&2; return 1; }
    case "$gem" in
        *-x86_64-linux.gem)
            grep -qx "lib/renderiq/$(ruby -e 'print RUBY_VERSION[/\A\d+\.\d+/]')/renderiq_native.so" <<<"$files" \
                || { echo "!! $gem lacks the native extension for this Ruby" >&2; return 1; }
            grep -qx 'lib/renderiq/librenderiq.so' <<<"$files" || { echo "!! $gem lacks librenderiq.so" >&2; return 1; }
            ;;
        *)
            if grep -v -E '\.(rb|rbs|md)$' <<<"$files"; then
                echo "!! the pure-Ruby gem $gem ships the files above" >&2
                return 1
            fi
            ;;
    esac
}

# install_gem GEM: gem install --local into the current GEM_HOME, then where it went.
install_gem() {
    (cd "$WORK" && gem install --local --no-document "$1")
    gem list renderiq
    [ "$(gem list --installed renderiq)" = true ] || { echo "!! renderiq is not installed in $GEM_HOME" >&2; return 1; }
}

# run_suite LABEL VAR=VALUE...: the minitest suite against the installed gem, run from $WORK.
run_suite() {
    local label="$1"; shift
    log "minitest against the installed gem: $label"
    (cd "$WORK" && env "$@" RENDERIQ_TEST_INSTALLED_GEM=1 \
        ruby -e 'Dir[File.join(ARGV[0], "*_test.rb")].sort.each { |f| require f }' "$RUBY_DIR/test")
}

# gem_file NAME: the installed gem's copy of lib/renderiq/NAME.
gem_file() {
    ruby -e 'print File.join(Gem::Specification.find_by_name("renderiq").full_gem_path, "lib/renderiq", ARGV[0])' "$1"
}

status=0
SECONDS=0

# --- 1. the gems from dist/, each in a clean GEM_HOME, under the minitest suite -------------------
log "platform gem $(basename "$PLATFORM_GEM")"
check_contents "$PLATFORM_GEM"
use_gem_home gems-platform
install_gem "$PLATFORM_GEM"
PLATFORM_HOME="$GEM_HOME"
for so in "$(gem_file "$(ruby -e 'print RUBY_VERSION[/\A\d+\.\d+/]')/renderiq_native.so")" "$(gem_file librenderiq.so)"; do
    echo "  NEEDED of ${so#"$WORK"/}:"
    readelf -d "$so" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/    \1/p'
done
run_suite "platform gem, native backend" RENDERIQ_RUBY_BACKEND=native || { echo "!! platform gem, native: failed" >&2; status=1; }
run_suite "platform gem, Fiddle backend (its own librenderiq.so)" RENDERIQ_RUBY_BACKEND=fiddle \
    || { echo "!! platform gem, fiddle: failed" >&2; status=1; }

log "pure-Ruby gem $(basename "$PURE_GEM")"
check_contents "$PURE_GEM"
use_gem_home gems-pure
install_gem "$PURE_GEM"
PURE_HOME="$GEM_HOME"
mkdir -p "$WORK/user-lib"
cp "$RELEASE_LIB" "$WORK/user-lib/librenderiq.so"
USER_LIB="$WORK/user-lib/librenderiq.so"
if (cd "$WORK" && ruby -e 'require "renderiq"' 2>"$WORK/no-lib.txt"); then
    echo "!! the pure gem loaded without a library" >&2; status=1
else
    echo "  without RENDERIQ_LIBRARY_PATH: $(head -n3 "$WORK/no-lib.txt" | tr '\n' ' ')"
fi
run_suite "pure gem, Fiddle backend, RENDERIQ_LIBRARY_PATH=$USER_LIB" RENDERIQ_RUBY_BACKEND=fiddle \
    RENDERIQ_LIBRARY_PATH="$USER_LIB" || { echo "!! pure gem, fiddle: failed" >&2; status=1; }
echo "suites: ${SECONDS} s"

# --- 2. the README quick starts, as written, against 127.0.0.1:8787 --------------------------------
# run_quick_starts LABEL GEM_HOME VAR=VALUE...: every Ruby quick start, from the folder holding
# view.png, with no D-Bus session (the keychain is unreachable, the token store falls back).
run_quick_starts() {
    local label="$1" home="$2" f; shift 2
    for f in "${QS_FILES[@]}"; do
        log "quick start $(basename "$f"): $label"
        rm -f /tmp/render.png
        if ! (cd "$WORK/qs" && export GEM_HOME="$home" GEM_PATH="$home:$BUNDLED_GEMS" &&
                env "$@" ruby -e 'require "renderiq"; puts "  renderiq from #{$LOADED_FEATURES.grep(/renderiq\.rb$/).first}, backend #{Renderiq.backend}"' &&
                env -u DBUS_SESSION_BUS_ADDRESS "$@" ruby "$f"); then
            echo "!! quick start $f failed ($label)" >&2; status=1; continue
        fi
        if grep -q '/tmp/render.png' "$f" &&
                ! ruby -e 'exit(File.binread(ARGV[0], 8) == "\x89PNG\r\n\x1a\n".b)' /tmp/render.png 2>/dev/null; then
            echo "!! quick start $f did not write a PNG to /tmp/render.png ($label)" >&2; status=1
        fi
    done
}

exec {qs_lock}>/tmp/qs8787.lock
flock "$qs_lock"
SECONDS=0
mkdir -p "$WORK/qs"
qs_start_server "$WORK/qs"
mapfile -t QS_FILES < <(qs_extract ruby "$WORK/qs-files")
run_quick_starts "platform gem, native" "$PLATFORM_HOME" RENDERIQ_RUBY_BACKEND=native
run_quick_starts "platform gem, Fiddle" "$PLATFORM_HOME" RENDERIQ_RUBY_BACKEND=fiddle
run_quick_starts "pure gem, Fiddle (auto)" "$PURE_HOME" RENDERIQ_LIBRARY_PATH="$USER_LIB"
echo "quick starts: ${SECONDS} s"
qs_stop_server
flock -u "$qs_lock"

# --- 3. the from-source steps of bindings/ruby/README.md, as written ---------------------------------
# run_readme_steps DIR LINE...: checks that each line is in the README, then runs them in DIR.
run_readme_steps() {
    local dir="$1" line; shift
    for line in "$@"; do
        grep -qxF -- "$line" "$RUBY_DIR/README.md" || { echo "!! not in bindings/ruby/README.md: $line" >&2; return 1; }
    done
    (cd "$dir" && for line in "$@"; do echo "  \$ $line" >&2; eval "$line" || exit 1; done)
}
SECONDS=0
log "from source: the pure-Ruby gem"
use_gem_home src-pure
run_readme_steps "$RUBY_DIR" 'gem build renderiq.gemspec' 'gem install --local renderiq-*.gem' || status=1
(cd "$WORK" && RENDERIQ_LIBRARY_PATH="$RELEASE_LIB" ruby -e 'require "renderiq"; puts "  #{Gem.loaded_specs["renderiq"].full_name}: backend #{Renderiq.backend}, #{$LOADED_FEATURES.grep(/renderiq\.rb$/).first}"; exit(Renderiq.backend == :fiddle ? 0 : 1)') || status=1

log "from source: the platform gem"
use_gem_home src-platform
run_readme_steps "$RUBY_DIR" 'rake native_gem' 'gem install --local pkg/renderiq-*-x86_64-linux.gem' || status=1
for backend in native fiddle; do
    (cd "$WORK" && RENDERIQ_RUBY_BACKEND=$backend ruby -e 'require "renderiq"; puts "  #{Gem.loaded_specs["renderiq"].full_name}: backend #{Renderiq.backend}, #{$LOADED_FEATURES.grep(/renderiq\.rb$/).first}"') || status=1
done

log "from a checkout: rake compile ffi, then ruby -I lib"
use_gem_home src-checkout
run_readme_steps "$RUBY_DIR" 'rake compile ffi' \
    "ruby -I lib -e 'require \"renderiq\"; puts Renderiq.backend, Renderiq.sdk_version'" \
    "RENDERIQ_RUBY_BACKEND=fiddle ruby -I lib -e 'require \"renderiq\"; puts Renderiq.backend'" || status=1
echo "from source: ${SECONDS} s"

if [ "$status" -eq 0 ]; then
    log "Ruby release artifacts: all checks passed"
else
    log "Ruby release artifacts: FAILED (see the !! lines above)"
fi
exit "$status"
