"""What every KPI is made of: the periods it is computed over (`Period`, and `Buckets` for a
series of them at once), the `Scope`, the `Cut` and its groups, and the `Figure` each group
gets. The KPIs themselves are in the modules beside this one, by domain."""

from __future__ import annotations

import functools
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any, ParamSpec, TypeVar

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import (
    Case,
    CharField,
    DateTimeField,
    F,
    FloatField,
    Func,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.expressions import Combinable
from django.db.models.sql.compiler import SQLCompiler
from django.utils import timezone

from onedoor import clock
from onedoor.alliance.models import Alliance
from onedoor.children.models import Ethnicity, Gender
from onedoor.clock import LONDON
from onedoor.referrals.models import Referral, Source
from onedoor.triage.queue import AGE_BANDS, born_between

FIRST_CONTACT_TARGET_DAYS = 28  # the four-week wait the CYP mental health standard aims at
SEEN_WINDOW_DAYS = 365  # CYP access: at least one contact in a rolling 12 months
RE_REFERRAL_DAYS = 365  # a re-referral: the child had another referral in the year before


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("A period ends on or after its start")

    @property
    def since(self) -> datetime:
        return datetime.combine(self.start, time.min, tzinfo=LONDON)

    @property
    def until(self) -> datetime:
        """The first moment after the period."""
        return datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=LONDON)

    @classmethod
    def quarter_of(cls, day: date) -> Period:
        first_month = 3 * ((day.month - 1) // 3) + 1
        start = date(day.year, first_month, 1)
        return cls(start, _months_after(start, 3) - timedelta(days=1))

    @classmethod
    def month_of(cls, day: date) -> Period:
        start = day.replace(day=1)
        return cls(start, _months_after(start, 1) - timedelta(days=1))

    def __str__(self) -> str:
        return f"{self.start:%-d %b %Y} to {self.end:%-d %b %Y}"


def _months_after(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Buckets:
    """Periods one after another, oldest first, that a KPI is computed over at once: the
    months (or weeks) of a series. One period is the dashboard's case. Each record falls in
    the bucket its moment is in (a `Case` in the query), so a series costs the queries of one
    period, whatever its length."""

    periods: tuple[Period, ...]

    def __post_init__(self) -> None:
        if not self.periods:
            raise ValueError("Buckets hold at least one period")
        for earlier, later in zip(self.periods, self.periods[1:], strict=False):
            if later.start <= earlier.end:
                raise ValueError("Buckets are in order and do not overlap")

    @classmethod
    def of(cls, period: Period) -> Buckets:
        return cls((period,))

    @classmethod
    def months(cls, before: date, count: int) -> Buckets:
        """The `count` whole calendar months before the month of `before`."""
        first = _months_after(before.replace(day=1), -count)
        return cls(tuple(Period.month_of(_months_after(first, n)) for n in range(count)))

    @classmethod
    def weeks(cls, before: date, count: int) -> Buckets:
        """The `count` whole weeks (Monday to Sunday) before the week of `before`."""
        monday = before - timedelta(days=before.weekday()) - timedelta(weeks=count)
        return cls(
            tuple(
                Period(monday + timedelta(weeks=n), monday + timedelta(weeks=n, days=6))
                for n in range(count)
            )
        )

    def __len__(self) -> int:
        return len(self.periods)

    @property
    def since(self) -> datetime:
        return self.periods[0].since

    @property
    def until(self) -> datetime:
        return self.periods[-1].until

    def within(self, moment: str) -> Q:
        """Records whose `moment` falls in one of the buckets (or between them)."""
        return Q(**{f"{moment}__gte": self.since, f"{moment}__lt": self.until})

    def index(self, moment: str) -> Combinable:
        """The number of the bucket `moment` falls in (null between buckets)."""
        if len(self.periods) == 1:
            return Value(0, output_field=IntegerField())
        return Case(
            *(
                When(_during(moment, period), then=Value(n))
                for n, period in enumerate(self.periods)
            ),
            default=None,
            output_field=IntegerField(),
        )


def _during(moment: str, period: Period) -> Q:
    return Q(**{f"{moment}__gte": period.since, f"{moment}__lt": period.until})


Records = TypeVar("Records", bound=QuerySet[Any])


@dataclass(frozen=True)
class Scope:
    """The whole alliance, or one partner (organisation slug), or one offer (offer slug)."""

    organisation: str = ""
    offer: str = ""

    def referrals(self, referrals: Records, path: str = "") -> Records:
        """The records (referrals, or others reaching their referral by `path`) in scope."""
        if self.offer:
            return referrals.filter(**{f"{path}allocated_offer__slug": self.offer})
        if self.organisation:
            return referrals.filter(**{f"{path}allocated_organisation__slug": self.organisation})
        return referrals


class Cut(StrEnum):
    NONE = ""
    PRIORITY_GROUP = "priority_group"
    AGE_BAND = "age_band"
    GENDER = "gender"
    ETHNICITY = "ethnicity"
    SOURCE = "source"

    @property
    def label(self) -> str:
        return CUT_LABELS[self]


CUT_LABELS = {
    Cut.NONE: "All",
    Cut.PRIORITY_GROUP: "Priority group",
    Cut.AGE_BAND: "Age band",
    Cut.GENDER: "Gender",
    Cut.ETHNICITY: "Ethnicity",
    Cut.SOURCE: "Referral source",
}
ALL = "all"
NO_GROUP = "none"
OTHER_AGES = "other"


def group_of(cut: Cut, buckets: Buckets, moment: str, referral: str = "") -> Combinable:
    """The expression that puts a record (reaching its referral by `referral`) in its group.
    The age band is the child's age on the last day of the bucket the record's `moment` falls
    in; a child in two priority groups counts in both, and one in none counts under "none"."""
    if cut is Cut.AGE_BAND and len(buckets) > 1:
        child = f"{referral}child__"
        return Case(
            *(
                When(_during(moment, period) & born_between(period.end, low, high, child=child),
                     then=Value(band))
                for period in buckets.periods
                for band, (low, high) in AGE_BANDS.items()
            ),
            default=Value(OTHER_AGES),
            output_field=CharField(),
        )  # fmt: skip
    return group_on(cut, buckets.periods[-1].end, referral)


def group_on(cut: Cut, on: date, referral: str = "") -> Combinable:
    """The group expression with the age band taken on one day, `on`."""
    child = f"{referral}child__"
    if cut is Cut.NONE:
        return Value(ALL)
    if cut is Cut.SOURCE:
        return F(f"{referral}source")
    if cut is Cut.GENDER:
        return F(f"{child}gender")
    if cut is Cut.ETHNICITY:
        return F(f"{child}ethnicity")
    if cut is Cut.PRIORITY_GROUP:
        return F(f"{child}priority_groups__slug")
    return Case(
        *(
            When(born_between(on, low, high, child=child), then=Value(band))
            for band, (low, high) in AGE_BANDS.items()
        ),
        default=Value(OTHER_AGES),
        output_field=CharField(),
    )


def group_label(cut: Cut, key: str | None, priority_groups: dict[str, str]) -> str:
    """A group's name in words; `priority_groups` maps the alliance's slugs to names."""
    if key is None or key == NO_GROUP:
        return "None recorded"
    if cut is Cut.NONE:
        return "All"
    if cut is Cut.SOURCE:
        return Source(key).label if key in Source.values else key
    if cut is Cut.GENDER:
        return Gender(key).label if key in Gender.values else key
    if cut is Cut.ETHNICITY:
        return Ethnicity(key).label if key in Ethnicity.values else key
    if cut is Cut.PRIORITY_GROUP:
        return priority_groups.get(key, key)
    return key if key != OTHER_AGES else "Other ages"


def group_order(cut: Cut, priority_groups: dict[str, str]) -> Callable[[str], tuple[int, str]]:
    """How a cut's groups sort: in their natural order (age bands by age, the other cuts in
    the order their choices are listed, priority groups in the alliance's order), then anything
    unknown by name, with "other ages" and "none recorded" last."""
    known: list[str] = {
        Cut.AGE_BAND: list(AGE_BANDS),
        Cut.SOURCE: list(Source.values),
        Cut.GENDER: list(Gender.values),
        Cut.ETHNICITY: list(Ethnicity.values),
        Cut.PRIORITY_GROUP: list(priority_groups),
    }.get(cut, [])
    position = {key: n for n, key in enumerate(known)}
    last = {OTHER_AGES: len(known) + 1, NO_GROUP: len(known) + 2}

    def order(key: str) -> tuple[int, str]:
        return (position.get(key, last.get(key, len(known))), key)

    return order


def known_groups(cut: Cut, priority_groups: dict[str, str]) -> list[str]:
    """Every group a cut can have, in order (none uncut)."""
    return {
        Cut.AGE_BAND: [*AGE_BANDS, OTHER_AGES],
        Cut.SOURCE: list(Source.values),
        Cut.GENDER: list(Gender.values),
        Cut.ETHNICITY: list(Ethnicity.values),
        Cut.PRIORITY_GROUP: [*priority_groups, NO_GROUP],
    }.get(cut, [])


def priority_group_names(alliance: Alliance) -> dict[str, str]:
    """The alliance's priority groups, slug -> name, in their order."""
    return dict(alliance.priority_groups.values_list("slug", "name"))  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Figure:
    """One group's value: a count (`denominator` None), a rate (numerator / denominator, as
    a percentage) or a median (`value`, with `denominator` the number it is the median of).
    `children` is how many children it is about (for suppression)."""

    group: str
    value: float | None
    numerator: int
    denominator: int | None = None
    children: int = 0


# A KPI's computation: every group's figures in each bucket, oldest bucket first.
Compute = Callable[[Alliance, Scope, Buckets, Cut], list[list[Figure]]]
# A series as the charts read it: None for a bucket with nothing known (a month in which no
# snapshot was taken), unlike [] (known: nothing to count).
Months = list[list[Figure] | None]
History = Callable[[Alliance, Scope, Buckets, Cut], Months]


class Unit(StrEnum):
    COUNT = "count"
    PERCENT = "percent"
    DAYS = "days"


@dataclass(frozen=True)
class Kpi:
    slug: str
    name: str
    unit: str  # a `Unit`
    definition: str
    compute: Compute = field(repr=False)
    of: str = ""  # what the "Of" column counts, in words ("referrals", "contacts", ...)
    # Which way is better, "higher" or "lower" ("" for neither, e.g. how many referrals
    # arrive): the charts' colours say improving or concerning by it, unless the alliance's
    # target for the KPI says otherwise.
    improvement: str = ""
    cuts: bool = True  # can it be cut by group?
    # The referrals a count is of, for drilling down (the same definition the count uses);
    # None for a figure that is not a count of referrals.
    records: Callable[[Alliance, Scope, Period], QuerySet[Referral]] | None = field(
        default=None, repr=False
    )
    now: bool = False  # a figure as things stand now, not over the period
    # For a figure as things stand now, its history (read from the monthly snapshots): what
    # `series` gives for it. Other figures' series are their `compute` over the buckets.
    history: History | None = field(default=None, repr=False)
    # Each bucket counts a rolling window (the children seen: a year to the bucket's end), so
    # the buckets overlap and do not add up to a longer period.
    rolling: bool = False
    # Its figures are counts with no denominator whatever its unit (the longest wait: days,
    # of a count of children waiting).
    counted: bool = False

    do_not_call_in_templates = True  # a template reads a KPI's name; it never computes it

    @property
    def adds_up(self) -> bool:
        """Whether its months' counts add up to the quarter's (a flow over the period): not a
        figure as things stand now, nor one counting a rolling window."""
        return not self.now and not self.rolling

    @property
    def unit_heading(self) -> str:
        """What its figures are, as a column heading."""
        return {Unit.PERCENT: "Per cent", Unit.DAYS: "Days"}.get(Unit(self.unit), "Number")

    @property
    def counts(self) -> bool:
        """Whether its figures are counts (no denominator), not rates or medians."""
        return self.unit == Unit.COUNT or self.counted

    def empty(self, group: str) -> Figure:
        """A group with nothing in it, shaped as the KPI's figures are: a count of none, or
        no value of a denominator of none."""
        return Figure(
            group, 0 if self.unit == Unit.COUNT else None, 0, None if self.counts else 0, 0
        )

    @property
    def drills_down(self) -> bool:
        return self.records is not None

    def records_in(
        self, alliance: Alliance, scope: Scope, period: Period, cut: Cut, group: str
    ) -> QuerySet[Referral]:
        """The referrals behind one group's figure."""
        assert self.records is not None
        on = timezone.localdate(clock.now(), LONDON) if self.now else period.end
        referrals = self.records(alliance, scope, period).annotate(group=group_on(cut, on))
        if group == NO_GROUP:
            return referrals.filter(group__isnull=True)
        return referrals.filter(group=group)

    def __call__(self, alliance: Alliance, scope: Scope, period: Period, cut: Cut) -> list[Figure]:
        """The groups with something to count in the period; uncut, always one figure (zero,
        or no value for a rate or median of nothing)."""
        cut = cut if self.cuts else Cut.NONE
        return self._kept(self.compute(alliance, scope, Buckets.of(period), cut)[0], cut)

    def series(self, alliance: Alliance, scope: Scope, buckets: Buckets, cut: Cut) -> Months:
        """The figures in each bucket, oldest first, as `__call__` gives them for one; for a
        figure as things stand, None in a bucket without a snapshot."""
        cut = cut if self.cuts else Cut.NONE
        found: Months = list(
            self.history(alliance, scope, buckets, cut)
            if self.history
            else self.compute(alliance, scope, buckets, cut)
        )
        return [None if figures is None else self._kept(figures, cut) for figures in found]

    def _kept(self, figures: list[Figure], cut: Cut) -> list[Figure]:
        kept = [f for f in figures if f.numerator or f.denominator]
        if cut is Cut.NONE and not kept:
            return [self.empty(ALL)]
        return kept


def key_of(group: object) -> str:
    return str(group) if group is not None else NO_GROUP


def by_bucket(buckets: Buckets, rows: Iterable[tuple[int | None, Figure]]) -> list[list[Figure]]:
    """Rows of (bucket, figure) as each bucket's figures, in group order."""
    found: list[list[Figure]] = [[] for _ in buckets.periods]
    for bucket, figure in rows:
        if bucket is not None:
            found[bucket].append(figure)
    return [sorted(figures, key=lambda f: f.group) for figures in found]


def tally(buckets: Buckets, rows: Iterable[tuple[object, object, int]]) -> list[dict[str, int]]:
    """Rows of (bucket, group, n) summed into one {group: n} per bucket."""
    counts: list[dict[str, int]] = [defaultdict(int) for _ in buckets.periods]
    for bucket, group, n in rows:
        if bucket is not None:
            counts[int(str(bucket))][key_of(group)] += n
    return counts


def rates(
    numerators: dict[str, int], denominators: dict[str, int], children: dict[str, int]
) -> list[Figure]:
    return [
        Figure(
            group,
            round(100 * numerators.get(group, 0) / total, 1) if total else None,
            numerators.get(group, 0),
            total,
            children.get(group, total),
        )
        for group, total in sorted(denominators.items())
    ]


def medians(samples: dict[str, list[float]], within: dict[str, int]) -> list[Figure]:
    return [
        Figure(
            group,
            round(statistics.median(values), 1),
            within.get(group, 0),
            len(values),
            len(values),
        )
        for group, values in sorted(samples.items())
        if values
    ]


def days(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 86400


def referrals_of(alliance: Alliance, scope: Scope) -> QuerySet[Referral]:
    return scope.referrals(Referral.objects.filter(child__alliance=alliance))


def in_scope(records: Records, alliance: Alliance, scope: Scope, referral: str) -> Records:
    """The records (reaching their referral by `referral`, e.g. "referral__") of the
    alliance's referrals in scope, by joins: not `IN (the referrals in scope)`, a subquery
    over every referral that a planner may run as a hashed subplan or once a row."""
    return scope.referrals(records.filter(**{f"{referral}child__alliance": alliance}), referral)


# Arithmetic on moments, in the database's own functions. Django's `F(moment) - timedelta`
# and `F(moment) - F(moment)` are Python functions called once a row on SQLite.


class DaysAfter(Func):
    """`moment` moved by whole `days` (negative: before). Stored moments are UTC, so a day is
    always 86,400 seconds. On SQLite a moment is text, "YYYY-MM-DD HH:MM:SS[.ffffff]": the
    date moves and the time of day, to the microsecond, is kept as written."""

    output_field = DateTimeField()

    def __init__(self, moment: Any, days: int) -> None:
        super().__init__(moment)
        self.days = days

    def as_sql(  # type: ignore[override]
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, list[Any]]:
        sql, params = compiler.compile(self.source_expressions[0])
        return f"({sql} + make_interval(days => {int(self.days)}))", list(params)

    def as_sqlite(  # type: ignore[override]
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, list[Any]]:
        sql, params = compiler.compile(self.source_expressions[0])
        shift = f"'{int(self.days):+d} days'"
        return f"(date({sql}, {shift}) || substr({sql}, 11))", [*params, *params]


class DaysBetween(Func):
    """Days from `start` to `end` as a number, for ordering (a median's middle is found in
    the database); to the microsecond on PostgreSQL, the millisecond on SQLite. The figure
    itself is computed from the two moments (`days`)."""

    output_field = FloatField()

    def as_sql(  # type: ignore[override]
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, list[Any]]:
        start, start_params = compiler.compile(self.source_expressions[0])
        end, end_params = compiler.compile(self.source_expressions[1])
        return f"(EXTRACT(EPOCH FROM ({end} - {start})) / 86400.0)", [*end_params, *start_params]

    def as_sqlite(  # type: ignore[override]
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, list[Any]]:
        start, start_params = compiler.compile(self.source_expressions[0])
        end, end_params = compiler.compile(self.source_expressions[1])
        return f"(julianday({end}) - julianday({start}))", [*end_params, *start_params]


# What several KPIs share (the children waiting now; the verdicts on the referrals
# discharged), computed once while they are computed together (`together`).

P = ParamSpec("P")
R = TypeVar("R")
_SHARED: ContextVar[dict[tuple[object, ...], object] | None] = ContextVar(
    "kpis_computed_together", default=None
)


@contextmanager
def together() -> Iterator[None]:
    """Within it (one request's KPIs, a series of every KPI), a `shared` computation runs
    once for the same arguments and its result is read by each KPI that needs it."""
    token = _SHARED.set({})
    try:
        yield
    finally:
        _SHARED.reset(token)


def shared(compute: Callable[P, R]) -> Callable[P, R]:
    """A computation several KPIs read: once per arguments within `together`, else each time.
    Its result is read, never changed, by those KPIs."""

    @functools.wraps(compute)
    def once(*args: P.args, **kwargs: P.kwargs) -> R:
        memo = _SHARED.get()
        if memo is None:
            return compute(*args, **kwargs)
        key = (compute.__qualname__, *args, *sorted(kwargs.items()))
        if key not in memo:
            memo[key] = compute(*args, **kwargs)
        return memo[key]  # type: ignore[return-value]

    return once
