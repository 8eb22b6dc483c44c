"""What `/health` answers: the database, and the last heartbeat of the task worker and of
the scheduler. Anything wrong makes it "unavailable" (503), with the reasons."""

from __future__ import annotations

from datetime import datetime

from django.db import DatabaseError, connection

from onedoor import clock
from onedoor.operations.heartbeats import last_beats, stale
from onedoor.operations.models import Process


def _moment(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def report() -> tuple[int, dict[str, object]]:
    """The status code and the JSON body."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        beats = last_beats()
    except DatabaseError:
        return 503, {
            "status": "unavailable",
            "database": "unavailable",
            "worker": None,
            "scheduler": None,
            "reasons": ["database: unavailable"],
        }
    reasons = stale(beats, clock.now())
    body: dict[str, object] = {
        "status": "unavailable" if reasons else "ok",
        "database": "ok",
        "worker": _moment(beats[Process.WORKER]),
        "scheduler": _moment(beats[Process.SCHEDULER]),
        "reasons": reasons,
    }
    return (503 if reasons else 200), body
