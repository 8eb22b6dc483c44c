"""The care record: one screen that says how a child with a partner is, and what to do next.

Risk and its review, the safety plan, the care plan and its review date, what falls due next
(`care.lists.due_next`, the caseload's rule), the outcome measures' latest scores and their
direction, who is involved, the user's open tasks about the child (`worklist.items`), a
severe score still waiting for a risk review and a safety plan (`outcomes.severe`), and the
latest contacts, check-ins and notes the user may read (the full history is
`care_views.history`), with a link to each write the user may make (`care_views`).

It lives in the web layer because it gathers from apps above `care` (outcome measures, My
tasks); the writes stay with the care actions. Every read goes through the access layer,
and notes keep their sharing level (`care.records.notes_visible_to`). A fixed number of
queries, whatever the child has.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from onedoor import clock
from onedoor.access.records import (
    can_change_care,
    care_records_visible_to,
    get_referral_for_user,
    referrals_visible_to,
)
from onedoor.accounts.decorators import any_signed_in, signed_in_user
from onedoor.accounts.models import User
from onedoor.care.actions import STEP_DOWN_STATES, WORKING_STATES, may_acknowledge
from onedoor.care.lists import cadences_for, due_next, with_due_dates
from onedoor.care.models import CarePlan, CheckIn, Contact, RiskReview, SafetyPlan, Transition
from onedoor.care.records import handovers_visible_to, notes_visible_to
from onedoor.care.young_adults import young_adult_for
from onedoor.clock.calendar import ENGLAND_AND_WALES, TimeLeft, time_left
from onedoor.outcomes.measures import HIGHER_IS_WORSE, get_measure
from onedoor.outcomes.models import MeasureResponse
from onedoor.outcomes.scoring import Result, reliable_change
from onedoor.outcomes.severe import unreviewed_severe
from onedoor.referrals.models import Referral, Status
from onedoor.worklist.items import due_items_for, with_clocks

RECENT = 5  # contacts, check-ins and notes on the summary; the rest on the history page
MEASURES_READ = 200  # a child's responses read for the trend (newest first)


@dataclass(frozen=True)
class Due:
    what: str
    when: datetime
    clock: TimeLeft


@dataclass(frozen=True)
class Trend:
    """One measure's headline score: the latest, the one before, which way it moved, and
    the reliable change since the first (`outcomes.scoring.reliable_change`)."""

    measure: str
    latest: float | None
    band: str
    taken: datetime
    previous: float | None
    direction: str  # "Better", "Worse", "No change", or "" with nothing to compare
    since_first: str  # "Reliable improvement"..., or ""
    count: int


@dataclass(frozen=True)
class Activity:
    when: datetime
    what: str
    detail: str
    by: str


def _due(user: User, referral: Referral) -> list[Due]:
    annotated = with_due_dates(
        user, referrals_visible_to(user).filter(pk=referral.pk), cadences_for(user)
    ).first()
    if annotated is None:
        return []
    now = clock.now()
    return [
        Due(what, when, time_left(due=when, now=now, calendar=ENGLAND_AND_WALES))
        for what, when in sorted(due_next(annotated).items(), key=lambda item: item[1])
    ]


def _trends(user: User, referral: Referral) -> list[Trend]:
    rows = list(
        care_records_visible_to(user, MeasureResponse)
        .filter(referral=referral)
        .order_by("-recorded_at", "-pk")
        .values_list("measure", "recorded_at", "scores")[:MEASURES_READ]
    )
    by_measure: dict[str, list[tuple[datetime, Result]]] = {}
    for slug, taken, scores in reversed(rows):  # oldest first
        by_measure.setdefault(slug, []).append((taken, Result.from_json(scores)))
    trends = []
    for slug, responses in by_measure.items():
        measure = get_measure(slug)
        if measure is None:
            continue  # a measure the alliance has since removed
        subscale = measure.subscale(measure.headline)
        latest = responses[-1][1].get(measure.headline)
        previous = responses[-2][1].get(measure.headline) if len(responses) > 1 else None
        direction = ""
        if latest and previous and latest.value is not None and previous.value is not None:
            higher = latest.value - previous.value
            worse = higher > 0 if subscale.direction == HIGHER_IS_WORSE else higher < 0
            direction = "No change" if higher == 0 else "Worse" if worse else "Better"
        first, last = responses[0][1], responses[-1][1]
        changes = reliable_change(measure, first, last) if len(responses) > 1 else ()
        headline = next((c for c in changes if c.slug == measure.headline), None)
        trends.append(
            Trend(
                measure=measure.short_name,
                latest=latest.value if latest else None,
                band=latest.band if latest else "",
                taken=responses[-1][0],
                previous=previous.value if previous else None,
                direction=direction,
                since_first=headline.outcome.words if headline else "",
                count=len(responses),
            )
        )
    return sorted(trends, key=lambda trend: trend.measure)


def _recent(user: User, referral: Referral) -> list[Activity]:
    def newest(records: QuerySet[Any]) -> QuerySet[Any]:
        return records.filter(referral=referral).select_related("recorded_by")[:RECENT]

    activity = [
        Activity(
            c.happened_at,
            "Contact",
            f"{c.get_outcome_display()}, {c.get_mode_display().lower()}"
            + (f", {c.duration_minutes} minutes" if c.duration_minutes else ""),
            str(c.recorded_by),
        )
        for c in newest(care_records_visible_to(user, Contact))
    ]
    activity += [
        Activity(
            c.recorded_at,
            "Waiting Well check-in",
            f"Reached, risk {c.get_rating_display().lower()}" if c.contact_made else "Not reached",
            str(c.recorded_by),
        )
        for c in newest(care_records_visible_to(user, CheckIn))
    ]
    activity += [
        Activity(
            n.recorded_at,
            f"Note ({n.get_sharing_display().lower()})",
            n.text,
            f"{n.recorded_by}, {n.organisation.name}",
        )
        for n in newest(notes_visible_to(user).select_related("organisation"))
    ]
    return sorted(activity, key=lambda a: a.when, reverse=True)[:RECENT]


def _involved(user: User, referral: Referral) -> list[User]:
    """Others who recorded the child's contacts, check-ins or notes the user may read."""
    recorded = Q()
    for records in (
        care_records_visible_to(user, Contact),
        care_records_visible_to(user, CheckIn),
        notes_visible_to(user),
    ):
        recorded |= Q(pk__in=records.filter(referral=referral).values("recorded_by"))
    others = User.objects.filter(recorded).select_related("organisation").order_by("first_name")
    if referral.named_practitioner_id is not None:
        others = others.exclude(pk=referral.named_practitioner_id)
    return list(others)


def _handovers(user: User, referral: Referral) -> tuple[Transition | None, Transition | None]:
    """The handover waiting for an answer, and one declined that the sender has not read
    yet (`care/handovers.py`): one query."""
    handovers = list(
        handovers_visible_to(user)
        .filter(referral=referral)
        .filter(
            Q(acknowledged_at__isnull=True)
            | Q(declined_at__isnull=False, decline_read_at__isnull=True)
        )
        .select_related("receiving_organisation")
        .order_by("-sent_at", "-pk")
    )
    return (
        next((t for t in handovers if t.acknowledged_at is None), None),
        next((t for t in handovers if t.declined_at is not None), None),
    )


@any_signed_in
@require_GET
def summary(request: HttpRequest, referral_uuid: UUID) -> HttpResponse:
    user = signed_in_user(request)
    referral = get_referral_for_user(user, referral_uuid)
    can_record = can_change_care(user, referral)
    working = referral.status in WORKING_STATES
    open_handover, declined = _handovers(user, referral)
    care_plan = (
        care_records_visible_to(user, CarePlan)
        .filter(referral=referral)
        .select_related("recorded_by")
        .first()
    )
    severe = unreviewed_severe(Referral.objects.filter(pk=referral.pk)).first()
    context = {
        "referral": referral,
        "child": referral.child,
        "risk_review": care_records_visible_to(user, RiskReview)
        .filter(referral=referral)
        .select_related("recorded_by")
        .first(),
        "safety_plan": care_records_visible_to(user, SafetyPlan)
        .filter(referral=referral)
        .select_related("recorded_by")
        .first(),
        "care_plan": care_plan,
        "goals": list(care_plan.goals.all()) if care_plan else [],
        "due": _due(user, referral),
        "severe_at": severe.severe_at if severe else None,  # type: ignore[attr-defined]
        "trends": _trends(user, referral),
        "named_practitioner": referral.named_practitioner,
        "involved": _involved(user, referral),
        "young_adult": young_adult_for(user, referral),
        "tasks": with_clocks(due_items_for(user, about=referral), clock.now()),
        "recent": _recent(user, referral),
        "open_handover": open_handover,
        "declined_handover": declined,
        "may_acknowledge": open_handover is not None and may_acknowledge(user, open_handover),
        "can_record": can_record,
        "may_record": can_record and working,  # the care writes (`actions._check`)
        "may_check_in": can_record and referral.status == Status.WAITING,
        "may_record_step_down": user.at_advice_point
        and referral.status in STEP_DOWN_STATES
        and open_handover is None,
    }
    return render(request, "care/record.html", context)
