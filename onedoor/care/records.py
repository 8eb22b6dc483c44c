"""Reads of care records on behalf of a user, built on the access layer's scopes: clinical
notes, which carry a sharing level on top of the case's scope, and handovers, which follow
their referral. (Every other care record is `access.records.care_records_visible_to`.)"""

from __future__ import annotations

from uuid import UUID

from django.db.models import Q, QuerySet

from onedoor.access.policy import Do
from onedoor.access.records import (
    ChildRecord,
    care_records_visible_to,
    child_care_records_visible_to,
    children_visible_to,
    denied,
    referrals_visible_to,
)
from onedoor.accounts.models import User
from onedoor.accounts.roles import Role
from onedoor.audit.trail import Action, record
from onedoor.care.models import ClinicalNote, Transition
from onedoor.children.corrections import CHILD
from onedoor.children.models import Correction

NOTE = "clinical_note"  # a clinical note's record type, in the audit trail and its corrections


def notes_visible_to(user: User, action: Do = Do.VIEW) -> QuerySet[ClinicalNote]:
    """Clinical notes: those shared with the alliance, to everyone who may see the case;
    those kept to an organisation, to that organisation and the clinical lead only."""
    return _as_shared(user, care_records_visible_to(user, ClinicalNote, action))


def child_notes_visible_to(record: ChildRecord) -> QuerySet[ClinicalNote]:
    """One child's clinical notes its viewer may see, for the child's page:
    `notes_visible_to`, narrowed to the child's referrals the page has read
    (`child_care_records_visible_to`)."""
    return _as_shared(record.viewer, child_care_records_visible_to(record, ClinicalNote))


def _as_shared(user: User, notes: QuerySet[ClinicalNote]) -> QuerySet[ClinicalNote]:
    """The notes' sharing level on top of the case's scope."""
    if user.role == Role.CLINICAL_LEAD:
        return notes
    return notes.filter(
        Q(sharing=ClinicalNote.Sharing.ALLIANCE) | Q(organisation_id=user.organisation_id)
    )


def get_note_for_user(user: User, note_uuid: UUID, action: Do = Do.VIEW) -> ClinicalNote:
    """One clinical note the user may read (or change), with its referral and child; a 404
    otherwise, the denial audited. A view is audited."""
    note = (
        notes_visible_to(user, action)
        .select_related("referral__child", "organisation", "recorded_by")
        .filter(uuid=note_uuid)
        .first()
    )
    if note is None:
        raise denied(user, NOTE, note_uuid, {"wanted": str(action)})
    if action is Do.VIEW:
        record(
            Action.VIEW,
            actor=user,
            record_type=NOTE,
            record_id=note.uuid,
            child_uuid=note.referral.child.uuid,
        )
    return note


def child_corrections_visible_to(record: ChildRecord) -> QuerySet[Correction]:
    """The corrections on a child's page: of the child's details, to everyone who may see the
    child, and of the clinical notes the viewer may read (`child_notes_visible_to`), decided
    in the query: the earlier text of a note kept to another organisation never leaves the
    database."""
    notes = child_notes_visible_to(record).values("uuid")
    return Correction.objects.filter(child=record.child).filter(
        Q(record_type=CHILD) | Q(record_type=NOTE, record_uuid__in=notes)
    )


def note_corrections(note: ClinicalNote) -> QuerySet[Correction]:
    """The corrections of one note, which its reader may read with it."""
    return Correction.objects.filter(record_type=NOTE, record_uuid=note.uuid)


def note_corrections_of(notes: list[ClinicalNote]) -> QuerySet[Correction]:
    """The corrections of notes their reader has already read (`notes_visible_to`)."""
    return Correction.objects.filter(record_type=NOTE, record_uuid__in=[n.uuid for n in notes])


def handovers_visible_to(user: User) -> QuerySet[Transition]:
    """Handovers (transitions) of the referrals the user may see, of children they may see
    (a professional referrer sees the referral they made, not what became of it)."""
    return Transition.objects.filter(
        referral__in=referrals_visible_to(user), referral__child__in=children_visible_to(user)
    )


def get_handover_for_user(user: User, transition_uuid: UUID, action: Do = Do.VIEW) -> Transition:
    """One handover the user may see (its referral is within their scope, which a partner
    being handed the child reaches while it waits: `access.policy.HANDOVER_BETWEEN_PARTNERS`);
    anything else is a 404 with the denial audited. A view is audited; to act on it
    (`Do.CHANGE`) it is not: the action decides who may, and audits what it does."""
    transition = (
        handovers_visible_to(user)
        .select_related(
            "referral__child",
            "referral__allocated_organisation",
            "receiving_organisation",
            "receiving_offer",
            "sending_organisation",
            "sent_by",
            "acknowledged_by",
        )
        .filter(uuid=transition_uuid)
        .first()
    )
    if transition is None:
        raise denied(user, "transition", transition_uuid, {"wanted": str(action)})
    if action is Do.VIEW:
        record(
            Action.VIEW,
            actor=user,
            record_type="transition",
            record_id=transition.uuid,
            child_uuid=transition.referral.child.uuid,
        )
    return transition


def handovers_to(user: User) -> QuerySet[Transition]:
    """Handovers from other partners waiting for the user's organisation to answer, soonest
    due first (the partner's "Incoming" page)."""
    if user.organisation_id is None:
        return Transition.objects.none()
    return (
        handovers_visible_to(user)
        .filter(
            kind=Transition.Kind.BETWEEN_PARTNERS,
            receiving_organisation_id=user.organisation_id,
            acknowledged_at__isnull=True,
        )
        .select_related("referral__child", "referral__allocated_organisation", "receiving_offer")
        .order_by("due_at", "pk")
    )
