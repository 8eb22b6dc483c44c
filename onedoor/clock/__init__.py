"""The product's one clock: every "now" and "today" comes from here.

Below every app (it imports nothing of the product's), so any module may ask the time
without climbing up into another app. `now()` is an aware moment in UTC; `today()` is the
date in Europe/London, the alliance's day. Tests pin both with `time-machine` (one autouse
fixture in `tests/conftest.py`), so no result depends on the day the suite runs.

The working-day calendar, deadlines and the triage clocks' pure rules are in
`onedoor.clock.calendar`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def now() -> datetime:
    """This moment, timezone-aware, in UTC."""
    return datetime.now(tz=UTC)


def today() -> date:
    """Today's date in Europe/London."""
    return now().astimezone(LONDON).date()
