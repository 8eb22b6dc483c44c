"""The KPIs about children waiting now: how many, the longest wait, check-ins up to date and
reviews overdue. Each is a figure as things stand (its `compute`, whatever the period) and a
history (its `history`) read from the monthly snapshots (`insights.snapshots`)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db.models import Count, Max, Min, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from onedoor import clock
from onedoor.alliance.models import Alliance
from onedoor.clock import LONDON
from onedoor.insights.kpis.base import (
    Buckets,
    Cut,
    Figure,
    History,
    Months,
    Period,
    Scope,
    by_bucket,
    days,
    group_of,
    group_on,
    key_of,
    rates,
    referrals_of,
    shared,
    tally,
)
from onedoor.insights.models import StateSnapshot
from onedoor.referrals.models import Referral, Status

WAITING_NOW = (Status.ALLOCATED, Status.WAITING)
IN_CARE = (Status.WAITING, Status.IN_INTERVENTION)


def waiting_list(alliance: Alliance, scope: Scope, period: Period) -> QuerySet[Referral]:
    """The children waiting now: allocated to a partner, or accepted and waiting (whatever
    the period)."""
    return referrals_of(alliance, scope).filter(status__in=WAITING_NOW)


def _today() -> date:
    return timezone.localdate(clock.now(), LONDON)


@shared
def _waiting(alliance: Alliance, scope: Scope, cut: Cut) -> list[tuple[str, int, datetime]]:
    rows = (
        referrals_of(alliance, scope)
        .filter(status__in=WAITING_NOW)
        .annotate(group=group_on(cut, _today()))
        .order_by()  # no default ordering in the GROUP BY
        .values_list("group")
        .annotate(n=Count("pk", distinct=True), oldest=Min("received_at"))
        .values_list("group", "n", "oldest")
    )
    return sorted(((key_of(g), n, oldest) for g, n, oldest in rows if n), key=lambda r: r[0])


def waiting_now(alliance: Alliance, scope: Scope, buckets: Buckets, cut: Cut) -> list[list[Figure]]:
    """Children waiting now (allocated, or accepted and waiting). Not a period figure: the
    list as it stands."""
    return [[Figure(g, n, n, None, n) for g, n, _ in _waiting(alliance, scope, cut)]]


def longest_wait(
    alliance: Alliance, scope: Scope, buckets: Buckets, cut: Cut
) -> list[list[Figure]]:
    """Of the children waiting now, the longest wait so far, in whole days since referral."""
    now = clock.now()
    return [
        [Figure(g, int(days(oldest, now)), n, None, n) for g, n, oldest in _waiting(
            alliance, scope, cut
        )]
    ]  # fmt: skip


def with_check_in_current(referrals: QuerySet[Referral], alliance: Alliance) -> QuerySet[Referral]:
    """Annotate `check_in_due` (`care.lists.with_check_in_due`, THE rule)."""
    from onedoor.care.lists import cadences_of, with_check_in_due

    return with_check_in_due(referrals, cadences_of(alliance.pk))


def with_reviews_due(referrals: QuerySet[Referral]) -> QuerySet[Referral]:
    """Annotate `risk` and `plan`: the next due dates of the latest risk review and care plan."""
    from onedoor.care.models import CarePlan, RiskReview

    def latest(model: type[RiskReview | CarePlan], field: str) -> Subquery:
        return Subquery(
            model.objects.filter(referral=OuterRef("pk"))
            .order_by("-recorded_at", "-pk")
            .values(field)[:1]
        )

    return referrals.annotate(
        risk=latest(RiskReview, "next_due"), plan=latest(CarePlan, "review_due")
    )


def check_ins_up_to_date(
    alliance: Alliance, scope: Scope, buckets: Buckets, cut: Cut
) -> list[list[Figure]]:
    """Of the children waiting now (accepted, Waiting Well), the share whose next check-in is
    not yet overdue (`care.lists.with_check_in_due`: the cadence for their risk, from the last
    check-in). Not a period figure."""
    now = clock.now()
    rows = list(
        with_check_in_current(referrals_of(alliance, scope).filter(status=Status.WAITING), alliance)
        .annotate(group=group_on(cut, _today()))
        .order_by()  # no default ordering in the GROUP BY
        .values_list("group")
        .annotate(
            n=Count("pk", distinct=True),
            current=Count("pk", filter=Q(check_in_due__gt=now), distinct=True),
        )
        .values_list("group", "current", "n")
    )
    current = {key_of(g): c for g, c, _ in rows}
    totals = {key_of(g): n for g, _, n in rows}
    return [rates(current, totals, totals)]


def reviews_overdue(
    alliance: Alliance, scope: Scope, buckets: Buckets, cut: Cut
) -> list[list[Figure]]:
    """Of the children waiting or in intervention now with a risk review or care plan, those
    whose latest risk review or care plan review date has passed. Not a period figure."""
    today = _today()
    rows = list(
        with_reviews_due(referrals_of(alliance, scope).filter(status__in=IN_CARE))
        .filter(Q(risk__isnull=False) | Q(plan__isnull=False))
        .annotate(group=group_on(cut, today))
        .order_by()  # no default ordering in the GROUP BY
        .values_list("group")
        .annotate(
            n=Count("pk", distinct=True),
            overdue=Count("pk", filter=Q(risk__lt=today) | Q(plan__lt=today), distinct=True),
        )
        .values_list("group", "overdue", "n")
    )
    overdue = {key_of(g): o for g, o, _ in rows}
    totals = {key_of(g): n for g, _, n in rows}
    return [rates(overdue, totals, totals)]


# Their history, from the monthly snapshots


def _snapshots(alliance: Alliance, scope: Scope, buckets: Buckets, cut: Cut) -> QuerySet[Any]:
    rows = StateSnapshot.objects.filter(buckets.within("taken_at"), alliance=alliance)
    if scope.offer:
        rows = rows.filter(offer__slug=scope.offer)
    elif scope.organisation:
        rows = rows.filter(organisation__slug=scope.organisation)
    return rows.annotate(
        bucket=buckets.index("taken_at"), group=group_of(cut, buckets, "taken_at", "referral__")
    ).order_by()  # no default ordering in the GROUP BY


def _taken(alliance: Alliance, buckets: Buckets) -> set[int]:
    """The buckets in which the alliance's snapshot was taken (one query): in the others
    nothing is known (None), which is not the same as nobody waiting."""
    taken = StateSnapshot.objects.filter(buckets.within("taken_at"), alliance=alliance)
    moments = taken.order_by().values_list("taken_at", flat=True).distinct()
    return {
        n
        for moment in moments
        for n, period in enumerate(buckets.periods)
        if period.since <= moment < period.until
    }


def _gaps(found: list[list[Figure]], taken: set[int]) -> Months:
    return [figures if n in taken else None for n, figures in enumerate(found)]


def waiting_history(alliance: Alliance, scope: Scope, buckets: Buckets, cut: Cut) -> Months:
    """How many were waiting at each snapshot, and the longest wait then (as `value` of the
    longest-wait history: see `longest_wait_history`)."""
    rows = (
        _snapshots(alliance, scope, buckets, cut)
        .filter(waiting=True)
        .values_list("bucket", "group")
        .annotate(
            n=Count("referral", distinct=True), children=Count("referral__child", distinct=True)
        )
        .values_list("bucket", "group", "n", "children")
    )
    found = by_bucket(
        buckets, ((b, Figure(key_of(g), n, n, None, children)) for b, g, n, children in rows)
    )
    return _gaps(found, _taken(alliance, buckets))


def longest_wait_history(alliance: Alliance, scope: Scope, buckets: Buckets, cut: Cut) -> Months:
    rows = (
        _snapshots(alliance, scope, buckets, cut)
        .filter(waiting=True)
        .values_list("bucket", "group")
        .annotate(n=Count("referral", distinct=True), longest=Max("waited_days"))
        .values_list("bucket", "group", "n", "longest")
    )
    found = by_bucket(
        buckets, ((b, Figure(key_of(g), longest, n, None, n)) for b, g, n, longest in rows)
    )
    return _gaps(found, _taken(alliance, buckets))


def _share_history(field: str) -> History:
    def history(alliance: Alliance, scope: Scope, buckets: Buckets, cut: Cut) -> Months:
        rows = list(
            _snapshots(alliance, scope, buckets, cut)
            .filter(**{f"{field}__isnull": False})
            .values_list("bucket", "group")
            .annotate(
                n=Count("referral", distinct=True),
                yes=Count("referral", filter=Q(**{field: True}), distinct=True),
            )
            .values_list("bucket", "group", "yes", "n")
        )
        yes = tally(buckets, ((b, g, y) for b, g, y, _ in rows))
        totals = tally(buckets, ((b, g, n) for b, g, _, n in rows))
        found = [rates(y, n, n) for y, n in zip(yes, totals, strict=True)]
        return _gaps(found, _taken(alliance, buckets))

    return history


check_ins_history = _share_history("check_in_current")
reviews_overdue_history = _share_history("review_overdue")
