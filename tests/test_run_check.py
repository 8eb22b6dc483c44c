"""The check behind `make test`'s run-path step (onedoor/testing/run_check.py): it is skipped
without PostgreSQL (a failure under CI=true), waits out a 503 until /health answers 200, gives
up when the run stops by itself, stops even the processes that left the run's process group,
and runs from a copy of the tree that never touches the developer's var/.

The check itself, end to end, is `scripts/check-run-postgres`, run by `scripts/test`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from onedoor.testing import postgres, run_check

SLEEPER = [sys.executable, "-c", "import time; time.sleep(600)"]


def _without_binaries(env: object) -> postgres.Binaries:
    raise postgres.Unavailable("no PostgreSQL server binaries found")


def test_without_postgresql_the_check_is_skipped_with_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr(postgres, "find_binaries", _without_binaries)
    assert run_check.main([]) == 0
    out, err = capsys.readouterr()
    assert (out, err) == (
        "Run-on-PostgreSQL check skipped: no PostgreSQL server binaries found\n",
        "",
    )


def test_without_postgresql_under_ci_the_check_fails(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CI", "true")
    monkeypatch.setattr(postgres, "find_binaries", _without_binaries)
    assert run_check.main([]) == 1
    out, err = capsys.readouterr()
    assert (out, err) == (
        "",
        "Run-on-PostgreSQL check failed: no PostgreSQL server binaries found "
        "(CI=true requires PostgreSQL)\n",
    )


class _Health(BaseHTTPRequestHandler):
    answers: list[int] = []
    given: list[int] = []

    def do_GET(self) -> None:
        status = self.answers[len(self.given)]
        self.given.append(status)
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def sleeper() -> Iterator[subprocess.Popen[bytes]]:
    """A stand-in for the run: a process that keeps running."""
    process = subprocess.Popen(SLEEPER)
    yield process
    process.kill()
    process.wait()


def test_it_waits_out_a_503_until_health_answers_200(
    monkeypatch: pytest.MonkeyPatch, sleeper: subprocess.Popen[bytes]
) -> None:
    monkeypatch.setattr(run_check, "POLL_SECONDS", 0)
    monkeypatch.setattr(_Health, "answers", [503, 503, 200])
    monkeypatch.setattr(_Health, "given", [])
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Health)
    thread = threading.Thread(target=server.serve_forever)
    thread.start()
    try:
        assert run_check.wait_for_health(sleeper, server.server_address[1], timeout=120) is None
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
    assert _Health.given == [503, 503, 200]


def test_it_gives_up_at_once_when_the_run_stops_by_itself() -> None:
    run = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    run.wait()
    problem = run_check.wait_for_health(run, postgres.free_port(), timeout=120)
    assert problem == "the run stopped by itself (exit code 3); /health: not asked yet"


def _running(pid: int) -> bool:
    return run_check._alive(pid)


# The run leaves a process in a session of its own (as honcho starts each of its processes)
# and then waits; SIGTERM to the run's group does not reach that process. The escaped process
# prints its own pid once it runs: a pid printed by its parent straight after the fork can be
# read before the kernel has set up the new program's environment, when /proc shows it empty.
ESCAPING_RUN = """
import subprocess, sys, time
subprocess.Popen([sys.executable, "-c",
                  "import os, time; print(os.getpid(), flush=True); time.sleep(600)"],
                 start_new_session=True)
time.sleep(600)
"""


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs Linux's /proc")
def test_stopping_the_run_also_stops_a_process_that_left_its_group() -> None:
    token = "test-" + os.urandom(4).hex()
    run = subprocess.Popen(
        [sys.executable, "-c", ESCAPING_RUN],
        env={**os.environ, run_check.MARK: token},
        stdout=subprocess.PIPE,
        start_new_session=True,
    )
    assert run.stdout is not None
    escaped = int(run.stdout.readline())
    try:
        assert sorted(run_check.marked(token)) == sorted([run.pid, escaped])

        problem = run_check.stop(run, token)

        assert problem == f"processes left running after the run stopped: {[escaped]}"
        assert (run.returncode, _running(escaped), run_check.marked(token)) == (-15, False, [])
    finally:
        for pid in (run.pid, escaped):
            if _running(pid):
                os.kill(pid, 9)
        run.stdout.close()


def test_the_run_starts_from_a_copy_with_its_own_var_and_the_virtualenv_linked(
    tmp_path: Path,
) -> None:
    tree = run_check.copy_tree(tmp_path)

    assert (tree / "manage.py").read_bytes() == (run_check.ROOT / "manage.py").read_bytes()
    assert os.access(tree / "scripts" / "run-postgres", os.X_OK)
    assert not (tree / "var").exists()
    assert not (tree / ".git").exists()
    assert list((tree / "onedoor").rglob("__pycache__")) == []
    for linked in run_check.LINKED:
        assert (tree / linked).is_symlink()
        assert (tree / linked).readlink() == run_check.ROOT / linked

    shutil.rmtree(tmp_path / "tree")  # as the check's temporary folder is removed

    assert (run_check.ROOT / ".venv" / "bin").is_dir()  # the links were removed, not followed
