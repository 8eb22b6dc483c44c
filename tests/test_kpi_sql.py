"""The benchmarks' hand-written statements (`onedoor.bench.kpi_sql`, B3 and B4) give exactly
the product's figure for every dashboard KPI on the hand-built data of `test_kpis`, in the
database under test and in DuckDB's copy of its rows: so that B3 and B4 compare like with
like."""

from __future__ import annotations

import pytest

from onedoor.alliance.models import Alliance
from onedoor.bench.kpi_sql import (
    HAND_WRITTEN,
    duckdb_value,
    hand_written_figure,
    parameters,
    product_figure,
    rounded,
    to_duckdb,
)
from onedoor.insights.kpis import BY_SLUG
from tests.test_kpis import OCTOBER, october  # noqa: F401 (a fixture)

# The figures `test_kpis` knows for October (each rounded as the dashboard shows it).
KNOWN = {
    "referrals": 5, "re-referrals": 20.0, "time-to-triage": 2.0, "first-contact": 14.0,
    "second-contact": 20.0, "seen": 3, "did-not-attend": 20.0, "disengaged": 50.0,
    "stepped-up": 1, "waiting": 3, "longest-wait": 80, "check-ins": 50.0,
    "reviews-overdue": 50.0, "paired": 50.0, "improved": 100.0, "experience-all": 50.0,
    "experience": 100.0,
}  # fmt: skip


def test_every_dashboard_kpi_has_a_hand_written_statement() -> None:
    assert set(HAND_WRITTEN) == set(BY_SLUG) == set(KNOWN)


@pytest.mark.usefixtures("october")
@pytest.mark.parametrize("slug", sorted(KNOWN))
def test_each_statement_gives_the_products_figure(alliance: Alliance, slug: str) -> None:
    assert product_figure(slug, alliance, OCTOBER) == KNOWN[slug]
    assert hand_written_figure(slug, alliance, OCTOBER) == KNOWN[slug]


@pytest.mark.usefixtures("october")
def test_each_statement_gives_the_same_figure_in_duckdb_over_a_copy_of_the_rows(
    alliance: Alliance,
) -> None:
    copy = to_duckdb()
    given = parameters(alliance, OCTOBER)
    found = {slug: rounded(slug, duckdb_value(copy, slug, given)) for slug in KNOWN}
    assert found == KNOWN


def test_with_no_records_each_statement_gives_nothing_or_zero(alliance: Alliance) -> None:
    for slug, kpi in BY_SLUG.items():
        expected = 0 if kpi.unit == "count" else None
        assert hand_written_figure(slug, alliance, OCTOBER) == expected, slug
