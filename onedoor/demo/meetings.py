"""Two demo meetings, so that `make run` shows them: a multi-agency meeting the safeguarding
lead recorded and a professionals' meeting the clinical lead recorded, each discussing one
demo child, with actions open (one overdue) on the demo accounts' task lists and one done.

Deterministic for a given day (fixed uuids, dates counted back from `today`) and made once:
running it again adds nothing. Made only when the demo accounts exist.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from onedoor.accounts.models import User
from onedoor.alliance.models import Alliance
from onedoor.meetings.models import Attendee, Discussion, Kind, Meeting, MeetingAction
from onedoor.referrals.models import Referral, Status
from onedoor.referrals.timeline import on_timeline

NAMESPACE = uuid.UUID("6f1d6c8e-2b9a-4c41-9d5e-0d00d00d0002")
ACCOUNTS = ("safeguarding", "clinical-lead", "coordinator", "kooth-lead", "kooth-practitioner")
DISCUSSED = (Status.WAITING, Status.IN_INTERVENTION)


def seed_demo_meetings(alliance: Alliance, today: date) -> int:
    """Make the demo meetings that are missing; returns how many were made."""
    people = {
        user.username: user
        for user in User.objects.filter(
            username__in=ACCOUNTS, is_demo=True, organisation__alliance=alliance
        )
    }
    if len(people) != len(ACCOUNTS):
        return 0
    children = list(
        Referral.objects.filter(child__alliance=alliance, status__in=DISCUSSED)
        .select_related("child")
        .order_by("uuid")[:2]
    )
    made = 0
    if not Meeting.objects.filter(uuid=uuid.uuid5(NAMESPACE, "multi-agency")).exists():
        _multi_agency(alliance, people, children[:1], today)
        made += 1
    if not Meeting.objects.filter(uuid=uuid.uuid5(NAMESPACE, "professionals")).exists():
        _professionals(alliance, people, children[1:2], today)
        made += 1
    return made


def _at(day: date) -> datetime:
    return datetime.combine(day, time(16, 0), tzinfo=timezone.get_current_timezone())


def _meeting(alliance: Alliance, name: str, children: list[Referral], **fields: object) -> Meeting:
    meeting = Meeting.objects.create(uuid=uuid.uuid5(NAMESPACE, name), alliance=alliance, **fields)
    for referral in children:
        Discussion.objects.create(
            meeting=meeting,
            referral=referral,
            decisions="Keep the Waiting Well check-ins every two weeks; school to share "
            "attendance weekly. (Demo data.)",
        )
        on_timeline(
            referral, meeting.timeline_summary, actor=meeting.recorded_by, at=meeting.recorded_at
        )
    return meeting


def _multi_agency(
    alliance: Alliance, people: dict[str, User], children: list[Referral], today: date
) -> None:
    held_on = today - timedelta(days=9)
    recorder = people["safeguarding"]
    with transaction.atomic():
        meeting = _meeting(
            alliance, "multi-agency", children, kind=Kind.MULTI_AGENCY, held_on=held_on,
            title="Support in school and at home (demo)", chair=recorder,
            decisions="Meet again in six weeks. (Demo data.)", recorded_by=recorder,
            recorded_at=_at(held_on),
        )  # fmt: skip
        Attendee.objects.bulk_create(
            [
                Attendee(meeting=meeting, name=str(recorder), agency="North Kent Mind",
                         user=recorder),
                Attendee(meeting=meeting, name=str(people["coordinator"]),
                         agency="North Kent Mind", user=people["coordinator"]),
                Attendee(meeting=meeting, name="Pat Example", agency="Children's social care"),
                Attendee(meeting=meeting, name="Lee Sample", agency="School"),
            ]
        )  # fmt: skip
        about = children[0] if children else None
        MeetingAction.objects.bulk_create(
            [
                MeetingAction(
                    uuid=uuid.uuid5(NAMESPACE, "multi-agency:1"), meeting=meeting,
                    text="Share the updated safety plan with the school.",
                    owner=people["coordinator"], due_on=today + timedelta(days=3), referral=about,
                ),
                MeetingAction(
                    uuid=uuid.uuid5(NAMESPACE, "multi-agency:2"), meeting=meeting,
                    text="Confirm when the sessions start.", owner=people["kooth-lead"],
                    due_on=today - timedelta(days=1), referral=about,
                ),
            ]
        )  # fmt: skip


def _professionals(
    alliance: Alliance, people: dict[str, User], children: list[Referral], today: date
) -> None:
    held_on = today - timedelta(days=20)
    recorder = people["clinical-lead"]
    with transaction.atomic():
        meeting = _meeting(
            alliance, "professionals", children, kind=Kind.PROFESSIONALS, held_on=held_on,
            title="Step-up or stay: a complex case (demo)",
            chair_name="Ali Example, specialist CAMHS", recorded_by=recorder,
            recorded_at=_at(held_on),
        )  # fmt: skip
        Attendee.objects.bulk_create(
            [
                Attendee(meeting=meeting, name=str(recorder), agency="North Kent Mind",
                         user=recorder),
                Attendee(meeting=meeting, name=str(people["kooth-practitioner"]),
                         agency="Kooth", user=people["kooth-practitioner"]),
                Attendee(meeting=meeting, name="Ali Example", agency="Specialist CAMHS"),
            ]
        )  # fmt: skip
        MeetingAction.objects.bulk_create(
            [
                MeetingAction(
                    uuid=uuid.uuid5(NAMESPACE, "professionals:1"), meeting=meeting,
                    text="Send CAMHS the latest outcome measures.",
                    owner=people["kooth-practitioner"], due_on=today + timedelta(days=5),
                ),
                MeetingAction(
                    uuid=uuid.uuid5(NAMESPACE, "professionals:2"), meeting=meeting,
                    text="Book the follow-up meeting.", owner=recorder,
                    due_on=held_on + timedelta(days=7), completed_at=_at(held_on + timedelta(1)),
                    completed_by=recorder,
                ),
            ]
        )  # fmt: skip
