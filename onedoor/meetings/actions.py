"""Recording a meeting, and marking its actions done. Each is keyword-only and runs in one
transaction with its audit record, which holds identifiers, choices and counts only, never
what anyone wrote. A meeting that discussed a child goes on that child's timeline, in words
that say what kind of meeting and when, and nothing of what was said."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from onedoor import clock
from onedoor.access.records import referrals_visible_to
from onedoor.accounts.models import User
from onedoor.accounts.roles import Role
from onedoor.audit.trail import Action, record
from onedoor.checks import checked_text
from onedoor.meetings.models import Attendee, Discussion, Kind, Meeting, MeetingAction
from onedoor.meetings.records import RECORD_TYPE, RECORDERS, meeting_staff
from onedoor.referrals.models import Referral
from onedoor.referrals.timeline import on_timeline

TITLE_MAX = 200
NAME_MAX = 200
ACTION_MAX = 500


@dataclass(frozen=True)
class AttendeeEntry:
    """Someone at the meeting. A member of staff (`user`) needs no name or agency: they come
    from their account."""

    name: str = ""
    agency: str = ""
    user: User | None = None


@dataclass(frozen=True)
class ChildDiscussed:
    referral: Referral
    decisions: str = ""


@dataclass(frozen=True)
class ActionEntry:
    text: str
    owner: User
    due_on: date
    referral: Referral | None = None  # one of the children discussed, or none


def _title(title: str, children: Sequence[ChildDiscussed]) -> str:
    title = checked_text(title, "the title", TITLE_MAX, required="Enter a title")
    for child in (entry.referral.child for entry in children):
        for name in (child.given_name, child.family_name):
            if name and re.search(rf"\b{re.escape(name)}\b", title, re.IGNORECASE):
                raise ValidationError("Do not put a child's name in the title")
    return title


def _attendees(attendees: Sequence[AttendeeEntry], staff: set[int]) -> list[Attendee]:
    if not attendees:
        raise ValidationError("Add at least one attendee")
    made, linked = [], set()
    for number, entry in enumerate(attendees, start=1):
        name, agency = entry.name.strip(), entry.agency.strip()
        if entry.user is not None:
            if entry.user.pk not in staff:
                raise ValidationError(
                    f"Attendee {number} must be on the alliance's staff, or not linked to one"
                )
            if entry.user.pk in linked:
                raise ValidationError(f"Attendee {number} is already on the list")
            linked.add(entry.user.pk)
            name = name or str(entry.user)
            agency = agency or (entry.user.organisation.name if entry.user.organisation else "")
        name = checked_text(name, f"attendee {number}'s name", NAME_MAX,
                     required=f"Enter the name of attendee {number}")  # fmt: skip
        agency = checked_text(agency, f"attendee {number}'s agency", NAME_MAX,
                       required=f"Enter the agency of attendee {number}")  # fmt: skip
        made.append(Attendee(name=name, agency=agency, user=entry.user))
    return made


def _actions(
    actions: Sequence[ActionEntry], staff: set[int], held_on: date, discussed: set[int]
) -> list[MeetingAction]:
    made = []
    for number, entry in enumerate(actions, start=1):
        text = checked_text(entry.text, f"action {number}", ACTION_MAX,
                     required=f"Enter what action {number} is")  # fmt: skip
        if entry.owner.pk not in staff:
            raise ValidationError(f"Choose an owner for action {number} from the alliance's staff")
        if entry.due_on < held_on:
            raise ValidationError(f"Action {number} cannot be due before the meeting")
        if entry.referral is not None and entry.referral.pk not in discussed:
            raise ValidationError(f"Action {number} can only be about a child discussed")
        made.append(
            MeetingAction(
                text=text, owner=entry.owner, due_on=entry.due_on, referral=entry.referral
            )
        )
    return made


def record_meeting(
    *,
    user: User,
    kind: str,
    held_on: date,
    title: str,
    attendees: Sequence[AttendeeEntry],
    chair: User | None = None,
    chair_name: str = "",
    children: Sequence[ChildDiscussed] = (),
    decisions: str = "",
    actions: Sequence[ActionEntry] = (),
    today: date | None = None,
) -> Meeting:
    """The recorder (`user`) records a meeting held on `held_on`. Children discussed must
    be referrals the recorder may see; action owners and linked attendees, the alliance's
    staff (`records.MEETING_STAFF`)."""
    if user.role not in RECORDERS or user.organisation is None:
        raise PermissionDenied(
            "Meetings are recorded by the clinical lead, safeguarding leads, care "
            "coordinators, partner leads and the triage lead."
        )
    if kind not in Kind.values:
        raise ValidationError("Choose the kind of meeting")
    if held_on > (today or clock.today()):
        raise ValidationError("The date of the meeting cannot be in the future")
    ids = [entry.referral.pk for entry in children]
    if len(set(ids)) != len(ids):
        raise ValidationError("List each child discussed once")
    if len(referrals_visible_to(user).filter(pk__in=ids)) != len(ids):
        raise ValidationError("Choose children from the ones you can see")
    title = _title(title, children)
    staff = set(meeting_staff(user).values_list("pk", flat=True))
    chair_name = checked_text(chair_name, "the chair's name", NAME_MAX)
    if chair is None and not chair_name:
        raise ValidationError("Say who chaired the meeting")
    if chair is not None and chair_name:
        raise ValidationError("Choose the chair from the staff list or enter their name, not both")
    if chair is not None and chair.pk not in staff:
        raise ValidationError("Choose a chair from the alliance's staff, or enter their name")
    present = _attendees(attendees, staff)
    decisions = checked_text(decisions, "the decisions")
    discussed = [
        Discussion(
            referral=entry.referral,
            decisions=checked_text(
                entry.decisions,
                f"the decisions about {entry.referral.reference_display}",
            ),
        )
        for entry in children
    ]
    agreed = _actions(actions, staff, held_on, set(ids))
    with transaction.atomic():
        meeting = Meeting.objects.create(
            alliance_id=user.organisation.alliance_id, kind=kind, held_on=held_on, title=title,
            chair=chair, chair_name=chair_name, decisions=decisions, recorded_by=user,
            recorded_at=clock.now(),
        )  # fmt: skip
        for rows in (present, discussed, agreed):
            for row in rows:
                row.meeting = meeting
        Attendee.objects.bulk_create(present)
        Discussion.objects.bulk_create(discussed)
        MeetingAction.objects.bulk_create(agreed)
        for entry in children:
            on_timeline(entry.referral, meeting.timeline_summary, actor=user)
        record(
            Action.CREATE, actor=user, record_type=RECORD_TYPE, record_id=meeting.uuid,
            detail={
                "kind": kind, "attendees": len(present),
                "staff_attendees": sum(1 for a in present if a.user is not None),
                "children": len(discussed), "actions": len(agreed),
            },
        )  # fmt: skip
    return meeting


def may_complete(user: User, action: MeetingAction, meeting: Meeting) -> bool:
    """Its owner, whoever recorded the meeting, or the clinical lead marks an action done."""
    return user.pk in (action.owner_id, meeting.recorded_by_id) or (
        user.role == Role.CLINICAL_LEAD
        and user.organisation is not None
        and user.organisation.alliance_id == meeting.alliance_id
    )


def complete_action(
    *, user: User, action: MeetingAction, now: datetime | None = None
) -> MeetingAction:
    meeting = action.meeting
    if not may_complete(user, action, meeting):
        raise PermissionDenied(
            "An action is marked done by its owner, whoever recorded the meeting or the "
            "clinical lead."
        )
    with transaction.atomic():
        done = MeetingAction.objects.filter(pk=action.pk, completed_at__isnull=True).update(
            completed_at=now or clock.now(), completed_by=user
        )
        if not done:
            raise ValidationError("This action is already done")
        record(
            Action.CHANGE, actor=user, record_type="meetings.action", record_id=action.uuid,
            detail={"meeting": str(meeting.uuid), "done": True},
        )  # fmt: skip
    action.refresh_from_db()
    return action
