#!/usr/bin/env python3
"""Writes a NuGet package (.nupkg, an OPC zip) from a staged folder, without nuget.exe.

    scripts/release/nupkg.py --stage DIR --out FILE --id ID --version V --authors A \
        --description D --license SPDX --repository URL --tags "a b" [--readme README.md] \
        [--framework .NETStandard2.0]

Every file under DIR goes into the package at its relative path (lib/, runtimes/, build/, ...).
Added beside them: ID.nuspec (id, version, authors, description, license expression, repository,
an empty dependency group per framework), [Content_Types].xml, _rels/.rels and
package/services/metadata/core-properties/<hash>.psmdcp, as `nuget pack` writes them.
Entries are sorted and dated SOURCE_DATE_EPOCH (default 2000-01-01), so the same inputs give the
same bytes. Used by scripts/release/nuget.sh.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import time
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

NUSPEC_NS = "http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd"


def nuspec(a: argparse.Namespace) -> str:
    tags = f"    <tags>{escape(a.tags)}</tags>\n" if a.tags else ""
    readme = f"    <readme>{escape(Path(a.readme).name)}</readme>\n" if a.readme else ""
    groups = "".join(f"      <group targetFramework={quoteattr(f)} />\n" for f in a.framework)
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<package xmlns="{NUSPEC_NS}">\n'
        "  <metadata>\n"
        f"    <id>{escape(a.id)}</id>\n"
        f"    <version>{escape(a.version)}</version>\n"
        f"    <authors>{escape(a.authors)}</authors>\n"
        f'    <license type="expression">{escape(a.license)}</license>\n'
        f"    <licenseUrl>https://licenses.nuget.org/{escape(a.license)}</licenseUrl>\n"
        f"{readme}"
        f"    <projectUrl>{escape(a.repository)}</projectUrl>\n"
        f"    <description>{escape(a.description)}</description>\n"
        f"{tags}"
        f'    <repository type="git" url={quoteattr(a.repository)} />\n'
        "    <dependencies>\n"
        f"{groups}"
        "    </dependencies>\n"
        "  </metadata>\n"
        "</package>\n"
    )


def content_types(extensions: set[str]) -> str:
    special = {
        "rels": "application/vnd.openxmlformats-package.relationships+xml",
        "psmdcp": "application/vnd.openxmlformats-package.core-properties+xml",
    }
    lines = [f'  <Default Extension={quoteattr(e)} ContentType="{special.get(e, "application/octet")}" />'
             for e in sorted(extensions | set(special))]
    return ('<?xml version="1.0" encoding="utf-8"?>\n'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\n'
            + "\n".join(lines) + "\n</Types>\n")


def rels(nuspec_name: str, psmdcp: str, digest: str) -> str:
    return ('<?xml version="1.0" encoding="utf-8"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\n'
            f'  <Relationship Type="http://schemas.microsoft.com/packaging/2010/07/manifest" '
            f'Target="/{nuspec_name}" Id="R{digest[:16]}" />\n'
            f'  <Relationship Type="http://schemas.openxmlformats.org/package/2006/relationships/'
            f'metadata/core-properties" Target="/{psmdcp}" Id="R{digest[16:32]}" />\n'
            "</Relationships>\n")


def core_properties(a: argparse.Namespace) -> str:
    return ('<?xml version="1.0" encoding="utf-8"?>\n'
            '<coreProperties xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            'xmlns="http://schemas.openxmlformats.org/package/2006/metadata/core-properties">\n'
            f"  <dc:creator>{escape(a.authors)}</dc:creator>\n"
            f"  <dc:description>{escape(a.description)}</dc:description>\n"
            f"  <dc:identifier>{escape(a.id)}</dc:identifier>\n"
            f"  <version>{escape(a.version)}</version>\n"
            f"  <keywords>{escape(a.tags)}</keywords>\n"
            "  <lastModifiedBy>renderiq scripts/release/nupkg.py</lastModifiedBy>\n"
            "</coreProperties>\n")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name in ("stage", "out", "id", "version", "authors", "description", "license", "repository"):
        p.add_argument(f"--{name}", required=True)
    p.add_argument("--tags", default="")
    p.add_argument("--readme")
    p.add_argument("--framework", action="append", default=[])
    a = p.parse_args()
    a.framework = a.framework or [".NETStandard2.0"]

    stage = Path(a.stage)
    files = sorted(f for f in stage.rglob("*") if f.is_file())
    payload = [(f.relative_to(stage).as_posix(), f.read_bytes()) for f in files]
    if a.readme:
        payload.append((Path(a.readme).name, Path(a.readme).read_bytes()))
    for name, data in payload:
        if not data:
            raise SystemExit(f"nupkg.py: refusing to pack the empty file {name}")

    spec = nuspec(a)
    digest = hashlib.sha256(spec.encode() + b"".join(d for _, d in payload)).hexdigest()
    nuspec_name = f"{a.id}.nuspec"
    psmdcp = f"package/services/metadata/core-properties/{digest[:32]}.psmdcp"
    exts = {n.rsplit(".", 1)[1].lower() for n, _ in payload if "." in n.rsplit("/", 1)[-1]}
    exts.add("nuspec")

    entries = [("_rels/.rels", rels(nuspec_name, psmdcp, digest).encode()),
               (nuspec_name, spec.encode())]
    entries += sorted(payload)
    entries += [(psmdcp, core_properties(a).encode()),
                ("[Content_Types].xml", content_types(exts).encode())]

    epoch = int(os.environ.get("SOURCE_DATE_EPOCH", "946684800"))
    date = time.gmtime(max(epoch, 315532800))[:6]
    out = Path(a.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=date)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, data)
    print(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
