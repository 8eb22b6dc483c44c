"""The triage queue: every referral awaiting triage that the user may see, urgent disclosures
not yet screened first (by arrival), then red referrals not yet reviewed, then by the
deadline on each clock; filtered, and paged by keyset (never OFFSET or a count), so a page
costs the same at any depth and any size of queue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Q, QuerySet

from onedoor import clock
from onedoor.access.records import referrals_visible_to
from onedoor.accounts.models import User
from onedoor.paging import Keyset, Page
from onedoor.referrals.models import Referral, Source, Status

PAGE_SIZE = 50
TRIAGE_STATES = (Status.AWAITING_TRIAGE, Status.MORE_INFORMATION, Status.AWAITING_SIGN_OFF)
# The queue's state filter: the states in triage, and the signposted referrals (kept, and
# found here: newest first, `SIGNPOSTED_ORDER`).
STATE_FILTERS = (*TRIAGE_STATES, Status.SIGNPOSTED)
AGE_BANDS = {"5-10": (5, 10), "11-15": (11, 15), "16-18": (16, 18), "19-25": (19, 25)}


@dataclass(frozen=True)
class Filters:
    priority_group: str = ""
    source: str = ""
    age_band: str = ""
    partner: str = ""
    state: str = ""

    @classmethod
    def from_query(cls, query: dict[str, str]) -> Filters:
        """Unknown values are ignored rather than failing the page."""
        return cls(
            priority_group=query.get("priority_group", "")[:50],
            source=query.get("source", "") if query.get("source") in Source.values else "",
            age_band=query.get("age_band", "") if query.get("age_band") in AGE_BANDS else "",
            partner=query.get("partner", "")[:50],
            state=query.get("state", "") if query.get("state") in STATE_FILTERS else "",
        )


def _years_before(today: date, years: int) -> date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February in a common year
        return today.replace(year=today.year - years, day=28)


def born_between(today: date, youngest: int, oldest: int, child: str = "child__") -> Q:
    """Children aged `youngest` to `oldest` (inclusive) on `today`; `child` is the path to
    the child from the records filtered."""
    return Q(
        **{
            f"{child}date_of_birth__gt": _years_before(today, oldest + 1),
            f"{child}date_of_birth__lte": _years_before(today, youngest),
        }
    )


def queue_for(user: User, filters: Filters) -> QuerySet[Referral]:
    referrals = referrals_visible_to(user).filter(
        status__in=[filters.state] if filters.state else TRIAGE_STATES
    )
    if filters.priority_group:
        referrals = referrals.filter(child__priority_groups__slug=filters.priority_group)
    if filters.source:
        referrals = referrals.filter(source=filters.source)
    if filters.age_band:
        youngest, oldest = AGE_BANDS[filters.age_band]
        referrals = referrals.filter(born_between(clock.today(), youngest, oldest))
    if filters.partner:
        referrals = referrals.filter(last_declined_by__slug=filters.partner)
    if filters.state == Status.SIGNPOSTED:
        referrals = referrals.select_related(
            "signposted_by", "eligibility_overruled_by"
        ).prefetch_related("signposted_to")
    return referrals.select_related("child", "last_declined_by").prefetch_related(
        "child__priority_groups"
    )


# By band (`referrals/bands.py`): urgent disclosures not yet screened (0), then red referrals
# not yet reviewed (1), then the rest (2); within a band by the deadline on each clock, then
# by arrival. Every unscreened urgent disclosure runs the same-day clock, whose deadline
# never comes earlier for a later arrival, so band 0 is in order of arrival.
QUEUE_ORDER = Keyset(("queue_band", "triage_due_at", "received_at", "pk"))


# Signposted referrals have no clock: the newest first, by when they were received.
SIGNPOSTED_ORDER = Keyset(("-received_at", "-pk"))


def page_of(user: User, filters: Filters, cursor: str = "") -> Page[Referral]:
    order = SIGNPOSTED_ORDER if filters.state == Status.SIGNPOSTED else QUEUE_ORDER
    return order.page(queue_for(user, filters), cursor, PAGE_SIZE)
