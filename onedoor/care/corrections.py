"""Correcting a clinical note, keeping what it said before (`children/corrections.py`).

A note is corrected by its own organisation's staff who may write care records for the
child (`access.records.can_change_care`): the author, a colleague or their partner lead;
another organisation never rewrites what someone else recorded. The earlier text is kept in
the record's history (`children.Correction`, with who, when and why) and shown with the note
to whoever may read it. The note's sharing level does not change, so the earlier text is read
by exactly the people who could read it before. Audited by field name only; nothing goes on
the timeline, which partners who may not read an organisation-only note also read.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from onedoor import clock
from onedoor.access.records import can_change_care
from onedoor.accounts.models import User
from onedoor.audit.trail import Action, record
from onedoor.care.models import ClinicalNote
from onedoor.care.records import NOTE, note_corrections
from onedoor.checks import checked_text
from onedoor.children.corrections import REASON_LIMIT, Changed, keep_history

NOTE_TEXT = "Note"
NOTE_LIMIT = 10000  # as a note is written (`forms.NoteForm`)
NOT_CHANGED = "The note says this already: change what it says, or go back"
CORRECTED_MEANWHILE = (
    "Someone else corrected this note after you opened this page: read it as it is now, "
    "and make your correction again"
)


def may_correct_note(user: User, note: ClinicalNote) -> bool:
    """Whether `user` may correct the note: their own organisation's, and they may write care
    records for the child."""
    return (
        user.is_active
        and user.organisation_id is not None
        and note.organisation_id == user.organisation_id
        and can_change_care(user, note.referral)
    )


def correct_note(
    *, user: User, note: ClinicalNote, text: str, reason: str, seen: int
) -> ClinicalNote:
    """Correct what the note says, keeping the earlier text; `seen` is how many corrections
    of it the page showed."""
    if not may_correct_note(user, note):
        raise PermissionDenied("Only the note's own organisation corrects it.")
    text = checked_text(text, "the note", NOTE_LIMIT, required="Write the note as it should read")
    reason = checked_text(
        reason, "the reason", REASON_LIMIT, required="Say why the note is being corrected"
    )
    with transaction.atomic():
        locked = ClinicalNote.objects.select_for_update().get(pk=note.pk)
        if note_corrections(locked).count() != seen:
            raise ValidationError(CORRECTED_MEANWHILE)
        if locked.text == text:
            raise ValidationError(NOT_CHANGED)
        changed = Changed("text", NOTE_TEXT, locked.text, text)
        ClinicalNote.objects.filter(pk=locked.pk).update(text=text)
        keep_history(
            child=note.referral.child,
            record_type=NOTE,
            record_uuid=note.uuid,
            changed=[changed],
            reason=reason,
            user=user,
            at=clock.now(),
        )
        record(
            Action.CHANGE,
            actor=user,
            record_type=NOTE,
            record_id=note.uuid,
            child_uuid=note.referral.child.uuid,
            detail={"corrected": ["text"]},
        )
    note.text = text
    return note
