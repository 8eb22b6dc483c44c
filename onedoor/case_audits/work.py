"""My tasks from case audits: an action from a round is work for its owner until it is
marked done, due by the end of its due date. Derived from the actions themselves, like
every task (`worklist/items.py`)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.urls import reverse

from onedoor.case_audits.models import AuditAction
from onedoor.clock.calendar import end_of
from onedoor.referrals.models import Referral
from onedoor.work import Item

if TYPE_CHECKING:
    from onedoor.accounts.models import User

SHOWN = 200


def audit_actions(user: User, visible: QuerySet[Referral], now: datetime) -> list[Item]:
    """One "Case audit action" per open action the user owns, linked to the action and
    named by its round's start date (never the action's text)."""
    open_actions = (
        AuditAction.objects.filter(owner=user, done_at__isnull=True)
        .select_related("round")
        .only("uuid", "due_on", "round__started_at")
        .order_by("due_on", "pk")[:SHOWN]
    )
    return [
        Item(
            "Case audit action",
            None,
            end_of(action.due_on),
            link=reverse("case_audits:action", args=[action.uuid]),
            label=f"Case audit of {action.round.started_at:%b %Y}",
        )
        for action in open_actions
    ]
