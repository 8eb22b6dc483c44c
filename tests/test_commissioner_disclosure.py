"""No suppressed number can be worked out from what a commissioner is shown: the demo's
figures, in every output a commissioner receives (the dashboard's tables by each cut, each
KPI's page, the exports, the pack: all built from `dashboard.sections` and
`dashboard.trends`), are read by the attacker of `tests/disclosure.py`, who knows the total,
the groups shown and the rule."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from django.db import connection

from onedoor.accounts.models import User
from onedoor.alliance.models import Alliance
from onedoor.demo.history import seed_snapshot_history
from onedoor.demo.population import ensure_demo_accounts, seed_population
from onedoor.insights.dashboard import Choice, Shown, choose, scopes, sections, trends
from onedoor.insights.kpis import KPIS, Cut, Figure, Kpi, Unit, known_groups
from onedoor.insights.kpis import priority_group_names as names_of
from onedoor.insights.suppression import Protected, Row, is_primary, protect
from onedoor.insights.trends import months_to
from tests.disclosure import Published, children_of, recoverable_cells
from tests.disclosure import Shown as Seen
from tests.personas import NOW

CUTS = [cut for cut in Cut if cut is not Cut.NONE]


@pytest.fixture
def demo(alliance: Alliance, time_machine) -> Alliance:  # type: ignore[no-untyped-def]
    time_machine.move_to(NOW)
    ensure_demo_accounts(alliance, "demo-password-1")
    seed_population(alliance, 300, today=NOW.date())
    seed_snapshot_history(alliance)
    if connection.vendor == "postgresql":
        # The tables' statistics are those earlier tests left (often none or empty rows), and
        # these rows are uncommitted, so autovacuum never sees them: without fresh statistics
        # the planner nests loops over thousands of rows and one query takes minutes.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return alliance


def _seen(row: Shown) -> Seen:
    return Seen(row.group, row.numerator, row.denominator)


def _truth(kpi: Kpi, figures: Sequence[Figure], cut: Cut, names: dict[str, str]) -> list[Row]:
    rows = {f.group: Row(f.group, f.numerator, f.denominator, f.children) for f in figures}
    counted = all(f.denominator is None for f in figures) if figures else kpi.unit == Unit.COUNT
    for group in known_groups(cut, names):
        rows.setdefault(group, Row(group, 0, None if counted else 0, 0))
    return list(rows.values())


def _attack(
    table: Published, truth: list[Row], below: int, total: Figure | None = None
) -> set[str]:
    # The attacker guesses how many children a row is about from its numbers; where those are
    # a true row's (or the total's), they are told the truth (a stronger attacker than a real
    # one).
    told = {(row.numerator, row.denominator): row.children for row in truth}
    if total is not None:
        told[(total.numerator, total.denominator)] = total.children
    return recoverable_cells(
        table, below=below, truth=truth, publish=as_published,
        children=lambda n, d: told.get((n, d), children_of(n, d)),
    )  # fmt: skip


def as_published(rows: Sequence[Row], *, below: int, total: Row | None) -> Protected:
    """The rule as the product applies it: where `protect` says a table's total must be hidden
    too, the product hides every row of the table and still shows the total (the uncut figure,
    the quarter's), so that is what the attacker is told to expect."""
    protected = protect(rows, below=below, total=total)
    if protected.total_hidden and total is not None and not is_primary(total, below=below):
        return Protected(frozenset(row.key for row in rows))
    return protected


def test_no_suppressed_figure_in_any_commissioner_table_can_be_worked_out(demo: Alliance) -> None:
    commissioner = User.objects.get(username="commissioner")
    below = demo.small_numbers_below
    names = names_of(demo)
    hidden_tables = checked = 0
    for scope_key in [key for key, _ in scopes(demo)][:4]:  # the alliance and three partners
        for period in ("this-quarter", "12-months"):
            uncut = choose({"period": period, "scope": scope_key}, scopes(demo))
            totals = {s.kpi.slug: s.rows[0] for s in sections(commissioner, demo, uncut)}
            true_totals = {k.slug: k(demo, uncut.scope, uncut.period, Cut.NONE)[0] for k in KPIS}
            for cut in CUTS:
                choice = Choice(uncut.period, period, uncut.scope, scope_key, cut)
                for section in sections(commissioner, demo, choice):
                    kpi = section.kpi
                    if not kpi.cuts:
                        continue
                    truth = _truth(kpi, kpi(demo, uncut.scope, uncut.period, cut), cut, names)
                    total = _seen(totals[kpi.slug])
                    by_key = {row.key: row for row in truth}
                    truth = [by_key[row.group] for row in section.rows]  # in the table's order
                    # the longest wait is a count of children waiting; the others' totals say
                    rate = true_totals[kpi.slug].denominator is not None
                    summed = (
                        sum(row.numerator for row in truth),
                        sum(row.denominator or 0 for row in truth) if rate else None,
                    )
                    if not total.hidden and summed != (total.numerator, total.denominator):
                        # A child can be in two groups (two priority groups, or seen on two
                        # referrals from different sources), so the groups add up to more than
                        # the total: the attacker is given what they add up to instead (more
                        # than a reader knows).
                        total = Seen("all", *summed)
                    table = Published(tuple(_seen(row) for row in section.rows), total, rate)
                    found = _attack(table, truth, below, true_totals[kpi.slug])
                    assert found == set(), (scope_key, period, cut, kpi.slug)
                    checked += 1
                    hidden_tables += any(row.suppressed for row in section.rows)
    # every table was read, and enough of them hide something for the check to mean much
    assert checked == 4 * 2 * len(CUTS) * sum(kpi.cuts for kpi in KPIS)
    assert hidden_tables > 50


def test_no_suppressed_month_of_a_commissioners_chart_can_be_worked_out(demo: Alliance) -> None:
    """Each calendar quarter's months add up to the quarter's figure: read as a table with
    that total published (a quarter at the series' edge too: the attacker is given it)."""
    commissioner = User.objects.get(username="commissioner")
    below = demo.small_numbers_below
    months = months_to(NOW.date())
    quarters: dict[tuple[int, int], list[int]] = {}
    for n, period in enumerate(months.periods):
        quarters.setdefault((period.start.year, (period.start.month - 1) // 3), []).append(n)
    hidden = 0
    for scope_key in [key for key, _ in scopes(demo)][:4]:
        choice = choose({"scope": scope_key}, scopes(demo))
        for trend in trends(commissioner, demo, choice):
            kpi = trend.kpi
            by_month = kpi.series(demo, choice.scope, months, Cut.NONE)
            for quarter in quarters.values():
                truth = [_month_row(kpi, by_month[n], n) for n in quarter]
                counted = truth[0].denominator is None
                quarter_total = Row(
                    "quarter",
                    sum(r.numerator for r in truth),
                    None if counted else sum(r.denominator or 0 for r in truth),
                    sum(r.children for r in truth),
                )
                # a quarter about few children is itself hidden, with its months; the months of
                # the children seen and of the figures as they stood add up to nothing
                total = (
                    None
                    if not kpi.adds_up
                    else Seen("quarter", None)
                    if is_primary(quarter_total, below=below)
                    else Seen("quarter", quarter_total.numerator, quarter_total.denominator)
                )
                shown = [trend.points[n] for n in quarter]
                table = Published(
                    tuple(
                        Seen(r.key, None)
                        if point.suppressed
                        else Seen(r.key, r.numerator, r.denominator)
                        for r, point in zip(truth, shown, strict=True)
                    ),
                    total,
                    not counted,
                )
                hidden += sum(point.suppressed for point in shown)
                told = Figure(
                    "quarter",
                    None,
                    quarter_total.numerator,
                    quarter_total.denominator,
                    quarter_total.children,
                )
                assert _attack(table, truth, below, told) == set(), (scope_key, kpi.slug, quarter)
    assert hidden > 20


def _month_row(kpi: Kpi, figures: list[Figure] | None, n: int) -> Row:
    """A month as a row shaped as the series' figures are (the longest wait counts children)."""
    counted = kpi.counts
    if not figures:
        return Row(str(n), 0, None if counted else 0, 0)
    [figure] = figures
    denominator = None if counted else figure.denominator or 0
    return Row(str(n), figure.numerator, denominator, figure.children)
