"""The triage queue: every referral awaiting triage that the user may see, urgent disclosures
not yet screened first (by arrival), then red referrals not yet reviewed, then by the
deadline on each clock; filtered, and paged by keyset (never OFFSET or a count), so a page
costs the same at any depth and any size of queue. Beside it: the count in each state (one
aggregate), each row's risk as a tag, and who in the triage team opened each referral last
(one query of the audit trail for the page)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime
from urllib.parse import urlencode
from uuid import UUID

from django.db.models import Count, Max, OuterRef, Q, QuerySet, Subquery

from onedoor import clock
from onedoor.access.policy import RecordType
from onedoor.access.records import referrals_visible_to
from onedoor.accounts.models import User
from onedoor.accounts.roles import TRIAGE_TEAM
from onedoor.audit.models import AuditEvent
from onedoor.paging import Keyset, Page
from onedoor.referrals.models import TRIAGE_STATES, Referral, RiskRating, Source, Status
from onedoor.triage.waiting import WAITING, waiting_on_triage

PAGE_SIZE = 50
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
    waiting: str = ""  # what waits on the team (`waiting.WAITING`): the home page's counts

    @classmethod
    def from_query(cls, query: dict[str, str]) -> Filters:
        """Unknown values are ignored rather than failing the page."""
        return cls(
            priority_group=query.get("priority_group", "")[:50],
            source=query.get("source", "") if query.get("source") in Source.values else "",
            age_band=query.get("age_band", "") if query.get("age_band") in AGE_BANDS else "",
            partner=query.get("partner", "")[:50],
            state=query.get("state", "") if query.get("state") in STATE_FILTERS else "",
            waiting=query.get("waiting", "") if query.get("waiting") in WAITING else "",
        )

    def query(self, **changes: str) -> str:
        """These filters with `changes`, as a query string (those chosen only)."""
        chosen = {**asdict(self), **changes}
        return urlencode({name: value for name, value in chosen.items() if value})


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
    if filters.state == Status.SIGNPOSTED:
        return (
            _filtered(user, filters, Q(status=Status.SIGNPOSTED))
            .select_related(
                "child", "last_declined_by", "signposted_by", "eligibility_overruled_by"
            )
            .prefetch_related("child__priority_groups", "signposted_to")
        )
    # The states in triage as the queue's own index declares them (`triage_queue_order`), so a
    # page reads its rows from the index in the queue's order, at any depth.
    in_triage = Q(status__among=TRIAGE_STATES)
    if filters.state:
        in_triage &= Q(status__among=[filters.state])
    return (
        _filtered(user, filters, in_triage)
        .select_related("child", "last_declined_by")
        .prefetch_related("child__priority_groups")
    )


def _filtered(user: User, filters: Filters, states: Q) -> QuerySet[Referral]:
    """The referrals in `states` the user may see, by every filter but the state."""
    referrals = referrals_visible_to(user).filter(states)
    if filters.priority_group:
        referrals = referrals.filter(child__priority_groups__slug=filters.priority_group)
    if filters.source:
        referrals = referrals.filter(source=filters.source)
    if filters.age_band:
        youngest, oldest = AGE_BANDS[filters.age_band]
        referrals = referrals.filter(born_between(clock.today(), youngest, oldest))
    if filters.partner:
        referrals = referrals.filter(last_declined_by__slug=filters.partner)
    if filters.waiting:
        referrals = referrals.filter(waiting_on_triage(filters.waiting, clock.now()))
    return referrals


@dataclass(frozen=True)
class StateCount:
    state: Status
    count: int


def counts_by_state(user: User, filters: Filters) -> list[StateCount]:
    """How many referrals the user may see are in each state in triage, by the other filters
    chosen (one query): the counts above the queue, each a link to that state."""
    counted = dict(
        _filtered(user, filters, Q(status__in=TRIAGE_STATES))
        .order_by()
        .values_list("status")
        .annotate(count=Count("pk", distinct=True))
    )
    return [StateCount(state, counted.get(state, 0)) for state in TRIAGE_STATES]


@dataclass(frozen=True)
class Tag:
    """An NHS.UK tag: the words always say what the colour shows."""

    words: str
    colour: str


def risk_tag(referral: Referral) -> Tag:
    """A referral's risk as the queue shows it: an urgent disclosure not yet screened, red (and
    whether a clinician has still to review it), amber, green, or not yet screened."""
    if referral.awaits_urgent_screening:
        return Tag("Urgent disclosure: screen now", "red")
    if referral.risk_rating == RiskRating.RED:
        return Tag("Red: clinician review needed" if referral.awaits_red_review else "Red", "red")
    if referral.risk_rating == RiskRating.AMBER:
        return Tag("Amber", "orange")
    if referral.risk_rating == RiskRating.GREEN:
        return Tag("Green", "green")
    return Tag("Not yet screened", "grey")


@dataclass(frozen=True)
class Opened:
    """Who in the triage team last opened a referral, and when (from the audit trail)."""

    by: str
    at: datetime


def last_opened(referrals: Sequence[Referral]) -> dict[UUID, Opened]:
    """For each referral, the last view of it by a triage lead or clinical lead in the audit
    trail: one query for a page of the queue, whatever its size (none for an empty page)."""
    if not referrals:
        return {}
    views = AuditEvent.objects.filter(
        action=AuditEvent.Action.VIEW,
        record_type=RecordType.REFERRAL,
        record_id__in=[str(referral.uuid) for referral in referrals],
        actor_role__in=sorted(TRIAGE_TEAM),
    )
    latest = views.order_by().values("record_id").annotate(last=Max("sequence")).values("last")
    person = User.objects.filter(uuid=OuterRef("actor_uuid"))
    rows = (
        AuditEvent.objects.filter(sequence__in=Subquery(latest))
        .order_by()
        .annotate(
            first_name=Subquery(person.values("first_name")[:1]),
            last_name=Subquery(person.values("last_name")[:1]),
        )
        .values_list("record_id", "actor_username", "first_name", "last_name", "at")
    )
    return {
        UUID(record_id): Opened(f"{first or ''} {last or ''}".strip() or username, at)
        for record_id, username, first, last, at in rows
    }


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
