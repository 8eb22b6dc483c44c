"""Keep one command running: `python -m onedoor.operations.keep_running COMMAND [ARG...]`.

The Procfile's worker and scheduler run under this (ADR 0009): honcho stops every process
when one exits, and restarts none. This starts the command and, whenever it exits, however
it exits (a crash, SIGKILL, running out of memory), starts it again after a pause that
doubles from 1 s to at most 60 s, back to 1 s once the command has run for a minute.
SIGTERM or SIGINT (honcho stopping, Ctrl-C) is passed on to the command, and this then
exits with it. It imports nothing of Django, so it keeps trying while the project cannot
start.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from types import FrameType

FIRST_PAUSE = 1.0
LONGEST_PAUSE = 60.0
STEADY_AFTER = 60.0  # a command that ran this long was working: the pause starts again


def next_pause(previous: float | None, ran_for: float) -> float:
    """The pause before the next start, after a run of `ran_for` seconds that followed a
    pause of `previous` seconds (None: the first run)."""
    if previous is None or ran_for >= STEADY_AFTER:
        return FIRST_PAUSE
    return min(previous * 2, LONGEST_PAUSE)


def keep_running(command: list[str]) -> int:
    child: subprocess.Popen[bytes] | None = None
    stopping = False

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True
        if child is not None and child.poll() is None:
            child.send_signal(signum)  # then wait for it below
        else:
            raise SystemExit(0)  # between runs: nothing to wait for

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    pause: float | None = None
    while True:
        started = time.monotonic()
        child = subprocess.Popen(command)  # noqa: S603 (the Procfile's own command)
        code = child.wait()
        if stopping:
            return 0
        pause = next_pause(pause, time.monotonic() - started)
        print(
            f"keep_running: {' '.join(command)} (pid {child.pid}) exited with {code}; "
            f"starting it again in {pause:g} s",
            file=sys.stderr,
            flush=True,
        )
        child = None
        time.sleep(pause)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: python -m onedoor.operations.keep_running COMMAND [ARG...]")
    sys.exit(keep_running(sys.argv[1:]))
