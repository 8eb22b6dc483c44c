"""The demo's monthly snapshots for the months before it was loaded (`insights.StateSnapshot`).

A real alliance's history of the "now" KPIs begins on the day the scheduler first takes a
snapshot; the demo is loaded in one go, so it writes one for each of the last 24 month ends
from its own invented records: a referral counts as open at a month's end if it had arrived
and was not yet discharged, and as waiting if it had no attended contact by then. Whether
its check-ins were up to date and its reviews overdue then is not in the records, so the demo
draws it (seeded, so each load is the same)."""

from __future__ import annotations

import random
from datetime import datetime, time

from django.db import transaction
from django.db.models import Min, OuterRef, Q, Subquery

from onedoor import clock
from onedoor.alliance.models import Alliance
from onedoor.care.models import Contact, Discharge
from onedoor.clock import LONDON
from onedoor.insights.kpis import Buckets
from onedoor.insights.models import StateSnapshot
from onedoor.referrals.models import Referral, Status

MONTHS = 24
CHECK_INS_UP_TO_DATE = 0.88  # the share drawn as up to date
REVIEWS_OVERDUE = 0.08  # the share of those with a review drawn as overdue
OPEN_OR_ENDED = (Status.ALLOCATED, Status.WAITING, Status.IN_INTERVENTION, Status.DISCHARGED)


def seed_snapshot_history(alliance: Alliance, seed: int = 16) -> int:
    """Replace the alliance's snapshots for the last `MONTHS` whole months; rows written."""
    rng = random.Random(seed)
    first_contact = Subquery(
        Contact.objects.filter(referral=OuterRef("pk"), outcome=Contact.Outcome.ATTENDED)
        .order_by()
        .values("referral")
        .annotate(first=Min("happened_at"))
        .values("first")
    )
    ended = Subquery(Discharge.objects.filter(referral=OuterRef("pk")).values("discharged_at")[:1])
    referrals = list(
        Referral.objects.filter(
            child__alliance=alliance,
            status__in=OPEN_OR_ENDED,
            allocated_organisation__isnull=False,
        )
        .annotate(first_contact=first_contact, ended=ended)
        .values_list(
            "pk", "received_at", "allocated_organisation_id", "allocated_offer_id",
            "first_contact", "ended",
        )
        .order_by("pk")
    )  # fmt: skip
    months = Buckets.months(clock.today(), MONTHS)
    rows = []
    for month in months.periods:
        at = datetime.combine(month.end, time(23, 0), tzinfo=LONDON)
        for pk, received, organisation, offer, contacted, discharged in referrals:
            if received > at or (discharged is not None and discharged <= at):
                continue
            waiting = contacted is None or contacted > at
            rows.append(
                StateSnapshot(
                    alliance=alliance, taken_at=at, referral_id=pk, organisation_id=organisation,
                    offer_id=offer, waiting=waiting, waited_days=(at - received).days,
                    check_in_current=rng.random() < CHECK_INS_UP_TO_DATE if waiting else None,
                    review_overdue=None if waiting else rng.random() < REVIEWS_OVERDUE,
                )
            )  # fmt: skip
    with transaction.atomic():
        StateSnapshot.objects.filter(
            Q(taken_at__gte=months.since, taken_at__lt=months.until),
            alliance=alliance,
        ).delete()
        StateSnapshot.objects.bulk_create(rows, batch_size=2000)
    return len(rows)
