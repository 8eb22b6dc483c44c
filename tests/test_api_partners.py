"""A partner's own system, through `/api/v1/`: Kooth's client lists and reads the children and
referrals allocated to Kooth, answers allocations and handovers naming a person, and records
contacts, measures, risk reviews and discharges through the pages' own actions. CHUMS's
records stay out of its sight (the whole matrix is `test_api_access_matrix.py`)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from onedoor import clock
from onedoor.accounts.roles import Role
from onedoor.alliance.models import Alliance
from onedoor.audit.models import AuditEvent
from onedoor.care.models import ClinicalNote, Contact, RiskReview, Transition
from onedoor.children.models import TimelineEvent
from onedoor.integrations.models import ApiClient
from onedoor.integrations.scopes import Scope
from onedoor.outcomes.models import MeasureResponse
from onedoor.referrals.models import Referral, Status
from onedoor.triage.actions import accept_allocation
from tests.api_support import call, registered
from tests.partner_world import Side, allocated, side, written
from tests.personas import NOW, People, organisation

pytestmark = pytest.mark.django_db


@pytest.fixture
def kooth_client(alliance: Alliance, people: People) -> tuple[ApiClient, str]:
    return registered(people.admin, organisation(alliance, "kooth"))


@pytest.fixture
def secret(kooth_client: tuple[ApiClient, str]) -> str:
    return kooth_client[1]


@pytest.fixture
def kooth(alliance: Alliance, people: People) -> Side:
    return side(alliance, people, "kooth")


@pytest.fixture
def chums(alliance: Alliance, people: People) -> Side:
    return side(alliance, people, "chums")


def _refs(response: Any) -> list[str]:
    return [item["reference"] for item in response.json()["items"]]


# Reads.


def test_one_referral_reads_exactly_as_the_care_record_shows_it(
    alliance: Alliance, people: People, secret: str, time_machine: Any
) -> None:
    time_machine.move_to(NOW, tick=False)
    referral = side(alliance, people, "kooth").working
    contact = Contact.objects.get(referral=referral)
    response_ = MeasureResponse.objects.get(referral=referral)
    ClinicalNote.objects.create(
        referral=referral, organisation=organisation(alliance, "kooth"),
        recorded_by=people.kooth_practitioner, recorded_at=clock.now(),
        text="Shared note.", sharing="alliance",
    )  # fmt: skip
    response = call("GET", f"/api/v1/referrals/{referral.uuid}", secret)
    assert response.status_code == 200
    child = referral.child
    assert response.json() == {
        "uuid": str(referral.uuid),
        "reference": referral.reference,
        "status": "in_intervention",
        "version": 1,
        "child": {
            "uuid": str(child.uuid),
            "given_name": "KoothWorking",
            "family_name": "Example",
            "date_of_birth": "2012-03-14",
            "nhs_number": "",
            "gender": "not_stated",
        },
        "offer": {"slug": referral.allocated_offer.slug, "name": referral.allocated_offer.name},  # type: ignore[union-attr]
        "named_practitioner": None,
        "received_at": "2026-11-02T10:00:00Z",
        "allocated_at": "2026-11-20T12:00:00Z",
        "accepted_at": None,
        "updated_at": "2026-11-20T12:00:00Z",
        "risk": {
            "rating": "", "reviewed_at": "2026-11-20T12:00:00Z", "next_review_due": "2026-12-04",
        },
        "care_plan_review_due": "2027-01-08",
        "contacts": [
            {
                "uuid": str(contact.uuid),
                "happened_at": "2026-11-20T12:00:00Z",
                "outcome": "attended",
                "mode": "video",
                "duration_minutes": None,
                "recorded_at": "2026-11-20T12:00:00Z",
            }
        ],
        "measures": [
            {
                "uuid": str(response_.uuid),
                "measure": "gbo",
                "completed_by": "young_person",
                "recorded_at": "2026-11-20T12:00:00Z",
                "scores": [
                    {"slug": "mean", "name": "Mean of the goals", "value": 4.0, "band": "",
                     "clinical": None, "reason": ""},
                    {"slug": "goal_1", "name": "Goal 1", "value": 3.0, "band": "",
                     "clinical": None, "reason": ""},
                    {"slug": "goal_2", "name": "Goal 2", "value": 4.0, "band": "",
                     "clinical": None, "reason": ""},
                    {"slug": "goal_3", "name": "Goal 3", "value": 5.0, "band": "",
                     "clinical": None, "reason": ""},
                ],
                "needs_review": False,
                "review_reasons": [],
            }
        ],
    }  # fmt: skip
    assert "Shared note" not in response.content.decode()
    view = AuditEvent.objects.filter(action="view", record_type="referral").latest("sequence")
    assert (view.record_id, view.actor_role) == (str(referral.uuid), Role.PARTNER_SYSTEM)


def test_the_list_has_the_organisations_allocations_only(
    secret: str, kooth: Side, chums: Side
) -> None:
    response = call("GET", "/api/v1/referrals", secret)
    assert response.status_code == 200
    assert sorted(_refs(response)) == sorted(
        r.reference for r in (kooth.allocated, kooth.working, kooth.discharged)
    )
    assert response.json()["next"] is None
    # Kooth is being handed CHUMS's child: the referral is Kooth's to read, not on its list.
    incoming = kooth.handover.referral
    assert call("GET", f"/api/v1/referrals/{incoming.uuid}", secret).status_code == 200
    waiting = call("GET", "/api/v1/referrals?status=in_intervention", secret)
    assert _refs(waiting) == [kooth.working.reference]


@pytest.mark.parametrize(
    ("query", "status", "field"),
    [
        ("status=signposted", 422, "status"),
        ("limit=0", 422, "limit"),
        ("limit=101", 422, "limit"),
        ("updated_since=yesterday", 422, "updated_since"),
        ("updated_since=2026-11-20T12:00:00", 422, "updated_since"),
        ("after=not-a-cursor", 400, None),
        ("after=t99999999999999999999999", 400, None),
    ],
)
def test_a_bad_query_is_a_problem_never_a_500(
    secret: str, kooth: Side, query: str, status: int, field: str | None
) -> None:
    response = call("GET", f"/api/v1/referrals?{query}", secret)
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    fields = [error["field"] for error in response.json().get("errors", [])]
    assert fields == ([field] if field else [])


def test_keyset_pages_walk_the_updates_oldest_first_and_updated_since_synchronises(
    alliance: Alliance, people: People, secret: str, time_machine: Any
) -> None:
    time_machine.move_to(NOW, tick=False)
    first, second, third = (
        allocated(alliance, name, "kooth", Status.IN_INTERVENTION) for name in ("A", "B", "C")
    )
    time_machine.move_to(NOW + timedelta(hours=1), tick=False)
    call(
        "POST",
        f"/api/v1/referrals/{first.uuid}/contacts",
        secret,
        {"happened_at": "2026-11-20T12:30:00Z", "outcome": "attended", "mode": "phone"},
    )
    # Nobody has written on B or C's timeline: they count from their arrival.
    page = call("GET", "/api/v1/referrals?limit=2", secret)
    assert _refs(page) == [second.reference, third.reference]
    assert [item["updated_at"] for item in page.json()["items"]] == [
        "2026-11-02T10:00:00Z",
        "2026-11-02T10:00:00Z",
    ]
    following = call("GET", f"/api/v1/referrals?limit=2&after={page.json()['next']}", secret)
    assert _refs(following) == [first.reference]
    assert following.json()["items"][0]["updated_at"] == "2026-11-20T13:00:00Z"
    assert following.json()["next"] is None

    time_machine.move_to(NOW + timedelta(hours=2), tick=False)
    call(
        "POST",
        f"/api/v1/referrals/{third.uuid}/risk-reviews",
        secret,
        {"rating": "amber", "rationale": "Low mood."},
    )
    since = call("GET", "/api/v1/referrals?updated_since=2026-11-20T13:00:00Z", secret)
    assert _refs(since) == [first.reference, third.reference]
    later = call("GET", "/api/v1/referrals?updated_since=2026-11-20T13:00:01%2B00:00", secret)
    assert _refs(later) == [third.reference]


@pytest.mark.parametrize("path", ["/api/v1/referrals", "/api/v1/children", "/api/v1/handovers"])
def test_a_list_costs_the_same_queries_whatever_the_page_size(
    alliance: Alliance, people: People, secret: str, path: str
) -> None:
    for name in ("A", "B", "C", "D"):
        allocated(alliance, name, "kooth", Status.WAITING)
    side(alliance, people, "kooth")  # a handover too
    call("GET", path, secret)  # the token's first use is written once (`tokens.LAST_USED_EVERY`)
    counts = []
    for limit in (1, 20):
        with CaptureQueriesContext(connection) as queries:
            assert call("GET", f"{path}?limit={limit}", secret).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_children_are_those_the_organisation_may_see(secret: str, kooth: Side, chums: Side) -> None:
    response = call("GET", "/api/v1/children", secret)
    names = {item["given_name"] for item in response.json()["items"]}
    assert names == {"KoothWorking", "KoothAllocated", "KoothDischarged", "ToKooth"}
    child = kooth.working.child
    one = call("GET", f"/api/v1/children/{child.uuid}", secret).json()
    assert one["referrals"] == [
        {
            "uuid": str(kooth.working.uuid),
            "reference": kooth.working.reference,
            "status": "in_intervention",
            "version": 1,
        }
    ]
    other = call("GET", f"/api/v1/children/{chums.working.child.uuid}", secret)
    assert other.status_code == 404


def test_handovers_waiting_for_the_organisations_answer(
    secret: str, kooth: Side, chums: Side
) -> None:
    items = call("GET", "/api/v1/handovers", secret).json()["items"]
    assert [(item["uuid"], item["sending_organisation"]["slug"]) for item in items] == [
        (str(kooth.handover.uuid), "chums")
    ]
    assert items[0]["referral"]["status"] == "in_transition"


# Answering an allocation.


def test_accepting_names_the_practitioner_the_system_chose(
    people: People, secret: str, kooth: Side
) -> None:
    referral = kooth.allocated
    response = call(
        "POST",
        f"/api/v1/referrals/{referral.uuid}/accept",
        secret,
        {"version": referral.version, "practitioner": str(people.kooth_practitioner.uuid)},
    )
    assert response.status_code == 200
    assert response.json() == {
        "referral": {"uuid": str(referral.uuid), "status": "waiting", "version": 2},
        "named_practitioner": {"uuid": str(people.kooth_practitioner.uuid), "name": "Kim-Kooth"},
    }
    referral.refresh_from_db()
    assert (referral.status, referral.named_practitioner) == (
        Status.WAITING,
        people.kooth_practitioner,
    )
    assert TimelineEvent.objects.filter(
        referral=referral, summary="Named practitioner: Kim-Kooth."
    ).exists()


def test_the_people_who_can_be_named_are_the_organisations_practitioners_and_leads(
    alliance: Alliance, people: People, secret: str
) -> None:
    response = call("GET", "/api/v1/practitioners", secret)
    assert response.status_code == 200
    assert response.json() == [
        {"uuid": str(people.kooth_practitioner.uuid), "name": "Kim-Kooth"},
        {"uuid": str(people.kooth_lead.uuid), "name": "Kit-Kooth-Lead"},
    ]  # by name; never CHUMS's people, nor the system's own account
    _, reader = registered(people.admin, organisation(alliance, "kooth"), [Scope.READ_CASES])
    refused = call("GET", "/api/v1/practitioners", reader)
    assert (refused.status_code, refused.json()["detail"]) == (
        403,
        "This client does not hold the scope allocations:answer",
    )


@pytest.mark.parametrize("who", ["nobody", "chums practitioner", "the system", "a stranger"])
def test_accepting_must_name_a_person_of_the_organisation(
    alliance: Alliance,
    people: People,
    kooth_client: tuple[ApiClient, str],
    kooth: Side,
    who: str,
) -> None:
    client, secret = kooth_client
    referral = kooth.allocated
    body: dict[str, object] = {"version": referral.version}
    if who == "chums practitioner":
        body["practitioner"] = str(people.chums_practitioner.uuid)
    elif who == "the system":
        body["practitioner"] = str(client.account.uuid)
    elif who == "a stranger":
        body["practitioner"] = "00000000-0000-4000-8000-000000000000"
    before = written()
    response = call("POST", f"/api/v1/referrals/{referral.uuid}/accept", secret, body)
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["practitioner"]
    if who != "nobody":
        assert response.json()["detail"] == (
            "Name one of Kooth's practitioners or partner leads: a person, never the system's "
            "own account"
        )
    assert written() == before


def test_the_action_itself_never_names_a_system_account(
    kooth_client: tuple[ApiClient, str], kooth: Side
) -> None:
    """Belt and braces under the API: `choose` names whoever accepts when nobody is chosen,
    and a system account practises nowhere."""
    client, _ = kooth_client
    before = written()
    with pytest.raises(ValidationError, match="Choose the named practitioner from Kooth's"):
        accept_allocation(user=client.account, referral=kooth.allocated, version=1)
    with pytest.raises(ValidationError, match="Choose the named practitioner from Kooth's"):
        accept_allocation(
            user=client.account, referral=kooth.allocated, version=1, practitioner=client.account
        )
    assert written() == before


def test_a_stale_version_is_a_409_and_writes_nothing(
    people: People, secret: str, kooth: Side
) -> None:
    referral = kooth.allocated
    before = written()
    response = call(
        "POST",
        f"/api/v1/referrals/{referral.uuid}/accept",
        secret,
        {"version": referral.version - 1, "practitioner": str(people.kooth_lead.uuid)},
    )
    assert response.status_code == 409
    assert response.json()["detail"].startswith("This referral changed while you were working")
    stale_discharge = call(
        "POST",
        f"/api/v1/referrals/{kooth.working.uuid}/discharge",
        secret,
        {"version": 7, "reason": "goals_met", "summary": "Done."},
    )
    assert stale_discharge.status_code == 409
    assert written() == before


def test_an_answered_allocation_is_a_409(people: People, secret: str, kooth: Side) -> None:
    referral = kooth.allocated
    body = {"version": 1, "practitioner": str(people.kooth_lead.uuid)}
    assert (
        call("POST", f"/api/v1/referrals/{referral.uuid}/accept", secret, body).status_code == 200
    )
    before = written()
    again = call(
        "POST", f"/api/v1/referrals/{referral.uuid}/accept", secret, {**body, "version": 2}
    )
    assert again.status_code == 409
    assert (
        again.json()["detail"] == "This child is no longer waiting for your organisation's answer"
    )
    assert written() == before


def test_declining_sends_the_child_back_to_triage_with_the_reason(secret: str, kooth: Side) -> None:
    referral = kooth.allocated
    response = call(
        "POST",
        f"/api/v1/referrals/{referral.uuid}/decline",
        secret,
        {"version": 1, "reason": "No capacity for this need."},
    )
    assert response.status_code == 200
    assert response.json()["referral"] == {
        "uuid": str(referral.uuid),
        "status": "awaiting_triage",
        "version": 2,
    }
    referral.refresh_from_db()
    assert (referral.allocated_organisation, referral.last_declined_by.slug) == (None, "kooth")  # type: ignore[union-attr]
    again = call(
        "POST",
        f"/api/v1/referrals/{kooth.allocated.uuid}/decline",
        secret,
        {"version": 2, "reason": "Again."},
    )
    assert again.status_code == 404  # no longer Kooth's to see


# Answering a handover.


def test_accepting_a_handover_names_the_practitioner(
    people: People, secret: str, kooth: Side
) -> None:
    transition = kooth.handover
    response = call(
        "POST",
        f"/api/v1/handovers/{transition.uuid}/accept",
        secret,
        {
            "version": transition.referral.version,
            "practitioner": str(people.kooth_practitioner.uuid),
        },
    )
    assert response.status_code == 200
    assert response.json()["referral"]["status"] == "waiting"
    referral = Referral.objects.get(pk=transition.referral.pk)
    assert (referral.allocated_organisation.slug, referral.named_practitioner) == (  # type: ignore[union-attr]
        "kooth",
        people.kooth_practitioner,
    )


def test_declining_a_handover_keeps_the_child_with_the_sender(secret: str, kooth: Side) -> None:
    transition = kooth.handover
    response = call(
        "POST",
        f"/api/v1/handovers/{transition.uuid}/decline",
        secret,
        {"version": transition.referral.version, "reason": "Not our offer."},
    )
    assert response.status_code == 200
    assert response.json()["referral"]["status"] == "in_intervention"
    assert Transition.objects.get(pk=transition.pk).decline_reason == "Not our offer."


def test_the_sender_cannot_answer_its_own_handover(
    alliance: Alliance, people: People, kooth: Side
) -> None:
    """CHUMS sees the handover it sent, so it is a 403 from the action, not a 404."""
    _, chums_secret = registered(people.admin, organisation(alliance, "chums"))
    before = written()
    response = call(
        "POST",
        f"/api/v1/handovers/{kooth.handover.uuid}/decline",
        chums_secret,
        {"version": kooth.handover.referral.version, "reason": "Changed our mind."},
    )
    assert response.status_code == 403
    assert response.json()["detail"] == (
        "Only the receiving partner's practitioners and partner lead answer a handover."
    )
    assert written() == before


# Care.


def test_a_first_attended_contact_starts_the_intervention(alliance: Alliance, secret: str) -> None:
    referral = allocated(alliance, "Wren", "kooth", Status.WAITING)
    response = call(
        "POST",
        f"/api/v1/referrals/{referral.uuid}/contacts",
        secret,
        {
            "happened_at": "2026-11-20T09:00:00Z",
            "outcome": "attended",
            "mode": "video",
            "duration_minutes": 50,
        },
    )
    assert response.status_code == 201
    contact = Contact.objects.get(referral=referral)
    assert response.json() == {
        "uuid": str(contact.uuid),
        "referral": {"uuid": str(referral.uuid), "status": "in_intervention", "version": 2},
    }
    assert (contact.outcome, contact.mode, contact.duration_minutes) == ("attended", "video", 50)
    assert contact.happened_at == datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def test_a_measure_is_scored_by_the_products_own_scoring(alliance: Alliance, secret: str) -> None:
    referral = allocated(alliance, "Ash", "kooth", Status.IN_INTERVENTION, born=date(2009, 5, 1))
    answers = {str(n): 2 for n in range(1, 8)}
    response = call(
        "POST",
        f"/api/v1/referrals/{referral.uuid}/measures",
        secret,
        {"measure": "gad-7", "respondent": "young_person", "answers": answers},
    )
    assert response.status_code == 201
    saved = MeasureResponse.objects.get(referral=referral)
    body = response.json()
    assert (body["uuid"], body["measure"]) == (str(saved.uuid), "gad-7")
    assert body["scores"] == [
        {
            "slug": "total",
            "name": saved.scores["scores"][0]["name"],
            "value": 14.0,
            "band": "Moderate",
            "clinical": True,
            "reason": "",
        }
    ]
    assert body["scores"][0] == {key: saved.scores["scores"][0][key] for key in body["scores"][0]}


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"measure": "gad-7", "respondent": "young_person", "answers": {"1": 9}}, ["answers.1"]),
        ({"measure": "gad-7", "respondent": "young_person", "answers": {"99": 1}}, ["answers.99"]),
        ({"measure": "gad-7", "respondent": "young_person", "answers": {"1": "2"}}, ["answers.1"]),
        ({"measure": "gad-7", "respondent": "young_person", "answers": {"1": True}}, ["answers.1"]),
        ({"measure": "nope", "respondent": "young_person", "answers": {}}, ["measure"]),
        ({"measure": "gad-7", "respondent": "cat", "answers": {}}, ["respondent"]),
        ({"measure": "gad-7", "respondent": "young_person", "answers": {}, "x": 1}, ["x"]),
    ],
)
def test_a_bad_measure_is_a_422_naming_the_field_and_writes_nothing(
    secret: str, kooth: Side, body: dict[str, object], fields: list[str]
) -> None:
    before = written()
    response = call("POST", f"/api/v1/referrals/{kooth.working.uuid}/measures", secret, body)
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]][:1] == fields
    assert written() == before


def test_a_risk_review_changes_the_rating(secret: str, kooth: Side) -> None:
    response = call(
        "POST",
        f"/api/v1/referrals/{kooth.working.uuid}/risk-reviews",
        secret,
        {"rating": "red", "rationale": "Thoughts of self-harm this week."},
    )
    assert response.status_code == 201
    review = RiskReview.objects.filter(referral=kooth.working).latest("pk")
    assert response.json() == {
        "uuid": str(review.uuid),
        "referral": {"uuid": str(kooth.working.uuid), "status": "in_intervention", "version": 2},
        "rating": "red",
        "next_due": str(review.next_due),
    }
    assert Referral.objects.get(pk=kooth.working.pk).risk_rating == "red"


def test_a_discharge_ends_the_work(secret: str, kooth: Side) -> None:
    referral = kooth.working
    response = call(
        "POST",
        f"/api/v1/referrals/{referral.uuid}/discharge",
        secret,
        {"version": referral.version, "reason": "goals_met", "summary": "Goals met."},
    )
    assert response.status_code == 201
    referral.refresh_from_db()
    assert response.json() == {
        "uuid": str(referral.discharge.uuid),
        "referral": {"uuid": str(referral.uuid), "status": "discharged", "version": 2},
    }


def test_care_for_a_child_not_waiting_or_in_intervention_is_refused_in_words(
    secret: str, kooth: Side
) -> None:
    before = written()
    response = call(
        "POST",
        f"/api/v1/referrals/{kooth.allocated.uuid}/contacts",
        secret,
        {"happened_at": "2026-11-20T09:00:00Z", "outcome": "attended", "mode": "video"},
    )
    assert response.status_code == 422
    assert response.json()["detail"] == "Care is recorded for children waiting or in intervention"
    assert written() == before


def test_a_young_adult_needs_a_named_coordinator_first(alliance: Alliance, secret: str) -> None:
    from onedoor.alliance.models import PriorityGroup

    referral = allocated(alliance, "Lee", "kooth", Status.WAITING, born=date(2005, 1, 1))
    referral.child.priority_groups.add(PriorityGroup.objects.get(slug="care-leaver"))
    before = written()
    response = call(
        "POST",
        f"/api/v1/referrals/{referral.uuid}/contacts",
        secret,
        {"happened_at": "2026-11-20T09:00:00Z", "outcome": "attended", "mode": "video"},
    )
    assert response.status_code == 422
    assert response.json()["detail"] == "Name a care coordinator for this young adult first"
    assert written() == before


def test_care_for_a_child_only_being_handed_over_is_a_403(secret: str, kooth: Side) -> None:
    """Kooth reads the child CHUMS is handing it, but changes nothing until it accepts."""
    before = written()
    response = call(
        "POST",
        f"/api/v1/referrals/{kooth.handover.referral.uuid}/risk-reviews",
        secret,
        {"rating": "amber", "rationale": "Seen."},
    )
    assert response.status_code == 403
    assert response.json()["detail"] == "This child is not on your organisation's caseload."
    assert written() == before


@pytest.mark.parametrize(
    ("write", "body"),
    [
        (
            "contacts",
            {"happened_at": "2026-11-20T09:00:00Z", "outcome": "attended", "mode": "phone"},
        ),
        ("measures", {"measure": "gbo", "respondent": "young_person", "answers": {"goal_1": 6}}),
        ("risk-reviews", {"rating": "green", "rationale": "Settled."}),
        ("discharge", {"version": 1, "reason": "goals_met", "summary": "Done."}),
    ],
)
def test_every_care_write_moves_the_referrals_updated_at(
    alliance: Alliance, secret: str, time_machine: Any, write: str, body: dict[str, Any]
) -> None:
    time_machine.move_to(NOW, tick=False)
    referral = allocated(alliance, "Rey", "kooth", Status.IN_INTERVENTION)
    later = NOW + timedelta(minutes=30)
    time_machine.move_to(later, tick=False)
    assert (
        call("POST", f"/api/v1/referrals/{referral.uuid}/{write}", secret, body).status_code == 201
    )
    since = call("GET", "/api/v1/referrals?updated_since=2026-11-20T12:30:00Z", secret).json()
    assert [(item["uuid"], item["updated_at"]) for item in since["items"]] == [
        (str(referral.uuid), "2026-11-20T12:30:00Z")
    ]
