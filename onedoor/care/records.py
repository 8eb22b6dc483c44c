"""Reads of care records on behalf of a user, built on the access layer's scopes: clinical
notes, which carry a sharing level on top of the case's scope. (Every other care record is
`access.records.care_records_visible_to`.)"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from onedoor.access.policy import Do
from onedoor.access.records import care_records_visible_to
from onedoor.accounts.models import User
from onedoor.accounts.roles import Role
from onedoor.care.models import ClinicalNote


def notes_visible_to(user: User, action: Do = Do.VIEW) -> QuerySet[ClinicalNote]:
    """Clinical notes: those shared with the alliance, to everyone who may see the case;
    those kept to an organisation, to that organisation and the clinical lead only."""
    notes = care_records_visible_to(user, ClinicalNote, action)
    if user.role == Role.CLINICAL_LEAD:
        return notes
    return notes.filter(
        Q(sharing=ClinicalNote.Sharing.ALLIANCE) | Q(organisation_id=user.organisation_id)
    )
