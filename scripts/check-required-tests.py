#!/usr/bin/env python3
"""Checks that every test CI is meant to run did run, and passed.

A runner that skips a test prints a summary that still looks green (pytest's "s", minitest's
"S", cargo's "ignored"), so a suite can lose its most important tests without anyone noticing:
the Blender tests when `bpy` is missing, the keychain tests without a Secret Service, the
Python 3.9 run without an interpreter. `scripts/test-all.sh` keeps each suite's output in a log;
this script reads those logs and fails unless every test listed in `tests/required-tests.txt`
appears there as passed, as many times as the list says.

    scripts/check-required-tests.py LOG_DIR [--list tests/required-tests.txt]

Each line of the list is `SUITE RUNNER NAME [xN]`: the log `LOG_DIR/SUITE.log`, the runner whose
output format to read (cargo, pytest, minitest, ctest, nunit, junit), the test's name as that runner
prints it, and how many passing runs are required (default 1; the Ruby suite runs twice, once
per backend). Blank lines and `#` comments are ignored.

Exit status: 0 when all passed, 1 when any is missing or did not pass, 2 on a bad list.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

# For each runner: a pattern matching one test's result line, with the groups `name` and
# `outcome`, and the outcomes that count as passed.
RUNNERS: dict[str, tuple[re.Pattern[str], set[str]]] = {
    # `test renders::wait_times_out ... ok` / `... ignored` / `... FAILED`
    "cargo": (re.compile(r"^test (?P<name>\S+) \.\.\. (?P<outcome>\w+)"), {"ok"}),
    # pytest -v / -rA: `tests/test_x.py::test_y PASSED [ 10%]` or `PASSED tests/test_x.py::test_y`
    "pytest": (
        re.compile(
            r"^(?:(?P<name>\S+::\S+) (?P<outcome>PASSED|FAILED|SKIPPED|ERROR|XFAIL|XPASS)\b"
            r"|(?P<outcome2>PASSED|FAILED|SKIPPED|ERROR) (?P<name2>\S+::\S+))"
        ),
        {"PASSED"},
    ),
    # minitest -v: `RenderiqTest#test_it_works = 0.01 s = .` ('.' pass, F, E, S)
    "minitest": (
        re.compile(r"^(?P<name>\S+#\S+) = [\d.]+ s = (?P<outcome>[.FES])$"),
        {"."},
    ),
    # ctest: `1/23 Test  #1: c_scenario .......   Passed    1.23 sec`
    "ctest": (
        re.compile(r"Test\s+#\d+: (?P<name>\S+) \.*\s*\**(?P<outcome>Passed|Failed|Not Run|Skipped)"),
        {"Passed"},
    ),
    # scripts/test-kotlin.sh lists surefire's JUnit XML reports after the run:
    # `junit PASSED com.renderiq.sdk.ClientTest.rendersAnImageFile` (FAILED, ERROR, SKIPPED)
    "junit": (
        re.compile(r"^junit (?P<outcome>PASSED|FAILED|ERROR|SKIPPED) (?P<name>[\w.$]+)$"),
        {"PASSED"},
    ),
    # scripts/test-dotnet.sh lists NUnit's result file (2.6 format) after the run:
    # `Success      Renderiq.Sdk.Tests.RenderTests.X` (Failure, Error, Ignored, Skipped, ...)
    "nunit": (
        re.compile(
            r"^(?P<outcome>Success|Failure|Error|Ignored|Skipped|NotRunnable|Inconclusive|Cancelled)"
            r"\s+(?P<name>[\w.]+(?:\(.*\))?)$"
        ),
        {"Success"},
    ),
}

LINE = re.compile(r"^(?P<suite>[\w.-]+)\s+(?P<runner>\w+)\s+(?P<name>\S+)(?:\s+x(?P<count>\d+))?$")


def results(log: Path, runner: str) -> tuple[Counter[str], dict[str, str]]:
    """Passed runs per test name, and the last other outcome seen per name."""
    pattern, passing = RUNNERS[runner]
    passed: Counter[str] = Counter()
    other: dict[str, str] = {}
    if not log.exists():
        return passed, other
    for raw in log.read_text(errors="replace").splitlines():
        line = re.sub(r"\x1b\[[0-9;]*m", "", raw).strip()
        m = pattern.search(line)
        if not m:
            continue
        groups = m.groupdict()
        name = groups.get("name") or groups.get("name2")
        outcome = groups.get("outcome") or groups.get("outcome2")
        if outcome in passing:
            passed[name] += 1
        else:
            other[name] = outcome
    return passed, other


def matches(required: str, seen: str, runner: str) -> bool:
    """A required name matches the printed one exactly or as a trailing path/module part."""
    if seen == required:
        return True
    seps = {"cargo": "::", "pytest": "/", "minitest": "", "ctest": "", "nunit": ".", "junit": "."}[runner]
    return bool(seps) and seen.endswith(seps + required)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("log_dir", type=Path)
    parser.add_argument(
        "--list",
        type=Path,
        default=Path(__file__).resolve().parent.parent / "tests" / "required-tests.txt",
    )
    args = parser.parse_args()

    wanted = []
    for number, raw in enumerate(args.list.read_text().splitlines(), 1):
        # A comment starts with `#` at the start of the line or after a space (minitest names
        # hold a `#`).
        text = re.sub(r"(^|\s)#.*$", "", raw).strip()
        if not text:
            continue
        m = LINE.match(text)
        if not m or m["runner"] not in RUNNERS:
            print(f"{args.list}:{number}: expected `SUITE RUNNER NAME [xN]` with RUNNER one of "
                  f"{', '.join(RUNNERS)}: {raw!r}", file=sys.stderr)
            return 2
        wanted.append((m["suite"], m["runner"], m["name"], int(m["count"] or 1)))

    cache: dict[tuple[str, str], tuple[Counter[str], dict[str, str]]] = {}
    ok = failed = 0
    print(f"required tests ({args.list.name}), read from the suite logs in {args.log_dir}:")
    for suite, runner, name, count in wanted:
        key = (suite, runner)
        if key not in cache:
            cache[key] = results(args.log_dir / f"{suite}.log", runner)
        passed, other = cache[key]
        runs = sum(n for seen, n in passed.items() if matches(name, seen, runner))
        if runs >= count:
            ok += 1
            print(f"  ran   {suite:<14} {name} ({runs}x passed)")
            continue
        failed += 1
        outcomes = sorted({o for seen, o in other.items() if matches(name, seen, runner)})
        if not (args.log_dir / f"{suite}.log").exists():
            why = f"no log {suite}.log: the suite did not run"
        elif outcomes:
            why = f"{runs}x passed, needs {count}; also seen: {', '.join(outcomes)}"
        else:
            why = f"{runs}x passed, needs {count}; not in the runner's output (skipped or renamed?)"
        print(f"  MISSING {suite:<12} {name}: {why}")
    print(f"required: {ok} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
