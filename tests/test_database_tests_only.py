"""`--database-tests-only` (ADR 33): the PostgreSQL tier leaves out only the tests that cannot
touch the database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _collected(*arguments: str) -> list[str]:
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:randomly", *arguments],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={**os.environ, "ONEDOOR_TESTING": "1"},
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    return [line for line in run.stdout.splitlines() if "::" in line]


def test_the_option_leaves_out_the_tests_that_ask_for_no_database() -> None:
    files = ["tests/test_postcode.py", "tests/test_timeline.py"]
    everything = _collected(*files)
    database = _collected("--database-tests-only", *files)
    assert {test.split("::")[0] for test in everything} == set(files)
    assert [test for test in everything if test not in database] == [
        test for test in everything if test.startswith("tests/test_postcode.py::")
    ]
    # Every test of the timeline reaches the database through its fixtures, and is kept.
    assert database == [t for t in everything if t.startswith("tests/test_timeline.py::")]
