"""The partner's work with the child: each write checks access, writes its timeline event
and audit record, and moves the referral on where the work says so."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from onedoor.access.records import can_change_care
from onedoor.accounts.models import User
from onedoor.alliance.models import Organisation
from onedoor.audit.trail import Action, record
from onedoor.care.models import CheckIn, ClinicalNote, Contact, RiskRating
from onedoor.children.models import TimelineEvent
from onedoor.referrals.models import Referral, Status
from onedoor.referrals.states import move

WORKING_STATES = frozenset({Status.WAITING, Status.IN_INTERVENTION})
RISK_ORDER = {RiskRating.GREEN: 0, RiskRating.AMBER: 1, RiskRating.RED: 2}


def _check(user: User, referral: Referral) -> Organisation:
    """The user's organisation, if they may record care for this referral now."""
    if not can_change_care(user, referral) or user.organisation is None:
        raise PermissionDenied("This child is not on your organisation's caseload.")
    if referral.status not in WORKING_STATES:
        raise ValidationError("Care is recorded for children waiting or in intervention")
    return user.organisation


def _written(user: User, referral: Referral, kind: str, record_id: object, summary: str) -> None:
    TimelineEvent.objects.create(
        child=referral.child,
        at=timezone.now(),
        kind=TimelineEvent.Kind.STATUS_CHANGED,
        actor=user,
        referral=referral,
        summary=summary,
    )
    record(
        Action.CREATE,
        actor=user,
        record_type=kind,
        record_id=record_id,
        child_uuid=referral.child.uuid,
    )


def record_contact(
    *,
    user: User,
    referral: Referral,
    happened_at: datetime,
    outcome: str,
    mode: str,
    duration_minutes: int | None,
) -> Contact:
    """A contact; the first attended one starts the intervention."""
    organisation = _check(user, referral)
    if happened_at > timezone.now():
        raise ValidationError("A contact cannot be in the future")
    if outcome not in Contact.Outcome.values or mode not in Contact.Mode.values:
        raise ValidationError("Choose what happened and how")
    with transaction.atomic():
        contact = Contact.objects.create(
            referral=referral,
            organisation=organisation,
            recorded_by=user,
            recorded_at=timezone.now(),
            happened_at=happened_at,
            outcome=outcome,
            mode=mode,
            duration_minutes=duration_minutes,
        )
        _written(
            user,
            referral,
            "contact",
            contact.uuid,
            f"Contact: {contact.get_outcome_display().lower()}, "
            f"{contact.get_mode_display().lower()}.",
        )
        if outcome == Contact.Outcome.ATTENDED and referral.status == Status.WAITING:
            move(
                user=user,
                referral=referral,
                to=Status.IN_INTERVENTION,
                version=referral.version,
                summary="Intervention started: first attended contact.",
            )
    return contact


def record_note(*, user: User, referral: Referral, text: str, sharing: str) -> ClinicalNote:
    organisation = _check(user, referral)
    if not text.strip():
        raise ValidationError("Write the note")
    if sharing not in ClinicalNote.Sharing.values:
        raise ValidationError("Choose who can read the note")
    with transaction.atomic():
        note = ClinicalNote.objects.create(
            referral=referral,
            organisation=organisation,
            recorded_by=user,
            recorded_at=timezone.now(),
            text=text.strip(),
            sharing=sharing,
        )
        record(
            Action.CREATE,
            actor=user,
            record_type="clinical_note",
            record_id=note.uuid,
            child_uuid=referral.child.uuid,
            detail={"sharing": sharing},
        )
    return note


def record_check_in(
    *,
    user: User,
    referral: Referral,
    contact_made: bool,
    rating: str,
    notes: str,
    materials_sent: str,
) -> CheckIn:
    """A Waiting Well check-in. A risk worse than the referral's sends the child back to
    triage, with its history."""
    organisation = _check(user, referral)
    if referral.status != Status.WAITING:
        raise ValidationError("Check-ins are for children waiting")
    if contact_made and rating not in RiskRating.values:
        raise ValidationError("Re-screen the risk: choose red, amber or green")
    with transaction.atomic():
        check_in = CheckIn.objects.create(
            referral=referral,
            organisation=organisation,
            recorded_by=user,
            recorded_at=timezone.now(),
            contact_made=contact_made,
            rating=rating if contact_made else "",
            notes=notes.strip(),
            materials_sent=materials_sent.strip(),
        )
        _written(
            user,
            referral,
            "check_in",
            check_in.uuid,
            "Waiting Well check-in: " + ("contact made." if contact_made else "no contact."),
        )
        worse = contact_made and RISK_ORDER[RiskRating(rating)] > RISK_ORDER.get(
            RiskRating(referral.risk_rating) if referral.risk_rating else RiskRating.GREEN, 0
        )
        if worse:
            move(
                user=user,
                referral=referral,
                to=Status.AWAITING_TRIAGE,
                version=referral.version,
                summary=f"Risk worse at a Waiting Well check-in ({rating}): back to triage.",
                changes={
                    "risk_rating": rating,
                    "queue_band": 0 if rating == "red" else 1,
                    "red_reviewed_at": None,
                },
            )
    return check_in
