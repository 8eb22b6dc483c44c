"""What every benchmark module is given and how it measures.

A benchmark module (listed in `onedoor.bench.MODULES`) has one function,
`run(context: Context) -> list[Row]`, called with Django set up on a seeded database (SQLite, or
a throwaway PostgreSQL cluster with `--postgres`). It measures its pair of things interleaved
(`interleaved`), so that the machine's load falls on both alike, and returns rows: the ratio
with its goal, and the raw figures beside it without one.
"""

from __future__ import annotations

import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.test import Client

if TYPE_CHECKING:
    from onedoor.alliance.models import Alliance

# How many times a measurement is repeated by default, before `BENCH_REPEAT` scales it.
REPEAT = 30


@dataclass
class Context:
    """The run: how many children were seeded, the database's vendor ("sqlite" or
    "postgresql"), how many times to repeat a measurement (`REPEAT` scaled by `BENCH_REPEAT`),
    and the database's settings for a benchmark that starts servers or processes of its own.
    `scale` is `BENCH_REPEAT` itself, for a module's own counts (`times`); `alliance` the
    demo's alliance, seeded."""

    children: int
    vendor: str
    repeat: int
    database: Mapping[str, Any]
    extra: dict[str, Any] = field(default_factory=dict)
    scale: float = 1.0
    alliance: Alliance | None = None

    def times(self, count: int, *, least: int = 2) -> int:
        """A module's own repeat count `count`, scaled like `repeat`: never below `least`."""
        return max(least, round(count * self.scale))

    def client_as(self, username: str) -> Client:
        from onedoor.accounts.models import User

        client = Client()
        client.force_login(User.objects.get(username=username))
        return client

    @contextmanager
    def writing_to_a_copy(self) -> Iterator[None]:
        """On SQLite, a module that writes (B7, B8) writes to a copy of the database file, so a
        kept database (`BENCH_DATABASE`) stays as it was seeded: B7 alone adds about 2,000
        referrals to the triage queue a run, which the next run's B1 would page through. The
        copy is SQLite's online backup, taken with every connection closed; processes forked
        inside the block connect to it. On PostgreSQL the module writes where it is (B8 adds
        its 100 referrals)."""
        from django.db import connections

        if self.vendor != "sqlite":
            yield
            return
        settings = connections["default"].settings_dict  # the settings' own dict
        original = settings["NAME"]
        with tempfile.TemporaryDirectory(prefix="onedoor-bench-copy-") as folder:
            connections.close_all()
            copy = Path(folder) / "copy.sqlite3"
            source, target = closing(sqlite3.connect(original)), closing(sqlite3.connect(copy))
            with source as kept, target as copied:
                kept.backup(copied)
            settings["NAME"] = copy
            try:
                yield
            finally:
                connections.close_all()
                settings["NAME"] = original

    def beat(self) -> None:
        """/health answers 200 only while the task worker and the scheduler beat: measured as
        when they run (call again after a long measurement)."""
        from onedoor.operations.heartbeats import SCHEDULER, beat
        from onedoor.operations.models import Process

        beat(Process.WORKER, "bench")
        beat(Process.SCHEDULER, SCHEDULER)


def _timed_ms(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    result = action()
    elapsed = (time.perf_counter() - start) * 1000
    status = getattr(result, "status_code", 200)
    if status != 200:
        raise SystemExit(f"benchmark: a measured request answered {status}, not 200")
    return elapsed


def interleaved(
    actions: Mapping[str, Callable[[], object]],
    repeat: int,
    statistic: Callable[[list[float]], float],
) -> dict[str, float]:
    """Each action timed `repeat` times in milliseconds, in turn (a, b, a, b, ...), after one
    call each to warm up, so that a pair shares the machine's moment; the `statistic` (`p50`,
    `p95`) of each action's times."""
    for action in actions.values():
        _timed_ms(action)
    timings: dict[str, list[float]] = {name: [] for name in actions}
    for _ in range(repeat):
        for name, action in actions.items():
            timings[name].append(_timed_ms(action))
    return {name: statistic(times) for name, times in timings.items()}


def p50(timings: list[float]) -> float:
    return statistics.median(timings)


def p95(timings: list[float]) -> float:
    if len(timings) < 2:
        return timings[0]
    return statistics.quantiles(timings, n=20, method="inclusive")[18]
