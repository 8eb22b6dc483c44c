"""B3 and B4: each dashboard KPI as the product computes it, against one hand-written SQL
statement giving the same figure (`kpi_sql`), in the same database (B3) and in DuckDB over a
copy of the same rows (B4, PostgreSQL only). For the whole alliance, uncut, over the
dashboard's longest period (the last 12 months); each pair timed interleaved."""

from __future__ import annotations

import sys
from datetime import timedelta
from functools import partial

from django.utils import timezone

from onedoor import clock
from onedoor.alliance.models import Alliance
from onedoor.bench.harness import Context, interleaved, p50
from onedoor.bench.kpi_sql import (
    HAND_WRITTEN,
    duckdb_value,
    hand_written_value,
    parameters,
    product_figure,
    rounded,
    to_duckdb,
)
from onedoor.bench.measure import Row
from onedoor.clock import LONDON
from onedoor.insights.kpis import KPIS, Period

B3_GOAL = ("<=", 1.2)
B4_GOAL = ("<=", 3.0)


def _period() -> Period:
    today = timezone.localdate(clock.now(), LONDON)
    return Period(today - timedelta(days=364), today)


def _note(text: str) -> None:
    sys.stdout.write(f"kpis: {text}\n")


def run(context: Context) -> list[Row]:
    alliance = Alliance.objects.order_by("pk").first()
    if alliance is None:
        raise SystemExit("benchmark: no alliance to compute the KPIs of")
    period = _period()
    rows: list[Row] = []
    for kpi in KPIS:
        slug = kpi.slug
        # "Now" taken afresh for each KPI, as the product takes it: a run at 100,000 children
        # lasts minutes, in which some check-ins fall due.
        given = parameters(alliance, period)
        product = product_figure(slug, alliance, period)
        statement = rounded(slug, hand_written_value(slug, given))
        if product != statement:
            _note(f"{slug}: the product gives {product}, the statement {statement}")
        medians = interleaved(
            {
                "product": partial(product_figure, slug, alliance, period),
                "statement": partial(hand_written_value, slug, given),
            },
            context.repeat,
            p50,
        )
        product_ms, statement_ms = medians["product"], medians["statement"]
        rows += [
            Row("B3", f"{slug}: product / one SQL statement", product_ms / statement_ms,
                "ratio", B3_GOAL),
            Row("B3", f"{slug}: product, p50", product_ms, "ms"),
            Row("B3", f"{slug}: one SQL statement, p50", statement_ms, "ms"),
        ]  # fmt: skip
    if context.vendor != "postgresql":
        _note("B4 (the same statements in DuckDB) runs on PostgreSQL only: skipped")
        return rows
    copy = to_duckdb()  # the rows copied once, outside the timings
    for kpi in KPIS:
        slug = kpi.slug
        given = parameters(alliance, period)
        in_duckdb = rounded(slug, duckdb_value(copy, slug, given))
        product = product_figure(slug, alliance, period)
        if product != in_duckdb:
            _note(f"{slug}: the product gives {product}, DuckDB {in_duckdb}")
        medians = interleaved(
            {
                "product": partial(product_figure, slug, alliance, period),
                "duckdb": partial(duckdb_value, copy, slug, given),
            },
            context.repeat,
            p50,
        )
        product_ms, duckdb_ms = medians["product"], medians["duckdb"]
        rows += [
            Row("B4", f"{slug}: product on PostgreSQL / the statement in DuckDB",
                product_ms / duckdb_ms, "ratio", B4_GOAL),
            Row("B4", f"{slug}: the statement in DuckDB, p50", duckdb_ms, "ms"),
        ]  # fmt: skip
    copy.close()
    assert set(HAND_WRITTEN) >= {kpi.slug for kpi in KPIS}
    return rows
