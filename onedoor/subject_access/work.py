"""My tasks from subject access requests: each request waiting for a response is the
clinical leads' work, due by the end of its one-month deadline (17:00 London on the due date,
`clock.calendar.end_of`), linked to the request and named by when it was received (never by
whom it is about)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.urls import reverse

from onedoor.clock.calendar import end_of
from onedoor.referrals.models import Referral
from onedoor.subject_access.models import WAITING
from onedoor.subject_access.records import RESPONDERS, requests_visible_to
from onedoor.work import Item

if TYPE_CHECKING:
    from onedoor.accounts.models import User

SHOWN = 200
WHAT = "Respond to a subject access request"


def subject_access_requests(user: User, visible: QuerySet[Referral], now: datetime) -> list[Item]:
    if user.role not in RESPONDERS:
        return []
    waiting = (
        requests_visible_to(user)
        .filter(status__in=WAITING)
        .only("uuid", "received_on", "due_on")
        .order_by("due_on", "pk")[:SHOWN]
    )
    return [
        Item(
            WHAT,
            None,
            end_of(request.due_on),
            link=reverse("subject_access:request", args=[request.uuid]),
            label=f"Received {request.received_on.day} {request.received_on:%b %Y}",
        )
        for request in waiting
    ]
