"""How many of a person's tasks are overdue or due today: the filters of My tasks (`?due=`)
and the counts the home page shows, one rule for both."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from onedoor.worklist.items import SHOWN, Row

# `?due=` on My tasks: its words, and the clock state (`clock.calendar.TimeLeft.state`) it keeps.
DUE = {"overdue": ("Overdue tasks", "overdue"), "today": ("Tasks due today", "due_today")}


@dataclass(frozen=True)
class DueCount:
    value: str  # the `?due=` filter; "" for every open task
    label: str
    count: int
    capped: bool  # the list stops at `SHOWN` tasks, so there may be more

    @property
    def query(self) -> str:
        return f"?due={self.value}" if self.value else ""


def keeps(row: Row, due: str) -> bool:
    """Whether the filter `due` ("" for none) keeps the task."""
    return not due or row.clock.state == DUE[due][1]


def due_counts(rows: Sequence[Row]) -> list[DueCount]:
    """Every open task, the overdue ones and those due today, counted from one list."""
    capped = len(rows) == SHOWN
    return [DueCount("", "All open tasks", len(rows), capped)] + [
        DueCount(value, label, sum(1 for row in rows if keeps(row, value)), capped)
        for value, (label, _) in DUE.items()
    ]
