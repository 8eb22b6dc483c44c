"""Exports at any size (issue 17, B6): each extract is one statement read a batch at a time,
so an export runs the same queries and holds the same rows in memory whatever the alliance's
size; the KPI exports too run a number of queries that does not grow with the records."""

from __future__ import annotations

import base64
import csv
import hashlib
import hmac
import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

import psycopg
import pytest
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from onedoor.accounts.models import User
from onedoor.alliance.models import Alliance
from onedoor.demo.population import ensure_demo_accounts, seed_population
from onedoor.insights import extracts, views
from onedoor.insights.extracts import EXTRACTS, _day, copy_rows, pseudonym
from onedoor.referrals.models import Referral
from tests.personas import NOW, sign_in

SIZES = (3, 40)  # children, seeded as the demo seeds them (referrals, decisions, contacts...)


@pytest.fixture
def demo(alliance: Alliance, time_machine: Any) -> Alliance:
    time_machine.move_to(NOW)
    ensure_demo_accounts(alliance, "demo-password-1")
    return alliance


def _signed_in(username: str) -> Client:
    client = Client()
    sign_in(client, User.objects.get(username=username))
    return client


@contextmanager
def _statements() -> Iterator[list[str]]:
    """Every statement sent to the database: Django's queries, and the `COPY`s an extract runs
    on PostgreSQL through psycopg itself (which Django does not log)."""
    copies: list[str] = []
    real = psycopg.Cursor.copy

    def copy(cursor: psycopg.Cursor[Any], statement: Any, *args: Any, **kwargs: Any) -> Any:
        copies.append(str(statement))
        return real(cursor, statement, *args, **kwargs)

    with (
        CaptureQueriesContext(connection) as captured,
        mock.patch.object(psycopg.Cursor, "copy", copy),
    ):
        sent: list[str] = []
        yield sent
    sent.extend(query["sql"] for query in captured.captured_queries)
    sent.extend(copies)


def _queries(client: Client, url: str) -> int:
    with _statements() as sent:
        response = client.get(url)
        assert response.status_code == 200
        if response.streaming:
            b"".join(response.streaming_content)  # type: ignore[attr-defined,arg-type]
    return len(sent)


KPI_EXPORTS = [
    f"/insights/export.{kind}?period=12-months&cut=priority_group" for kind in ("csv", "xlsx")
]


def test_an_export_runs_as_many_queries_whatever_its_size(demo: Alliance) -> None:
    """Each extract is one query (and its download as many as at any other size); each KPI
    export runs as many queries with 3 children as with 40."""
    analyst, manager = _signed_in("analyst"), _signed_in("manager")
    counted: dict[int, dict[str, int]] = {}
    for size in SIZES:
        seed_population(demo, size, today=NOW.date())
        for name, extract in EXTRACTS.items():
            with _statements() as sent:
                rows = sum(1 for _ in extract.rows(demo)) - 1
            # On PostgreSQL the COPY has its own savepoint inside the test's transaction (a
            # transaction of its own when served): not a read.
            reads = [statement for statement in sent if "SAVEPOINT" not in statement]
            assert len(reads) == 1
            if name in ("records", "mhsds-referrals", "mhsds-care-contacts"):
                assert rows >= size
        # Each download once before it is counted: what a session or a day keeps (the
        # signed-in user, the KPIs' series) is then kept alike at each size.
        downloads = [(analyst, f"/insights/extracts/{name}.csv") for name in EXTRACTS]
        downloads += [(manager, url) for url in KPI_EXPORTS]
        for client, url in downloads:
            client.get(url)
        counted[size] = {url: _queries(client, url) for client, url in downloads}
    assert counted[3] == counted[40]
    assert Referral.objects.count() > 40


class _Counting:
    """A cursor that counts the rows handed out and refuses to hand out all of them at once."""

    def __init__(self, cursor: Any) -> None:
        self.cursor = cursor
        self.fetched = 0

    def __enter__(self) -> _Counting:
        return self

    def __exit__(self, *exc: object) -> None:
        self.cursor.close()

    def execute(self, sql: str, params: object) -> None:
        self.cursor.execute(sql, params)

    def fetchmany(self, size: int) -> list[tuple[Any, ...]]:
        rows = self.cursor.fetchmany(size)
        self.fetched += len(rows)
        return rows  # type: ignore[no-any-return]

    def fetchall(self) -> None:
        raise AssertionError("an extract never fetches every row at once")


@pytest.mark.parametrize("name", ["records", "mhsds-referrals", "mhsds-care-contacts"])
def test_an_extract_holds_a_batch_of_rows_not_the_whole_extract(demo: Alliance, name: str) -> None:
    seed_population(demo, 40, today=NOW.date())
    if connection.vendor == "postgresql":
        # A COPY, read a row at a time: after the first row, the server is still sending.
        rows = EXTRACTS[name].rows(demo)
        next(rows), next(rows)  # the header and the first row
        status = connection.connection.info.transaction_status  # type: ignore[union-attr]
        assert status == psycopg.pq.TransactionStatus.ACTIVE
        assert sum(1 for _ in rows) > 20
        return
    opened: list[_Counting] = []
    real = connection.chunked_cursor

    def chunked_cursor() -> _Counting:
        opened.append(_Counting(real()))
        return opened[-1]

    with (
        mock.patch.object(extracts, "CHUNK", 5),
        mock.patch.object(extracts.connection, "chunked_cursor", chunked_cursor),
    ):
        rows = EXTRACTS[name].rows(demo)
        next(rows), next(rows)  # the header and the first row
        [cursor] = opened
        assert cursor.fetched == 5  # one batch read, of many
        total = 2 + sum(1 for _ in rows)
    assert cursor.fetched == total - 1 > 20


def test_the_view_sends_an_extract_a_batch_of_rows_at_a_time(demo: Alliance) -> None:
    seed_population(demo, 40, today=NOW.date())
    with mock.patch.object(views, "CHUNK", 7), mock.patch.object(extracts, "CHUNK", 7):
        pieces = list(views.extract_csv("records", demo))
    lines = [piece.count("\r\n") for piece in pieces]
    assert lines == [7] * (len(lines) - 1) + [lines[-1]] and 0 < lines[-1] <= 7
    assert sum(lines) == 1 + Referral.objects.count()


def test_a_batch_with_a_cell_that_starts_like_a_formula_is_written_safe(
    demo: Alliance,
) -> None:
    rows = [
        ["child", "organisation"],
        ["ABC", "kooth"],
        ["DEF", "-cmd|' /C calc'!A0"],
        ["GHI", "=1+1"],
        ["JKL", "a,=b"],
    ]
    fake = extracts.Extract("fake", lambda alliance: iter(rows), extracts._records_sql)
    with (
        mock.patch.dict(views.EXTRACTS, {"fake": fake}),
        mock.patch.object(views, "CHUNK", 2),
    ):
        text = "".join(views.extract_csv("fake", demo))
    assert list(csv.reader(io.StringIO(text))) == [
        ["child", "organisation"],
        ["ABC", "kooth"],
        ["DEF", "'-cmd|' /C calc'!A0"],
        ["GHI", "'=1+1"],
        ["JKL", "a,=b"],
    ]


@pytest.mark.parametrize("name", list(EXTRACTS))
def test_the_benchmarks_copy_of_the_statement_gives_the_extracts_rows(
    demo: Alliance, name: str
) -> None:
    seed_population(demo, 40, today=NOW.date())
    assert copy_rows(name, demo) == sum(1 for _ in EXTRACTS[name].rows(demo)) - 1 > 0


def test_a_pseudonym_is_the_keyed_digests_first_16_base32_characters() -> None:
    for key in ("short", "k" * 64, "a much longer key than the digest's block of sixty-four" * 2):
        with override_settings(PSEUDONYM_KEY=key):
            for identifier in ("abc", "0b8a3c0e-1111-2222-3333-444455556666", 12345):
                digest = hmac.new(key.encode(), f"child:{identifier}".encode(), hashlib.sha256)
                expected = base64.b32encode(digest.digest()).decode()[:16]
                assert pseudonym("child", identifier) == expected


@pytest.mark.parametrize(
    ("moment", "day"),
    [
        ("2026-10-24 22:30:00", "2026-10-24"),  # BST: 23:30 in London
        ("2026-10-24 23:30:00.123456", "2026-10-25"),  # BST: 00:30 the next day
        ("2026-10-25 00:30:00", "2026-10-25"),  # BST ends at 01:00 UTC
        ("2026-11-20 23:59:59", "2026-11-20"),  # GMT
        ("2027-03-27 23:30:00", "2027-03-27"),  # GMT, the night before BST starts
        ("2027-03-28 23:30:00", "2027-03-29"),  # BST
        ("2026-10-24", "2026-10-24"),  # a day already (PostgreSQL converts in the statement)
        (None, ""),
    ],
)
def test_a_moment_falls_on_its_london_day(moment: str | None, day: str) -> None:
    assert _day(moment) == day


def test_a_download_given_up_halfway_leaves_the_connection_usable(demo: Alliance) -> None:
    seed_population(demo, 40, today=NOW.date())
    with mock.patch.object(views, "CHUNK", 5), mock.patch.object(extracts, "CHUNK", 5):
        pieces = views.extract_csv("mhsds-care-contacts", demo)
        next(pieces)
        pieces.close()  # as when the analyst's browser goes away
    assert Referral.objects.filter(child__alliance=demo).count() > 40


def test_a_copy_given_up_while_the_server_still_sends_fails_only_itself(alliance: Alliance) -> None:
    """The race the test above can lose: a million rows are more than the socket holds, so the
    server is still sending when the stream closes and psycopg cancels the `COPY` (on SQLite the
    same statement is read `CHUNK` rows at a time and simply left)."""
    if connection.vendor == "postgresql":
        sql = "SELECT g FROM generate_series(1, 1000000) g WHERE %(alliance)s IS NOT NULL"
        first: list[tuple[object, ...]] = [("1",), ("2",), ("3",)]  # COPY's values are text
    else:
        first = [(1,), (2,), (3,)]
        sql = (
            "WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < 1000000) "
            "SELECT g FROM s WHERE %(alliance)s IS NOT NULL"
        )
    rows = extracts._stream(sql, alliance)
    assert [next(rows) for _ in range(3)] == first
    rows.close()
    assert Alliance.objects.filter(pk=alliance.pk).count() == 1
