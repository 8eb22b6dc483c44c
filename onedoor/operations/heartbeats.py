"""Heartbeats: each background process records when it was last alive, and `/health` reads
them. A process is stale when its last heartbeat is older than its limit
(`HEALTH_WORKER_STALE_SECONDS`, `HEALTH_SCHEDULER_STALE_SECONDS`), or has none."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Max

from onedoor import clock
from onedoor.operations.models import Heartbeat, Process

SCHEDULER = "scheduler"  # the scheduler's one heartbeat row is named this


def beat(process: Process, name: str) -> None:
    """Record that `process` `name` is alive now."""
    Heartbeat.objects.update_or_create(
        process=process, name=name, defaults={"beat_at": clock.now()}
    )


def stale_after(process: Process) -> timedelta:
    seconds = {
        Process.WORKER: settings.HEALTH_WORKER_STALE_SECONDS,
        Process.SCHEDULER: settings.HEALTH_SCHEDULER_STALE_SECONDS,
    }[process]
    return timedelta(seconds=seconds)


def last_beats() -> dict[Process, datetime | None]:
    """The newest heartbeat of each kind of process (any worker's for the worker), or None
    when there is none. One query."""
    newest = dict(Heartbeat.objects.values_list("process").annotate(last=Max("beat_at")).order_by())
    return {process: newest.get(process) for process in Process}


def stale(beats: dict[Process, datetime | None], now: datetime) -> list[str]:
    """What is wrong with the heartbeats at `now`, one reason per stale process."""
    reasons = []
    for process, last in beats.items():
        limit = stale_after(process)
        if last is None:
            reasons.append(f"{process}: no heartbeat")
        elif now - last > limit:
            reasons.append(
                f"{process}: last heartbeat more than {int(limit.total_seconds())} s ago"
            )
    return reasons
