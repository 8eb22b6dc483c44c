"""The KPIs about access and engagement: children seen, appointments missed, discharges
for disengagement."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, Q

from onedoor.alliance.models import Alliance
from onedoor.care.models import Contact, Discharge
from onedoor.insights.kpis.base import (
    SEEN_WINDOW_DAYS,
    Buckets,
    Cut,
    Figure,
    Scope,
    group_of,
    group_on,
    in_scope,
    key_of,
    rates,
    tally,
)


def cyp_seen(alliance: Alliance, scope: Scope, buckets: Buckets, cut: Cut) -> list[list[Figure]]:
    """Children with at least one attended contact in the `SEEN_WINDOW_DAYS` ending on the
    bucket's last day (the CYP access measure). The windows of a series overlap, so a child
    counts in every bucket whose window holds one of their contacts: one query per bucket."""
    found = []
    for period in buckets.periods:
        window_start = period.until - timedelta(days=SEEN_WINDOW_DAYS)
        contacts = Contact.objects.filter(
            referral__child__alliance=alliance,
            outcome=Contact.Outcome.ATTENDED,
            happened_at__gte=window_start,
            happened_at__lt=period.until,
        )
        # in scope by a join, not `IN (referrals in scope)`: with stale statistics the planner
        # can run that subquery once a contact, and this runs once a month of a series
        contacts = scope.referrals(contacts, "referral__")
        rows = (
            contacts.annotate(group=group_on(cut, period.end, "referral__"))
            .order_by()  # no default ordering in the GROUP BY
            .values_list("group")
            .annotate(children=Count("referral__child", distinct=True))
            .values_list("group", "children")
        )
        counts: dict[str, int] = {}
        for group, n in rows:
            counts[key_of(group)] = counts.get(key_of(group), 0) + n
        found.append([Figure(group, n, n, None, n) for group, n in sorted(counts.items())])
    return found


def did_not_attend(
    alliance: Alliance, scope: Scope, buckets: Buckets, cut: Cut
) -> list[list[Figure]]:
    """Of the contacts due in the bucket that were attended or missed, the share missed
    (cancellations are neither)."""
    rows = list(
        in_scope(
            Contact.objects.filter(
                buckets.within("happened_at"),
                outcome__in=[Contact.Outcome.ATTENDED, Contact.Outcome.DID_NOT_ATTEND],
            ),
            alliance,
            scope,
            "referral__",
        )
        .annotate(
            bucket=buckets.index("happened_at"),
            group=group_of(cut, buckets, "happened_at", "referral__"),
        )
        .order_by()  # no default ordering in the GROUP BY
        .values_list("bucket", "group")
        .annotate(
            n=Count("pk"),
            missed=Count("pk", filter=Q(outcome=Contact.Outcome.DID_NOT_ATTEND)),
            children=Count("referral__child", distinct=True),
        )
        .values_list("bucket", "group", "missed", "n", "children")
    )
    missed = tally(buckets, ((b, g, m) for b, g, m, _, _ in rows))
    totals = tally(buckets, ((b, g, n) for b, g, _, n, _ in rows))
    children = tally(buckets, ((b, g, c) for b, g, _, _, c in rows))
    return [rates(*parts) for parts in zip(missed, totals, children, strict=True)]


def disengaged(alliance: Alliance, scope: Scope, buckets: Buckets, cut: Cut) -> list[list[Figure]]:
    """Of the discharges in the bucket, the share whose reason was disengagement."""
    rows = list(
        in_scope(
            Discharge.objects.filter(buckets.within("discharged_at")),
            alliance,
            scope,
            "referral__",
        )
        .annotate(
            bucket=buckets.index("discharged_at"),
            group=group_of(cut, buckets, "discharged_at", "referral__"),
        )
        .order_by()  # no default ordering in the GROUP BY
        .values_list("bucket", "group")
        .annotate(n=Count("pk"), lost=Count("pk", filter=Q(reason=Discharge.Reason.DISENGAGED)))
        .values_list("bucket", "group", "lost", "n")
    )
    lost = tally(buckets, ((b, g, n) for b, g, n, _ in rows))
    totals = tally(buckets, ((b, g, n) for b, g, _, n in rows))
    return [rates(n, d, d) for n, d in zip(lost, totals, strict=True)]
