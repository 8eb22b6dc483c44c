"""Bad input to the API (issue 15): malformed JSON, wrong types, unknown fields, an oversized
body, a token that no longer works, another organisation's record, a key reused for another
referral. Each is a problem-details answer with the status that says why, nothing is written,
and the refusal is audited."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings

from onedoor.alliance.models import Alliance
from onedoor.audit.models import AuditEvent
from onedoor.integrations.clients import revoke_token
from onedoor.integrations.models import ApiSubmission, ApiToken
from onedoor.referrals.models import Referral
from tests.api_support import call, registered
from tests.personas import People, organisation
from tests.referral_bodies import body

pytestmark = pytest.mark.django_db

SUBMISSIONS = "/api/v1/referrals/submissions"


def written() -> tuple[int, int]:
    return Referral.objects.count(), ApiSubmission.objects.count()


def refusals() -> list[tuple[str, int]]:
    return [
        (event.action, event.detail["status"])
        for event in AuditEvent.objects.filter(
            record_type="api call", action__in=["deny", "api_refused"]
        )
    ]


def problem(response: Any, status: int, detail: str, path: str = SUBMISSIONS) -> list[Any]:
    """Assert the response is the problem `status` with `detail`; its field errors."""
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    found = response.json()
    errors: list[Any] = found.pop("errors", [])
    assert found == {
        "type": found["type"],
        "title": found["title"],
        "status": status,
        "detail": detail,
        "instance": path,
    }
    assert found["type"].startswith("https://onedoor.invalid/problems/")
    return errors


@pytest.fixture
def gp(alliance: Alliance, people: People) -> str:
    _, secret = registered(people.admin, organisation(alliance, "childrens-social-care"))
    return secret


def test_malformed_json_is_a_400(gp: str) -> None:
    response = call("POST", SUBMISSIONS, gp, raw=b'{"key": "k1", "referral": {')
    problem(response, 400, "Cannot parse request body")
    assert written() == (0, 0)
    assert refusals() == [("api_refused", 400)]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"child__date_of_birth": 20130314}, "referral.child.date_of_birth"),
        ({"child__date_of_birth": "14/03/2013"}, "referral.child.date_of_birth"),
        ({"communication__interpreter_needed": "yes"}, "referral.communication.interpreter_needed"),
        ({"needs": "low-mood"}, "referral.needs"),
        ({"child__nhs_number": 9434765919}, "referral.child.nhs_number"),
        ({"child__gender": "robot"}, "referral.child.gender"),
        ({"risk_indicators": ["ennui"]}, "referral.risk_indicators.0"),
    ],
)
def test_a_wrong_type_is_a_422_naming_the_field(
    gp: str, changes: dict[str, Any], field: str
) -> None:
    errors = problem(
        call("POST", SUBMISSIONS, gp, body(**changes)),
        422,
        "The request has fields that are not valid",
    )
    assert [error["field"] for error in errors] == [field]
    assert written() == (0, 0)
    assert refusals() == [("api_refused", 422)]


def test_a_missing_field_and_a_key_too_long_are_named(gp: str) -> None:
    sent = body(key="k" * 101)
    del sent["referral"]["consent"]
    errors = problem(
        call("POST", SUBMISSIONS, gp, sent), 422, "The request has fields that are not valid"
    )
    assert [error["field"] for error in errors] == ["key", "referral.consent"]
    assert written() == (0, 0)


def test_an_unknown_field_is_a_422_naming_it(gp: str) -> None:
    sent = body()
    sent["referral"]["child"]["favourite_colour"] = "green"
    sent["priority"] = "urgent"
    errors = problem(
        call("POST", SUBMISSIONS, gp, sent), 422, "The request has fields that are not valid"
    )
    assert errors == [
        {"field": "referral.child.favourite_colour", "message": "Extra inputs are not permitted"},
        {"field": "priority", "message": "Extra inputs are not permitted"},
    ]
    assert written() == (0, 0)
    assert AuditEvent.objects.get(action="api_refused").detail["fields"] == [
        "referral.child.favourite_colour",
        "priority",
    ]


def test_an_oversized_body_is_a_413(gp: str) -> None:
    sent = body(reasons="x" * settings.API_MAX_BODY_BYTES)
    problem(
        call("POST", SUBMISSIONS, gp, sent),
        413,
        f"A request body may be at most {settings.API_MAX_BODY_BYTES} bytes",
    )
    assert written() == (0, 0)
    assert refusals() == [("api_refused", 413)]


@pytest.mark.parametrize("what", ["expired", "revoked"])
def test_a_token_that_no_longer_works_is_a_401(
    alliance: Alliance, people: People, time_machine: Any, what: str
) -> None:
    client, secret = registered(people.admin, organisation(alliance, "childrens-social-care"))
    token = ApiToken.objects.get(client=client)
    if what == "expired":
        time_machine.move_to(token.expires_at + timedelta(seconds=1))
        detail = "The token has expired"
    else:
        revoke_token(user=people.admin, token=token)
        detail = "The token has been revoked"
    problem(call("POST", SUBMISSIONS, secret, body()), 401, detail)
    assert written() == (0, 0)
    assert refusals() == [("deny", 401)]


def test_another_organisations_client_reading_a_referral_is_a_404(
    alliance: Alliance, people: People, gp: str
) -> None:
    made = call("POST", SUBMISSIONS, gp, body()).json()
    other, secret = registered(people.admin, organisation(alliance, "specialist-camhs"))
    path = f"{SUBMISSIONS}/{made['uuid']}"
    problem(call("GET", path, secret), 404, "There is no such record", path)
    assert written() == (1, 1)
    denial = AuditEvent.objects.get(action="deny", record_type="referral")
    assert (denial.actor_uuid, denial.record_id) == (other.account.uuid, made["uuid"])
    assert refusals() == [("api_refused", 404)]


def test_a_key_reused_for_another_referral_is_a_409(gp: str) -> None:
    call("POST", SUBMISSIONS, gp, body(key="same"))
    before = Referral.objects.get()
    problem(
        call("POST", SUBMISSIONS, gp, body(key="same", child__given_name="Robin")),
        409,
        "This key was used for a different referral",
    )
    assert written() == (1, 1)
    assert Referral.objects.get().child.given_name == before.child.given_name == "Riley"
    assert refusals() == [("api_refused", 409)]
