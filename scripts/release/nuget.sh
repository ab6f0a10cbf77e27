#!/usr/bin/env bash
# Builds the NuGet package of the C# binding: $DIST/nuget/Renderiq.Sdk.<version>.nupkg.
#
#   scripts/release/nuget.sh            (RENDERIQ_DIST=... for another dist folder)
#
# What goes in:
#   lib/netstandard2.0/Renderiq.Sdk.dll + Renderiq.Sdk.xml  mcs (Mono), C# 7.2, -doc: XML docs.
#       There is no netstandard.dll reference assembly on this machine (NuGet is not reachable and
#       Mono's Facades/netstandard.dll only forwards types), so the assembly is compiled against
#       Mono's .NET Framework 4.8 reference assemblies (/usr/lib/mono/4.8-api: mscorlib, System,
#       System.Core, Facades/System.Runtime.InteropServices.RuntimeInformation): it references
#       mscorlib 4.0.0.0, not netstandard 2.0.0.0. .NET Framework 4.6.1+ and Mono load it as is;
#       .NET Core/.NET 5+ load it through their mscorlib/System compatibility facades.
#       scripts/release/test-nuget.sh checks that every type it uses is in netstandard 2.0.
#       Where the .NET SDK is on PATH (the release workflow's packing job) the csproj is built
#       instead (`dotnet build -c Release`, real netstandard2.0 references; not run here).
#   runtimes/linux-x64/native/librenderiq.so  the release build (release_native_libs), debug info
#       stripped.
#   runtimes/{win-x64/native/renderiq.dll, osx-x64/native/librenderiq.dylib,
#       osx-arm64/native/librenderiq.dylib}  only from RENDERIQ_NATIVE_DIR/<rid>/<file> (the
#       release workflow's prebuilt libraries), checked to be a PE x64 / Mach-O of that
#       architecture; left out (and said so) when absent.
#   build/ and buildTransitive/Renderiq.Sdk.targets  copies the native library next to the
#       assembly in .NET Framework projects (bindings/dotnet/src/Renderiq.Sdk/build/).
#   README.md (bindings/dotnet/README.md), and the OPC parts written by scripts/release/nupkg.py.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
. "$REPO_ROOT/scripts/release-lib.sh"

ensure_apt mono-devel binutils python3

DOTNET="$REPO_ROOT/bindings/dotnet"
SRC="$DOTNET/src/Renderiq.Sdk"
OUT="$DIST/nuget"
STAGE="$CARGO_TARGET_DIR/nuget-stage"
API=/usr/lib/mono/4.8-api
ID=Renderiq.Sdk

# The assembly's version attributes must be the release's.
informational="$(sed -n 's/.*AssemblyInformationalVersion("\(.*\)").*/\1/p' "$SRC/Properties.cs")"
if [ "$informational" != "$RELEASE_VERSION" ]; then
    echo "bindings/dotnet/src/Renderiq.Sdk/Properties.cs says $informational, the workspace $RELEASE_VERSION" >&2
    exit 1
fi

release_native_libs

rm -rf "$OUT" "$STAGE"
mkdir -p "$OUT" "$STAGE/lib/netstandard2.0" "$STAGE/build" "$STAGE/buildTransitive"

if command -v dotnet >/dev/null; then
    # The release workflow's packing job has the .NET SDK: the assembly is compiled against the
    # real netstandard2.0 reference assemblies from the csproj (not run on this machine).
    log "compiling $ID.dll (dotnet build -c Release, netstandard2.0)"
    dotnet build "$SRC/$ID.csproj" -c Release -nologo -o "$STAGE/dotnet-out" -p:RenderiqNativeDir=/nonexistent/ >&2
    cp "$STAGE/dotnet-out/$ID.dll" "$STAGE/dotnet-out/$ID.xml" "$STAGE/lib/netstandard2.0/"
    rm -rf "$STAGE/dotnet-out"
else
    # Mono has no netstandard reference assembly: compiled against its .NET Framework 4.8
    # reference assemblies, which .NET Framework 4.6.1+, Mono and .NET's compatibility shims load.
    log "compiling $ID.dll (mcs $(mcs --version | awk '{print $NF}'), C# 7.2, against $API)"
    mapfile -t SOURCES < <(find "$SRC" -name '*.cs' -not -path '*/obj/*' -not -path '*/bin/*' | sort)
    mcs -nologo -langversion:7.2 -sdk:4.8 -optimize+ -target:library -unsafe -warnaserror+ \
        -r:"$API/Facades/System.Runtime.InteropServices.RuntimeInformation.dll" \
        -doc:"$STAGE/lib/netstandard2.0/$ID.xml" \
        -out:"$STAGE/lib/netstandard2.0/$ID.dll" "${SOURCES[@]}"
fi

cp "$SRC/build/$ID.targets" "$STAGE/build/$ID.targets"
cp "$SRC/build/$ID.targets" "$STAGE/buildTransitive/$ID.targets"

log "native libraries"
mkdir -p "$STAGE/runtimes/linux-x64/native"
objcopy --strip-debug "$RELEASE_LIB_DIR/librenderiq.so" "$STAGE/runtimes/linux-x64/native/librenderiq.so"
echo "  linux-x64: release build of this machine (debug info stripped)" >&2

# native_kind FILE: "pe-x64", "macho-x64", "macho-arm64" or "other" from the file's header.
native_kind() {
    python3 - "$1" <<'PY'
import struct, sys
d = open(sys.argv[1], "rb").read(4096)
kind = "other"
if d[:2] == b"MZ" and len(d) >= 64:
    off = struct.unpack_from("<I", d, 0x3C)[0]
    if d[off:off + 4] == b"PE\0\0" and struct.unpack_from("<H", d, off + 4)[0] == 0x8664:
        kind = "pe-x64"
elif d[:4] == b"\xcf\xfa\xed\xfe":
    cpu = struct.unpack_from("<I", d, 4)[0]
    kind = {0x01000007: "macho-x64", 0x0100000C: "macho-arm64"}.get(cpu, "other")
print(kind)
PY
}

missing=()
for spec in win-x64:renderiq.dll:pe-x64 osx-x64:librenderiq.dylib:macho-x64 osx-arm64:librenderiq.dylib:macho-arm64; do
    IFS=: read -r rid file kind <<<"$spec"
    src="${RENDERIQ_NATIVE_DIR:+$RENDERIQ_NATIVE_DIR/$rid/$file}"
    if [ -z "$src" ] || [ ! -f "$src" ]; then
        missing+=("$rid")
        echo "  $rid: left out (no \$RENDERIQ_NATIVE_DIR/$rid/$file; the release workflow builds it on its own runner)" >&2
        continue
    fi
    found="$(native_kind "$src")"
    if [ "$found" != "$kind" ]; then
        echo "$src is not a $kind library (its header says $found)" >&2
        exit 1
    fi
    mkdir -p "$STAGE/runtimes/$rid/native"
    cp "$src" "$STAGE/runtimes/$rid/native/$file"
    echo "  $rid: $src" >&2
done

description="$(sed -n 's:.*<Description>\(.*\)</Description>.*:\1:p' "$SRC/Renderiq.Sdk.csproj")"
tags="$(sed -n 's:.*<PackageTags>\(.*\)</PackageTags>.*:\1:p' "$SRC/Renderiq.Sdk.csproj" | tr ';' ' ')"
license="$(sed -n 's/^license = "\(.*\)"$/\1/p' "$REPO_ROOT/Cargo.toml" | head -n1)"
repository="$(sed -n 's/^repository = "\(.*\)"$/\1/p' "$REPO_ROOT/Cargo.toml" | head -n1)"

log "writing the package"
SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$(git -C "$REPO_ROOT" log -1 --format=%ct 2>/dev/null || echo 946684800)}" \
python3 "$REPO_ROOT/scripts/release/nupkg.py" --stage "$STAGE" --out "$OUT/$ID.$RELEASE_VERSION.nupkg" \
    --id "$ID" --version "$RELEASE_VERSION" --authors Renderiq --description "$description" \
    --license "$license" --repository "$repository" --tags "$tags" \
    --readme "$DOTNET/README.md" --framework .NETStandard2.0 >/dev/null
rm -rf "$STAGE"

[ ${#missing[@]} -eq 0 ] || echo "left out (not built on this machine): ${missing[*]}" >&2
echo "wrote:" >&2
ls -l "$OUT"/*.nupkg >&2
