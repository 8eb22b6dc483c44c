"""My tasks from outcome measures: a completed measure that needs a review (it crossed into
the clinical range since the first, got reliably worse, answered a question about risk or
left one unanswered) is work for the allocated partner until someone marks it reviewed.
Derived from the responses themselves, like every task (`worklist/items.py`)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import QuerySet

from onedoor.clock.calendar import ENGLAND_AND_WALES, due_at
from onedoor.outcomes.models import MeasureResponse
from onedoor.outcomes.scoring import Reason
from onedoor.referrals.models import Referral
from onedoor.work import Item

if TYPE_CHECKING:
    from onedoor.accounts.models import User

REVIEW_WORKING_DAYS = 2
SHOWN = 200
REVIEW = "Review an outcome measure"
RISK_NOT_ANSWERED = f"{REVIEW}: risk question not answered"


def measures_to_review(user: User, visible: QuerySet[Referral], now: datetime) -> list[Item]:
    """One "Review an outcome measure" per unreviewed flagged response of the user's
    organisation's children, due 2 working days after it was completed; saying "risk
    question not answered" when a question about risk was left unanswered."""
    responses = (
        MeasureResponse.objects.filter(
            needs_review=True,
            reviewed_at__isnull=True,
            referral__in=visible.filter(allocated_organisation_id=user.organisation_id),
        )
        .select_related("referral__child")
        .order_by("recorded_at", "pk")[:SHOWN]
    )
    return [
        Item(
            RISK_NOT_ANSWERED if Reason.RISK_NOT_ANSWERED in response.review_reasons else REVIEW,
            response.referral,
            due_at(
                received_at=response.recorded_at,
                working_days=REVIEW_WORKING_DAYS,
                calendar=ENGLAND_AND_WALES,
            ),
            "outcomes:measures",
        )
        for response in responses
    ]
