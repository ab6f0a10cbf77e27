#!/usr/bin/env bash
# Builds and tests the C# binding (bindings/dotnet) on Mono, against the reference server:
#   1. installs mono-complete, nunit-console and libnunit-cil-dev when missing;
#   2. builds librenderiq (bindings/ffi) and renderiq-server with cargo;
#   3. fails when bindings/dotnet/src/Renderiq.Sdk/NativeMethods.g.cs is stale (csbindgen);
#   4. compiles Renderiq.Sdk.dll, the tests and the load probe with mcs (C# 7.2, .NET 4.8 profile),
#      and the Revit/AutoCAD examples against API stubs (a compile check only);
#   5. runs the NUnit suite with nunit-console (the fixtures start their own servers).
# Output goes to $CARGO_TARGET_DIR/dotnet. Usage: scripts/test-dotnet.sh [nunit-console args...]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

ensure_rust_build_deps
ensure_apt mono-complete nunit-console libnunit-cil-dev

DOTNET="$REPO_ROOT/bindings/dotnet"
OUT="$CARGO_TARGET_DIR/dotnet"
MCS=(mcs -langversion:7.2 -sdk:4.8 -debug -optimize+ -nologo)
FACADES=/usr/lib/mono/4.8-api/Facades
NUNIT_FRAMEWORK=$(ls /usr/lib/cli/nunit.framework-2.6*/nunit.framework.dll 2>/dev/null | head -1)
[ -n "$NUNIT_FRAMEWORK" ] || { echo "nunit.framework.dll not found under /usr/lib/cli" >&2; exit 1; }

log "building librenderiq and renderiq-server"
(cd "$REPO_ROOT" && cargo build -p renderiq-ffi -p renderiq-server)

log "checking that NativeMethods.g.cs is fresh"
fresh="$(mktemp "${TMPDIR:-/tmp}/NativeMethods.XXXXXX.g.cs")"
(cd "$REPO_ROOT" && cargo run -q -p renderiq-dotnet-codegen -- --out "$fresh" >/dev/null)
if ! cmp -s "$fresh" "$DOTNET/src/Renderiq.Sdk/NativeMethods.g.cs"; then
    diff -u "$DOTNET/src/Renderiq.Sdk/NativeMethods.g.cs" "$fresh" | head -n 50 >&2 || true
    echo "NativeMethods.g.cs is stale: the C ABI changed. Run scripts/regenerate.sh and commit the result." >&2
    rm -f "$fresh"; exit 1
fi
rm -f "$fresh"

rm -rf "$OUT" && mkdir -p "$OUT"
case "$(uname -s)" in
    Darwin) NATIVE=librenderiq.dylib ;;
    MINGW*|MSYS*|CYGWIN*) NATIVE=renderiq.dll ;;
    *) NATIVE=librenderiq.so ;;
esac
cp "$CARGO_TARGET_DIR/debug/$NATIVE" "$OUT/"

log "compiling Renderiq.Sdk.dll (mcs, C# 7.2, .NET Framework 4.8 profile)"
# Sources as the csproj sees them (not what a dotnet build left in obj/ or bin/).
mapfile -t SDK_SOURCES < <(find "$DOTNET/src/Renderiq.Sdk" -name '*.cs' -not -path '*/obj/*' -not -path '*/bin/*' | sort)
"${MCS[@]}" -target:library -unsafe -warnaserror+ \
    -doc:"$OUT/Renderiq.Sdk.xml" \
    -r:"$FACADES/System.Runtime.InteropServices.RuntimeInformation.dll" \
    -out:"$OUT/Renderiq.Sdk.dll" "${SDK_SOURCES[@]}"

log "compiling the tests and the load probe"
"${MCS[@]}" -target:library -r:"$OUT/Renderiq.Sdk.dll" -r:"$NUNIT_FRAMEWORK" \
    -r:System.Core.dll -out:"$OUT/Renderiq.Sdk.Tests.dll" "$DOTNET"/tests/Renderiq.Sdk.Tests/*.cs
"${MCS[@]}" -target:exe -r:"$OUT/Renderiq.Sdk.dll" -out:"$OUT/LoadProbe.exe" "$DOTNET/tests/LoadProbe/LoadProbe.cs"

# A stand-in library reporting another ABI version, for the mismatch test (skipped without a C compiler).
if command -v cc >/dev/null 2>&1; then
    printf '%s\n' '#include <stdint.h>' \
        'uint32_t renderiq_abi_version(void) { return 999; }' \
        'const char *renderiq_version(void) { return "9.9.9"; }' > "$OUT/fake-abi.c"
    cc -shared -fPIC -o "$OUT/fake-abi-999.$NATIVE" "$OUT/fake-abi.c"
fi

if [ -d "$DOTNET/tests/ExampleStubs" ]; then
    log "compile-checking examples/revit and examples/autocad against API stubs"
    "${MCS[@]}" -target:library -out:"$OUT/AutodeskStubs.dll" -r:System.Drawing.dll -r:System.Windows.Forms.dll \
        "$DOTNET"/tests/ExampleStubs/*.cs
    "${MCS[@]}" -target:library -unsafe -out:"$OUT/RenderiqRevit.dll" -r:"$OUT/Renderiq.Sdk.dll" -r:"$OUT/AutodeskStubs.dll" \
        -r:System.Core.dll -r:System.Drawing.dll -r:System.Windows.Forms.dll -recurse:"$REPO_ROOT/examples/revit/src/*.cs"
    "${MCS[@]}" -target:library -unsafe -out:"$OUT/RenderiqAutoCad.dll" -r:"$OUT/Renderiq.Sdk.dll" -r:"$OUT/AutodeskStubs.dll" \
        -r:System.Core.dll -r:System.Drawing.dll -r:System.Windows.Forms.dll -recurse:"$REPO_ROOT/examples/autocad/src/*.cs"
fi

log "running the NUnit suite (nunit-console, Mono $(mono --version | head -1 | sed 's/.*version \([^ ]*\).*/\1/'))"
export RENDERIQ_REPO_ROOT="$REPO_ROOT"
export RENDERIQ_SERVER_BIN="$CARGO_TARGET_DIR/debug/renderiq-server"
unset RENDERIQ_NATIVE_LIBRARY
cd "$OUT"
status=0
# -noshadow: the native library is found beside Renderiq.Sdk.dll, as in an add-in folder.
nunit-console -noshadow -nologo -labels -result="$OUT/TestResult.xml" Renderiq.Sdk.Tests.dll "$@" || status=$?

# Every test's full name with its result ("Success  Renderiq.Sdk.Tests.RenderTests.X", one a
# line, for a required-tests check), then the closing line in the plain form CI reads, both
# from NUnit's own result file ($OUT/TestResult.xml, NUnit 2.6 format).
if [ -f "$OUT/TestResult.xml" ]; then
    python3 - "$OUT/TestResult.xml" <<'PY' || true
import sys, xml.etree.ElementTree as ET
r = ET.parse(sys.argv[1]).getroot()
print()
for case in r.iter("test-case"):
    print(f"{case.get('result', 'Unknown'):<12} {case.get('name')}")
total, errors, failures = int(r.get("total", 0)), int(r.get("errors", 0)), int(r.get("failures", 0))
not_run = int(r.get("not-run", 0))
failed = errors + failures
print(f"\ndotnet: {total - failed} passed, {failed} failed, {not_run} skipped")
PY
fi
exit $status
