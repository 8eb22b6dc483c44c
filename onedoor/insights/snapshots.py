"""The monthly snapshot of open referrals (`StateSnapshot`): the history of the KPIs that
describe the records as they stand now. The scheduler asks for it every tick
(`take_snapshots`) and it is taken once a London day: each take replaces the month's earlier
one, so a month keeps the state on its last day the scheduler ran, and a month in which it
never ran has no point in the charts (a gap, not a guess). The rules are the live KPIs' own
(`kpis.waiting`), so the month's point equals the live figure on the day it was taken."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from onedoor import clock
from onedoor.alliance.models import Alliance
from onedoor.clock import LONDON
from onedoor.insights.kpis.base import Period, days
from onedoor.insights.kpis.waiting import (
    IN_CARE,
    WAITING_NOW,
    with_check_in_current,
    with_reviews_due,
)
from onedoor.insights.models import StateSnapshot
from onedoor.referrals.models import Referral, Status


def take_snapshots() -> int:
    """Take this month's snapshot for every alliance not yet snapshotted today (London); how
    many rows were written."""
    now = clock.now()
    today = Period(timezone.localdate(now, LONDON), timezone.localdate(now, LONDON))
    done = StateSnapshot.objects.filter(taken_at__gte=today.since, taken_at__lt=today.until)
    return sum(
        take_snapshot(alliance, now)
        for alliance in Alliance.objects.exclude(pk__in=done.values("alliance_id"))
    )


def take_snapshot(alliance: Alliance, at: datetime | None = None) -> int:
    """Replace the alliance's snapshot for the London month of `at` (now) with the state of
    its open referrals now. Two queries to read, one transaction to write."""
    at = at or clock.now()
    today = timezone.localdate(at, LONDON)
    month = Period.month_of(today)
    open_referrals: QuerySet[Any] = with_reviews_due(
        with_check_in_current(
            Referral.objects.filter(child__alliance=alliance, status__in={*WAITING_NOW, *IN_CARE}),
            alliance,
        )
    )
    referrals = open_referrals.values_list(
        "pk", "status", "received_at", "allocated_organisation_id", "allocated_offer_id",
        "check_in_due", "risk", "plan",
    )  # fmt: skip
    rows = [
        StateSnapshot(
            alliance=alliance,
            taken_at=at,
            referral_id=pk,
            organisation_id=organisation,
            offer_id=offer,
            waiting=status in WAITING_NOW,
            waited_days=int(days(received, at)),
            check_in_current=(due is not None and due > at) if status == Status.WAITING else None,
            review_overdue=(
                (risk is not None and risk < today) or (plan is not None and plan < today)
                if status in IN_CARE and (risk is not None or plan is not None)
                else None
            ),
        )
        for pk, status, received, organisation, offer, due, risk, plan in referrals
    ]
    with transaction.atomic():
        StateSnapshot.objects.filter(
            Q(taken_at__gte=month.since, taken_at__lt=month.until), alliance=alliance
        ).delete()
        StateSnapshot.objects.bulk_create(rows, batch_size=2000)
    return len(rows)
