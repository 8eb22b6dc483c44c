"""The KPIs about waiting for the service: days from referral to triage and to the first and
second contacts. Medians, with how many met their target as the numerator."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import timedelta

from django.db.models import (
    Case,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from onedoor.alliance.models import Alliance
from onedoor.care.models import Contact
from onedoor.insights.kpis.base import (
    FIRST_CONTACT_TARGET_DAYS,
    Buckets,
    Compute,
    Cut,
    Figure,
    Scope,
    group_of,
    key_of,
    medians,
    referrals_of,
)
from onedoor.triage.models import TriageDecision

EFFECTIVE = Q(sign_off__in=[TriageDecision.SignOff.WAITING, TriageDecision.SignOff.RETURNED])


def _since_referral(moment: str) -> ExpressionWrapper:
    """How long after the referral was received `moment` was, computed in the database (a
    duration is cheaper to bring back than two timestamps)."""
    return ExpressionWrapper(F(moment) - F("referral__received_at"), output_field=DurationField())


def _medians_by_bucket(
    buckets: Buckets, rows: Iterable[tuple[int | None, object, timedelta, bool]]
) -> list[list[Figure]]:
    """Rows of (bucket, group, wait, met its target) as each bucket's medians."""
    samples: list[dict[str, list[float]]] = [defaultdict(list) for _ in buckets.periods]
    met: list[dict[str, int]] = [defaultdict(int) for _ in buckets.periods]
    for bucket, group, wait, on_time in rows:
        if bucket is None:
            continue
        key = key_of(group)
        samples[bucket][key].append(wait.total_seconds() / 86400)
        met[bucket][key] += int(on_time)
    return [medians(s, m) for s, m in zip(samples, met, strict=True)]


def time_to_triage(
    alliance: Alliance, scope: Scope, buckets: Buckets, cut: Cut
) -> list[list[Figure]]:
    """Referrals whose first triage decision that took effect was made in the bucket: the
    median days from receipt, and (as `numerator`) how many met their triage clock. Driven
    from the decisions made in the buckets, so its cost follows them, not the history."""
    effective = TriageDecision.objects.exclude(EFFECTIVE)
    earlier = effective.filter(referral=OuterRef("referral"), decided_at__lt=OuterRef("decided_at"))
    rows = (
        effective.filter(buckets.within("decided_at"), referral__in=referrals_of(alliance, scope))
        .exclude(Exists(earlier))
        .annotate(
            bucket=buckets.index("decided_at"),
            group=group_of(cut, buckets, "decided_at", "referral__"),
            wait=_since_referral("decided_at"),
            on_time=Case(
                When(decided_at__lte=F("referral__triage_due_at"), then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            ),
        )
        .values_list("bucket", "group", "wait", "on_time")
    )
    return _medians_by_bucket(buckets, rows)


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
        target = timedelta(days=FIRST_CONTACT_TARGET_DAYS)
        rows = (
            attended.filter(
                buckets.within("happened_at"), referral__in=referrals_of(alliance, scope)
            )
            .annotate(prior=Coalesce(prior, 0))
            .filter(prior=n - 1)
            .annotate(
                bucket=buckets.index("happened_at"),
                group=group_of(cut, buckets, "happened_at", "referral__"),
                wait=_since_referral("happened_at"),
            )
            .values_list("bucket", "group", "wait")
        )
        return _medians_by_bucket(buckets, ((b, g, w, w <= target) for b, g, w in rows))

    return compute
