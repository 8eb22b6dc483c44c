"""The triage queue: urgent disclosures not yet screened first (`test_urgent_disclosures.py`),
then red referrals not yet reviewed, then by the clock; filters;
keyset pages; a fixed number of queries whatever the size of the queue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from onedoor.alliance.models import Alliance, PriorityGroup
from onedoor.referrals.models import Referral, RiskRating, Status
from onedoor.triage import queue
from tests.personas import People, make_child, sign_in

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
    assert page.count("Not yet screened</td>") == 1


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
        _referral(alliance, f"Child{n}", due_in_days=n % 7)
    sign_in(client, people.triage)
    client.get("/")
    # session, user, device; the queue page and its priority groups; matches to check;
    # the filters' priority groups and partners
    with django_assert_num_queries(8):  # type: ignore[operator]
        response = client.get("/triage/")
    assert len(response.context["rows"]) == size


def test_a_partner_practitioner_has_no_triage_queue(client: Client, people: People) -> None:
    sign_in(client, people.kooth_practitioner)
    assert client.get("/triage/").status_code == 403
