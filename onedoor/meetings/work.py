"""My tasks from meetings: an action agreed at a meeting is work for its owner until it is
marked done, due by the end of its due date (17:00 London, `clock.calendar.end_of`). Derived
from the actions themselves, like every task (`worklist/items.py`)."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.urls import reverse

from onedoor.clock.calendar import end_of
from onedoor.meetings.models import MeetingAction
from onedoor.meetings.records import MEETING_STAFF
from onedoor.referrals.models import Referral
from onedoor.work import Item

if TYPE_CHECKING:
    from onedoor.accounts.models import User

SHOWN = 200


def _day(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def meeting_actions(user: User, visible: QuerySet[Referral], now: datetime) -> list[Item]:
    """One "Meeting action" per open action the user owns, linked to its meeting and named
    by the meeting's kind and date (never its title, which is free text, nor a child)."""
    if user.role not in MEETING_STAFF:
        return []
    open_actions = (
        MeetingAction.objects.filter(owner=user, completed_at__isnull=True)
        .select_related("meeting")
        .only("uuid", "due_on", "meeting__uuid", "meeting__kind", "meeting__held_on")
        .order_by("due_on", "pk")[:SHOWN]
    )
    return [
        Item(
            "Meeting action",
            None,
            end_of(action.due_on),
            link=f"{reverse('meetings:meeting', args=[action.meeting.uuid])}#action-{action.uuid}",
            label=f"{action.meeting.get_kind_display()}, {_day(action.meeting.held_on)}",
        )
        for action in open_actions
    ]
