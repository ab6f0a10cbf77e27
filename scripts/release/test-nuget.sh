#!/usr/bin/env bash
# Tests the NuGet package scripts/release/nuget.sh wrote ($DIST/nuget/Renderiq.Sdk.<version>.nupkg)
# the way a user consumes it, on Mono:
#   1. layout: the OPC parts, the nuspec's fields, every file the package must carry (and no empty
#      one), the native libraries' formats and exports, the XML docs; the assembly by reflection
#      (name, version, references, public types) and every type it uses checked against the types
#      netstandard 2.0 has (Mono's Facades/netstandard.dll);
#   2. a fresh local folder feed holding only the package: `nuget install` (Debian's nuget, NuGet
#      2.8) extracts it; a packages.config console project outside the tree
#      (bindings/dotnet/tests/NuGetConsumer) is restored with `nuget restore` and built with
#      xbuild, which imports the package's build/Renderiq.Sdk.targets: the native library must land
#      next to the built exe, byte for byte the package's;
#   3. that exe renders against a reference server (sign-in, raw BGRA pixels with a padded
#      stride, progress, download, credits) and must have mapped the librenderiq.so beside it;
#   4. README quick starts as written, against 127.0.0.1:8787 (under flock /tmp/qs8787.lock):
#      the C# build-from-source steps (the `sh` blocks that use mcs) run from the repository's
#      root, and every `csharp` quick start is built and run both by those steps and against the
#      restored package.
# Prints every check and "nuget: N passed, N failed". Usage: scripts/release/test-nuget.sh
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
. "$REPO_ROOT/scripts/release-lib.sh"
. "$REPO_ROOT/scripts/ffi-lib.sh"

ensure_apt mono-devel mono-xbuild nuget binutils python3

ID=Renderiq.Sdk
PKG="$DIST/nuget/$ID.$RELEASE_VERSION.nupkg"
[ -f "$PKG" ] || { echo "$PKG is missing: run scripts/release/nuget.sh first" >&2; exit 1; }
CONSUMER_SRC="$REPO_ROOT/bindings/dotnet/tests/NuGetConsumer"
FROM_SOURCE="$REPO_ROOT/target/dotnet-sdk"   # where the README's build-from-source steps write
had_from_source=0; [ -e "$FROM_SOURCE" ] && had_from_source=1

WORK="$(mktemp -d "${TMPDIR:-/tmp}/renderiq-nuget.XXXXXX")"
cleanup() {
    qs_stop_server
    ffi_cleanup
    rm -rf "$WORK"
    if [ "$had_from_source" = 0 ]; then rm -rf "$FROM_SOURCE"; else rm -f "$FROM_SOURCE"/QuickStart.* "$FROM_SOURCE"/view.png "$FROM_SOURCE"/render.png; fi
}
trap cleanup EXIT

passed=0 failed=0
ok() { passed=$((passed + 1)); printf 'ok    %s\n' "$*"; }
fail() { failed=$((failed + 1)); printf 'FAIL  %s\n' "$*"; }
# check NAME CMD...: runs CMD (its output to $WORK/check.log, shown on failure) and records it.
check() {
    local name="$1"; shift
    if "$@" >"$WORK/check.log" 2>&1; then ok "$name"; else fail "$name"; sed 's/^/      /' "$WORK/check.log" | tail -n 40; fi
}
finish() {
    echo
    echo "nuget: $passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}

ls -l "$PKG"

# ---------------------------------------------------------------------------------------------
log "1. layout of $(basename "$PKG")"
mkdir -p "$WORK/unzipped"
python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$PKG" "$WORK/unzipped"
python3 - "$PKG" "$ID" "$RELEASE_VERSION" >"$WORK/layout.txt" <<'PY' || true
import re, struct, sys, zipfile
import xml.etree.ElementTree as ET

pkg, pkg_id, version = sys.argv[1:4]
z = zipfile.ZipFile(pkg)
names = z.namelist()
results = []
def check(name, cond, detail=""):
    results.append((bool(cond), name + (f" ({detail})" if detail and not cond else "")))

check("the zip's CRCs are valid", z.testzip() is None)
required = ["[Content_Types].xml", "_rels/.rels", f"{pkg_id}.nuspec",
            f"lib/netstandard2.0/{pkg_id}.dll", f"lib/netstandard2.0/{pkg_id}.xml",
            "runtimes/linux-x64/native/librenderiq.so",
            f"build/{pkg_id}.targets", f"buildTransitive/{pkg_id}.targets", "README.md"]
for r in required:
    check(f"entry {r}", r in names)
psmdcp = [n for n in names if re.fullmatch(r"package/services/metadata/core-properties/[0-9a-f]+\.psmdcp", n)]
check("entry package/services/metadata/core-properties/*.psmdcp", len(psmdcp) == 1, names)
check("no empty file", all(z.getinfo(n).file_size > 0 for n in names),
      [n for n in names if z.getinfo(n).file_size == 0])
check("no unexpected entry", all(n in required or n in psmdcp or re.fullmatch(
    r"runtimes/(win-x64/native/renderiq\.dll|osx-(x64|arm64)/native/librenderiq\.dylib)", n) for n in names),
    [n for n in names if n not in required and n not in psmdcp])

NS = {"n": "http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd"}
meta = ET.fromstring(z.read(f"{pkg_id}.nuspec")).find("n:metadata", NS)
field = lambda tag: (meta.findtext(f"n:{tag}", default="", namespaces=NS) or "").strip()
check("nuspec id", field("id") == pkg_id, field("id"))
check("nuspec version is the workspace's", field("version") == version, field("version"))
check("nuspec authors", field("authors") != "")
check("nuspec description", len(field("description")) > 40)
lic = meta.find("n:license", NS)
check("nuspec license expression Apache-2.0", lic is not None and lic.get("type") == "expression"
      and lic.text == "Apache-2.0")
repo = meta.find("n:repository", NS)
check("nuspec repository", repo is not None and repo.get("url", "").startswith("https://"))
check("nuspec readme names a packed file", field("readme") in names)
groups = meta.findall("n:dependencies/n:group", NS)
check("nuspec dependencies: one group for .NETStandard2.0, no dependencies",
      [g.get("targetFramework") for g in groups] == [".NETStandard2.0"] and len(list(groups[0])) == 0)

ct = ET.fromstring(z.read("[Content_Types].xml"))
exts = {d.get("Extension").lower() for d in ct}
needed = {n.rsplit(".", 1)[1].lower() for n in names if "." in n.rsplit("/", 1)[-1] and n != "[Content_Types].xml"}
check("[Content_Types].xml covers every extension", needed <= exts, needed - exts)
rels = ET.fromstring(z.read("_rels/.rels"))
targets = {r.get("Type").rsplit("/", 1)[-1]: r.get("Target").lstrip("/") for r in rels}
check("_rels/.rels points at the nuspec", targets.get("manifest") == f"{pkg_id}.nuspec")
check("_rels/.rels points at the core properties", targets.get("core-properties") in psmdcp)
core = ET.fromstring(z.read(psmdcp[0])) if psmdcp else None
dc = "{http://purl.org/dc/elements/1.1/}"
check("core properties name the package", core is not None and core.findtext(f"{dc}identifier") == pkg_id
      and core.findtext("{http://schemas.openxmlformats.org/package/2006/metadata/core-properties}version") == version)

so = z.read("runtimes/linux-x64/native/librenderiq.so")
check("linux-x64 library is an x86-64 ELF shared object",
      so[:4] == b"\x7fELF" and so[4] == 2 and struct.unpack_from("<H", so, 16)[0] == 3
      and struct.unpack_from("<H", so, 18)[0] == 62)
for n in names:
    d = z.read(n)
    if n.endswith("win-x64/native/renderiq.dll"):
        off = struct.unpack_from("<I", d, 0x3C)[0]
        check(f"{n} is a PE x64 DLL", d[:2] == b"MZ" and d[off:off + 4] == b"PE\0\0"
              and struct.unpack_from("<H", d, off + 4)[0] == 0x8664)
    if n.endswith(".dylib"):
        want = 0x0100000C if "arm64" in n else 0x01000007
        check(f"{n} is a Mach-O of its architecture", d[:4] == b"\xcf\xfa\xed\xfe"
              and struct.unpack_from("<I", d, 4)[0] == want)

dll = z.read(f"lib/netstandard2.0/{pkg_id}.dll")
check("the dll is a PE image with CLI metadata", dll[:2] == b"MZ" and b"BSJB" in dll)
doc = ET.fromstring(z.read(f"lib/netstandard2.0/{pkg_id}.xml"))
members = {m.get("name") for m in doc.iter("member")}
check("XML docs are for the assembly", doc.findtext("assembly/name") == pkg_id)
check("XML docs document RenderiqClient and RenderAsync",
      "T:Renderiq.Sdk.RenderiqClient" in members
      and any(m.startswith("M:Renderiq.Sdk.RenderiqClient.RenderAsync(") for m in members), len(members))

for t in ("build", "buildTransitive"):
    x = z.read(f"{t}/{pkg_id}.targets").decode()
    check(f"{t}/{pkg_id}.targets copies runtimes/<rid>/native for .NETFramework",
          "'$(TargetFrameworkIdentifier)' == '.NETFramework'" in x and "../runtimes/$(RenderiqNativeRuntime)/native/" in x)

for good, name in results:
    print(("ok    " if good else "FAIL  ") + "layout: " + name)
PY
cat "$WORK/layout.txt"
passed=$((passed + $(grep -c '^ok ' "$WORK/layout.txt" || true)))
failed=$((failed + $(grep -c '^FAIL ' "$WORK/layout.txt" || true)))
grep -q . "$WORK/layout.txt" || fail "layout: the checker printed nothing"

so="$WORK/unzipped/runtimes/linux-x64/native/librenderiq.so"
check "layout: librenderiq.so exports renderiq_abi_version and renderiq_call_start" \
    bash -c "nm -D --defined-only '$so' | grep -qw renderiq_abi_version && nm -D --defined-only '$so' | grep -qw renderiq_call_start"
echo "      librenderiq.so NEEDED: $(readelf -d "$so" | sed -n 's/.*NEEDED.*\[\(.*\)\]/\1/p' | tr '\n' ' ')"

log "   the assembly by reflection (Mono $(mono --version | head -1 | awk '{print $5}'))"
mcs -nologo -out:"$WORK/PackageInspect.exe" "$CONSUMER_SRC/PackageInspect.cs"
mono "$WORK/PackageInspect.exe" "$WORK/unzipped/lib/netstandard2.0/$ID.dll" >"$WORK/inspect.txt"
check "assembly: named $ID, version $RELEASE_VERSION.0" \
    grep -qx "NAME $ID, Version=$RELEASE_VERSION.0, Culture=neutral, PublicKeyToken=null" "$WORK/inspect.txt"
for t in RenderiqClient ClientOptions TokenStore RenderImage RenderOptions Render RenderProgress \
         RenderiqException AuthException InsufficientCreditsException RateLimitException \
         NativeLibraryMismatchException Webhook WebhookEvent RenderiqOperation; do
    check "assembly: public type Renderiq.Sdk.$t" grep -qx "TYPE Renderiq.Sdk.$t" "$WORK/inspect.txt"
done
check "assembly: the P/Invoke layer stays internal" bash -c "! grep -q '^TYPE Renderiq[.]Sdk[.]Native[.]' '$WORK/inspect.txt'"
check "assembly: references only mscorlib, System, System.Core, RuntimeInformation" \
    bash -c "grep '^REF ' '$WORK/inspect.txt' | awk '{print \$2}' | grep -vxE 'mscorlib|System|System.Core|System.Runtime.InteropServices.RuntimeInformation' | (! grep .)"
# Every type the assembly uses from outside must exist in netstandard 2.0 (by name; members are
# not checked): the facade lists the netstandard types as forwarders.
monodis /usr/lib/mono/4.8-api/Facades/netstandard.dll | sed -n 's/^\.class extern forwarder \(.*\)$/\1/p' | sort -u >"$WORK/netstandard-types.txt"
monodis --typeref "$WORK/unzipped/lib/netstandard2.0/$ID.dll" | sed -n 's/^[0-9]*: \[[^]]*\]//p' | sed 's:/.*::' | sort -u >"$WORK/used-types.txt"
check "assembly: all $(wc -l <"$WORK/used-types.txt") referenced types are netstandard 2.0 types" \
    bash -c "[ \$(wc -l <'$WORK/netstandard-types.txt') -gt 1000 ] && comm -23 '$WORK/used-types.txt' '$WORK/netstandard-types.txt' | (! grep .)"

# ---------------------------------------------------------------------------------------------
# (Not `nuget help` for the version: without a terminal NuGet 2.8 on Mono spins in its help text.)
log "2. consuming it from a local folder feed (Debian nuget $(dpkg-query -W -f='${Version}' nuget), xbuild)"
FEED="$WORK/feed"
mkdir -p "$FEED" "$WORK/home"
cp "$PKG" "$FEED/"
# nuget runs with a home of its own: no user-wide NuGet.Config, no package cache from earlier runs.
clean_nuget() {
    HOME="$WORK/home" XDG_CONFIG_HOME="$WORK/home/.config" XDG_DATA_HOME="$WORK/home/.local/share" \
        nuget "$@" -ConfigFile "$WORK/NuGet.Config" -NonInteractive
}
restore_consumer() { (cd "$APP" && clean_nuget restore packages.config -PackagesDirectory packages); }
cat >"$WORK/NuGet.Config" <<EOF
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="local" value="$FEED" />
  </packageSources>
</configuration>
EOF

check "nuget install $ID -Version $RELEASE_VERSION -Source <feed>" \
    clean_nuget install "$ID" -Version "$RELEASE_VERSION" -Source "$FEED" -OutputDirectory "$WORK/installed"
check "nuget install: the extracted package holds the assembly, the library and the targets" \
    test -s "$WORK/installed/$ID.$RELEASE_VERSION/lib/netstandard2.0/$ID.dll" \
      -a -s "$WORK/installed/$ID.$RELEASE_VERSION/runtimes/linux-x64/native/librenderiq.so" \
      -a -s "$WORK/installed/$ID.$RELEASE_VERSION/build/$ID.targets"

APP="$WORK/consumer"
mkdir -p "$APP"
cp "$CONSUMER_SRC/Program.cs" "$APP/"
sed "s/@VERSION@/$RELEASE_VERSION/g" "$CONSUMER_SRC/Consumer.csproj.in" >"$APP/Consumer.csproj"
sed "s/@VERSION@/$RELEASE_VERSION/g" "$CONSUMER_SRC/packages.config.in" >"$APP/packages.config"
check "nuget restore packages.config (packages.config project, local feed only)" \
    restore_consumer
check "xbuild Consumer.csproj (Release, .NET Framework 4.8 profile)" \
    bash -c "cd '$APP' && xbuild /nologo /verbosity:minimal /p:Configuration=Release Consumer.csproj"
BIN="$APP/bin/Release"
check "xbuild: Consumer.exe and Renderiq.Sdk.dll (copy-local from packages/) in the output" \
    test -s "$BIN/Consumer.exe" -a -s "$BIN/$ID.dll"
check "targets: build/$ID.targets copied librenderiq.so next to Consumer.exe, identical to the package's" \
    cmp "$BIN/librenderiq.so" "$APP/packages/$ID.$RELEASE_VERSION/runtimes/linux-x64/native/librenderiq.so"
check "the restored dll is the package's" cmp "$BIN/$ID.dll" "$WORK/unzipped/lib/netstandard2.0/$ID.dll"

# ---------------------------------------------------------------------------------------------
log "3. smoke render through the consumer built from the restored package"
ffi_workdir
unset RENDERIQ_NATIVE_LIBRARY LD_LIBRARY_PATH
if [ -s "$BIN/Consumer.exe" ] && ffi_start_server SMOKE_URL smoke; then
    if (cd "$WORK" && mono "$BIN/Consumer.exe" "$SMOKE_URL" "$RENDERIQ_TEST_EMAIL" "$RENDERIQ_TEST_PASSWORD") >"$WORK/smoke.txt" 2>&1; then
        cat "$WORK/smoke.txt"
        ok "smoke: sign-in, render from padded BGRA pixels, download (PNG), credits charged"
        check "smoke: the process ran on $BIN/librenderiq.so" grep -q "native=$BIN/librenderiq.so\$" "$WORK/smoke.txt"
    else
        fail "smoke render"; sed 's/^/      /' "$WORK/smoke.txt"
    fi
else
    fail "smoke render (no consumer build or no server)"
fi

# ---------------------------------------------------------------------------------------------
log "4. the C# README quick starts as written, against 127.0.0.1:8787"
mkdir -p "$WORK/qs-csharp" "$WORK/qs-sh"
mapfile -t CS_QS < <(qs_extract csharp "$WORK/qs-csharp")
mapfile -t SH_ALL < <(qs_extract sh "$WORK/qs-sh")
BUILD_QS=() RUN_QS=()
for f in "${SH_ALL[@]}"; do
    grep -q 'mcs ' "$f" || continue           # the C# ones (others belong to other languages)
    if grep -q 'cargo build' "$f"; then BUILD_QS+=("$f"); else RUN_QS+=("$f"); fi
done
echo "  csharp: ${CS_QS[*]:-none}; build-from-source: ${BUILD_QS[*]:-none}; run: ${RUN_QS[*]:-none}"
[ ${#CS_QS[@]} -gt 0 ] && [ ${#BUILD_QS[@]} -gt 0 ] && [ ${#RUN_QS[@]} -gt 0 ] \
    && ok "quick starts: C#, build-from-source and run blocks found" \
    || fail "quick starts: expected csharp, build-from-source and run blocks"

# The build-from-source steps run cargo: under the shared cargo lock (harmless in CI).
for f in "${BUILD_QS[@]}"; do
    check "README build from source ($(basename "$f"))" \
        bash -c "cd '$REPO_ROOT' && flock /tmp/cargo.lock bash -euo pipefail '$f'"
done

exec 9>/tmp/qs8787.lock
flock 9
qs_start_server "$WORK/qs"
for cs in "${CS_QS[@]}"; do
    name="$(basename "$cs" .cs)"
    # As the package's user: compiled against the restored Renderiq.Sdk.dll, run from its folder.
    mkdir -p "$WORK/qs-run/$name"
    cp "$BIN/$ID.dll" "$BIN/librenderiq.so" "$WORK/qs/view.png" "$WORK/qs-run/$name/"
    cp "$cs" "$WORK/qs-run/$name/QuickStart.cs"
    check "quick start $name on the restored package (mcs + mono)" \
        bash -c "cd '$WORK/qs-run/$name' && mcs -nologo -r:$ID.dll QuickStart.cs && mono QuickStart.exe && test -s render.png"
    # As written in the README: the run steps in the from-source folder.
    for run in "${RUN_QS[@]}"; do
        if [ -d "$FROM_SOURCE" ]; then
            cp "$cs" "$FROM_SOURCE/QuickStart.cs"
            cp "$WORK/qs/view.png" "$FROM_SOURCE/view.png"
            rm -f "$FROM_SOURCE/render.png"
        fi
        check "quick start $name built from source ($(basename "$run"))" \
            bash -c "cd '$REPO_ROOT' && bash -euo pipefail '$run' && test -s '$FROM_SOURCE/render.png'"
    done
done
qs_stop_server
flock -u 9

finish
