"""The triage queue at any depth (issue 17, B1): every page follows the order of the whole
queue, ties included (a red risk never sinks a page); a page is read from the queue's own index
in that order, the first and a deep one alike, on SQLite and PostgreSQL; and it costs the same
number of queries at any depth."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection, transaction
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pytest_django import DjangoAssertNumQueries

from onedoor.alliance.models import Alliance
from onedoor.children.models import Child
from onedoor.referrals.bands import EVERYTHING_ELSE, RED_UNREVIEWED, URGENT_UNSCREENED
from onedoor.referrals.models import TRIAGE_STATES, Referral, Status
from onedoor.triage.queue import PAGE_SIZE, QUEUE_ORDER, Filters, page_of, queue_for
from tests.personas import People, make_reference, sign_in

START = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)
BANDS = (URGENT_UNSCREENED, RED_UNREVIEWED, EVERYTHING_ELSE)
# Few values for each key, so that rows tie on every key but the last.
DUE = (START, START + timedelta(microseconds=1), START + timedelta(days=1))
RECEIVED = (START - timedelta(days=3), START - timedelta(days=3, microseconds=-999))
NOT_IN_TRIAGE = (Status.SIGNPOSTED, Status.WAITING, Status.DISCHARGED)


def _crowd(alliance: Alliance, rows: list[tuple[int, datetime, datetime, Status]]) -> None:
    """One child and one referral for each row of (band, due, received, status)."""
    children = Child.objects.bulk_create(
        Child(
            alliance=alliance, given_name=f"Child{n}", family_name="Crowd",
            date_of_birth=date(2012, 3, 14), postcode="ME4 4AB",
        )
        for n in range(len(rows))
    )  # fmt: skip
    Referral.objects.bulk_create(
        Referral(
            reference=make_reference(), child=child, source="school", status=status,
            queue_band=band, triage_due_at=due, received_at=received,
        )
        for child, (band, due, received, status) in zip(children, rows, strict=True)
    )  # fmt: skip


def _key(referral: Referral) -> tuple[int, datetime, datetime, int]:
    assert referral.triage_due_at is not None
    return (referral.queue_band, referral.triage_due_at, referral.received_at, referral.pk)


def _every_page(read: Callable[[str], tuple[list[Referral], str]]) -> list[Referral]:
    seen, cursor = [], ""
    while True:
        rows, cursor = read(cursor)
        seen += rows
        if not cursor:
            return seen


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from(BANDS),
            st.sampled_from(DUE),
            st.sampled_from(RECEIVED),
            st.sampled_from((*TRIAGE_STATES, *NOT_IN_TRIAGE)),
        ),
        max_size=14,
    ),
    size=st.integers(min_value=1, max_value=4),
)
def test_the_pages_together_are_the_whole_queue_in_order_ties_on_every_key_included(
    alliance: Alliance,
    people: People,
    rows: list[tuple[int, datetime, datetime, Status]],
    size: int,
) -> None:
    with transaction.atomic():
        _crowd(alliance, rows)
        whole = sorted(Referral.objects.filter(status__in=TRIAGE_STATES), key=_key)

        def read(cursor: str) -> tuple[list[Referral], str]:
            page = QUEUE_ORDER.page(queue_for(people.triage, Filters()), cursor, size)
            return page.rows, page.following

        assert [r.pk for r in _every_page(read)] == [r.pk for r in whole]
        transaction.set_rollback(True)


def test_a_state_chosen_pages_in_the_same_order(alliance: Alliance, people: People) -> None:
    _crowd(
        alliance,
        [
            (band, DUE[n % 3], RECEIVED[n % 2], TRIAGE_STATES[n % 3])
            for n, band in enumerate(BANDS * 4)
        ],
    )
    chosen = Filters(state=Status.MORE_INFORMATION)
    whole = sorted(Referral.objects.filter(status=Status.MORE_INFORMATION), key=_key)

    def read(cursor: str) -> tuple[list[Referral], str]:
        page = QUEUE_ORDER.page(queue_for(people.triage, chosen), cursor, 1)
        return page.rows, page.following

    assert [r.pk for r in _every_page(read)] == [r.pk for r in whole]
    assert len(whole) == 4


# The query plan: the queue's own index, read in order, never a sort of the whole queue


# A queue of 600 among 3,000 referrals: on PostgreSQL, with fewer (120), sorting the queue
# costs less than reading it in order, and the planner rightly sorts.
QUEUED, ELSEWHERE = 600, 2400


@pytest.fixture
def crowded(alliance: Alliance) -> None:
    """The queue among the other referrals, the statistics gathered on PostgreSQL (SQLite has
    none, as in use: nothing runs its ANALYZE)."""
    _crowd(
        alliance,
        [
            (BANDS[n % 3], START + timedelta(minutes=n), START - timedelta(days=3, minutes=n),
             TRIAGE_STATES[n % 3] if n < QUEUED else NOT_IN_TRIAGE[n % 3])
            for n in range(QUEUED + ELSEWHERE)
        ],
    )  # fmt: skip
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def _cursors(people: People) -> list[str]:
    """The cursor of every page of the crowded queue ("" for the first)."""
    cursors = [""]
    while following := page_of(people.triage, Filters(), cursors[-1]).following:
        cursors.append(following)
    assert len(cursors) == QUEUED // PAGE_SIZE
    return cursors


def _plan(people: People, cursor: str) -> str:
    return QUEUE_ORDER.query(queue_for(people.triage, Filters()), cursor, PAGE_SIZE).explain()


@pytest.mark.usefixtures("crowded")
def test_a_page_is_read_in_order_from_the_queues_index_first_and_deep(people: People) -> None:
    cursors = _cursors(people)
    for cursor in (cursors[0], cursors[-1]):  # the first page and the last
        plan = _plan(people, cursor)
        if connection.vendor == "sqlite":
            # SCAN (the first page) or SEARCH (from the cursor's row on) the queue's index,
            # with no temporary b-tree: SQLite sorts nothing.
            (referrals,) = [line for line in plan.splitlines() if "referrals_referral" in line]
            assert referrals.endswith(
                "SEARCH referrals_referral USING INDEX triage_queue_order"
                " ((queue_band,triage_due_at,received_at)>(?,?,?))"
                if cursor
                else "SCAN referrals_referral USING INDEX triage_queue_order"
            ), plan
            assert "TEMP B-TREE" not in plan, plan
        else:
            assert "Index Scan using triage_queue_order on referrals_referral" in plan, plan
            assert "Sort" not in plan, plan
            assert ("Index Cond: (ROW(" in plan) is bool(cursor), plan


@pytest.mark.usefixtures("crowded")
def test_the_last_page_runs_the_same_queries_as_the_first(
    client: Client, people: People, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    cursors = _cursors(people)
    sign_in(client, people.triage)
    client.get("/")
    shown = []
    for cursor in (cursors[0], cursors[-1]):  # the first page and the last
        # session, user, device; the page and its priority groups; who opened each last; the
        # counts by state; matches to check; the filters' priority groups and partners
        with django_assert_num_queries(10):
            response = client.get("/triage/", {"after": cursor} if cursor else {})
        shown.append((len(response.context["rows"]), response.context["next_query"]))
    assert shown == [(PAGE_SIZE, f"after={cursors[1]}"), (PAGE_SIZE, "")]
