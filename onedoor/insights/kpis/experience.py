"""The KPIs about experience of service: the share finding the service helpful."""

from __future__ import annotations

from django.db.models import Count, Q

from onedoor.alliance.models import Alliance
from onedoor.care.models import Feedback
from onedoor.insights.kpis.base import (
    ALL,
    Buckets,
    Cut,
    Figure,
    Scope,
    group_of,
    in_scope,
    rates,
    tally,
)

HELPFUL = 4  # 4 or 5 of 5


def experience_of_service(
    alliance: Alliance, scope: Scope, buckets: Buckets, cut: Cut
) -> list[list[Figure]]:
    """Of the feedback given in the bucket (the discharge invitation), the share saying the
    service was helpful (4 or 5 of 5)."""
    rows = list(
        in_scope(
            Feedback.objects.filter(buckets.within("submitted_at")),
            alliance,
            scope,
            "discharge__referral__",
        )
        .annotate(
            bucket=buckets.index("submitted_at"),
            group=group_of(cut, buckets, "submitted_at", "discharge__referral__"),
        )
        .order_by()  # no default ordering in the GROUP BY
        .values_list("bucket", "group")
        .annotate(n=Count("pk"), helpful=Count("pk", filter=Q(helpful__gte=HELPFUL)))
        .values_list("bucket", "group", "helpful", "n")
    )
    helpful = tally(buckets, ((b, g, h) for b, g, h, _ in rows))
    totals = tally(buckets, ((b, g, n) for b, g, _, n in rows))
    return [rates(h, n, n) for h, n in zip(helpful, totals, strict=True)]


def experience_all(
    alliance: Alliance, scope: Scope, buckets: Buckets, cut: Cut
) -> list[list[Figure]]:
    """Of all the feedback given in the bucket, at discharge and at any time (the public
    feedback page, `coproduction`), the share rating the service 4 or 5 of 5. Feedback given
    at any time names no child, so this is not cut by group; for a partner, the feedback about
    that partner; for one offer, none (feedback does not say which offer). Counted in the
    database (`coproduction.experience.helpful_counts`): one query."""
    from onedoor.coproduction.experience import helpful_counts

    if scope.offer:
        return [[] for _ in buckets.periods]
    counts = helpful_counts(
        alliance,
        [(period.since, period.until) for period in buckets.periods],
        organisation=scope.organisation,
        helpful=HELPFUL,
    )
    return [rates({ALL: yes}, {ALL: total} if total else {}, {ALL: total}) for total, yes in counts]
