"""The child's timeline: the events and clinical notes the viewer may see, newest first.

What may be seen is decided by the access layer in the queries (`timeline_visible_to`,
`care.records.child_notes_visible_to`); this only puts the two in one order for the page.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from onedoor.access.records import ChildRecord, timeline_visible_to
from onedoor.accounts.models import User
from onedoor.care.records import child_corrections_visible_to, child_notes_visible_to
from onedoor.children.corrections import CHILD
from onedoor.children.models import Correction

SHOWN = 200


@dataclass(frozen=True)
class Entry:
    at: datetime
    title: str
    text: str
    by: User | None
    kept_to: str = ""  # the organisation a note is kept to; empty when shared
    corrections: Sequence[Correction] = ()  # a note's corrections, newest first


def timeline_for(
    record: ChildRecord, corrections: Mapping[UUID, Sequence[Correction]] | None = None
) -> list[Entry]:
    """The latest `SHOWN` entries its viewer may see: two queries. `corrections`: the notes'
    corrections the viewer may read (`care.records.child_corrections_visible_to`), by note."""
    corrections = corrections or {}
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
            corrections.get(n.uuid, ()),
        )
        for n in notes
    ]
    return sorted(entries, key=lambda entry: entry.at, reverse=True)[:SHOWN]


def corrections_by_record(
    record: ChildRecord,
) -> tuple[list[Correction], dict[UUID, list[Correction]]]:
    """The corrections its viewer may read, in one query: of the child's details, and of each
    clinical note by the note's uuid; newest first."""
    details: list[Correction] = []
    notes: dict[UUID, list[Correction]] = {}
    for made in child_corrections_visible_to(record).select_related("corrected_by__organisation"):
        if made.record_type == CHILD:
            details.append(made)
        else:
            notes.setdefault(made.record_uuid, []).append(made)
    return details, notes
