"""Each dashboard KPI as one hand-written SQL statement (benchmarks B3 and B4).

B3 sets the product's figure beside the figure of one plain statement over the same rows; B4
runs the same statement in DuckDB over a copy of those rows. The statements take the named
parameters `alliance`, `since` and `until` (the period's first moment and the first moment
after it, UTC) and return one row: the KPI's value for the whole alliance, uncut.

`tests/test_kpi_sql.py` checks that each statement gives the product's figure on a fixture, so
the benchmark compares like with like.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

from onedoor.alliance.models import Alliance
from onedoor.insights.kpis import BY_SLUG, Cut, Period, Scope


@dataclass(frozen=True)
class Statement:
    slug: str
    postgresql: str
    sqlite: str
    # DuckDB's dialect is PostgreSQL's for nearly everything; where it differs, its own.
    duckdb: str = ""

    def sql_for(self, vendor: str) -> str:
        if vendor == "duckdb":
            return self.duckdb or self.postgresql
        return self.sqlite if vendor == "sqlite" else self.postgresql


_REFERRALS = """
SELECT COUNT(*) FROM referrals_referral r
JOIN children_child c ON c.id = r.child_id
WHERE c.alliance_id = %(alliance)s AND r.received_at >= %(since)s AND r.received_at < %(until)s
  AND r.status <> 'joined'
"""

HAND_WRITTEN: dict[str, Statement] = {
    statement.slug: statement
    for statement in (Statement("referrals", postgresql=_REFERRALS, sqlite=_REFERRALS),)
}


def product_figure(slug: str, alliance: Alliance, period: Period) -> float | None:
    """The KPI's figure for the whole alliance, uncut, as the dashboard computes it."""
    (figure,) = BY_SLUG[slug](alliance, Scope(), period, Cut.NONE)
    return figure.value


def hand_written_figure(slug: str, alliance: Alliance, period: Period) -> float | None:
    """The same figure from the one statement, on the default database."""
    sql = HAND_WRITTEN[slug].sql_for(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(sql, {"alliance": alliance.pk, "since": period.since, "until": period.until})
        (value,) = cursor.fetchone()
    return None if value is None else float(value)
