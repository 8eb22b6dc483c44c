"""The waiting lists and the partner's caseload: what the user may see, paged by keyset
(never OFFSET or a count), so a page costs the same at any depth and any size of list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import (
    Case,
    Count,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from onedoor.access.records import referrals_visible_to
from onedoor.accounts.models import User
from onedoor.alliance.models import CheckInCadence
from onedoor.care.models import CheckIn
from onedoor.paging import Keyset, Page
from onedoor.referrals.models import Referral, RiskRating, Status

PAGE_SIZE = 50
WAITING_STATES = (Status.ALLOCATED, Status.WAITING)
CASELOAD_STATES = (Status.WAITING, Status.IN_INTERVENTION)


@dataclass(frozen=True)
class Filters:
    offer: str = ""
    partner: str = ""

    @classmethod
    def from_query(cls, query: dict[str, str]) -> Filters:
        """Slugs; an unknown one simply matches nobody."""
        return cls(offer=query.get("offer", "")[:50], partner=query.get("partner", "")[:50])


# Longest wait first; the caseload by when each child was taken on.
WAITING_ORDER = Keyset(("received_at", "pk"))
CASELOAD_ORDER = Keyset(("since", "pk"))


# Waiting lists


def _waiting(user: User, filters: Filters) -> QuerySet[Referral]:
    referrals = referrals_visible_to(user).filter(status__in=WAITING_STATES)
    if filters.offer:
        referrals = referrals.filter(allocated_offer__slug=filters.offer)
    if filters.partner:
        referrals = referrals.filter(allocated_organisation__slug=filters.partner)
    return referrals


def waiting_page(user: User, filters: Filters, cursor: str = "") -> Page[Referral]:
    """Longest wait first, each with its next check-in due: one query, whatever the page
    (and one for the cadences)."""
    referrals = with_check_in_due(
        _waiting(user, filters).select_related(
            "child", "allocated_offer", "allocated_organisation"
        ),
        cadences_for(user),
    )
    return WAITING_ORDER.page(referrals, cursor, PAGE_SIZE)


def waiting_by_offer(user: User) -> list[dict[str, object]]:
    """How many of those the user may see are waiting for each offer: one aggregate query."""
    return list(
        _waiting(user, Filters())
        .values("allocated_offer__slug", "allocated_offer__name")
        .annotate(waiting=Count("pk"))
        .order_by("allocated_offer__name", "allocated_offer__slug")
    )


def cadences_for(user: User) -> dict[str, int]:
    """The user's alliance's Waiting Well cadences (see `cadences_of`)."""
    if user.organisation is None:
        return {}
    return cadences_of(user.organisation.alliance_id)


def cadences_of(alliance_id: int) -> dict[str, int]:
    """An alliance's Waiting Well cadences, rating -> days between check-ins (one query)."""
    return dict(
        CheckInCadence.objects.filter(alliance_id=alliance_id).values_list(
            "rating", "interval_days"
        )
    )


def with_check_in_due(
    referrals: QuerySet[Referral], cadences: dict[str, int]
) -> QuerySet[Referral]:
    """Annotate `check_in_due`: when the next Waiting Well check-in is due. THE rule: the
    cadence for the child's risk (green when not yet rated), counted from the last check-in,
    or, before the first, from when the wait began (accepted, else allocated, else received).
    Null when the alliance sets no cadence for that risk. In the query, so that lists can
    order and filter by it."""
    last_check_in = (
        CheckIn.objects.filter(referral=OuterRef("pk"))
        .order_by("-recorded_at", "-pk")
        .values("recorded_at")[:1]
    )
    interval = Case(
        *(
            When(
                risk_rating__in=[rating, ""] if rating == RiskRating.GREEN else [rating],
                then=Value(timedelta(days=days)),
            )
            for rating, days in cadences.items()
        ),
        default=Value(None),
        output_field=DurationField(),
    )
    began = Coalesce(Subquery(last_check_in), "accepted_at", "allocated_at", "received_at")
    return referrals.annotate(
        check_in_due=ExpressionWrapper(began + interval, output_field=DateTimeField())
    )


# Caseload


def caseload_page(user: User, cursor: str = "") -> Page[Referral]:
    """The user's organisation's children waiting or in intervention, by when they were taken
    on (accepted; allocated or received for a record without an acceptance date)."""
    if user.organisation_id is None:
        return Page([], "", first=True)
    referrals = (
        referrals_visible_to(user)
        .filter(status__in=CASELOAD_STATES, allocated_organisation_id=user.organisation_id)
        .annotate(since=Coalesce("accepted_at", "allocated_at", "received_at"))
        .select_related("child", "allocated_offer")
    )
    return CASELOAD_ORDER.page(referrals, cursor, PAGE_SIZE)
