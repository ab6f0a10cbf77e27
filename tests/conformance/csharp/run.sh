#!/usr/bin/env bash
# Builds and runs the C# conformance runner (tests/conformance/README.md) on Mono:
#   1. builds librenderiq (bindings/ffi) with cargo;
#   2. compiles Renderiq.Sdk.dll and Renderiq.Conformance.exe with mcs (C# 7.2, .NET 4.8
#      profile), as scripts/test-dotnet.sh does, into $CARGO_TARGET_DIR/conformance-csharp;
#   3. runs every scenario (or the scenario stems given as arguments) and prints
#      `N passed, N failed`; exits 1 unless every scenario passed.
# Needs RENDERIQ_CONFORMANCE_SERVERS and RENDERIQ_CONFORMANCE_USERS, which
# scripts/test-conformance.sh sets (RENDERIQ_CONFORMANCE_SCENARIO_DIR runs another folder). Usage: tests/conformance/csharp/run.sh [scenario-stem...]
set -euo pipefail
. "$(dirname "$0")/../../../scripts/lib.sh"

ensure_apt mono-complete

HERE="$REPO_ROOT/tests/conformance/csharp"
OUT="$CARGO_TARGET_DIR/conformance-csharp"
MCS=(mcs -langversion:7.2 -sdk:4.8 -debug -optimize+ -nologo)
FACADES=/usr/lib/mono/4.8-api/Facades

log "C# conformance: building librenderiq"
# Under `flock $RENDERIQ_CARGO_LOCK` when set, as scripts/test-conformance.sh's builds.
if [ -n "${RENDERIQ_CARGO_LOCK:-}" ]; then
    (cd "$REPO_ROOT" && flock "$RENDERIQ_CARGO_LOCK" cargo build -q -p renderiq-ffi -p renderiq-server)
else
    (cd "$REPO_ROOT" && cargo build -q -p renderiq-ffi -p renderiq-server)
fi

rm -rf "$OUT" && mkdir -p "$OUT"
case "$(uname -s)" in
    Darwin) NATIVE=librenderiq.dylib ;;
    MINGW*|MSYS*|CYGWIN*) NATIVE=renderiq.dll ;;
    *) NATIVE=librenderiq.so ;;
esac
cp "$CARGO_TARGET_DIR/debug/$NATIVE" "$OUT/"

log "C# conformance: compiling Renderiq.Sdk.dll and Renderiq.Conformance.exe"
mapfile -t SDK_SOURCES < <(find "$REPO_ROOT/bindings/dotnet/src/Renderiq.Sdk" -name '*.cs' -not -path '*/obj/*' -not -path '*/bin/*' | sort)
"${MCS[@]}" -target:library -unsafe -warnaserror+ \
    -r:"$FACADES/System.Runtime.InteropServices.RuntimeInformation.dll" \
    -out:"$OUT/Renderiq.Sdk.dll" "${SDK_SOURCES[@]}"
"${MCS[@]}" -target:exe -unsafe -warnaserror+ -r:"$OUT/Renderiq.Sdk.dll" -r:System.Core.dll \
    -out:"$OUT/Renderiq.Conformance.exe" "$HERE"/*.cs

log "C# conformance: running the scenarios"
export RENDERIQ_REPO_ROOT="$REPO_ROOT"
unset RENDERIQ_NATIVE_LIBRARY
cd "$OUT"
# The native library is found beside Renderiq.Sdk.dll, as in an add-in folder.
exec mono --debug Renderiq.Conformance.exe "$@"
