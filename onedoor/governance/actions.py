"""Clinical governance's writes: supervision records, incidents and their review, practice
changes, closing and sharing the lessons. Each is keyword-only, runs in one transaction and
writes its audit record, which holds identifiers, choices and counts only, never what
anyone wrote."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from onedoor import clock
from onedoor.access.records import referrals_visible_to
from onedoor.accounts.models import User
from onedoor.accounts.roles import Role
from onedoor.audit.trail import Action, record
from onedoor.checks import checked_text
from onedoor.governance.models import (
    TRANSITIONS,
    Incident,
    IncidentKind,
    IncidentStatus,
    PracticeChange,
    Severity,
    Supervision,
)
from onedoor.governance.records import STAFF, SUPERVISORS, supervisable_by
from onedoor.referrals.models import Referral


def _alliance(user: User) -> int:
    if user.organisation is None:
        raise PermissionDenied("You do not belong to an organisation in the alliance.")
    return user.organisation.alliance_id


def record_supervision(
    *,
    user: User,
    practitioner: User,
    held_on: date,
    cases: Sequence[Referral] = (),
    actions: str = "",
    reflections: str = "",
    today: date | None = None,
) -> Supervision:
    """The supervisor (`user`) records a supervision session they held. Cases discussed must
    be referrals the supervisor may see."""
    if user.role not in SUPERVISORS:
        raise PermissionDenied(
            "Supervision is recorded by clinical leads, partner leads and care coordinators."
        )
    alliance = _alliance(user)
    if not supervisable_by(user).filter(pk=practitioner.pk).exists():
        raise ValidationError("Choose someone you supervise")
    if held_on > (today or clock.today()):
        raise ValidationError("The supervision date cannot be in the future")
    actions = checked_text(actions, "the actions")
    reflections = checked_text(reflections, "the reflective notes")
    ids = {case.pk for case in cases}
    if len(referrals_visible_to(user).filter(pk__in=ids)) != len(ids):
        raise ValidationError("Choose cases from the ones you can see")
    with transaction.atomic():
        supervision = Supervision.objects.create(
            alliance_id=alliance,
            supervisor=user,
            practitioner=practitioner,
            held_on=held_on,
            actions=actions,
            reflections=reflections,
            recorded_at=clock.now(),
        )
        supervision.cases.set(list(cases))
        record(
            Action.CREATE,
            actor=user,
            record_type="governance.supervision",
            record_id=supervision.uuid,
            detail={
                "practitioner": str(practitioner.uuid),
                "cases": len(ids),
                "reflections": bool(reflections),
            },
        )
    return supervision


def _check_title(title: str, referral: Referral | None) -> str:
    title = checked_text(title, "a title", required="Enter a title")
    if len(title) > 200:
        raise ValidationError("Keep the title to 200 characters or fewer")
    if referral is not None:
        child = referral.child
        for name in (child.given_name, child.family_name):
            if name and re.search(rf"\b{re.escape(name)}\b", title, re.IGNORECASE):
                raise ValidationError("Do not put a child's name in the title")
    return title


def report_incident(
    *,
    user: User,
    kind: str,
    severity: str,
    title: str,
    what_happened: str,
    occurred_on: date,
    referral: Referral | None = None,
    today: date | None = None,
) -> Incident:
    """Anyone on staff reports an incident or near miss, for their own organisation. A
    child is linked by referral, and only one the reporter may see."""
    if user.role not in STAFF:
        raise PermissionDenied("Incidents are reported by the alliance's staff.")
    alliance = _alliance(user)
    if kind not in IncidentKind.values:
        raise ValidationError("Choose whether it is an incident or a near miss")
    if severity not in Severity.values:
        raise ValidationError("Choose the severity")
    if occurred_on > (today or clock.today()):
        raise ValidationError("The date it happened cannot be in the future")
    if referral is not None and not referrals_visible_to(user).filter(pk=referral.pk).exists():
        raise ValidationError("Link a referral you can see, or none")
    title = _check_title(title, referral)
    what_happened = checked_text(what_happened, "what happened", required="Enter what happened")
    assert user.organisation is not None
    with transaction.atomic():
        incident = Incident.objects.create(
            alliance_id=alliance,
            organisation=user.organisation,
            kind=kind,
            severity=severity,
            title=title,
            what_happened=what_happened,
            occurred_on=occurred_on,
            referral=referral,
            reported_by=user,
            reported_at=clock.now(),
        )
        record(
            Action.CREATE,
            actor=user,
            record_type="governance.incident",
            record_id=incident.uuid,
            child_uuid=referral.child.uuid if referral is not None else None,
            detail={"kind": kind, "severity": severity, "referral": bool(referral)},
        )
    return incident


def _locked(user: User, incident: Incident) -> Incident:
    """The incident, locked for the change, for the clinical lead of its alliance only."""
    if user.role != Role.CLINICAL_LEAD:
        raise PermissionDenied("Incidents are reviewed, closed and shared by the clinical lead.")
    if incident.alliance_id != _alliance(user):
        raise PermissionDenied("This incident is not your alliance's.")
    return Incident.objects.select_for_update().get(pk=incident.pk)


def _move(incident: Incident, to: str) -> None:
    if to not in TRANSITIONS[incident.status]:
        raise ValidationError(
            f"This incident is {incident.get_status_display().lower()}: it cannot be "
            f"{IncidentStatus(to).label.lower()} now"
        )
    incident.status = to


def _audit(user: User, incident: Incident, what: str, **detail: object) -> None:
    record(
        Action.CHANGE,
        actor=user,
        record_type="governance.incident",
        record_id=incident.uuid,
        detail={"step": what, "status": incident.status, **detail},
    )


def review_incident(*, user: User, incident: Incident, findings: str, lessons: str) -> Incident:
    """The clinical lead records the review (they are the reviewer): findings and lessons
    learned. The incident is under review until closed."""
    findings = checked_text(findings, "the findings", required="Enter the findings")
    lessons = checked_text(lessons, "the lessons learned")
    with transaction.atomic():
        incident = _locked(user, incident)
        _move(incident, IncidentStatus.UNDER_REVIEW)
        if incident.shared_at is not None and not lessons:
            raise ValidationError("These lessons are shared: they cannot be removed")
        incident.reviewer = user
        incident.findings = findings
        incident.lessons = lessons
        incident.reviewed_at = clock.now()
        incident.save()
        _audit(user, incident, "review", lessons=bool(lessons))
    return incident


def add_practice_change(
    *, user: User, incident: Incident, change: str, owner: User, due_on: date
) -> PracticeChange:
    """A practice change made because of the incident, with its owner and date."""
    change = checked_text(change, "the change", required="Enter the change")
    if owner.organisation is None or owner.organisation.alliance_id != incident.alliance_id:
        raise ValidationError("Choose an owner in the alliance")
    with transaction.atomic():
        incident = _locked(user, incident)
        if incident.status != IncidentStatus.UNDER_REVIEW:
            raise ValidationError("Record practice changes while the incident is under review")
        made = PracticeChange.objects.create(
            incident=incident,
            change=change,
            owner=owner,
            due_on=due_on,
            recorded_by=user,
            recorded_at=clock.now(),
        )
        _audit(user, incident, "practice_change", owner=str(owner.uuid))
    return made


def close_incident(*, user: User, incident: Incident, now: datetime | None = None) -> Incident:
    """Close a reviewed incident: it needs findings and lessons."""
    with transaction.atomic():
        incident = _locked(user, incident)
        _move(incident, IncidentStatus.CLOSED)
        if not incident.lessons:
            raise ValidationError("Record the lessons learned before closing the incident")
        incident.closed_at = now or clock.now()
        incident.save()
        _audit(user, incident, "close")
    return incident


def share_learning(*, user: User, incident: Incident, now: datetime | None = None) -> Incident:
    """Publish the incident's lessons and practice changes, without any child detail, on the
    learning log every member of staff can read."""
    with transaction.atomic():
        incident = _locked(user, incident)
        if not incident.lessons:
            raise ValidationError("Record the lessons learned before sharing them")
        if incident.shared_at is not None:
            raise ValidationError("These lessons are already shared")
        incident.shared_at = now or clock.now()
        incident.save()
        _audit(user, incident, "share")
    return incident
