"""`make bench` (`python -m onedoor.bench`): at a small size on SQLite it reports a row for
each of the issue's benchmarks written here (B1, B5, B6, B9) with the issue's goals, writes
them as JSON, and runs only the benchmarks asked for. Timings are not asserted: only that a
figure was measured. The table's formatting and the helpers are tested on their own."""

from __future__ import annotations

import json
import math
import os
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from django.template.loader import render_to_string

from onedoor.bench import BENCHMARKS, MODULES
from onedoor.bench.__main__ import chosen_modules, load_module
from onedoor.bench.harness import Context, p50, p95
from onedoor.bench.measure import Row, figure, table
from onedoor.bench.queue import next_page
from onedoor.testing import postgres

ROOT = Path(__file__).resolve().parent.parent
CHILDREN = 300

# The goals of issue 17, as the rows state them.
GOALS = {
    "B1": [("<=", 15.0), ("<=", 1.2)],
    "B5": [("<=", 0.05), (">=", 0.98)],
    "B6": [(">=", 0.3), ("<=", 64.0), (">=", 0.3), ("<=", 64.0)],
    "B9": [("<=", 10.0)],
}


def _bench(folder: Path, *args: str, database_url: str = "") -> tuple[dict, str]:  # type: ignore[type-arg]
    """Run the bench on SQLite, on the database kept in `folder` (seeded by the first run);
    the JSON it wrote and what it printed."""
    output = folder / f"results-{len(list(folder.glob('results-*')))}.json"
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("BENCH_") and name not in ("DATABASE_URL", "SQLITE_PATH")
    }
    env.update(
        {
            "BENCH_CHILDREN": str(CHILDREN),
            "BENCH_REPEAT": "0.1",
            "BENCH_DATABASE": str(folder / "bench.sqlite3"),
            "BENCH_OUTPUT": str(output),
            "DATABASE_URL": database_url,
        }
    )
    done = subprocess.run(
        [sys.executable, "-m", "onedoor.bench", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(output.read_text()), done.stdout


@pytest.fixture(scope="module")
def kept(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("bench")


def _row(found: dict) -> Row:  # type: ignore[type-arg]
    goal = found["goal"]
    return Row(
        found["benchmark"],
        found["what"],
        found["value"],
        found["unit"],
        None if goal is None else (goal[0], goal[1]),
    )


def test_the_bench_reports_each_benchmark_with_the_issues_goals(kept: Path) -> None:
    results, printed = _bench(kept, "--only", "B1,B9,B5,B6")
    rows = results["rows"]
    goals = {
        benchmark: [
            tuple(row["goal"]) for row in rows if row["benchmark"] == benchmark and row["goal"]
        ]
        for benchmark in GOALS
    }
    assert goals == GOALS
    assert {row["benchmark"] for row in rows} == set(GOALS)
    for found in rows:
        assert isinstance(found["value"], float | int), found
        assert math.isfinite(found["value"]), found
        assert found["holds"] == _row(found).holds, found
    run = results["run"]
    assert (run["children"], run["vendor"], run["failed"]) == (CHILDREN, "sqlite", [])
    assert run["modules"] == ["queue", "child_page", "matching", "extracts"]
    recall = next(row for row in rows if row["what"] == "recall on 60 typo'd duplicates")
    assert (recall["value"], recall["holds"]) == (1.0, True)
    table_lines = [line for line in printed.splitlines() if line.startswith(("B", "benchmark"))]
    assert table_lines[0].split() == ["benchmark", "what", "value", "unit", "goal", "holds"]
    assert len(table_lines) == 1 + len(rows)


def test_the_bench_runs_only_the_benchmarks_asked_for_less_those_skipped(kept: Path) -> None:
    # Without --postgres, a DATABASE_URL in the environment is never migrated and seeded.
    elsewhere = "postgres://onedoor@127.0.0.1:9/production"
    results, printed = _bench(
        kept, "--only", "B1,child_page", "--skip", "B9", database_url=elsewhere
    )
    assert {row["benchmark"] for row in results["rows"]} == {"B1"}
    assert (results["run"]["modules"], results["run"]["vendor"]) == (["queue"], "sqlite")
    # The database kept by the first run is not seeded again.
    assert "300 children in the database" in printed


def _referrals_in(database: Path) -> int:
    with sqlite3.connect(database) as connection:
        (count,) = connection.execute("SELECT COUNT(*) FROM referrals_referral").fetchone()
    connection.close()
    return int(count)


def test_a_benchmark_that_writes_leaves_the_kept_database_as_it_was(kept: Path) -> None:
    _bench(kept, "--only", "B1")  # seeded, if no test before this one seeded it
    before = _referrals_in(kept / "bench.sqlite3")

    results, _ = _bench(kept, "--only", "B8")  # 100 public submissions, 20 of them twice

    found = {row["what"]: row["value"] for row in results["rows"]}
    assert (found["100 submissions at once, 20 twice: lost"],
            found["100 submissions at once, 20 twice: doubled"]) == (0, 0)  # fmt: skip
    assert _referrals_in(kept / "bench.sqlite3") == before  # they went to a copy


def test_a_benchmark_or_module_selects_its_module_in_the_runs_order() -> None:
    assert chosen_modules("B6,B1,queue", "") == ["queue", "extracts"]
    assert chosen_modules("B3,B4", "") == ["kpis"]
    assert chosen_modules("", "") == list(MODULES)
    assert chosen_modules("", "pages,B7,b8") == [
        name for name in MODULES if name not in ("pages", "writers", "submissions")
    ]
    assert set(BENCHMARKS.values()) <= set(MODULES)


def test_an_unknown_benchmark_is_refused_before_anything_runs() -> None:
    with pytest.raises(SystemExit, match="no benchmark or module 'B10'"):
        chosen_modules("B10", "")


def test_a_module_not_written_yet_is_skipped_with_one_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert load_module("not_written") is None
    assert capsys.readouterr().out == "bench: not_written: not written yet, skipped\n"


def test_figures_read_at_a_glance() -> None:
    assert [figure(v) for v in (0.04321, 1.054, 15.94, 4184.4, 0.0)] == [
        "0.0432",
        "1.05",
        "15.9",
        "4,184",
        "0",
    ]


def test_a_row_says_whether_its_goal_holds() -> None:
    assert Row("B1", "queue", 16.0, "ratio", ("<=", 15.0)).cells() == (
        "B1",
        "queue",
        "16.0",
        "ratio",
        "<= 15",
        "no",
    )
    assert Row("B5", "recall", 0.98, "ratio", (">=", 0.98)).holds is True
    assert Row("B5", "scan", 612.5, "ms").cells()[4:] == ("", "-")
    assert Row("B6", "peak", 3.5, "MiB", ("<=", 64.0)).as_json() == {
        "benchmark": "B6",
        "what": "peak",
        "value": 3.5,
        "unit": "MiB",
        "goal": ("<=", 64.0),
        "holds": True,
    }


def test_the_table_aligns_its_columns() -> None:
    rows = [
        Row("B1", "triage queue p95 / /health p95", 5.673, "ratio", ("<=", 15.0)),
        Row("B1", "/health p95", 3.7, "ms"),
    ]
    assert table(rows).splitlines() == [
        "benchmark  what                            value  unit    goal  holds",
        "B1         triage queue p95 / /health p95   5.67  ratio  <= 15  yes",
        "B1         /health p95                      3.70  ms            -",
    ]


def test_percentiles() -> None:
    timings = [float(n) for n in range(1, 21)]  # 1 to 20 ms
    assert (p50(timings), p95(timings)) == (10.5, 19.05)
    assert p95([7.0]) == 7.0


def test_a_modules_own_repeats_scale_with_bench_repeat() -> None:
    context = Context(children=1, vendor="sqlite", repeat=3, database={}, scale=0.1)
    assert (context.times(12), context.times(100), context.times(3, least=1)) == (2, 10, 1)


def test_the_next_page_is_read_from_the_pages_link() -> None:
    link = render_to_string(
        "includes/pagination.html",
        {"next_query": "state=triage&after=t1790000000000000.42", "first_page": True},
    )
    assert next_page(link) == "/triage/?state=triage&after=t1790000000000000.42"
    assert next_page(render_to_string("includes/pagination.html", {"first_page": True})) == ""


def _on_kept_cluster(folder: Path, command: list[str]) -> int:
    """`command` run on the cluster kept in `folder`, in a process of its own (it adopts the
    server's processes, which the test's process should not)."""
    program = [sys.executable, "-m", "onedoor.testing.postgres", "--keep", str(folder), "--"]
    done = subprocess.run([*program, *command], cwd=ROOT, timeout=180, check=False)
    return done.returncode


def test_a_kept_cluster_keeps_its_data_from_one_run_to_the_next() -> None:
    try:
        postgres.find_binaries(os.environ)
    except postgres.Unavailable:
        pytest.skip("no PostgreSQL server binaries")
    # The server runs as the postgres user when the tests run as root: a folder it can reach.
    folder = Path(tempfile.mkdtemp(prefix="onedoor-kept-", dir="/tmp"))
    folder.chmod(0o755)
    sql = (
        "import os, psycopg; c = psycopg.connect(os.environ['DATABASE_URL'], autocommit=True); "
        "c.execute({!r})"
    )
    try:
        made = [sys.executable, "-c", sql.format("CREATE TABLE kept (n int)")]
        assert _on_kept_cluster(folder, made) == 0
        assert (folder / "data" / "PG_VERSION").exists()
        again = [sys.executable, "-c", sql.format("INSERT INTO kept VALUES (1)")]
        assert _on_kept_cluster(folder, again) == 0
        assert not (folder / "data" / "postmaster.pid").exists()  # stopped, not removed
    finally:
        subprocess.run(["rm", "-rf", str(folder)], check=True)
