"""Keyset paging: a cursor carries the last row's values; anything else is a bad request."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from django.db.models import QuerySet

from onedoor.alliance.models import Alliance
from onedoor.children.models import Child
from onedoor.paging import Keyset, NotACursor
from onedoor.referrals.models import Referral, Status
from tests.personas import make_child

ORDER = Keyset(("queue_band", "triage_due_at", "pk"))


def test_pages_follow_the_order_and_break_ties_by_key(alliance: Alliance) -> None:
    same = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)
    later = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)
    for name, band, due in [("A", 1, later), ("B", 1, same), ("C", 0, later), ("D", 1, same)]:
        referral = make_child(alliance, name).referrals.get()
        Referral.objects.filter(pk=referral.pk).update(queue_band=band, triage_due_at=due)
    seen: list[str] = []
    cursor, first = "", True
    while True:
        page = ORDER.page(Referral.objects.select_related("child"), cursor, size=1)
        assert page.first is first
        seen += [row.child.given_name for row in page.rows]
        if not page.following:
            break
        cursor, first = page.following, False
    assert seen == ["C", "B", "D", "A"]


@pytest.mark.parametrize(
    "cursor",
    [
        "1_2",  # too few values
        "x_y_z",
        "1_t99999999999999999999999_3",  # a time out of range
        "1_d0_3",  # no such day
        "1_2_99999999999999999999",  # wider than any database integer
        "1_2_-99999999999999999999",
    ],
)
def test_a_foreign_or_broken_cursor_is_a_bad_request(cursor: str) -> None:
    with pytest.raises(NotACursor):
        ORDER.after(Referral.objects.all(), cursor)


def test_a_value_of_the_wrong_kind_for_its_field_is_a_bad_request(alliance: Alliance) -> None:
    make_child(alliance, "A")
    with pytest.raises(NotACursor):  # a number where the clock's time goes
        ORDER.page(Referral.objects.all(), "1_2_3")
    with pytest.raises(NotACursor):  # a day where the key goes
        ORDER.page(Referral.objects.all(), "1_t1795000000000000_d738000")


def _all_pages(order: Keyset, rows: QuerySet[Any]) -> list[str]:
    seen: list[str] = []
    cursor = ""
    while True:
        page = order.page(rows, cursor, size=2)
        seen += [getattr(row, "given_name", None) or row.child.given_name for row in page.rows]
        if not page.following:
            return seen
        cursor = page.following


def test_a_field_starting_with_a_minus_pages_newest_first_ties_by_the_highest_key(
    alliance: Alliance,
) -> None:
    same = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)
    later = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)
    for name, due in [("A", same), ("B", later), ("C", same), ("D", same), ("E", later)]:
        referral = make_child(alliance, name).referrals.get()
        Referral.objects.filter(pk=referral.pk).update(triage_due_at=due)
    newest = Keyset(("-triage_due_at", "-pk"))
    assert _all_pages(newest, Referral.objects.select_related("child")) == [
        "E", "B", "D", "C", "A",
    ]  # fmt: skip


def test_dates_page_as_well_as_times(alliance: Alliance) -> None:
    for name, born in [("A", date(2012, 3, 1)), ("B", date(2014, 6, 9)), ("C", date(2012, 3, 1))]:
        make_child(alliance, name, born=born)
    youngest = Keyset(("-date_of_birth", "-pk"))
    assert _all_pages(youngest, Child.objects.all()) == ["B", "C", "A"]
    c = Child.objects.get(given_name="C")
    after_c = youngest.after(Child.objects.all(), f"d{c.date_of_birth.toordinal()}_{c.pk}")
    assert list(Child.objects.filter(after_c).values_list("given_name", flat=True)) == ["A"]
    with pytest.raises(NotACursor):
        youngest.after(Child.objects.all(), "x734563_7")


def test_among_is_in_a_list_of_the_codes_constants_and_refuses_anything_else(
    alliance: Alliance,
) -> None:
    make_child(alliance, "A")
    make_child(alliance, "B", status=Status.WAITING)
    chosen = Referral.objects.filter(status__among=[Status.AWAITING_TRIAGE, Status.SIGNPOSTED])
    assert list(chosen.values_list("child__given_name", flat=True)) == ["A"]
    with pytest.raises(ValueError, match="is not one of the code's constants"):
        list(Referral.objects.filter(status__among=["waiting') OR ('1'='1"]))
