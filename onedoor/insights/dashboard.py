"""What the dashboard and the exports show: the choice read from the query string (period,
scope, cut), every KPI computed once (`kpis.py`), small numbers suppressed for the roles that
must see aggregates only, and the equity view's shares side by side."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone

from onedoor import clock
from onedoor.accounts.models import User
from onedoor.accounts.roles import Role
from onedoor.alliance.models import Alliance, Offer, Organisation
from onedoor.clock import LONDON
from onedoor.insights.kpis import (
    KPIS,
    Cut,
    Figure,
    Kpi,
    Period,
    Scope,
    group_label,
    priority_group_names,
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
class Shown:
    """One figure as a role may see it: `value` None when suppressed."""

    group: str
    label: str
    value: float | None
    numerator: int | None
    denominator: int | None
    suppressed: bool
    bar: float  # 0 to 100: the bar's length in the chart


@dataclass(frozen=True)
class Section:
    kpi: Kpi
    rows: list[Shown]

    @property
    def height(self) -> int:
        """The chart's height: a bar of 9 and a gap of 3 per group."""
        return 12 * len(self.rows)


def suppresses(user: User) -> bool:
    return user.role in SUPPRESSED_FOR


def _shown(
    figures: list[Figure], alliance: Alliance, cut: Cut, hide: bool, names: dict[str, str]
) -> list[Shown]:
    below = alliance.small_numbers_below
    values = [abs(f.value) for f in figures if f.value is not None]
    top = max(values) if values else 0
    rows = []
    for f in figures:
        suppressed = hide and 0 < f.children < below
        rows.append(
            Shown(
                group=f.group,
                label=group_label(cut, f.group, names),
                value=None if suppressed else f.value,
                numerator=None if suppressed else f.numerator,
                denominator=None if suppressed else f.denominator,
                suppressed=suppressed,
                bar=0 if suppressed or f.value is None or not top else 100 * abs(f.value) / top,
            )
        )
    return rows


def sections(user: User, alliance: Alliance, choice: Choice) -> list[Section]:
    """Every KPI for the choice, as the user may see it."""
    hide = suppresses(user)
    names = priority_group_names(alliance) if choice.cut is Cut.PRIORITY_GROUP else {}
    return [
        Section(
            kpi,
            _shown(
                kpi(alliance, choice.scope, choice.period, choice.cut),
                alliance,
                choice.cut,
                hide,
                names,
            ),
        )
        for kpi in KPIS
    ]


EQUITY = ("referrals", "seen", "improved")


@dataclass(frozen=True)
class EquityRow:
    label: str
    shares: list[float | None]  # percent of all referrals, of all seen, of all good outcomes


def equity(found: list[Section]) -> list[EquityRow]:
    """Each group's share of referrals, of those seen, and of good outcomes (reliable
    improvement), side by side; a suppressed figure has no share."""
    by_slug = {s.kpi.slug: s for s in found}
    columns = [by_slug[slug].rows for slug in EQUITY]
    totals = [sum(r.numerator or 0 for r in rows) for rows in columns]
    labels: dict[str, str] = {}
    for rows in columns:
        labels.update({r.group: r.label for r in rows})
    table = []
    for group, label in sorted(labels.items(), key=lambda item: item[1]):
        shares: list[float | None] = []
        for rows, total in zip(columns, totals, strict=True):
            row = next((r for r in rows if r.group == group), None)
            if row is None or row.suppressed or not total:
                shares.append(None)
            else:
                shares.append(round(100 * (row.numerator or 0) / total, 1))
        table.append(EquityRow(label, shares))
    return table
