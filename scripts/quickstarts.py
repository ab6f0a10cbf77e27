#!/usr/bin/env python3
"""Finds the quick starts in the READMEs so the test command can run them as written.

A quick start is a fenced code block whose previous line is the marker
``<!-- quickstart: LANG -->`` (LANG one of: rust-toml, rust, python, ruby, csharp, c, cpp,
cmake, sh, kotlin). Unmarked blocks are illustrations and are not run.

    scripts/quickstarts.py list                      # every quick start: file, line, lang
    scripts/quickstarts.py extract --lang ruby --out DIR
        # writes DIR/<readme>-<line>.<ext> for each Ruby quick start, prints the paths
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
READMES = ["README.md", "bindings/python/README.md", "bindings/ruby/README.md",
           "bindings/dotnet/README.md", "bindings/ffi/README.md"]
EXTENSIONS = {"rust-toml": "toml", "rust": "rs", "python": "py", "ruby": "rb",
              "csharp": "cs", "c": "c", "cpp": "cpp", "cmake": "cmake", "sh": "sh",
              "kotlin": "kt"}
MARKER = re.compile(r"^<!--\s*quickstart:\s*([a-z-]+)\s*-->\s*$")
FENCE = re.compile(r"^(```+|~~~+)")


@dataclass
class QuickStart:
    readme: str
    line: int  # 1-based line of the opening fence
    lang: str
    code: str

    def file_name(self) -> str:
        slug = self.readme.replace("/", "-").removesuffix(".md").lower()
        return f"{slug}-{self.line}.{EXTENSIONS[self.lang]}"


def find(readmes: list[str] = READMES) -> list[QuickStart]:
    """Every marked block of the READMEs; fails on a marker not followed by a fence."""
    found = []
    for readme in readmes:
        lines = (ROOT / readme).read_text(encoding="utf-8").splitlines()
        i = 0
        while i < len(lines):
            m = MARKER.match(lines[i])
            if not m:
                i += 1
                continue
            lang = m.group(1)
            if lang not in EXTENSIONS:
                raise SystemExit(f"{readme}:{i + 1}: unknown quick-start language {lang!r}")
            if i + 1 >= len(lines) or not FENCE.match(lines[i + 1]):
                raise SystemExit(f"{readme}:{i + 1}: a quick-start marker must precede a fence")
            fence = FENCE.match(lines[i + 1]).group(1)
            body, j = [], i + 2
            while j < len(lines) and not lines[j].startswith(fence):
                body.append(lines[j])
                j += 1
            if j >= len(lines):
                raise SystemExit(f"{readme}:{i + 2}: unclosed fence")
            found.append(QuickStart(readme, i + 2, lang, "\n".join(body) + "\n"))
            i = j + 1
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list")
    extract = sub.add_parser("extract")
    extract.add_argument("--lang", required=True, choices=sorted(EXTENSIONS))
    extract.add_argument("--out", required=True, type=Path)
    args = parser.parse_args()
    quick_starts = find()
    if args.command == "list":
        for q in quick_starts:
            print(f"{q.readme}:{q.line}\t{q.lang}")
        return 0
    chosen = [q for q in quick_starts if q.lang == args.lang]
    if not chosen:
        print(f"no {args.lang} quick start in {', '.join(READMES)}", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    for q in chosen:
        path = args.out / q.file_name()
        path.write_text(q.code, encoding="utf-8")
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
