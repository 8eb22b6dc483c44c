"""My tasks from safeguarding concerns, derived from the concerns themselves:

- a new concern with no follow-up action yet, for the safeguarding lead who owns it, to plan
  by the end of the next working day after it was raised;
- each open follow-up action, for its owner, by the end of its due date.

Only for concerns the person may see (`safeguarding.records.concerns_visible_to`) about referrals
they may see: a task names the child. Overdue actions also climb the escalation framework
(`triage.escalation`), whoever owns them.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, QuerySet
from django.urls import reverse

from onedoor.clock.calendar import ENGLAND_AND_WALES, due_at, end_of
from onedoor.referrals.models import Referral
from onedoor.safeguarding.models import Concern, FollowUp
from onedoor.safeguarding.records import concerns_visible_to
from onedoor.work import Item

if TYPE_CHECKING:
    from onedoor.accounts.models import User

SHOWN = 200


def _page(concern: Concern) -> str:
    return reverse("safeguarding:concern", args=[concern.uuid])


def safeguarding_work(user: User, visible: QuerySet[Referral], now: datetime) -> list[Item]:
    concerns = concerns_visible_to(user).filter(closed_at__isnull=True, referral__in=visible)
    unplanned = (
        concerns.filter(owner=user)
        .exclude(Exists(FollowUp.objects.filter(concern=OuterRef("pk"))))
        .select_related("referral__child")
        .order_by("raised_at", "pk")[:SHOWN]
    )
    follow_ups = (
        FollowUp.objects.filter(owner=user, done_at__isnull=True, concern__in=concerns)
        .select_related("concern__referral__child")
        .order_by("due", "pk")[:SHOWN]
    )
    return [
        *(
            Item(
                "Plan the follow-up of a safeguarding concern",
                concern.referral,
                due_at(received_at=concern.raised_at, working_days=1, calendar=ENGLAND_AND_WALES),
                link=_page(concern),
            )
            for concern in unplanned
        ),
        *(
            Item(
                "Safeguarding follow-up action",
                action.concern.referral,
                end_of(action.due),
                link=f"{_page(action.concern)}#follow-up-{action.uuid}",
            )
            for action in follow_ups
        ),
    ]
