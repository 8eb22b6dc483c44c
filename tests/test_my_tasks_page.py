"""My tasks: the child's current risk beside each task about a child (from the referral's
risk rating, "Not yet screened" until a triage lead rates it), at no cost per row; and the
overdue and due-today filters the home page's counts link to."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.test import Client

from onedoor import clock
from onedoor.alliance.models import Alliance
from onedoor.referrals.models import Referral, Status
from onedoor.safeguarding.actions import add_follow_up, raise_concern
from onedoor.safeguarding.models import FollowUp
from onedoor.worklist.counts import DueCount, due_counts
from onedoor.worklist.items import due_items_for, with_clocks
from tests.personas import People, make_child, shown, sign_in

YESTERDAY_5PM = datetime(2026, 11, 19, 17, 0, tzinfo=UTC)
TODAY_5PM = datetime(2026, 11, 20, 17, 0, tzinfo=UTC)
NEXT_WEEK = datetime(2026, 11, 27, 17, 0, tzinfo=UTC)


def _awaiting(alliance: Alliance, name: str, rating: str, due: datetime) -> Referral:
    """A referral awaiting triage whose clock ends at `due`: the triage lead's task then."""
    referral = make_child(alliance, name).referrals.get()
    Referral.objects.filter(pk=referral.pk).update(risk_rating=rating, triage_due_at=due)
    return referral


def _rows(client: Client, path: str = "/tasks/") -> list[tuple[str, str, str]]:
    rows = client.get(path).context["rows"]
    return [
        (row.clock.state, row.item.referral.child.given_name, row.item.referral.risk_rating)
        for row in rows
    ]


def test_each_task_shows_the_childs_current_risk_as_a_tag(
    client: Client, alliance: Alliance, people: People
) -> None:
    _awaiting(alliance, "Rae", "red", YESTERDAY_5PM)
    _awaiting(alliance, "Amy", "amber", TODAY_5PM)
    _awaiting(alliance, "Gus", "green", TODAY_5PM)
    _awaiting(alliance, "Nia", "", TODAY_5PM)
    sign_in(client, people.triage)
    response = client.get("/tasks/")
    page = shown(response)
    cells = [
        part.split("</td>")[0].strip() for part in page.split('aria-hidden="true">Risk </span>')[1:]
    ]
    assert cells == [
        '<strong class="nhsuk-tag nhsuk-tag--red">Red</strong>',
        '<strong class="nhsuk-tag nhsuk-tag--orange">Amber</strong>',
        '<strong class="nhsuk-tag nhsuk-tag--green">Green</strong>',
        '<strong class="nhsuk-tag nhsuk-tag--grey">Not yet screened</strong>',
    ]
    assert [row.item.referral.child.given_name for row in response.context["rows"]] == [
        "Rae", "Amy", "Gus", "Nia",
    ]  # fmt: skip
    # a clock due today is orange, as NHS.UK has no amber tag
    assert '<strong class="nhsuk-tag nhsuk-tag--orange">Due today by 5pm</strong>' in page


def test_a_task_about_no_one_child_says_so_in_the_risk_column(
    client: Client, alliance: Alliance, people: People
) -> None:
    from onedoor.meetings.actions import ActionEntry, AttendeeEntry, record_meeting

    record_meeting(
        user=people.coordinator, kind="professionals", held_on=date(2026, 11, 18),
        title="Waiting list review", chair_name="Pat Example",
        attendees=[AttendeeEntry(user=people.triage)],
        actions=[ActionEntry("Call the school.", people.triage, date(2026, 11, 27))],
        today=clock.today(),
    )  # fmt: skip
    sign_in(client, people.triage)
    page = shown(client.get("/tasks/"))
    assert 'aria-hidden="true">Risk </span><span class="nhsuk-body-s">Not about one child' in page


def test_the_filters_keep_the_overdue_tasks_or_those_due_today(
    client: Client, alliance: Alliance, people: People
) -> None:
    _awaiting(alliance, "Rae", "red", YESTERDAY_5PM)
    _awaiting(alliance, "Ola", "green", YESTERDAY_5PM - timedelta(days=1))
    _awaiting(alliance, "Amy", "amber", TODAY_5PM)
    sign_in(client, people.triage)
    assert _rows(client) == [
        ("overdue", "Ola", "green"), ("overdue", "Rae", "red"), ("due_today", "Amy", "amber"),
    ]  # fmt: skip
    assert _rows(client, "/tasks/?due=overdue") == [
        ("overdue", "Ola", "green"), ("overdue", "Rae", "red"),
    ]  # fmt: skip
    assert _rows(client, "/tasks/?due=today") == [("due_today", "Amy", "amber")]
    assert len(_rows(client, "/tasks/?due=nonsense")) == 3  # an unknown filter shows all
    page = shown(client.get("/tasks/?due=overdue"))
    assert '<a href="/tasks/?due=overdue" aria-current="page">Overdue tasks (2)</a>' in page
    assert '<a href="/tasks/">All open tasks (3)</a>' in page
    assert '<a href="/tasks/?due=today">Tasks due today (1)</a>' in page


def test_the_counts_are_of_one_list_and_say_when_it_stopped(
    alliance: Alliance, people: People
) -> None:
    _awaiting(alliance, "Rae", "red", YESTERDAY_5PM)
    _awaiting(alliance, "Amy", "amber", TODAY_5PM)
    _awaiting(alliance, "Gus", "green", NEXT_WEEK)  # not yet the triage lead's task
    now = clock.now()
    rows = with_clocks(due_items_for(people.triage, now), now)
    assert due_counts(rows) == [
        DueCount("", "All open tasks", 2, False),
        DueCount("overdue", "Overdue tasks", 1, False),
        DueCount("today", "Tasks due today", 1, False),
    ]
    assert [c.capped for c in due_counts(rows * 100)] == [True] * 3  # 200: the list stops


@pytest.mark.parametrize("size", [1, 5])
def test_the_risk_beside_each_task_costs_no_query(
    client: Client,
    alliance: Alliance,
    people: People,
    django_assert_num_queries: object,
    size: int,
) -> None:
    for n in range(size):
        referral = make_child(
            alliance, f"Kai{n}", allocated_to="kooth", status=Status.IN_INTERVENTION
        ).referrals.get()
        Referral.objects.filter(pk=referral.pk).update(
            risk_rating=("red", "amber", "green", "")[n % 4],
            named_practitioner=people.kooth_practitioner,
        )
        concern = raise_concern(
            user=people.kooth_practitioner, referral=referral, category="neglect",
            seen_or_said="Hungry.", immediate_actions="Fed.", referred_to_social_care=False,
            social_care_reference="", owner=people.safeguarding,
        )  # fmt: skip
        add_follow_up(
            user=people.safeguarding, concern=concern, text="Call the school.",
            owner=people.kooth_practitioner, due=clock.today(),
        )  # fmt: skip
    sign_in(client, people.kooth_practitioner)
    client.get("/")
    # session, user, device; then one query for each kind of a practitioner's work
    # (`worklist.items.SOURCES`, `EVERYONES`, `BETWEEN_PARTNERS`), the risk on each row
    # coming with its referral
    from onedoor.worklist.items import BETWEEN_PARTNERS, EVERYONES, SOURCES

    kinds = len(SOURCES["practitioner"]) + 1 + len(BETWEEN_PARTNERS) + len(EVERYONES)
    with django_assert_num_queries(3 + kinds + 1):  # type: ignore[operator]
        response = client.get("/tasks/")
    assert len(response.context["rows"]) == size
    assert FollowUp.objects.count() == size
