"""The KPIs about waiting for the service: days from referral to triage and to the first and
second contacts. Medians, with how many met their target as the numerator.

A median is found in the database: each bucket and group's waits are numbered in order by a
window (`ROW_NUMBER`, `COUNT` and `SUM` over the group), and only the middle one or two rows
come back, with how many there were and how many met their target. The median is then what
`statistics.median` gives of the waits in days: the middle wait, or the mean of the two
middle ones, each computed from its two moments to the microsecond."""

from __future__ import annotations

import statistics
from collections import defaultdict
from typing import Any

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber

from onedoor.alliance.models import Alliance
from onedoor.care.models import Contact
from onedoor.insights.kpis.base import (
    FIRST_CONTACT_TARGET_DAYS,
    Buckets,
    Compute,
    Cut,
    DaysAfter,
    DaysBetween,
    Figure,
    Scope,
    days,
    group_of,
    in_scope,
    key_of,
)
from onedoor.triage.models import TriageDecision

EFFECTIVE = Q(sign_off__in=[TriageDecision.SignOff.WAITING, TriageDecision.SignOff.RETURNED])


def _medians(buckets: Buckets, cut: Cut, waits: QuerySet[Any], moment: str) -> list[list[Figure]]:
    """`waits` (records annotated `bucket`, `group` and `on_time`, 1 or 0) as each bucket's
    medians of the days from their referral's receipt to their `moment`: one query, which
    brings back the middle row or two of each bucket and group."""
    # By bucket and group where there are more than one (a constant to partition by is a
    # parameter on SQLite, and costs a sort).
    partition = [F("bucket")] if len(buckets) > 1 else []
    partition += [F("group")] if cut is not Cut.NONE else []
    ordered = waits.order_by().annotate(
        start=F("referral__received_at"),
        end=F(moment),
        nth=Window(
            RowNumber(),
            partition_by=partition or None,
            order_by=[DaysBetween("referral__received_at", moment).asc(), F("pk").asc()],
        ),
        n=Window(Count("pk"), partition_by=partition or None),
        met=Window(Sum("on_time"), partition_by=partition or None),
    )
    # the middle row (n odd) or the two middle rows (n even): (n + 1) / 2 to (n + 2) / 2 in
    # whole numbers
    middle = (
        ordered.filter(nth__gte=(F("n") + 1) / 2, nth__lte=(F("n") + 2) / 2, bucket__isnull=False)
        .order_by()
        .values_list("bucket", "group", "n", "met", "start", "end")
    )
    found: list[dict[str, tuple[int, int, list[float]]]] = [{} for _ in buckets.periods]
    middles: dict[tuple[int, str], list[float]] = defaultdict(list)
    for bucket, group, n, met, start, end in middle:
        key = key_of(group)
        middles[(bucket, key)].append(days(start, end))
        found[bucket][key] = (n, int(met or 0), middles[(bucket, key)])
    return [
        [
            Figure(key, round(statistics.median(values), 1), met, n, n)
            for key, (n, met, values) in sorted(groups.items())
        ]
        for groups in found
    ]


def time_to_triage(
    alliance: Alliance, scope: Scope, buckets: Buckets, cut: Cut
) -> list[list[Figure]]:
    """Referrals whose first triage decision that took effect was made in the bucket: the
    median days from receipt, and (as `numerator`) how many met their triage clock. Driven
    from the decisions made in the buckets (on SQLite, which keeps no statistics, the plan
    starts from the alliance's children instead: `docs/scaling.md`)."""
    effective = TriageDecision.objects.exclude(EFFECTIVE)
    earlier = effective.filter(referral=OuterRef("referral"), decided_at__lt=OuterRef("decided_at"))
    waits = (
        in_scope(effective.filter(buckets.within("decided_at")), alliance, scope, "referral__")
        .exclude(Exists(earlier))
        .annotate(
            bucket=buckets.index("decided_at"),
            group=group_of(cut, buckets, "decided_at", "referral__"),
            on_time=Case(
                When(decided_at__lte=F("referral__triage_due_at"), then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            ),
        )
    )
    return _medians(buckets, cut, waits, "decided_at")


def nth_contact(n: int) -> Compute:
    def compute(alliance: Alliance, scope: Scope, buckets: Buckets, cut: Cut) -> list[list[Figure]]:
        """The attended contacts in the bucket that were a referral's `n`th (ties in time
        broken by the order recorded): driven from the buckets' contacts."""
        attended = Contact.objects.filter(outcome=Contact.Outcome.ATTENDED)
        before = attended.filter(referral=OuterRef("referral")).filter(
            Q(happened_at__lt=OuterRef("happened_at"))
            | Q(happened_at=OuterRef("happened_at"), pk__lt=OuterRef("pk"))
        )
        prior = Subquery(before.order_by().values("referral").annotate(c=Count("pk")).values("c"))
        target = DaysAfter("referral__received_at", FIRST_CONTACT_TARGET_DAYS)
        waits = (
            in_scope(attended.filter(buckets.within("happened_at")), alliance, scope, "referral__")
            # an alias, not selected: the median's window would otherwise count again
            .alias(prior=Coalesce(prior, 0))
            .filter(prior=n - 1)
            .annotate(
                bucket=buckets.index("happened_at"),
                group=group_of(cut, buckets, "happened_at", "referral__"),
                on_time=Case(
                    When(happened_at__lte=target, then=Value(1)),
                    default=Value(0),
                    output_field=IntegerField(),
                ),
            )
        )
        return _medians(buckets, cut, waits, "happened_at")

    return compute
