"""The triage queue: urgent disclosures not yet screened first (`test_urgent_disclosures.py`),
then red referrals not yet reviewed, then by the clock; filters;
keyset pages; a fixed number of queries whatever the size of the queue."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.test import Client

from onedoor.accounts.models import User
from onedoor.alliance.models import Alliance, PriorityGroup
from onedoor.audit.trail import Action, record
from onedoor.children.models import Child
from onedoor.referrals.models import Referral, RiskRating, Status
from onedoor.triage import queue
from onedoor.triage.queue import Opened, Tag
from tests.personas import NOW, People, make_child, shown, sign_in

START = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)


def _referral(
    alliance: Alliance,
    name: str,
    *,
    due_in_days: int,
    band: int = 2,
    rating: str = "",
    status: Status = Status.AWAITING_TRIAGE,
    source: str = "school",
) -> Referral:
    referral = make_child(alliance, name, status=status).referrals.get()
    Referral.objects.filter(pk=referral.pk).update(
        triage_due_at=START + timedelta(days=due_in_days),
        queue_band=band,
        risk_rating=rating,
        source=source,
    )
    referral.refresh_from_db()
    return referral


def _names(response: object) -> list[str]:
    return [row.referral.child.given_name for row in response.context["rows"]]  # type: ignore[attr-defined]


def test_red_referrals_not_yet_reviewed_come_first_then_the_clock(
    client: Client, alliance: Alliance, people: People
) -> None:
    _referral(alliance, "Later", due_in_days=3)
    _referral(alliance, "Soon", due_in_days=1)
    _referral(alliance, "Red", due_in_days=5, band=1, rating=RiskRating.RED)
    _referral(alliance, "Reviewed", due_in_days=2, rating=RiskRating.RED)
    _referral(alliance, "Gone", due_in_days=0, status=Status.WAITING)
    sign_in(client, people.triage)
    response = client.get("/triage/")
    assert _names(response) == ["Red", "Soon", "Reviewed", "Later"]
    page = response.content.decode()
    assert "Red: clinician review needed" in page
    assert "nhsuk-tag--" in page  # colour, and always the words beside it


def test_an_unscreened_referral_that_discloses_a_risk_to_life_says_so_in_the_queue(
    client: Client, alliance: Alliance, people: People
) -> None:
    urgent = _referral(alliance, "Urgent", due_in_days=0, band=0)  # as it arrived
    Referral.objects.filter(pk=urgent.pk).update(suicidal_thoughts=True)
    _referral(alliance, "Other", due_in_days=1)
    sign_in(client, people.triage)
    response = client.get("/triage/")
    assert _names(response) == ["Urgent", "Other"]
    page = response.content.decode()
    assert page.count("Urgent disclosure: screen now") == 1
    assert page.count('<strong class="nhsuk-tag nhsuk-tag--grey">Not yet screened</strong>') == 1


def test_the_queue_filters_by_state_source_group_and_age(
    client: Client, alliance: Alliance, people: People
) -> None:
    _referral(alliance, "School", due_in_days=1)
    _referral(alliance, "Gp", due_in_days=2, source="gp")
    waiting = _referral(alliance, "Info", due_in_days=3, status=Status.MORE_INFORMATION)
    waiting.child.priority_groups.add(PriorityGroup.objects.get(slug="care-experienced"))
    sign_in(client, people.triage)
    assert _names(client.get("/triage/?source=gp")) == ["Gp"]
    assert _names(client.get("/triage/?state=more_information")) == ["Info"]
    assert _names(client.get("/triage/?priority_group=care-experienced")) == ["Info"]
    assert _names(client.get("/triage/?age_band=19-25")) == []
    assert _names(client.get("/triage/?source=nonsense")) == ["School", "Gp", "Info"]


def test_the_queue_pages_by_keyset(
    client: Client, alliance: Alliance, people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(queue, "PAGE_SIZE", 2)
    for n in range(5):
        _referral(alliance, f"Child{n}", due_in_days=n)
    sign_in(client, people.triage)
    first = client.get("/triage/")
    assert _names(first) == ["Child0", "Child1"]
    second = client.get(f"/triage/?{first.context['next_query']}")
    assert _names(second) == ["Child2", "Child3"]
    third = client.get(f"/triage/?{second.context['next_query']}")
    assert (_names(third), third.context["next_query"]) == (["Child4"], "")


@pytest.mark.parametrize("size", [3, 30])
def test_the_queue_runs_a_fixed_number_of_queries_whatever_its_size(
    client: Client, alliance: Alliance, people: People, django_assert_num_queries: object, size: int
) -> None:
    for n in range(size):
        referral = _referral(alliance, f"Child{n}", due_in_days=n % 7)
        _viewed(people.triage if n % 2 else people.clinical_lead, referral)
    sign_in(client, people.triage)
    client.get("/")
    # session, user, device; the queue page and its priority groups; who opened each last
    # (one query, from the audit trail); the counts by state; matches to check; the
    # filters' priority groups and partners
    with django_assert_num_queries(10):  # type: ignore[operator]
        response = client.get("/triage/")
    assert len(response.context["rows"]) == size
    assert [row.opened.by for row in response.context["rows"]][:2] == [
        "Cal-Clinical", "Tina-Triage",
    ]  # fmt: skip


def test_a_partner_practitioner_has_no_triage_queue(client: Client, people: People) -> None:
    sign_in(client, people.kooth_practitioner)
    assert client.get("/triage/").status_code == 403


# What each row shows, and the counts above the list


def _viewed(user: User, referral: Referral) -> None:
    """`user` opened the referral (as `access.records.get_referral_for_user` records it)."""
    record(
        Action.VIEW, actor=user, record_type="referral", record_id=referral.uuid,
        child_uuid=referral.child.uuid,
    )  # fmt: skip


def test_each_row_shows_the_child_born_and_aged_the_risk_the_clock_and_who_opened_it_last(
    client: Client,
    alliance: Alliance,
    people: People,
    time_machine: time_machine.TimeMachineFixture,
) -> None:
    amber = _referral(alliance, "Amber", due_in_days=1, rating=RiskRating.AMBER)
    Child.objects.filter(pk=amber.child_id).update(date_of_birth=date(2012, 11, 21))
    green = _referral(alliance, "Green", due_in_days=2, rating=RiskRating.GREEN)
    unread = _referral(alliance, "Unread", due_in_days=-3)  # 5pm today
    time_machine.move_to(datetime(2026, 11, 20, 9, 5, tzinfo=UTC), tick=False)
    _viewed(people.triage, amber)
    time_machine.move_to(datetime(2026, 11, 20, 10, 30, tzinfo=UTC), tick=False)
    _viewed(people.clinical_lead, amber)  # the last of the triage team to open it
    time_machine.move_to(datetime(2026, 11, 20, 11, 0, tzinfo=UTC), tick=False)
    _viewed(people.coordinator, amber)  # not the triage team: not shown
    _viewed(people.triage, green)
    record(
        Action.CHANGE, actor=people.clinical_lead, record_type="referral",
        record_id=green.uuid, child_uuid=green.child.uuid,
    )  # fmt: skip  # a change is not an opening
    time_machine.move_to(NOW, tick=False)
    sign_in(client, people.triage)
    response = client.get("/triage/")
    rows = response.context["rows"]
    assert [
        (row.referral, row.age, row.risk, row.clock.words, row.clock_colour, row.opened)
        for row in rows
    ] == [
        (unread, 14, Tag("Not yet screened", "grey"), "Due today by 5pm", "orange", None),
        (amber, 13, Tag("Amber", "orange"), "2 working days left", "green",
         Opened("Cal-Clinical", datetime(2026, 11, 20, 10, 30, tzinfo=UTC))),
        (green, 14, Tag("Green", "green"), "3 working days left", "green",
         Opened("Tina-Triage", datetime(2026, 11, 20, 11, 0, tzinfo=UTC))),
    ]  # fmt: skip
    page = shown(response)
    assert 'Amber Example<br><span class="nhsuk-body-s">Born 21 Nov 2012 (aged 13)</span>' in page
    assert "Received 2 Nov 2026" in page
    assert '<strong class="nhsuk-tag nhsuk-tag--orange">Amber</strong>' in page
    assert 'Cal-Clinical<br><span class="nhsuk-body-s">20 Nov 10:30</span>' in page
    assert page.count("Not opened yet") == 1


def test_the_risk_tag_says_in_words_what_its_colour_shows(alliance: Alliance) -> None:
    referral = _referral(alliance, "Tag", due_in_days=1)
    cases: list[tuple[dict[str, object], Tag]] = [
        ({"queue_band": 0, "suicidal_thoughts": True}, Tag("Urgent disclosure: screen now", "red")),
        ({"risk_rating": "red", "queue_band": 1}, Tag("Red: clinician review needed", "red")),
        ({"risk_rating": "red", "queue_band": 2}, Tag("Red", "red")),
        ({"risk_rating": "amber"}, Tag("Amber", "orange")),
        ({"risk_rating": "green"}, Tag("Green", "green")),
        ({}, Tag("Not yet screened", "grey")),
    ]
    for changes, tag in cases:
        fresh = Referral.objects.get(pk=referral.pk)
        for field, value in changes.items():
            setattr(fresh, field, value)
        assert queue.risk_tag(fresh) == tag, changes


def test_the_counts_by_state_link_to_each_state_with_the_other_filters_kept(
    client: Client, alliance: Alliance, people: People
) -> None:
    _referral(alliance, "One", due_in_days=1)
    _referral(alliance, "Two", due_in_days=2, source="gp")
    _referral(alliance, "Three", due_in_days=3, source="gp", status=Status.MORE_INFORMATION)
    _referral(alliance, "Four", due_in_days=4, status=Status.AWAITING_SIGN_OFF)
    _referral(alliance, "Gone", due_in_days=0, status=Status.WAITING)
    sign_in(client, people.triage)
    response = client.get("/triage/")
    assert [(count.state, count.count, query) for count, query in response.context["counts"]] == [
        (Status.AWAITING_TRIAGE, 2, "state=awaiting_triage"),
        (Status.MORE_INFORMATION, 1, "state=more_information"),
        (Status.AWAITING_SIGN_OFF, 1, "state=awaiting_sign_off"),
    ]
    page = shown(response)
    assert '<a href="/triage/?state=awaiting_triage">2 awaiting triage</a>' in page
    assert '<a href="/triage/" aria-current="true">All in triage</a>' in page
    # With another filter chosen, the counts are of what it lets through, and the links keep it.
    by_gp = client.get("/triage/?source=gp&state=more_information")
    assert [(count.count, query) for count, query in by_gp.context["counts"]] == [
        (1, "source=gp&state=awaiting_triage"),
        (1, "source=gp&state=more_information"),
        (0, "source=gp&state=awaiting_sign_off"),
    ]
    assert (
        '<a href="/triage/?source=gp&amp;state=more_information" aria-current="true">'
        "1 more information needed</a>"
    ) in shown(by_gp)
    assert _names(by_gp) == ["Three"]
