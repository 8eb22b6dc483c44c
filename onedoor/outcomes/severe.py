"""A severe score with no review after it: a child in intervention whose latest response to a
measure scored in the severe range (a band the measure's file marks `severe`, kept on the
response as `severe` when it was scored), with no risk review or no safety plan recorded
since that score.

It is a task on My tasks, "Severe score: review risk and safety plan", for the child's named
practitioner (while nobody holds the child, every practitioner of the organisation:
`care.practitioners.held_by`) and the organisation's partner leads, due by the end of the
working day after the score; and a warning on the care record. Derived from the records
themselves, like every task (`worklist/items.py`): a risk review and a safety plan recorded
after the score end it, and so does a later response to the same measure out of the severe
range.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery

from onedoor.accounts.roles import Role
from onedoor.care.models import RiskReview, SafetyPlan
from onedoor.care.practitioners import held_by
from onedoor.clock.calendar import ENGLAND_AND_WALES, due_at
from onedoor.outcomes.models import MeasureResponse
from onedoor.referrals.models import Referral, Status
from onedoor.work import Item

if TYPE_CHECKING:
    from onedoor.accounts.models import User

SEVERE_SCORE = "Severe score: review risk and safety plan"
REVIEW_WORKING_DAYS = 1  # by the end of the working day after the score
SHOWN = 200


def _latest(model: type[RiskReview | SafetyPlan]) -> Subquery:
    return Subquery(
        model.objects.filter(referral=OuterRef("pk"))
        .order_by("-recorded_at", "-pk")
        .values("recorded_at")[:1]
    )


def unreviewed_severe(referrals: QuerySet[Referral]) -> QuerySet[Referral]:
    """The referrals among `referrals` in intervention whose current score on some measure
    (its latest response) is severe, and that have no risk review or no safety plan
    recorded at or after the latest such score, annotated with `severe_at` (that score's
    time). One query."""
    newer = MeasureResponse.objects.filter(
        referral_id=OuterRef("referral_id"),
        measure=OuterRef("measure"),
        recorded_at__gt=OuterRef("recorded_at"),
    )
    current_severe = (
        MeasureResponse.objects.filter(referral=OuterRef("pk"), severe=True)
        .exclude(Exists(newer))
        .order_by("-recorded_at", "-pk")
        .values("recorded_at")[:1]
    )
    return (
        referrals.filter(status=Status.IN_INTERVENTION)
        .annotate(
            severe_at=Subquery(current_severe),
            risk_reviewed_at=_latest(RiskReview),
            safety_planned_at=_latest(SafetyPlan),
        )
        .filter(severe_at__isnull=False)
        .filter(
            Q(risk_reviewed_at__isnull=True)
            | Q(risk_reviewed_at__lt=F("severe_at"))
            | Q(safety_planned_at__isnull=True)
            | Q(safety_planned_at__lt=F("severe_at"))
        )
    )


def severe_scores(user: User, visible: QuerySet[Referral], now: datetime) -> list[Item]:
    """The task for the child's named practitioner (`held_by`), and for every partner lead
    of the organisation the child is allocated to."""
    if user.role not in (Role.PRACTITIONER, Role.PARTNER_LEAD) or user.organisation_id is None:
        return []
    ours = held_by(user, visible.filter(allocated_organisation_id=user.organisation_id))
    found = unreviewed_severe(ours).select_related("child").order_by("severe_at", "pk")[:SHOWN]
    return [
        Item(
            SEVERE_SCORE,
            referral,
            due_at(
                received_at=referral.severe_at,  # type: ignore[attr-defined]
                working_days=REVIEW_WORKING_DAYS,
                calendar=ENGLAND_AND_WALES,
            ),
            "care:record",
        )
        for referral in found
    ]
