"""Experience-of-service feedback from both sources, read as one.

`experience_of_service` is what the KPIs count: one row per piece of feedback (when, the
organisation it is about, the helpful score, the source), discharge invitations and the
any-time page alike. `feedback_page` is the staff list: both sources newest first, in keyset
pages (a cursor, never OFFSET or a count) at a fixed number of queries. `feedback_for` finds
one piece of feedback within the user's alliance, or answers 404.

Feedback is not a case record: nothing here names a child, and the discharge feedback is
reached only for its score, comments and the organisation that did the work.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from django.db.models import Case, CharField, Count, F, IntegerField, Q, QuerySet, Value, When
from django.http import Http404

from onedoor.accounts.models import User
from onedoor.accounts.roles import Role
from onedoor.alliance.models import Alliance, Organisation
from onedoor.care.models import Feedback
from onedoor.coproduction.models import ServiceFeedback, Source, Theme, theme_tags
from onedoor.paging import NotACursor, Page

# Who reads feedback comments, tags them with themes and keeps the "you said, we did" log.
READERS = (Role.SERVICE_MANAGER, Role.CLINICAL_LEAD)
PAGE_SIZE = 50
# Between two pieces of feedback given in the same microsecond, the order of the sources.
RANK = {Source.ANY_TIME: 0, Source.DISCHARGE: 1}


def _any_time(alliance: Alliance | int) -> QuerySet[ServiceFeedback]:
    return ServiceFeedback.objects.filter(alliance=alliance)


def _at_discharge(alliance: Alliance | int) -> QuerySet[Feedback]:
    return Feedback.objects.filter(discharge__referral__child__alliance=alliance)


def experience_of_service(
    alliance: Alliance | int,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[Any]:
    """Every piece of experience-of-service feedback given from `since` up to (not including)
    `until`, as rows of `at`, `organisation_slug` (None when not said), `score` (how helpful,
    1 to 5) and `origin` (a `Source` value). A union: count or iterate it; filter through the
    arguments, not after."""
    window = Q()
    if since is not None:
        window &= Q(submitted_at__gte=since)
    if until is not None:
        window &= Q(submitted_at__lt=until)
    any_time = (
        _any_time(alliance)
        .filter(window)
        .values(
            at=F("submitted_at"),
            organisation_slug=F("organisation__slug"),
            score=F("helpful"),
            origin=Value(Source.ANY_TIME.value, output_field=CharField()),
        )
        .order_by()
    )
    at_discharge = (
        _at_discharge(alliance)
        .filter(window)
        .values(
            at=F("submitted_at"),
            organisation_slug=F("discharge__referral__allocated_organisation__slug"),
            score=F("helpful"),
            origin=Value(Source.DISCHARGE.value, output_field=CharField()),
        )
        .order_by()
    )
    return any_time.union(at_discharge, all=True)


def helpful_counts(
    alliance: Alliance | int,
    windows: Sequence[tuple[datetime, datetime]],
    *,
    organisation: str = "",
    helpful: int,
) -> list[tuple[int, int]]:
    """`experience_of_service` counted in the database: for each window (from, up to), how
    many pieces of feedback were given in it, from both sources, and how many rated the
    service `helpful` or more; only the feedback about `organisation` (a slug) when given.
    One query: each source grouped by window, the two as one `UNION ALL` of a few rows."""
    if not windows:
        return []
    within = Q(submitted_at__gte=windows[0][0], submitted_at__lt=windows[-1][1])
    index = Case(
        *(
            When(submitted_at__gte=since, submitted_at__lt=until, then=Value(n))
            for n, (since, until) in enumerate(windows)
        ),
        default=None,
        output_field=IntegerField(),
    )
    any_time = _any_time(alliance).filter(within)
    at_discharge = _at_discharge(alliance).filter(within)
    if organisation:
        any_time = any_time.filter(organisation__slug=organisation)
        at_discharge = at_discharge.filter(
            discharge__referral__allocated_organisation__slug=organisation
        )

    def counted(rows: QuerySet[Any]) -> QuerySet[Any]:
        return (
            rows.annotate(window=index)
            .order_by()
            .values_list("window")
            .annotate(n=Count("pk"), yes=Count("pk", filter=Q(helpful__gte=helpful)))
            .values_list("window", "n", "yes")
        )

    found = [(0, 0) for _ in windows]
    for window, n, yes in counted(any_time).union(counted(at_discharge), all=True):
        if window is not None:
            total, given = found[window]
            found[window] = (total + n, given + yes)
    return found


@dataclass(frozen=True)
class FeedbackItem:
    """One piece of feedback, from either source, as staff read it."""

    source: Source
    uuid: UUID  # the ServiceFeedback's, or for discharge feedback its Discharge's
    submitted_at: datetime
    organisation: Organisation | None
    helpful: int
    comments: str
    themes: list[Theme]
    pk: int
    record: ServiceFeedback | Feedback = field(repr=False)

    @property
    def key(self) -> tuple[datetime, int, int]:
        return (self.submitted_at, RANK[self.source], self.pk)

    @property
    def helpful_label(self) -> str:
        return HELPFUL[self.helpful]


HELPFUL = {
    5: "Very helpful",
    4: "Helpful",
    3: "Neither helpful nor unhelpful",
    2: "Unhelpful",
    1: "Very unhelpful",
}


def as_item(record: ServiceFeedback | Feedback) -> FeedbackItem:
    if isinstance(record, ServiceFeedback):
        return FeedbackItem(
            Source.ANY_TIME, record.uuid, record.submitted_at, record.organisation,
            record.helpful, record.comments, list(theme_tags(record).all()), record.pk, record,
        )  # fmt: skip
    return FeedbackItem(
        Source.DISCHARGE, record.discharge.uuid, record.submitted_at,
        record.discharge.referral.allocated_organisation, record.helpful, record.comments,
        list(theme_tags(record).all()), record.pk, record,
    )  # fmt: skip


def _any_time_rows(alliance: Alliance | int) -> QuerySet[ServiceFeedback]:
    return _any_time(alliance).select_related("organisation").prefetch_related("themes")


def _discharge_rows(alliance: Alliance | int) -> QuerySet[Feedback]:
    return (
        _at_discharge(alliance)
        .select_related("discharge__referral__allocated_organisation")
        .prefetch_related("themes")
    )


@dataclass(frozen=True)
class Cursor:
    """Where a newest-first page ends: the last row's time, source rank and id."""

    at: datetime
    rank: int
    pk: int

    def __str__(self) -> str:
        return f"t{int(self.at.timestamp() * 1_000_000)}_{self.rank}_{self.pk}"

    @classmethod
    def parse(cls, text: str) -> Cursor:
        """The cursor in `?after=`; `NotACursor` (a 400) when it is not one of ours."""
        try:
            at, rank, pk = text.split("_")
            if not at.startswith("t"):
                raise ValueError(at)
            when = datetime.fromtimestamp(int(at[1:]) / 1_000_000, tz=UTC)
            return cls(when, int(rank), int(pk))
        except (ValueError, OverflowError, OSError) as error:
            raise NotACursor("Not a cursor of this list") from error

    def before(self, rank: int) -> Q:
        """Rows of the source ranked `rank` that come after this cursor, newest first
        (older, or as old and lower in (rank, id))."""
        older = Q(submitted_at__lt=self.at)
        if rank < self.rank:
            return older | Q(submitted_at=self.at)
        if rank == self.rank:
            return older | Q(submitted_at=self.at, pk__lt=self.pk)
        return older


def feedback_page(
    alliance: Alliance | int, cursor: str = "", size: int = PAGE_SIZE
) -> Page[FeedbackItem]:
    """Both sources merged, newest first: each source's next `size + 1` rows, then the
    newest `size` of them. Four queries (two with their themes), whatever the size."""
    after = Cursor.parse(cursor) if cursor else None
    any_time = _any_time_rows(alliance)
    at_discharge = _discharge_rows(alliance)
    if after is not None:
        any_time = any_time.filter(after.before(RANK[Source.ANY_TIME]))
        at_discharge = at_discharge.filter(after.before(RANK[Source.DISCHARGE]))
    found: list[ServiceFeedback | Feedback] = [
        *any_time.order_by("-submitted_at", "-pk")[: size + 1],
        *at_discharge.order_by("-submitted_at", "-pk")[: size + 1],
    ]
    items = sorted((as_item(record) for record in found), key=lambda i: i.key, reverse=True)
    if len(items) <= size:
        return Page(items, "", first=after is None)
    last = items[size - 1]
    following = str(Cursor(last.submitted_at, RANK[last.source], last.pk))
    return Page(items[:size], following, first=after is None)


def tagged_feedback(
    alliance: Alliance | int, theme: Theme | None = None, limit: int = 100
) -> list[FeedbackItem]:
    """The newest `limit` pieces of feedback tagged with `theme` (or with any theme), from
    both sources, newest first: what a "you said, we did" entry can link to."""
    tagged = Q(themes=theme) if theme is not None else Q(themes__isnull=False)
    found: list[ServiceFeedback | Feedback] = [
        *_any_time_rows(alliance)
        .filter(tagged)
        .distinct()
        .order_by("-submitted_at", "-pk")[:limit],
        *_discharge_rows(alliance)
        .filter(tagged)
        .distinct()
        .order_by("-submitted_at", "-pk")[:limit],
    ]
    items = sorted((as_item(record) for record in found), key=lambda i: i.key, reverse=True)
    return items[:limit]


def feedback_for(user: User, source: str, uuid: UUID) -> ServiceFeedback | Feedback:
    """One piece of feedback in the user's alliance (any-time feedback by its uuid, discharge
    feedback by its discharge's), for the roles that read feedback; otherwise 404."""
    alliance = getattr(user.organisation, "alliance_id", None)
    if user.role not in READERS or alliance is None:
        raise Http404("No such feedback")
    if source == Source.ANY_TIME:
        found: ServiceFeedback | Feedback | None = (
            _any_time(alliance).filter(uuid=uuid).select_related("organisation").first()
        )
    elif source == Source.DISCHARGE:
        found = (
            _at_discharge(alliance)
            .filter(discharge__uuid=uuid)
            .select_related("discharge__referral__allocated_organisation")
            .first()
        )
    else:
        found = None
    if found is None:
        raise Http404("No such feedback")
    return found
