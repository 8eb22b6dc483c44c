"""The waiting lists and the partner's caseload: what the user may see, paged by keyset
(never OFFSET or a count), so a page costs the same at any depth and any size of list; and
what falls due next for a child with a partner (`with_due_dates`, `due_next`), in the query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

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

from onedoor.access.records import care_records_visible_to, referrals_visible_to
from onedoor.accounts.models import User
from onedoor.accounts.roles import Role
from onedoor.alliance.models import CheckInCadence
from onedoor.care.models import CarePlan, CheckIn, Contact, RiskReview
from onedoor.clock.calendar import end_of
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


# What falls due for a child with a partner

CHECK_IN = "Next Waiting Well check-in"
RISK_REVIEW = "Next risk review"
CARE_PLAN_REVIEW = "Care plan review"


def _latest(records: QuerySet[Any], field: str) -> Subquery:
    return Subquery(
        records.filter(referral=OuterRef("pk")).order_by("-recorded_at", "-pk").values(field)[:1]
    )


def with_due_dates(
    user: User, referrals: QuerySet[Referral], cadences: dict[str, int]
) -> QuerySet[Referral]:
    """Annotate what `due_next` reads, from the care records `user` may see, in the query:
    `check_in_due` (`with_check_in_due`), `risk_review_due` and `care_plan_review_due` (the
    dates the latest risk review and care plan set), and when the child was last in
    contact: `last_contact` (an attended contact) and `last_check_in` (a check-in that
    reached them)."""
    attended = care_records_visible_to(user, Contact).filter(
        referral=OuterRef("pk"), outcome=Contact.Outcome.ATTENDED
    )
    return with_check_in_due(referrals, cadences).annotate(
        risk_review_due=_latest(care_records_visible_to(user, RiskReview), "next_due"),
        care_plan_review_due=_latest(care_records_visible_to(user, CarePlan), "review_due"),
        last_contact=Subquery(attended.order_by("-happened_at", "-pk").values("happened_at")[:1]),
        last_check_in=_latest(
            care_records_visible_to(user, CheckIn).filter(contact_made=True), "recorded_at"
        ),
    )


def due_next(referral: Referral) -> dict[str, datetime]:
    """THE rule for what falls due next for a child with a partner (the caseload and the care
    record), from `with_due_dates`: the Waiting Well check-in while the child waits; the next
    risk review and the care plan review, each by the end of the date the latest one set,
    while waiting or in intervention. Each only when there is one to be due."""
    due: dict[str, datetime] = {}
    check_in = getattr(referral, "check_in_due", None)
    if referral.status == Status.WAITING and check_in is not None:
        due[CHECK_IN] = check_in
    if referral.status in CASELOAD_STATES:
        risk_review: date | None = getattr(referral, "risk_review_due", None)
        care_plan: date | None = getattr(referral, "care_plan_review_due", None)
        if risk_review is not None:
            due[RISK_REVIEW] = end_of(risk_review)
        if care_plan is not None:
            due[CARE_PLAN_REVIEW] = end_of(care_plan)
    return due


def last_in_contact(referral: Referral) -> datetime | None:
    """When the child was last in contact (an attended contact or a check-in that reached
    them), from `with_due_dates`."""
    moments = [
        moment
        for moment in (
            getattr(referral, "last_contact", None),
            getattr(referral, "last_check_in", None),
        )
        if moment is not None
    ]
    return max(moments, default=None)


# Caseload


class Whose(StrEnum):
    """Whose children the caseload lists: the user's own (named for them), or the whole
    organisation's."""

    MINE = "mine"
    ORGANISATION = "organisation"

    @classmethod
    def for_user(cls, user: User, asked: str = "") -> Whose:
        """What was asked for; otherwise a practitioner's own children, and everyone else's
        whole organisation (an unknown value is the default)."""
        if asked in {whose.value for whose in cls}:
            return cls(asked)
        return cls.MINE if user.role == Role.PRACTITIONER else cls.ORGANISATION


def caseload_page(
    user: User, cursor: str = "", whose: Whose = Whose.ORGANISATION
) -> Page[Referral]:
    """The user's organisation's children waiting or in intervention (or of those, the ones
    named for the user), by when they were taken on (accepted; allocated or received for a
    record without an acceptance date), each with what falls due next (`with_due_dates`):
    one query, whatever the page (and one for the cadences)."""
    if user.organisation_id is None:
        return Page([], "", first=True)
    referrals = referrals_visible_to(user).filter(
        status__in=CASELOAD_STATES, allocated_organisation_id=user.organisation_id
    )
    if whose == Whose.MINE:
        referrals = referrals.filter(named_practitioner=user)
    referrals = with_due_dates(
        user,
        referrals.annotate(since=Coalesce("accepted_at", "allocated_at", "received_at")),
        cadences_for(user),
    ).select_related("child", "allocated_offer", "named_practitioner")
    return CASELOAD_ORDER.page(referrals, cursor, PAGE_SIZE)
