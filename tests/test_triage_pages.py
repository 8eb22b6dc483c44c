"""The triage pages: errors say how to fix them, a stale page shows what changed, and only
the triage team (or the allocated partner) may act."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from onedoor.alliance.models import Alliance
from onedoor.referrals.models import Referral, Status
from tests.personas import People, make_child, sign_in


@pytest.fixture
def referral(alliance: Alliance) -> Referral:
    found = make_child(alliance, "Nia", born=date(2016, 5, 1)).referrals.get()
    Referral.objects.filter(pk=found.pk).update(consent_to_share=True)
    found.refresh_from_db()
    return found


def test_a_screening_without_a_rationale_says_so_and_saves_nothing(
    client: Client, people: People, referral: Referral
) -> None:
    sign_in(client, people.triage)
    response = client.post(f"/triage/{referral.uuid}/screen/", {"version": 1, "rating": "amber"})
    assert response.status_code == 400
    assert "Write why you gave this rating" in response.content.decode()
    referral.refresh_from_db()
    assert (referral.risk_rating, referral.version) == ("", 1)


def test_a_decision_on_a_stale_page_shows_what_changed(
    client: Client, people: People, referral: Referral
) -> None:
    sign_in(client, people.triage)
    client.post(
        f"/triage/{referral.uuid}/screen/",
        {"version": 1, "rating": "green", "rationale": "Mild worries."},
    )
    # Someone else's page still says version 1.
    response = client.post(
        f"/triage/{referral.uuid}/screen/",
        {"version": 1, "rating": "amber", "rationale": "Worse than that."},
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "Someone else changed this referral" in page
    assert "What changed: Risk screened green." in page
    referral.refresh_from_db()
    assert (referral.risk_rating, referral.version) == ("green", 2)


def test_only_the_triage_team_opens_a_referral_in_triage(
    client: Client, people: People, referral: Referral
) -> None:
    sign_in(client, people.kooth_practitioner)
    assert client.get(f"/triage/{referral.uuid}/").status_code == 403


def test_a_partner_sees_only_its_own_incoming_allocations(
    client: Client, people: People, referral: Referral
) -> None:
    Referral.objects.filter(pk=referral.pk).update(
        status=Status.ALLOCATED, allocated_organisation=people.kooth_lead.organisation
    )
    sign_in(client, people.chums_practitioner)
    assert client.get("/triage/incoming/").context["allocated"] == []
    sign_in(client, people.kooth_practitioner)
    rows = client.get("/triage/incoming/").context["allocated"]
    assert [row.referral for row in rows] == [referral]
    declined = client.post(f"/triage/incoming/{referral.uuid}/decline/", {"version": 1})
    assert declined.status_code == 400
    assert "Say why you are declining" in declined.content.decode()
    referral.refresh_from_db()
    assert referral.status == Status.ALLOCATED


def test_an_answer_for_a_referral_that_is_not_a_uuid_is_a_404(
    client: Client, people: People, referral: Referral
) -> None:
    sign_in(client, people.kooth_practitioner)
    for answer in ("accept", "decline"):
        response = client.post(f"/triage/incoming/not-a-uuid/{answer}/", {"version": 1})
        assert response.status_code == 404
    referral.refresh_from_db()
    assert referral.status == Status.AWAITING_TRIAGE


@pytest.mark.parametrize("size", [2, 12])
def test_incoming_allocations_run_a_fixed_number_of_queries(
    client: Client, alliance: Alliance, people: People, django_assert_num_queries: object, size: int
) -> None:
    for n in range(size):
        make_child(alliance, f"Child{n}", allocated_to="kooth", status=Status.ALLOCATED)
    sign_in(client, people.kooth_practitioner)
    client.get("/")
    # session, user, device; the allocated referrals with their children and offers; the
    # handovers from other partners
    with django_assert_num_queries(5):  # type: ignore[operator]
        response = client.get("/triage/incoming/")
    assert len(response.context["allocated"]) == size
