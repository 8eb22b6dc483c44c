"""What the dashboard and the exports show: the choice read from the query string (period,
scope, cut), every KPI computed once (`kpis/`) and its series (`trends.py`), small numbers
suppressed for the roles that must see aggregates only, and the equity view's shares side by
side."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone

from onedoor import clock
from onedoor.accounts.models import User
from onedoor.accounts.roles import Role
from onedoor.alliance.models import Alliance, KpiTarget, Offer, Organisation
from onedoor.clock import LONDON
from onedoor.insights.kpis import (
    ALL,
    BY_SLUG,
    KPIS,
    Buckets,
    Cut,
    Figure,
    Kpi,
    Period,
    Scope,
    Unit,
    group_label,
    group_order,
    known_groups,
    priority_group_names,
    together,
)
from onedoor.insights.series_cache import series_of
from onedoor.insights.shown import Shown
from onedoor.insights.suppression import Row, protect
from onedoor.insights.trends import (
    Trend,
    buckets_to,
    direction_of,
    group_series,
    label_of,
    targets,
)

# Who sees aggregates only, with small numbers suppressed.
SUPPRESSED_FOR = frozenset({Role.COMMISSIONER})


@dataclass(frozen=True)
class Choice:
    period: Period
    period_key: str
    scope: Scope
    scope_key: str
    cut: Cut


def periods(today: date) -> list[tuple[str, str, Period]]:
    """The periods on offer: this quarter, the last four before it, and the last 12 months."""
    quarter = Period.quarter_of(today)
    options = [("this-quarter", f"This quarter ({quarter})", quarter)]
    for n in range(1, 5):
        quarter = Period.quarter_of(quarter.start - timedelta(days=1))
        options.append((f"quarter-{n}", f"{quarter}", quarter))
    year = Period(today - timedelta(days=364), today)
    options.append(("12-months", f"The last 12 months ({year})", year))
    return options


def scopes(alliance: Alliance) -> list[tuple[str, str]]:
    """The alliance, each organisation with offers, and each offer: (key, label)."""
    options = [("", "The whole alliance")]
    organisations = Organisation.objects.filter(alliance=alliance).exclude(
        kind=Organisation.Kind.EXTERNAL
    )
    options += [(f"org:{o.slug}", o.name) for o in organisations.order_by("name")]
    offers = Offer.objects.filter(organisation__alliance=alliance).select_related("organisation")
    options += [
        (f"offer:{o.slug}", f"{o.name} ({o.organisation.name})")
        for o in offers.order_by("name", "slug")
    ]
    return options


def choose(query: dict[str, str], scope_options: list[tuple[str, str]]) -> Choice:
    """The choice in the query string; anything unknown falls back to the default."""
    today = timezone.localdate(clock.now(), LONDON)
    period_options = {key: period for key, _, period in periods(today)}
    period_key = (
        query.get("period", "") if query.get("period") in period_options else "this-quarter"
    )
    scope_key = query.get("scope", "")
    if scope_key not in {key for key, _ in scope_options}:
        scope_key = ""
    kind, _, slug = scope_key.partition(":")
    scope = Scope(organisation=slug if kind == "org" else "", offer=slug if kind == "offer" else "")
    cut = Cut(query["cut"]) if query.get("cut") in {c.value for c in Cut} else Cut.NONE
    return Choice(period_options[period_key], period_key, scope, scope_key, cut)


@dataclass(frozen=True)
class Section:
    kpi: Kpi
    rows: list[Shown]

    @property
    def of_header(self) -> str:
        return "Out of" if self.kpi.unit != Unit.COUNT else ""

    @property
    def ofs(self) -> list[tuple[Shown, str]]:
        """Each row with its "Of" words (a template cannot call `Shown.of`)."""
        return [(row, row.of(self.kpi)) for row in self.rows]


def suppresses(user: User) -> bool:
    return user.role in SUPPRESSED_FOR


def _hidden(rows: list[Row], total: Row | None, below: int) -> frozenset[str]:
    """The rows a role that sees aggregates only may not see (`suppression.protect`, ADR 26).
    Where the rule says the table's total must be hidden too, every row is: the total (the
    uncut figure, the quarter's) is shown elsewhere all the same."""
    protected = protect(rows, below=below, total=total)
    if protected.total_hidden:
        return frozenset(row.key for row in rows)
    return protected.hidden


def _row(f: Figure, key: str = "") -> Row:
    return Row(key or f.group, f.numerator, f.denominator, f.children)


def _shown(
    kpi: Kpi,
    figures: list[Figure],
    alliance: Alliance,
    cut: Cut,
    hide: bool,
    names: dict[str, str],
    total: Figure | None = None,
) -> list[Shown]:
    """The figures as the user may see them, in their groups' order. For a role that sees
    aggregates only (`hide`): cut, every group the cut has is a row (zero where there is
    nothing), so that the rule can hide a zero too when it must, and the uncut figure
    (`total`) is the table's total."""
    hidden: frozenset[str] = frozenset()
    if hide:
        if cut is not Cut.NONE:
            present = {f.group for f in figures}
            figures = figures + [
                kpi.empty(group) for group in known_groups(cut, names) if group not in present
            ]
        hidden = _hidden(
            [_row(f) for f in figures],
            _row(total) if total is not None and cut is not Cut.NONE else None,
            alliance.small_numbers_below,
        )
    order = group_order(cut, names)
    return [
        Shown.of_figure(f, group_label(cut, f.group, names), hidden=f.group in hidden)
        for f in sorted(figures, key=lambda f: order(f.group))
    ]


def group_names(alliance: Alliance, cut: Cut) -> dict[str, str]:
    """The cut's groups' names where the alliance names them (priority groups): one query."""
    return priority_group_names(alliance) if cut is Cut.PRIORITY_GROUP else {}


def sections(
    user: User,
    alliance: Alliance,
    choice: Choice,
    kpis: tuple[Kpi, ...] = KPIS,
    names: dict[str, str] | None = None,
) -> list[Section]:
    """Every KPI (or those given) for the choice, as the user may see it; `names` are the
    cut's groups' names (`group_names`), looked up when not given."""
    hide = suppresses(user)
    names = group_names(alliance, choice.cut) if names is None else names
    found = []
    with together():  # what two KPIs share is computed once
        for kpi in kpis:
            cut = choice.cut if kpi.cuts else Cut.NONE
            figures = kpi(alliance, choice.scope, choice.period, cut)
            # the table's total, for the suppression of a cut table: the uncut figure
            total = (
                kpi(alliance, choice.scope, choice.period, Cut.NONE)[0]
                if hide and cut is not Cut.NONE
                else None
            )
            found.append(Section(kpi, _shown(kpi, figures, alliance, cut, hide, names, total)))
    return found


def _hidden_months(
    kpi: Kpi, figures: list[Figure | None], buckets: Buckets, below: int
) -> set[int]:
    """The months of a series a role that sees aggregates only may not see: each calendar
    quarter's months are a table whose total (the quarter's figure) may be published, so they
    are protected together; where the months do not add up to the quarter (`Kpi.adds_up`),
    each month alone."""
    quarters: dict[tuple[int, int], list[int]] = {}
    for n, period in enumerate(buckets.periods):
        quarters.setdefault((period.start.year, (period.start.month - 1) // 3), []).append(n)
    hidden: set[int] = set()
    for months in quarters.values():
        rows = [_row(figures[n] or kpi.empty(""), str(n)) for n in months]
        total = Row(
            "quarter",
            sum(r.numerator for r in rows),
            None if kpi.counts else sum(r.denominator or 0 for r in rows),
            sum(r.children for r in rows),
        )
        hidden |= {int(key) for key in _hidden(rows, total if kpi.adds_up else None, below)}
    return hidden


def _points(
    kpi: Kpi,
    figures: list[Figure | None],
    buckets: Buckets,
    labels: list[str],
    below: int,
    hide: bool,
) -> list[Shown]:
    hidden = _hidden_months(kpi, figures, buckets, below) if hide else set()
    return [
        Shown.of_figure(f, label, hidden=n in hidden)
        for n, (label, f) in enumerate(zip(labels, figures, strict=True))
    ]


def trends(
    user: User,
    alliance: Alliance,
    choice: Choice,
    kpis: tuple[Kpi, ...] = KPIS,
    cut: Cut = Cut.NONE,
    goals: dict[str, KpiTarget] | None = None,
    every: str = "month",
) -> list[Trend]:
    """Each KPI's monthly series for the choice's scope, as the user may see it: uncut, one
    trend per KPI; cut, one per group with something to count. `goals` are the alliance's
    targets (`trends.targets`), looked up when not given. `every` "week" gives the flow KPIs'
    last whole weeks instead of months (the figures as things stand have monthly snapshots
    only, and a role that sees aggregates only gets months: weeks are too small)."""
    every = "week" if every == "week" and not suppresses(user) else "month"
    kpis = tuple(kpi for kpi in kpis if every == "month" or not kpi.now)
    buckets = buckets_to(timezone.localdate(clock.now(), LONDON), every)
    labels = [label_of(period, every) for period in buckets.periods]
    goals = targets(alliance) if goals is None else goals
    names = group_names(alliance, cut)
    hide, below = suppresses(user), alliance.small_numbers_below
    found = []
    computed, at = series_of(alliance, choice.scope_key, choice.scope, kpis, cut, buckets, every)
    for kpi in kpis:
        target = goals.get(kpi.slug)
        groups = group_series(
            kpi, computed[kpi.slug], cut if kpi.cuts else Cut.NONE,
        )  # fmt: skip
        for group in sorted(groups, key=group_order(cut, names)):
            found.append(
                Trend(
                    kpi, group, group_label(cut, group, names),
                    _points(kpi, groups[group], buckets, labels, below, hide),
                    target.target if target else None, direction_of(kpi, target),
                    id_prefix=f"{kpi.slug}-{group}" if group != ALL else kpi.slug,
                    computed_at=at,
                    every=every,
                )
            )  # fmt: skip
    return found


@dataclass(frozen=True)
class Summary:
    """One KPI on the dashboard's summary: this period's figure and its trend's icons."""

    section: Section
    trend: Trend

    @property
    def kpi(self) -> Kpi:
        return self.section.kpi

    @property
    def figure(self) -> Shown:
        return self.section.rows[0]


def summary(user: User, alliance: Alliance, choice: Choice) -> list[Summary]:
    """Every KPI's figure for the period (uncut) and its trend, in the KPIs' order."""
    uncut = Choice(choice.period, choice.period_key, choice.scope, choice.scope_key, Cut.NONE)
    found = sections(user, alliance, uncut)
    series = {trend.kpi.slug: trend for trend in trends(user, alliance, uncut)}
    return [Summary(section, series[section.kpi.slug]) for section in found]


def equity_view(user: User, alliance: Alliance, choice: Choice) -> list[EquityRow]:
    """The equity view for the choice's cut (nothing uncut)."""
    if choice.cut is Cut.NONE:
        return []
    names = group_names(alliance, choice.cut)
    kpis = tuple(BY_SLUG[slug] for slug in EQUITY)
    return equity(sections(user, alliance, choice, kpis, names), choice.cut, names)


EQUITY = ("referrals", "seen", "improved")


@dataclass(frozen=True)
class EquityRow:
    label: str
    shares: list[float | None]  # percent of all referrals, of all seen, of all good outcomes


def equity(found: list[Section], cut: Cut, names: dict[str, str]) -> list[EquityRow]:
    """Each group's share of referrals, of those seen, and of good outcomes (reliable
    improvement), side by side, in the groups' order; a suppressed figure has no share."""
    by_slug = {s.kpi.slug: s for s in found}
    columns = [by_slug[slug].rows for slug in EQUITY]
    totals = [sum(r.numerator or 0 for r in rows) for rows in columns]
    labels: dict[str, str] = {}
    for rows in columns:
        labels.update({r.group: r.label for r in rows})
    table = []
    order = group_order(cut, names)
    for group, label in sorted(labels.items(), key=lambda item: order(item[0])):
        shares: list[float | None] = []
        for rows, total in zip(columns, totals, strict=True):
            row = next((r for r in rows if r.group == group), None)
            if row is None or row.suppressed or not total:
                shares.append(None)
            else:
                shares.append(round(100 * (row.numerator or 0) / total, 1))
        table.append(EquityRow(label, shares))
    return table
