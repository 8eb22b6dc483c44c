"""The KPIs about referrals: how many arrived, how many came back, how many were stepped up."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from onedoor.alliance.models import Alliance
from onedoor.insights.kpis.base import (
    RE_REFERRAL_DAYS,
    Buckets,
    Cut,
    DaysAfter,
    Figure,
    Period,
    Scope,
    by_bucket,
    group_of,
    in_scope,
    key_of,
    rates,
    referrals_of,
    tally,
)
from onedoor.referrals.models import Referral, Status
from onedoor.triage.models import Outcome, TriageDecision


def received(alliance: Alliance, scope: Scope, period: Period) -> QuerySet[Referral]:
    """The referrals received in the period, less those that joined another referral for
    the same child (one child, one referral: the one they joined is counted)."""
    return _received(alliance, scope, Buckets.of(period))


def _received(alliance: Alliance, scope: Scope, buckets: Buckets) -> QuerySet[Referral]:
    return (
        referrals_of(alliance, scope)
        .filter(buckets.within("received_at"))
        .exclude(status=Status.JOINED)
    )


def count_by_group(
    referrals: QuerySet[Referral], buckets: Buckets, cut: Cut, moment: str
) -> list[list[Figure]]:
    """How many referrals (and children) in each bucket and group, by the referral's
    `moment`. One query."""
    rows = (
        referrals.annotate(bucket=buckets.index(moment), group=group_of(cut, buckets, moment))
        .order_by()  # no default ordering in the GROUP BY
        .values_list("bucket", "group")
        # a referral is on one row of a group, but for a child's priority groups (a join)
        .annotate(
            n=Count("pk", distinct=cut is Cut.PRIORITY_GROUP),
            children=Count("child", distinct=True),
        )
        .values_list("bucket", "group", "n", "children")
    )
    return by_bucket(
        buckets, ((b, Figure(key_of(g), n, n, None, children)) for b, g, n, children in rows)
    )


def referrals_received(
    alliance: Alliance, scope: Scope, buckets: Buckets, cut: Cut
) -> list[list[Figure]]:
    return count_by_group(_received(alliance, scope, buckets), buckets, cut, "received_at")


def re_referrals(
    alliance: Alliance, scope: Scope, buckets: Buckets, cut: Cut
) -> list[list[Figure]]:
    """Of the referrals received, those whose child had another referral received in the
    `RE_REFERRAL_DAYS` before it. A referral that joined another is neither (`received`)."""
    earlier = Referral.objects.filter(
        child=OuterRef("child"),
        received_at__lt=OuterRef("received_at"),
        received_at__gte=DaysAfter(OuterRef("received_at"), -RE_REFERRAL_DAYS),
    ).exclude(status=Status.JOINED)
    rows = list(
        _received(alliance, scope, buckets)
        .annotate(
            bucket=buckets.index("received_at"),
            group=group_of(cut, buckets, "received_at"),
            again=Exists(earlier),
        )
        .order_by()  # no default ordering in the GROUP BY
        .values_list("bucket", "group")
        .annotate(
            n=Count("pk", distinct=True), repeat=Count("pk", filter=Q(again=True), distinct=True)
        )
        .values_list("bucket", "group", "repeat", "n")
    )
    numerators = tally(buckets, ((b, g, repeat) for b, g, repeat, _ in rows))
    denominators = tally(buckets, ((b, g, n) for b, g, _, n in rows))
    return [rates(n, d, d) for n, d in zip(numerators, denominators, strict=True)]


def stepped_up_in(alliance: Alliance, scope: Scope, period: Period) -> QuerySet[Referral]:
    """Referrals stepped up to specialist CAMHS or crisis support in the period: by a triage
    decision that took effect, or by a partner's step-up acknowledged by the receiving side."""
    from onedoor.care.models import Transition

    by_triage = _step_ups_by_triage().filter(
        referral=OuterRef("pk"), decided_at__gte=period.since, decided_at__lt=period.until
    )
    by_partner = Transition.objects.filter(
        referral=OuterRef("pk"),
        kind=Transition.Kind.STEP_UP,
        acknowledged_at__gte=period.since,
        acknowledged_at__lt=period.until,
    )
    return referrals_of(alliance, scope).filter(Exists(by_triage) | Exists(by_partner))


def _step_ups_by_triage() -> QuerySet[TriageDecision]:
    return TriageDecision.objects.filter(outcome=Outcome.STEP_UP).exclude(
        sign_off__in=[TriageDecision.SignOff.WAITING, TriageDecision.SignOff.RETURNED]
    )


def stepped_up(alliance: Alliance, scope: Scope, buckets: Buckets, cut: Cut) -> list[list[Figure]]:
    """`stepped_up_in` for each bucket: the step-ups by triage and by a partner, each
    referral counted once in a bucket however often it was stepped up in it. One query: the
    two kinds of step-up as one `UNION` of (bucket, group, referral, child), which keeps each
    once."""
    from onedoor.care.models import Transition

    columns = ("bucket", "group", "referral_id", "referral__child_id")
    by_triage = (
        in_scope(
            _step_ups_by_triage().filter(buckets.within("decided_at")),
            alliance,
            scope,
            "referral__",
        )
        .annotate(
            bucket=buckets.index("decided_at"),
            group=group_of(cut, buckets, "decided_at", "referral__"),
        )
        .order_by()
        .values_list(*columns)
    )
    by_partner = (
        in_scope(
            Transition.objects.filter(
                buckets.within("acknowledged_at"), kind=Transition.Kind.STEP_UP
            ),
            alliance,
            scope,
            "referral__",
        )
        .annotate(
            bucket=buckets.index("acknowledged_at"),
            group=group_of(cut, buckets, "acknowledged_at", "referral__"),
        )
        .order_by()
        .values_list(*columns)
    )
    found: list[dict[str, set[tuple[int, int]]]] = [defaultdict(set) for _ in buckets.periods]
    for bucket, group, referral, child in by_triage.union(by_partner):
        if bucket is not None:
            found[bucket][key_of(group)].add((referral, child))
    return [
        [
            Figure(group, len(pairs), len(pairs), None, len({child for _, child in pairs}))
            for group, pairs in sorted(groups.items())
        ]
        for groups in found
    ]
