"""The child's timeline: the events and clinical notes the viewer may see, newest first.

What may be seen is decided by the access layer in the queries (`timeline_visible_to`,
`care.records.child_notes_visible_to`); this only puts the two in one order for the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from onedoor.access.records import ChildRecord, timeline_visible_to
from onedoor.accounts.models import User
from onedoor.care.records import child_notes_visible_to

SHOWN = 200


@dataclass(frozen=True)
class Entry:
    at: datetime
    title: str
    text: str
    by: User | None
    kept_to: str = ""  # the organisation a note is kept to; empty when shared


def timeline_for(record: ChildRecord) -> list[Entry]:
    """The latest `SHOWN` entries its viewer may see: two queries."""
    events = timeline_visible_to(record).select_related("actor__organisation")[:SHOWN]
    notes = (
        child_notes_visible_to(record)
        .select_related("recorded_by__organisation", "organisation")
        .order_by("-recorded_at", "-pk")[:SHOWN]
    )
    entries = [Entry(e.at, e.get_kind_display(), e.summary, e.actor) for e in events] + [
        Entry(
            n.recorded_at,
            "Clinical note",
            n.text,
            n.recorded_by,
            n.organisation.name if n.sharing == n.Sharing.ORGANISATION else "",
        )
        for n in notes
    ]
    return sorted(entries, key=lambda entry: entry.at, reverse=True)[:SHOWN]
