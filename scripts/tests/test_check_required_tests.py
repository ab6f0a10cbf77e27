"""Tests of scripts/check-required-tests.py on logs in each runner's real output format.

    python3 -m unittest discover -s scripts/tests -v
"""

import importlib.util
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "check-required-tests.py"


def run(logs: dict[str, str], required: str) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for suite, text in logs.items():
            (root / f"{suite}.log").write_text(text)
        (root / "list.txt").write_text(required)
        return subprocess.run(
            [sys.executable, str(SCRIPT), str(root), "--list", str(root / "list.txt")],
            capture_output=True,
            text=True,
        )


CARGO = """
running 3 tests
test renders::wait_times_out ... ok
test keychain_round_trip ... ignored, needs a Secret Service
test auth::refresh_once ... FAILED
"""
PYTEST = """
tests/test_blender_addon.py::test_renders PASSED                     [ 50%]
tests/test_blender_addon.py::test_skipped SKIPPED (bpy missing)      [100%]
"""
MINITEST = """
ScenarioTest#test_full = 0.52 s = .
ScenarioTest#test_keychain = 0.00 s = S
ScenarioTest#test_full = 0.61 s = .
"""
CTEST = """
 1/3 Test  #1: c_scenario .......................   Passed    2.01 sec
 2/3 Test  #2: cpp_cancel .......................***Failed    1.00 sec
"""
NUNIT = """
Success      Renderiq.Sdk.Tests.RenderTests.CancelRenderAsync_Pending_Cancels
Ignored      Renderiq.Sdk.Tests.RenderTests.Other
"""
JUNIT = """
junit PASSED com.renderiq.sdk.ClientTest.rendersAnImageFile
junit SKIPPED com.renderiq.sdk.ClientTest.skipped
junit ERROR com.renderiq.sdk.TypedApiTest.broken
"""


class CheckRequiredTests(unittest.TestCase):
    def test_passes_when_every_listed_test_passed_in_each_format(self) -> None:
        result = run(
            {"rust": CARGO, "py": PYTEST, "rb": MINITEST, "c": CTEST, "cs": NUNIT, "kt": JUNIT},
            "rust cargo wait_times_out\n"
            "py pytest tests/test_blender_addon.py::test_renders\n"
            "rb minitest ScenarioTest#test_full x2\n"
            "c ctest c_scenario\n"
            "cs nunit RenderTests.CancelRenderAsync_Pending_Cancels\n"
            "kt junit ClientTest.rendersAnImageFile\n",
        )
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertIn("required: 6 passed, 0 failed", result.stdout)

    def test_skipped_ignored_and_failed_tests_fail_the_check(self) -> None:
        cases = [
            ("rust", CARGO, "rust cargo keychain_round_trip", "ignored"),
            ("rust", CARGO, "rust cargo refresh_once", "FAILED"),
            ("py", PYTEST, "py pytest tests/test_blender_addon.py::test_skipped", "SKIPPED"),
            ("rb", MINITEST, "rb minitest ScenarioTest#test_keychain", "S"),
            ("c", CTEST, "c ctest cpp_cancel", "Failed"),
            ("cs", NUNIT, "cs nunit RenderTests.Other", "Ignored"),
            ("kt", JUNIT, "kt junit ClientTest.skipped", "SKIPPED"),
            ("kt", JUNIT, "kt junit TypedApiTest.broken", "ERROR"),
        ]
        for suite, log, line, outcome in cases:
            with self.subTest(line=line):
                result = run({suite: log}, line + "\n")
                self.assertEqual(result.returncode, 1, result.stdout)
                self.assertIn("MISSING", result.stdout)
                self.assertIn(outcome, result.stdout)

    def test_too_few_runs_a_missing_test_and_a_missing_log_fail(self) -> None:
        result = run(
            {"rb": MINITEST},
            "rb minitest ScenarioTest#test_full x3\n"
            "rb minitest ScenarioTest#test_renamed\n"
            "absent cargo anything\n",
        )
        self.assertEqual(result.returncode, 1)
        self.assertIn("2x passed, needs 3", result.stdout)
        self.assertIn("not in the runner's output", result.stdout)
        self.assertIn("no log absent.log", result.stdout)
        self.assertIn("required: 0 passed, 3 failed", result.stdout)

    def test_a_name_matches_only_whole_trailing_parts(self) -> None:
        # `times_out` must not match `wait_times_out`.
        result = run({"rust": CARGO}, "rust cargo times_out\n")
        self.assertEqual(result.returncode, 1)

    def test_a_malformed_list_is_refused(self) -> None:
        result = run({}, "rust nosuchrunner name\n")
        self.assertEqual(result.returncode, 2)
        self.assertIn("RUNNER one of", result.stderr)


if __name__ == "__main__":
    unittest.main()
