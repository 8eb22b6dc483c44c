"""Check that `make run-postgres` serves: start it, wait for /health to answer 200, stop it.

    python -m onedoor.testing.run_check [--timeout SECONDS]      (scripts/check-run-postgres)

It runs `scripts/run-postgres` (a throwaway PostgreSQL cluster with `scripts/run` inside it)
from a temporary copy of the working tree, with the virtualenv and the front-end packages
linked in, so nothing the run writes (the demo password, the secret key, the collected
static files) lands in the developer's `var/`. PORT is a free loopback port, DEMO_CHILDREN is
20 and there is one web worker.

It asks for /health every 2 seconds until it answers 200: an answer of 503 (a process not yet
reporting) is waited out, not taken as the result. It gives up after the timeout (180 s), or
at once if the run stops by itself. Then it stops everything it started: SIGTERM to the
run's process group (the run stops its processes and the cluster), SIGKILL after 60 s, and
then any process still carrying this run's mark in its environment (honcho starts each
process in a session of its own, out of reach of the group). A process that outlived the
run is a failure too. Exit code 0 when /health answered 200 and everything stopped, 1
otherwise.

Without PostgreSQL server binaries the check is skipped with one line, except under CI=true,
where that is a failure: the same rule, and the same search for the binaries, as the
PostgreSQL test tier (`onedoor.testing.postgres`).

Standard library only, like `postgres.py`.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from onedoor.testing import postgres

WHAT = "Run-on-PostgreSQL check"
ROOT = Path(__file__).resolve().parents[2]
TIMEOUT_SECONDS = 180
POLL_SECONDS = 2
STOP_GRACE_SECONDS = 60
LEFTOVER_GRACE_SECONDS = 10
LOG_LINES = 40
MARK = "ONEDOOR_RUN_CHECK"
RUN_ENV = {"DEMO_CHILDREN": "20", "WEB_WORKERS": "1"}
# Settings a test run may have set that must not reach the demo (DATABASE_URL is the
# cluster's, set by postgres.py).
DROPPED_ENV = {"ONEDOOR_TESTING", "SQLITE_PATH", "DATABASE_URL", "TEST_DATABASE_URL"}

# The copy leaves out what is per machine or cached, and links what is big and read-only.
LINKED = (".venv", "node_modules")
LEFT_OUT_AT_TOP = {
    ".git",
    ".tools",
    "var",
    "test-results",
    ".hypothesis",
    ".import_linter_cache",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    *LINKED,
}
LEFT_OUT_ANYWHERE = {"__pycache__"}


def say(message: str, *, error: bool = False) -> None:
    print(f"{WHAT}: {message}", file=sys.stderr if error else sys.stdout, flush=True)


def copy_tree(into: Path) -> Path:
    """A copy of the working tree in `into`, with its own empty `var/`."""

    def left_out(folder: str, names: list[str]) -> set[str]:
        skipped = {name for name in names if name in LEFT_OUT_ANYWHERE}
        if Path(folder) == ROOT:
            skipped |= {name for name in names if name in LEFT_OUT_AT_TOP}
        return skipped

    tree = into / "tree"
    shutil.copytree(ROOT, tree, ignore=left_out, symlinks=True)
    for name in LINKED:
        (tree / name).symlink_to(ROOT / name)
    return tree


def health(port: int) -> int | str:
    """The status /health answers with, or why there was no answer."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", "/health")
        response = connection.getresponse()
        response.read()
        return response.status
    except (OSError, http.client.HTTPException) as exc:
        return f"no answer ({exc.__class__.__name__})"
    finally:
        connection.close()


def wait_for_health(run: subprocess.Popen[bytes], port: int, timeout: float) -> str | None:
    """None once /health answers 200; otherwise why it never did."""
    deadline = time.monotonic() + timeout
    last: int | str = "not asked yet"
    while time.monotonic() < deadline:
        if run.poll() is not None:
            return f"the run stopped by itself (exit code {run.returncode}); /health: {last}"
        last = health(port)
        if last == 200:
            return None
        time.sleep(POLL_SECONDS)
    return f"/health did not answer 200 within {timeout:g} s; last answer: {last}"


def marked(token: str) -> list[int]:
    """The live processes whose environment carries this run's mark (Linux; elsewhere none)."""
    needle = f"{MARK}={token}".encode()
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        with contextlib.suppress(OSError, ValueError):
            if needle in (entry / "environ").read_bytes().split(b"\0"):
                found.append(int(entry.name))
    return found


def _signal(pids: Sequence[int], signum: int) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signum)


def stop(run: subprocess.Popen[bytes], token: str) -> str | None:
    """Stop the run and everything it started. None if it all stopped on SIGTERM."""
    problem = None
    if run.poll() is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(run.pid, signal.SIGTERM)
        try:
            run.wait(timeout=STOP_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            problem = f"the run did not stop within {STOP_GRACE_SECONDS} s of SIGTERM"
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(run.pid, signal.SIGKILL)
            run.wait()
    leftovers = marked(token)
    if leftovers:
        problem = problem or f"processes left running after the run stopped: {leftovers}"
        _signal(leftovers, signal.SIGTERM)
        deadline = time.monotonic() + LEFTOVER_GRACE_SECONDS
        while _still_running(leftovers, token) and time.monotonic() < deadline:
            time.sleep(0.2)
        _signal(_still_running(leftovers, token), signal.SIGKILL)
    return problem


def _still_running(pids: Sequence[int], token: str) -> list[int]:
    """Those of `pids` not yet gone, and any other marked process. A process that is exiting
    loses its environment (so its mark) before it is gone: its state in /proc is the test."""
    return sorted({pid for pid in pids if _alive(pid)} | set(marked(token)))


def _alive(pid: int) -> bool:
    """Running or exiting, not a zombie (Linux's /proc; elsewhere never)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def _log_tail(log: Path) -> str:
    try:
        lines = log.read_text(errors="replace").splitlines()
    except OSError:
        return "(no output)"
    return "\n".join(lines[-LOG_LINES:])


def _raise_exit(signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def check(timeout: float) -> int:
    try:
        postgres.find_binaries(os.environ)
        postgres.RunAs.for_current_user()
    except postgres.Unavailable as exc:
        return postgres.unavailable(str(exc), what=WHAT)

    previous = signal.signal(signal.SIGTERM, _raise_exit)  # so the run is stopped on SIGTERM too
    try:
        return _check(timeout)
    finally:
        signal.signal(signal.SIGTERM, previous)


def _check(timeout: float) -> int:
    token = secrets.token_hex(8)
    port = postgres.free_port()
    with tempfile.TemporaryDirectory(prefix="onedoor-run-check-") as folder:
        tree = copy_tree(Path(folder))
        log = Path(folder) / "run.log"
        env = {key: value for key, value in os.environ.items() if key not in DROPPED_ENV}
        env.update(RUN_ENV, PORT=str(port), **{MARK: token})
        say(f"starting scripts/run-postgres on 127.0.0.1:{port} from a copy in {tree}")
        started = time.monotonic()
        with log.open("wb") as output:
            run = subprocess.Popen(
                [str(tree / "scripts" / "run-postgres")],
                cwd=tree,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, out of reach of Ctrl-C here
            )
        problems: list[str | None] = []
        try:
            problems.append(wait_for_health(run, port, timeout))
            if problems == [None]:
                say(f"/health answered 200 after {time.monotonic() - started:.0f} s; stopping")
        except KeyboardInterrupt:
            problems.append("interrupted")
        finally:
            problems.append(stop(run, token))
        failures = [problem for problem in problems if problem is not None]
        if failures:
            reasons = "; ".join(failures)
            say(f"failed: {reasons}. The run's last output:\n{_log_tail(log)}", error=True)
            return 1
    say("passed: everything it started has stopped")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--timeout",
        type=float,
        default=TIMEOUT_SECONDS,
        help=f"seconds to wait for /health to answer 200 (default {TIMEOUT_SECONDS})",
    )
    args = parser.parse_args(argv)
    return check(args.timeout)


if __name__ == "__main__":
    sys.exit(main())
