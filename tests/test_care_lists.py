"""The waiting lists and the caseload: rows and order, filters, keyset pages, the Waiting Well
check-in due date from the cadence, who sees what, and a fixed number of queries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from onedoor.alliance.models import Alliance, CheckInCadence
from onedoor.care import lists
from onedoor.care.lists import cadences_for, with_check_in_due
from onedoor.care.models import CheckIn
from onedoor.referrals.models import Referral, RiskRating, Status
from tests.personas import People, make_child, organisation, sign_in

START = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)


def _referral(
    alliance: Alliance,
    name: str,
    *,
    to: str = "kooth",
    status: Status = Status.WAITING,
    received_day: int = 0,
    accepted_day: int | None = None,
    rating: str = "",
) -> Referral:
    referral = make_child(alliance, name, allocated_to=to, status=status).referrals.get()
    Referral.objects.filter(pk=referral.pk).update(
        received_at=START + timedelta(days=received_day),
        allocated_at=START + timedelta(days=received_day + 1),
        accepted_at=None if accepted_day is None else START + timedelta(days=accepted_day),
        risk_rating=rating,
    )
    referral.refresh_from_db()
    return referral


def _waiting(response: object) -> list[str]:
    return [row.referral.child.given_name for row in response.context["rows"]]  # type: ignore[attr-defined]


def _caseload(response: object) -> list[str]:
    return [row.referral.child.given_name for row in response.context["rows"]]  # type: ignore[attr-defined]


# The waiting list


def test_the_waiting_list_shows_allocated_and_waiting_children_longest_wait_first(
    client: Client, alliance: Alliance, people: People
) -> None:
    _referral(alliance, "Recent", received_day=9)
    _referral(alliance, "Oldest", received_day=1, status=Status.ALLOCATED, rating=RiskRating.RED)
    _referral(alliance, "Middle", to="chums", received_day=5, rating=RiskRating.AMBER)
    _referral(alliance, "Working", received_day=0, status=Status.IN_INTERVENTION)
    _referral(alliance, "Triage", received_day=0, status=Status.AWAITING_TRIAGE)
    sign_in(client, people.coordinator)
    response = client.get("/waiting/")
    assert response.status_code == 200
    assert _waiting(response) == ["Oldest", "Middle", "Recent"]
    page = response.content.decode()
    assert "<caption" in page and "Children waiting, longest wait first" in page
    assert ">Red<" in page and ">Amber<" in page and "Not yet screened" in page


def test_the_waiting_list_counts_each_offer_in_one_summary(
    client: Client, alliance: Alliance, people: People
) -> None:
    kooth = _referral(alliance, "Kooth1", received_day=1)
    _referral(alliance, "Kooth2", received_day=2, status=Status.ALLOCATED)
    chums = _referral(alliance, "Chums", to="chums", received_day=3)
    _referral(alliance, "Working", status=Status.IN_INTERVENTION)
    sign_in(client, people.manager)
    counts = client.get("/waiting/?offer=nobody").context["by_offer"]
    assert {(row["allocated_offer__name"], row["waiting"]) for row in counts} == {
        (kooth.allocated_offer.name, 2),  # type: ignore[union-attr]
        (chums.allocated_offer.name, 1),  # type: ignore[union-attr]
    }


def test_the_waiting_list_filters_by_offer_and_partner(
    client: Client, alliance: Alliance, people: People
) -> None:
    kooth = _referral(alliance, "Kooth", received_day=1)
    chums = _referral(alliance, "Chums", to="chums", received_day=2)
    sign_in(client, people.triage)
    assert kooth.allocated_offer is not None and chums.allocated_offer is not None
    assert _waiting(client.get(f"/waiting/?offer={kooth.allocated_offer.slug}")) == ["Kooth"]
    assert _waiting(client.get(f"/waiting/?offer={chums.allocated_offer.slug}")) == ["Chums"]
    assert _waiting(client.get("/waiting/?partner=chums")) == ["Chums"]
    assert _waiting(client.get("/waiting/?partner=kooth")) == ["Kooth"]
    assert _waiting(client.get("/waiting/?partner=nonsense")) == []
    assert _waiting(client.get("/waiting/")) == ["Kooth", "Chums"]


def test_the_waiting_list_pages_by_keyset(
    client: Client, alliance: Alliance, people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lists, "PAGE_SIZE", 2)
    for n in range(5):
        _referral(alliance, f"Child{n}", received_day=n // 2)  # ties broken by pk
    sign_in(client, people.coordinator)
    first = client.get("/waiting/?partner=kooth")
    assert _waiting(first) == ["Child0", "Child1"]
    assert "partner=kooth" in first.context["next_query"]
    second = client.get(f"/waiting/?{first.context['next_query']}")
    assert _waiting(second) == ["Child2", "Child3"]
    third = client.get(f"/waiting/?{second.context['next_query']}")
    assert (_waiting(third), third.context["next_query"]) == (["Child4"], "")
    assert client.get("/waiting/?after=not-a-cursor").status_code == 400


def _due(referral: Referral, cadences: dict[str, int]) -> datetime | None:
    annotated = with_check_in_due(Referral.objects.filter(pk=referral.pk), cadences).get()
    return annotated.check_in_due  # type: ignore[attr-defined, no-any-return]


def test_the_next_check_in_is_due_by_the_cadence_for_the_risk(
    client: Client, alliance: Alliance, people: People
) -> None:
    amber = _referral(alliance, "Amber", received_day=0, accepted_day=3, rating=RiskRating.AMBER)
    green = _referral(alliance, "Green", received_day=1, status=Status.ALLOCATED)
    cadences = cadences_for(people.coordinator)
    assert cadences == {"red": 7, "amber": 14, "green": 28}
    # accepted_at + 14 days (amber); allocated_at + 28 days (no rating counts as green)
    assert _due(amber, cadences) == START + timedelta(days=3 + 14)
    assert _due(green, cadences) == START + timedelta(days=2 + 28)
    Referral.objects.filter(pk=green.pk).update(allocated_at=None)
    assert _due(green, cadences) == START + timedelta(days=1 + 28)
    assert _due(amber, {"green": 28}) is None
    assert _due(green, {"amber": 14}) is None
    CheckInCadence.objects.filter(alliance=alliance, rating="amber").update(interval_days=10)
    sign_in(client, people.coordinator)
    response = client.get("/waiting/")
    dues = {row.referral.child.given_name: row.check_in_due for row in response.context["rows"]}
    assert dues == {
        "Amber": START + timedelta(days=13),
        "Green": START + timedelta(days=29),
    }
    assert "14 Oct 2026" in response.content.decode()


def test_the_next_check_in_counts_from_the_last_check_in_made_or_missed(
    alliance: Alliance, people: People
) -> None:
    amber = _referral(alliance, "Amber", received_day=0, accepted_day=3, rating=RiskRating.AMBER)
    cadences = cadences_for(people.coordinator)
    for day, made in ((10, True), (20, False)):
        CheckIn.objects.create(
            referral=amber, organisation=organisation(alliance, "kooth"),
            recorded_by=people.kooth_practitioner, recorded_at=START + timedelta(days=day),
            contact_made=made, rating=RiskRating.AMBER if made else "",
        )  # fmt: skip
        assert _due(amber, cadences) == START + timedelta(days=day + 14)


def test_who_may_see_the_waiting_list(client: Client, alliance: Alliance, people: People) -> None:
    _referral(alliance, "Kooth", received_day=1)
    _referral(alliance, "Chums", to="chums", received_day=2)
    for user in (people.manager, people.coordinator, people.triage, people.clinical_lead):
        sign_in(client, user)
        assert _waiting(client.get("/waiting/")) == ["Kooth", "Chums"], user.username
    for user in (people.analyst, people.kooth_practitioner, people.commissioner):
        sign_in(client, user)
        assert client.get("/waiting/").status_code == 403, user.username


# The caseload


def test_the_caseload_is_the_organisations_waiting_and_in_intervention_children(
    client: Client, alliance: Alliance, people: People
) -> None:
    _referral(alliance, "Later", accepted_day=6, status=Status.IN_INTERVENTION)
    _referral(alliance, "Earlier", accepted_day=2, rating=RiskRating.AMBER)
    _referral(alliance, "Allocated", status=Status.ALLOCATED)
    _referral(alliance, "Discharged", accepted_day=1, status=Status.DISCHARGED)
    _referral(alliance, "Chums", to="chums", accepted_day=1)
    sign_in(client, people.kooth_practitioner)
    response = client.get("/caseload/?whose=organisation")
    assert _caseload(response) == ["Earlier", "Later"]
    page = response.content.decode()
    assert "<caption" in page and ">Amber<" in page and "In intervention" in page
    child = response.context["rows"][0].referral.child
    assert f'href="/children/{child.uuid}/"' in page
    sign_in(client, people.kooth_lead)
    assert _caseload(client.get("/caseload/")) == ["Earlier", "Later"]
    sign_in(client, people.chums_practitioner)
    assert _caseload(client.get("/caseload/?whose=organisation")) == ["Chums"]


def test_a_care_coordinators_caseload_is_the_lead_providers(
    client: Client, alliance: Alliance, people: People
) -> None:
    _referral(alliance, "Lead", to="north-kent-mind", accepted_day=1)
    _referral(alliance, "Kooth", accepted_day=1)
    sign_in(client, people.coordinator)
    assert _caseload(client.get("/caseload/")) == ["Lead"]


def test_who_may_open_the_caseload(client: Client, people: People) -> None:
    for user in (people.analyst, people.manager, people.triage):
        sign_in(client, user)
        assert client.get("/caseload/").status_code == 403, user.username


def test_the_caseload_pages_by_keyset(
    client: Client, alliance: Alliance, people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lists, "PAGE_SIZE", 2)
    for n in range(5):
        _referral(alliance, f"Child{n}", accepted_day=n // 2)
    sign_in(client, people.kooth_practitioner)
    first = client.get("/caseload/?whose=organisation")
    assert _caseload(first) == ["Child0", "Child1"]
    second = client.get(f"/caseload/?{first.context['next_query']}")
    assert _caseload(second) == ["Child2", "Child3"]
    third = client.get(f"/caseload/?{second.context['next_query']}")
    assert (_caseload(third), third.context["next_query"]) == (["Child4"], "")


def test_without_an_acceptance_date_the_caseload_counts_from_allocation(
    client: Client, alliance: Alliance, people: People
) -> None:
    _referral(alliance, "Accepted", accepted_day=5)
    _referral(alliance, "Unrecorded", received_day=2)  # allocated on day 3
    sign_in(client, people.kooth_lead)
    assert _caseload(client.get("/caseload/")) == ["Unrecorded", "Accepted"]


# A fixed number of queries


@pytest.mark.parametrize("size", [3, 30])
def test_the_waiting_list_runs_a_fixed_number_of_queries_whatever_its_size(
    client: Client, alliance: Alliance, people: People, django_assert_num_queries: object, size: int
) -> None:
    for n in range(size):
        _referral(alliance, f"Child{n}", to=("kooth", "chums")[n % 2], received_day=n % 7)
    sign_in(client, people.coordinator)
    client.get("/")
    # session, user, device; the page; the per-offer counts; the cadences; the filters'
    # offers and partners
    with django_assert_num_queries(8):  # type: ignore[operator]
        response = client.get("/waiting/")
    assert len(response.context["rows"]) == size


@pytest.mark.parametrize("size", [3, 30])
def test_the_caseload_runs_a_fixed_number_of_queries_whatever_its_size(
    client: Client, alliance: Alliance, people: People, django_assert_num_queries: object, size: int
) -> None:
    for n in range(size):
        _referral(alliance, f"Child{n}", accepted_day=n % 7)
    sign_in(client, people.kooth_lead)
    client.get("/")
    # session, user, device; the cadences; the page, with what falls due for each child
    with django_assert_num_queries(5):  # type: ignore[operator]
        response = client.get("/caseload/")
    assert len(response.context["rows"]) == size
