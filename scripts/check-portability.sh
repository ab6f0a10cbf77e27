#!/usr/bin/env bash
# Portability check of the shipped native code: every ELF library inside the release artifacts in
# dist/ (wheel, gems, .nupkg, CMake tarball) may need only glibc's own libraries (libc, libm,
# libpthread, libdl, librt, the dynamic loader) and GCC's unwinder (libgcc_s, which Rust's panic
# unwinding uses and which every glibc system carries, as manylinux allows); the Ruby extension
# may also need the libruby of the Ruby that loads it. Anything else (libdbus, libssl, libsystemd,
# …) would have to be present on the user's machine, so it fails the check.
#
#   scripts/check-portability.sh            # the artifacts in dist/ (scripts/release.sh)
#   scripts/check-portability.sh DIR|FILE…  # other artifacts or plain libraries
#
# Prints each library's NEEDED list; exits non-zero naming every library that needs more.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/release-lib.sh"

ALLOWED='^(libc\.so\.6|libm\.so\.6|libpthread\.so\.0|libdl\.so\.2|librt\.so\.1|libgcc_s\.so\.1|ld-linux-x86-64\.so\.2|ld-linux-aarch64\.so\.1)$'
ALLOWED_RUBY='^libruby(-[0-9.]+)?\.so(\.[0-9.]+)?$'

command -v readelf >/dev/null || ensure_apt binutils
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# unpack ARTIFACT DIR: the artifact's files under DIR (a plain file is copied as is).
unpack() {
    local artifact="$1" dir="$2"
    mkdir -p "$dir"
    case "$artifact" in
        *.whl|*.nupkg|*.zip|*.jar) python3 -m zipfile -e "$artifact" "$dir" ;;
        *.gem) tar -xOf "$artifact" data.tar.gz | tar -xz -C "$dir" ;;
        *.tar.gz|*.tgz) tar -xzf "$artifact" -C "$dir" ;;
        *) cp "$artifact" "$dir/" ;;
    esac
}

inputs=("$@")
[ ${#inputs[@]} -gt 0 ] || inputs=("$DIST")
n=0
for input in "${inputs[@]}"; do
    if [ -d "$input" ]; then
        while IFS= read -r -d '' f; do
            unpack "$f" "$WORK/$((n++))"
        done < <(find "$input" -type f \( -name '*.whl' -o -name '*.gem' -o -name '*.nupkg' \
            -o -name '*.jar' -o -name '*.tar.gz' -o -name '*.so' -o -name '*.so.*' \) ! -name '*.src.tar.gz' -print0)
    else
        unpack "$input" "$WORK/$((n++))"
    fi
done

checked=0 bad=0
while IFS= read -r -d '' lib; do
    # ELF shared objects only (sdists and source tarballs hold none).
    [ "$(head -c 4 "$lib" | od -An -c | tr -d ' ')" = '177ELF' ] || continue
    readelf -h "$lib" | grep -q 'DYN' || continue
    checked=$((checked + 1))
    name="${lib#"$WORK"/*/}"
    needed="$(readelf -d "$lib" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')"
    printf '%s\n' "$name"
    while IFS= read -r dep; do
        [ -n "$dep" ] || continue
        if [[ "$dep" =~ $ALLOWED ]] || { [[ "$name" == *renderiq_native* ]] && [[ "$dep" =~ $ALLOWED_RUBY ]]; }; then
            printf '    NEEDED %s\n' "$dep"
        else
            printf '    NEEDED %s   <-- not allowed: the user machine may not have it\n' "$dep"
            bad=$((bad + 1))
        fi
    done <<<"$needed"
done < <(find "$WORK" -type f \( -name '*.so' -o -name '*.so.*' -o -name '*.dylib' \) -print0 | sort -z)

if [ "$checked" -eq 0 ]; then
    echo "check-portability: no native library found in ${inputs[*]} (run scripts/release.sh first)" >&2
    exit 1
fi
if [ "$bad" -gt 0 ]; then
    echo "check-portability: $bad dependency(ies) beyond glibc in $checked library(ies)" >&2
    exit 1
fi
echo "check-portability: $checked shipped librar(ies), nothing needed beyond glibc and libgcc_s"
