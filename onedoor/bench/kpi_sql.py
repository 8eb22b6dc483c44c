"""Each dashboard KPI as one hand-written SQL statement (benchmarks B3 and B4).

B3 sets the product's figure beside the figure of one plain statement over the same rows; B4
runs the same statement in DuckDB over a copy of those rows (`to_duckdb`). Each statement
returns one row, the KPI's value for the whole alliance, uncut, and takes the named
parameters (`parameters`): `alliance`; `since` and `until`, the period's first moment and the
first moment after it; `seen_since`, a year before `until` (the children seen); `now` and
`today` (London) for the figures as things stand. A rate's or median's value is unrounded;
`hand_written_figure` rounds it as the product does (one decimal place; whole days for the
longest wait).

`tests/test_kpi_sql.py` checks that each statement gives the product's figure on a fixture,
on SQLite, PostgreSQL and DuckDB, so that the benchmarks compare like with like.
"""

from __future__ import annotations

import csv
import json
import re
import tempfile
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.utils import timezone

from onedoor import clock
from onedoor.alliance.models import Alliance
from onedoor.clock import LONDON
from onedoor.insights.kpis import BY_SLUG, Cut, Period, Scope, Unit
from onedoor.insights.kpis.base import SEEN_WINDOW_DAYS

if TYPE_CHECKING:
    import duckdb


@dataclass(frozen=True)
class Statement:
    slug: str
    postgresql: str
    sqlite: str
    # DuckDB's dialect is PostgreSQL's for nearly everything; where it differs, its own.
    duckdb: str = ""

    def sql_for(self, vendor: str) -> str:
        if vendor == "duckdb":
            return _dollars(self.duckdb or self.postgresql)
        return self.sqlite if vendor == "sqlite" else self.postgresql


def _dollars(sql: str) -> str:
    """DuckDB names its parameters `$name`, not `%(name)s`."""
    return re.sub(r"%\((\w+)\)s", r"$\1", sql)


# The pieces the statements share. A rate is 100.0 * part / whole in double precision (as
# Python divides), null when the whole is nothing.
_IN_ALLIANCE = (
    "JOIN referrals_referral r ON r.id = {alias}.referral_id "
    "JOIN children_child c ON c.id = r.child_id"
)
_HUNDRED = "CAST(100 AS DOUBLE PRECISION)"
_EFFECTIVE = "sign_off NOT IN ('waiting', 'returned')"


def _same(sql: str) -> Statement:
    return Statement("", sql, sql)


_REFERRALS = """
SELECT COUNT(*) FROM referrals_referral r
JOIN children_child c ON c.id = r.child_id
WHERE c.alliance_id = %(alliance)s AND r.received_at >= %(since)s AND r.received_at < %(until)s
  AND r.status <> 'joined'
"""


def _re_referrals(year_before: str) -> str:
    return f"""
SELECT {_HUNDRED} * SUM(CASE WHEN EXISTS (
    SELECT 1 FROM referrals_referral e
    WHERE e.child_id = r.child_id AND e.status <> 'joined' AND e.received_at < r.received_at
      AND e.received_at >= {year_before}
  ) THEN 1 ELSE 0 END) / NULLIF(COUNT(*), 0)
FROM referrals_referral r JOIN children_child c ON c.id = r.child_id
WHERE c.alliance_id = %(alliance)s AND r.received_at >= %(since)s AND r.received_at < %(until)s
  AND r.status <> 'joined'
"""  # noqa: S608 (the module's own fragments; values are parameters)


# A median: PostgreSQL's and DuckDB's `percentile_cont(0.5)`; on SQLite the middle one or two
# of the ordered waits, averaged.
def _median_pg(days: str, rows: str) -> str:
    return f"SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY {days}) {rows}"


def _median_sqlite(days: str, rows: str) -> str:
    return f"""
WITH waits AS (SELECT {days} AS days {rows}),
ranked AS (SELECT days, ROW_NUMBER() OVER (ORDER BY days) AS nth, COUNT(*) OVER () AS n
           FROM waits)
SELECT AVG(days) FROM ranked WHERE nth BETWEEN (n + 1) / 2 AND (n + 2) / 2
"""  # noqa: S608 (the module's own fragments; values are parameters)


def _pg_days(end: str, start: str) -> str:
    return f"EXTRACT(EPOCH FROM ({end} - {start})) / 86400.0"


def _sqlite_days(end: str, start: str) -> str:
    return f"(julianday({end}) - julianday({start}))"


_FIRST_DECISIONS = f"""
FROM triage_triagedecision d {_IN_ALLIANCE.format(alias="d")}
WHERE c.alliance_id = %(alliance)s AND d.decided_at >= %(since)s AND d.decided_at < %(until)s
  AND d.{_EFFECTIVE}
  AND NOT EXISTS (SELECT 1 FROM triage_triagedecision e
                  WHERE e.referral_id = d.referral_id AND e.{_EFFECTIVE}
                    AND e.decided_at < d.decided_at)
"""  # noqa: S608 (the module's own fragments; values are parameters)


def _nth_contacts(n: int) -> str:
    return f"""
FROM care_contact k {_IN_ALLIANCE.format(alias="k")}
WHERE c.alliance_id = %(alliance)s AND k.outcome = 'attended'
  AND k.happened_at >= %(since)s AND k.happened_at < %(until)s
  AND (SELECT COUNT(*) FROM care_contact e
       WHERE e.referral_id = k.referral_id AND e.outcome = 'attended'
         AND (e.happened_at < k.happened_at OR (e.happened_at = k.happened_at AND e.id < k.id))
      ) = {n - 1}
"""  # noqa: S608 (the module's own fragments; values are parameters)


def _median(slug: str, end: str, start: str, rows: str) -> Statement:
    return Statement(
        slug,
        postgresql=_median_pg(_pg_days(end, start), rows),
        sqlite=_median_sqlite(_sqlite_days(end, start), rows),
    )


_SEEN = f"""
SELECT COUNT(DISTINCT r.child_id) FROM care_contact k {_IN_ALLIANCE.format(alias="k")}
WHERE c.alliance_id = %(alliance)s AND k.outcome = 'attended'
  AND k.happened_at >= %(seen_since)s AND k.happened_at < %(until)s
"""  # noqa: S608 (the module's own fragments; values are parameters)

_DID_NOT_ATTEND = f"""
SELECT {_HUNDRED} * SUM(CASE WHEN k.outcome = 'did_not_attend' THEN 1 ELSE 0 END)
       / NULLIF(COUNT(*), 0)
FROM care_contact k {_IN_ALLIANCE.format(alias="k")}
WHERE c.alliance_id = %(alliance)s AND k.outcome IN ('attended', 'did_not_attend')
  AND k.happened_at >= %(since)s AND k.happened_at < %(until)s
"""  # noqa: S608 (the module's own fragments; values are parameters)

_DISCHARGES = f"""
FROM care_discharge d {_IN_ALLIANCE.format(alias="d")}
WHERE c.alliance_id = %(alliance)s AND d.discharged_at >= %(since)s AND d.discharged_at < %(until)s
"""

_DISENGAGED = f"""
SELECT {_HUNDRED} * SUM(CASE WHEN d.reason = 'disengaged' THEN 1 ELSE 0 END)
       / NULLIF(COUNT(*), 0)
{_DISCHARGES}
"""

_STEPPED_UP = f"""
SELECT COUNT(*) FROM (
  SELECT d.referral_id FROM triage_triagedecision d
  WHERE d.outcome = 'step_up' AND d.{_EFFECTIVE}
    AND d.decided_at >= %(since)s AND d.decided_at < %(until)s
  UNION
  SELECT t.referral_id FROM care_transition t
  WHERE t.kind = 'step_up' AND t.acknowledged_at >= %(since)s AND t.acknowledged_at < %(until)s
) s {_IN_ALLIANCE.format(alias="s")}
WHERE c.alliance_id = %(alliance)s
"""  # noqa: S608 (the module's own fragments; values are parameters)

_WAITING_NOW = """
FROM referrals_referral r JOIN children_child c ON c.id = r.child_id
WHERE c.alliance_id = %(alliance)s AND r.status IN ('allocated', 'waiting')
"""


def _check_ins(due: str, now: str) -> str:
    return f"""
SELECT {_HUNDRED} * SUM(CASE WHEN {due} > {now} THEN 1 ELSE 0 END) / NULLIF(COUNT(*), 0)
FROM (
  SELECT COALESCE((SELECT MAX(k.recorded_at) FROM care_checkin k WHERE k.referral_id = r.id),
                  r.accepted_at, r.allocated_at, r.received_at) AS began,
         cadence.interval_days AS every
  FROM referrals_referral r JOIN children_child c ON c.id = r.child_id
  LEFT JOIN alliance_checkincadence cadence ON cadence.alliance_id = c.alliance_id
    AND cadence.rating = CASE WHEN r.risk_rating = '' THEN 'green' ELSE r.risk_rating END
  WHERE c.alliance_id = %(alliance)s AND r.status = 'waiting'
) waiting
"""  # noqa: S608 (the module's own fragments; values are parameters)


_REVIEWS_OVERDUE = f"""
SELECT {_HUNDRED} * SUM(CASE WHEN risk < %(today)s OR plan < %(today)s THEN 1 ELSE 0 END)
       / NULLIF(COUNT(*), 0)
FROM (
  SELECT (SELECT v.next_due FROM care_riskreview v WHERE v.referral_id = r.id
          ORDER BY v.recorded_at DESC, v.id DESC LIMIT 1) AS risk,
         (SELECT p.review_due FROM care_careplan p WHERE p.referral_id = r.id
          ORDER BY p.recorded_at DESC, p.id DESC LIMIT 1) AS plan
  FROM referrals_referral r JOIN children_child c ON c.id = r.child_id
  WHERE c.alliance_id = %(alliance)s AND r.status IN ('waiting', 'in_intervention')
) cared
WHERE risk IS NOT NULL OR plan IS NOT NULL
"""  # noqa: S608 (the module's own fragments; values are parameters)


def _known_measures() -> str:
    from onedoor.outcomes.measures import all_measures

    return ", ".join(f"'{slug}'" for slug in sorted(all_measures())) or "''"


def _paired() -> str:
    return f"""
SELECT {_HUNDRED} * SUM(CASE WHEN EXISTS (
    SELECT 1 FROM outcomes_measureresponse m
    WHERE m.referral_id = d.referral_id AND m.measure IN ({_known_measures()})
    GROUP BY m.measure HAVING COUNT(*) >= 2
  ) THEN 1 ELSE 0 END) / NULLIF(COUNT(*), 0)
{_DISCHARGES}
"""  # noqa: S608 (the module's own fragments; values are parameters)


def _subscales() -> str:
    """Every subscale with reliable-change parameters, as rows of a VALUES list: measure,
    subscale, decimal places of a change, the minimum change (or -1: none), the threshold,
    1 when a higher score is worse."""
    from onedoor.outcomes.measures import HIGHER_IS_WORSE, all_measures

    rows = [
        f"('{measure.slug}', '{subscale.slug}', {max(subscale.decimals, 2)}, "
        f"{change.min_change if change.min_change is not None else -1}, "
        f"{change.threshold!r}, "
        f"{1 if subscale.direction == HIGHER_IS_WORSE else 0})"
        for measure in all_measures().values()
        for subscale in measure.subscales
        if (change := subscale.reliable_change) is not None
    ]
    return ",\n    ".join(rows)


def _improved(vendor: str) -> str:
    """Of the discharges in the period with a measure completed twice, those whose first and
    last responses to some measure show a reliable improvement on a subscale, and none a
    reliable deterioration (Jacobson and Truax, each subscale's parameters)."""
    values = {
        "postgresql": "jsonb_array_elements(p.{side} -> 'scores') AS s{side}(score)",
        "sqlite": "json_each(p.{side}, '$.scores') AS s{side}",
        "duckdb": "unnest(CAST(json_extract(p.{side}, '$.scores') AS JSON[])) AS s{side}(score)",
    }[vendor]
    slug = {
        "postgresql": "s{side}.score ->> 'slug'",
        "sqlite": "json_extract(s{side}.value, '$.slug')",
        "duckdb": "s{side}.score ->> 'slug'",
    }[vendor]
    value = {
        "postgresql": "CAST(s{side}.score ->> 'value' AS NUMERIC)",
        "sqlite": "json_extract(s{side}.value, '$.value')",
        "duckdb": "CAST(s{side}.score ->> 'value' AS DOUBLE)",
    }[vendor]

    def side(text: str, which: str) -> str:
        return text.format(side=which)

    return f"""
WITH parameters(measure, subscale, places, min_change, threshold, higher_worse) AS (
  VALUES {_subscales()}
),
discharged AS (SELECT d.referral_id {_DISCHARGES}),
responses AS (
  SELECT m.id, m.referral_id, m.measure,
         ROW_NUMBER() OVER (PARTITION BY m.referral_id, m.measure
                            ORDER BY m.recorded_at, m.id) AS from_first,
         ROW_NUMBER() OVER (PARTITION BY m.referral_id, m.measure
                            ORDER BY m.recorded_at DESC, m.id DESC) AS from_last
  FROM outcomes_measureresponse m
  WHERE m.referral_id IN (SELECT referral_id FROM discharged)
    AND m.measure IN ({_known_measures()})
),
ends AS (
  SELECT referral_id, measure, MAX(CASE WHEN from_first = 1 THEN id END) AS first_id,
         MAX(CASE WHEN from_last = 1 THEN id END) AS last_id
  FROM responses GROUP BY referral_id, measure HAVING COUNT(*) >= 2
),
paired AS (
  SELECT e.referral_id, e.measure, f.scores AS first_scores, l.scores AS last_scores
  FROM ends e JOIN outcomes_measureresponse f ON f.id = e.first_id
  JOIN outcomes_measureresponse l ON l.id = e.last_id
),
firsts AS (
  SELECT p.referral_id, p.measure, {side(slug, "first_scores")} AS subscale,
         {side(value, "first_scores")} AS value
  FROM paired p, {side(values, "first_scores")}
),
lasts AS (
  SELECT p.referral_id, p.measure, {side(slug, "last_scores")} AS subscale,
         {side(value, "last_scores")} AS value
  FROM paired p, {side(values, "last_scores")}
),
changes AS (
  SELECT f.referral_id, q.min_change, q.threshold, q.higher_worse,
         ROUND(l.value - f.value, q.places) AS change
  FROM firsts f
  JOIN lasts l ON l.referral_id = f.referral_id AND l.measure = f.measure
    AND l.subscale = f.subscale
  JOIN parameters q ON q.measure = f.measure AND q.subscale = f.subscale
  WHERE f.value IS NOT NULL AND l.value IS NOT NULL
),
verdicts AS (
  SELECT p.referral_id,
    MAX(CASE WHEN (CASE WHEN ch.min_change >= 0 THEN ABS(ch.change) >= ch.min_change
                        ELSE ABS(ch.change) > ch.threshold END)
              AND ((ch.higher_worse = 1 AND ch.change < 0)
                   OR (ch.higher_worse = 0 AND ch.change > 0)) THEN 1 ELSE 0 END) AS better,
    MAX(CASE WHEN (CASE WHEN ch.min_change >= 0 THEN ABS(ch.change) >= ch.min_change
                        ELSE ABS(ch.change) > ch.threshold END)
              AND ((ch.higher_worse = 1 AND ch.change > 0)
                   OR (ch.higher_worse = 0 AND ch.change < 0)) THEN 1 ELSE 0 END) AS worse
  FROM paired p LEFT JOIN changes ch ON ch.referral_id = p.referral_id
  GROUP BY p.referral_id
)
SELECT {_HUNDRED} * SUM(CASE WHEN v.better = 1 AND v.worse = 0 THEN 1 ELSE 0 END)
       / NULLIF(COUNT(*), 0)
FROM discharged d JOIN verdicts v ON v.referral_id = d.referral_id
"""  # noqa: S608 (the module's own fragments; values are parameters)


def _experience(any_time: bool) -> str:
    page = """
  UNION ALL
  SELECT s.helpful FROM coproduction_servicefeedback s
  WHERE s.alliance_id = %(alliance)s AND s.submitted_at >= %(since)s AND s.submitted_at < %(until)s
""" if any_time else ""  # fmt: skip
    return f"""
SELECT {_HUNDRED} * SUM(CASE WHEN helpful >= 4 THEN 1 ELSE 0 END) / NULLIF(COUNT(*), 0)
FROM (
  SELECT f.helpful FROM care_feedback f JOIN care_discharge d ON d.id = f.discharge_id
  {_IN_ALLIANCE.format(alias="d")}
  WHERE c.alliance_id = %(alliance)s AND f.submitted_at >= %(since)s AND f.submitted_at < %(until)s
  {page}
) given
"""  # noqa: S608 (the module's own fragments; values are parameters)


def _statements() -> dict[str, Statement]:
    found = [
        Statement("referrals", _REFERRALS, _REFERRALS),
        Statement(
            "re-referrals",
            postgresql=_re_referrals("r.received_at - INTERVAL '365 days'"),
            sqlite=_re_referrals("date(r.received_at, '-365 days') || substr(r.received_at, 11)"),
        ),
        _median("time-to-triage", "d.decided_at", "r.received_at", _FIRST_DECISIONS),
        _median("first-contact", "k.happened_at", "r.received_at", _nth_contacts(1)),
        _median("second-contact", "k.happened_at", "r.received_at", _nth_contacts(2)),
        Statement("seen", _SEEN, _SEEN),
        Statement("did-not-attend", _DID_NOT_ATTEND, _DID_NOT_ATTEND),
        Statement("disengaged", _DISENGAGED, _DISENGAGED),
        Statement("stepped-up", _STEPPED_UP, _STEPPED_UP),
        Statement("waiting", f"SELECT COUNT(*) {_WAITING_NOW}", f"SELECT COUNT(*) {_WAITING_NOW}"),
        Statement(
            "longest-wait",
            postgresql=f"SELECT FLOOR({_pg_days('%(now)s', 'MIN(r.received_at)')}) {_WAITING_NOW}",
            sqlite=f"SELECT CAST({_sqlite_days('%(now)s', 'MIN(r.received_at)')} AS INTEGER) "
            f"{_WAITING_NOW}",
        ),
        Statement(
            "check-ins",
            postgresql=_check_ins("began + every * INTERVAL '1 day'", "%(now)s"),
            sqlite=_check_ins("julianday(began) + every", "julianday(%(now)s)"),
            duckdb=_check_ins("began + to_days(every)", "%(now)s"),
        ),
        Statement("reviews-overdue", _REVIEWS_OVERDUE, _REVIEWS_OVERDUE),
        Statement("paired", _paired(), _paired()),
        Statement(
            "improved",
            postgresql=_improved("postgresql"),
            sqlite=_improved("sqlite"),
            duckdb=_improved("duckdb"),
        ),
        Statement("experience-all", _experience(True), _experience(True)),
        Statement("experience", _experience(False), _experience(False)),
    ]
    return {statement.slug: statement for statement in found}


HAND_WRITTEN: dict[str, Statement] = _statements()


def parameters(alliance: Alliance, period: Period) -> dict[str, Any]:
    """The statements' parameters for the alliance and period, now (`onedoor.clock`)."""
    now = clock.now()
    return {
        "alliance": alliance.pk,
        "since": period.since,
        "until": period.until,
        "seen_since": period.until - timedelta(days=SEEN_WINDOW_DAYS),
        "now": now,
        "today": timezone.localdate(now, LONDON),
    }


def rounded(slug: str, value: float | None) -> float | None:
    """A statement's value as the product gives its figure."""
    if value is None:
        return None
    kpi = BY_SLUG[slug]
    if kpi.unit == Unit.COUNT or kpi.counted:
        return int(value)
    return round(float(value), 1)


def product_figure(slug: str, alliance: Alliance, period: Period) -> float | None:
    """The KPI's figure for the whole alliance, uncut, as the dashboard computes it."""
    (figure,) = BY_SLUG[slug](alliance, Scope(), period, Cut.NONE)
    return figure.value


def _adapted(vendor: str, given: dict[str, Any]) -> dict[str, Any]:
    """Moments as the database stores them: on SQLite, text in UTC; in DuckDB's copy, UTC
    without a zone (`to_duckdb`)."""
    if vendor == "postgresql":
        return given
    adapted: dict[str, Any] = {}
    for name, value in given.items():
        if isinstance(value, datetime):
            utc = value.astimezone(UTC).replace(tzinfo=None)
            adapted[name] = utc if vendor == "duckdb" else str(utc)
        elif isinstance(value, date):
            adapted[name] = value if vendor == "duckdb" else value.isoformat()
        else:
            adapted[name] = value
    return adapted


def hand_written_value(slug: str, given: dict[str, Any]) -> float | None:
    """The statement's value on the default database (unrounded)."""
    sql = HAND_WRITTEN[slug].sql_for(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(sql, _adapted(connection.vendor, given))
        (value,) = cursor.fetchone()
    return None if value is None else float(value)


def hand_written_figure(slug: str, alliance: Alliance, period: Period) -> float | None:
    """The same figure from the one statement, on the default database."""
    return rounded(slug, hand_written_value(slug, parameters(alliance, period)))


# DuckDB (benchmark B4): the rows the statements read, copied into an in-memory database.

# Each table the statements read: its columns and their DuckDB types. Moments are UTC without
# a zone, as the parameters are given (`_adapted`).
TABLES: dict[str, tuple[tuple[str, str], ...]] = {
    "children_child": (("id", "BIGINT"), ("alliance_id", "BIGINT")),
    "referrals_referral": (
        ("id", "BIGINT"), ("child_id", "BIGINT"), ("received_at", "TIMESTAMP"),
        ("status", "VARCHAR"), ("triage_due_at", "TIMESTAMP"), ("risk_rating", "VARCHAR"),
        ("accepted_at", "TIMESTAMP"), ("allocated_at", "TIMESTAMP"),
    ),
    "triage_triagedecision": (
        ("id", "BIGINT"), ("referral_id", "BIGINT"), ("decided_at", "TIMESTAMP"),
        ("outcome", "VARCHAR"), ("sign_off", "VARCHAR"),
    ),
    "care_contact": (
        ("id", "BIGINT"), ("referral_id", "BIGINT"), ("happened_at", "TIMESTAMP"),
        ("outcome", "VARCHAR"),
    ),
    "care_discharge": (
        ("id", "BIGINT"), ("referral_id", "BIGINT"), ("reason", "VARCHAR"),
        ("discharged_at", "TIMESTAMP"),
    ),
    "care_transition": (
        ("id", "BIGINT"), ("referral_id", "BIGINT"), ("kind", "VARCHAR"),
        ("acknowledged_at", "TIMESTAMP"),
    ),
    "care_feedback": (
        ("id", "BIGINT"), ("discharge_id", "BIGINT"), ("helpful", "INTEGER"),
        ("submitted_at", "TIMESTAMP"),
    ),
    "coproduction_servicefeedback": (
        ("id", "BIGINT"), ("alliance_id", "BIGINT"), ("helpful", "INTEGER"),
        ("submitted_at", "TIMESTAMP"),
    ),
    "care_checkin": (("id", "BIGINT"), ("referral_id", "BIGINT"), ("recorded_at", "TIMESTAMP")),
    "care_riskreview": (
        ("id", "BIGINT"), ("referral_id", "BIGINT"), ("recorded_at", "TIMESTAMP"),
        ("next_due", "DATE"),
    ),
    "care_careplan": (
        ("id", "BIGINT"), ("referral_id", "BIGINT"), ("recorded_at", "TIMESTAMP"),
        ("review_due", "DATE"),
    ),
    "outcomes_measureresponse": (
        ("id", "BIGINT"), ("referral_id", "BIGINT"), ("recorded_at", "TIMESTAMP"),
        ("measure", "VARCHAR"), ("scores", "VARCHAR"),
    ),
    "alliance_checkincadence": (
        ("id", "BIGINT"), ("alliance_id", "BIGINT"), ("rating", "VARCHAR"),
        ("interval_days", "INTEGER"),
    ),
}  # fmt: skip


def _cell(value: object) -> object:
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.isoformat(sep=" ")
    if isinstance(value, dict | list):
        return json.dumps(value)
    return "" if value is None else value


def to_duckdb() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB holding the columns the statements read (`TABLES`), copied from
    the default database through a CSV file per table (a null is an empty field)."""
    import duckdb

    target = duckdb.connect(":memory:")
    with tempfile.TemporaryDirectory(prefix="onedoor-duckdb-") as folder:
        for table, columns in TABLES.items():
            path = Path(folder) / f"{table}.csv"
            names = ", ".join(name for name, _ in columns)
            with path.open("w", newline="") as file, connection.cursor() as cursor:
                writer = csv.writer(file)
                cursor.execute(f"SELECT {names} FROM {table}")  # noqa: S608 (our own names)
                while rows := cursor.fetchmany(5000):
                    writer.writerows([_cell(value) for value in row] for row in rows)
            types = ", ".join(f"'{name}': '{kind}'" for name, kind in columns)
            target.execute(
                f"CREATE TABLE {table} AS SELECT * FROM read_csv('{path}', header = false, "  # noqa: S608
                f"columns = {{{types}}}, delim = ',', quote = '\"', escape = '\"', nullstr = '', "
                f"auto_detect = false)"
            )
    return target


def duckdb_value(
    target: duckdb.DuckDBPyConnection, slug: str, given: dict[str, Any]
) -> float | None:
    """The statement's value in DuckDB's copy (unrounded)."""
    sql = HAND_WRITTEN[slug].sql_for("duckdb")
    used = {name: value for name, value in given.items() if f"${name}" in sql}  # all, or none
    row = target.execute(sql, _adapted("duckdb", used)).fetchone()
    value = None if row is None else row[0]
    return None if value is None else float(value)
