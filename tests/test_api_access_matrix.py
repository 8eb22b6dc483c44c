"""The access matrix over the partner API: every record type x verb x own/other organisation x
with/without the scope it needs, for Kooth's system. Its own organisation's record works only
with the scope (403 without, nothing written); CHUMS's is a 404 with nothing written, whatever
the scopes; and a referrer's system (a GP system) is refused every partner endpoint."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from onedoor.alliance.models import Alliance
from onedoor.integrations.scopes import PARTNER_SCOPES, Scope
from tests.api_support import call, registered
from tests.partner_world import Side, side, written
from tests.personas import People, organisation

pytestmark = pytest.mark.django_db

Body = Callable[[Side, People], dict[str, Any]]


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: Callable[[Side], str]
    scope: Scope
    ok: int
    body: Body | None = None


def _none(_: Side, __: People) -> dict[str, Any]:
    return {}


ENDPOINTS: dict[tuple[str, str], Endpoint] = {
    ("referral", "read"): Endpoint(
        "GET", lambda s: f"/api/v1/referrals/{s.working.uuid}", Scope.READ_CASES, 200
    ),
    ("child", "read"): Endpoint(
        "GET", lambda s: f"/api/v1/children/{s.working.child.uuid}", Scope.READ_CASES, 200
    ),
    # Contacts, measures and risk reviews are read in their referral; a discharge is the
    # discharged referral's.
    ("contact", "read"): Endpoint(
        "GET", lambda s: f"/api/v1/referrals/{s.working.uuid}", Scope.READ_CASES, 200
    ),
    ("discharge", "read"): Endpoint(
        "GET", lambda s: f"/api/v1/referrals/{s.discharged.uuid}", Scope.READ_CASES, 200
    ),
    ("referral", "write"): Endpoint(
        "POST",
        lambda s: f"/api/v1/referrals/{s.allocated.uuid}/accept",
        Scope.ANSWER_ALLOCATIONS,
        200,
        lambda s, p: {
            "version": s.allocated.version,
            "practitioner": str(p.kooth_practitioner.uuid),
        },
    ),
    ("referral", "decline"): Endpoint(
        "POST",
        lambda s: f"/api/v1/referrals/{s.allocated.uuid}/decline",
        Scope.ANSWER_ALLOCATIONS,
        200,
        lambda s, p: {"version": s.allocated.version, "reason": "No capacity."},
    ),
    ("handover", "write"): Endpoint(
        "POST",
        lambda s: f"/api/v1/handovers/{s.handover.uuid}/decline",
        Scope.ANSWER_ALLOCATIONS,
        200,
        lambda s, p: {"version": s.handover.referral.version, "reason": "Not our offer."},
    ),
    ("contact", "write"): Endpoint(
        "POST",
        lambda s: f"/api/v1/referrals/{s.working.uuid}/contacts",
        Scope.WRITE_CONTACTS,
        201,
        lambda s, p: {
            "happened_at": "2026-11-20T09:00:00Z",
            "outcome": "attended",
            "mode": "phone",
        },
    ),
    ("measure", "write"): Endpoint(
        "POST",
        lambda s: f"/api/v1/referrals/{s.working.uuid}/measures",
        Scope.WRITE_MEASURES,
        201,
        lambda s, p: {"measure": "gbo", "respondent": "young_person", "answers": {"goal_1": 6}},
    ),
    ("risk review", "write"): Endpoint(
        "POST",
        lambda s: f"/api/v1/referrals/{s.working.uuid}/risk-reviews",
        Scope.WRITE_RISK_REVIEWS,
        201,
        lambda s, p: {"rating": "green", "rationale": "Settled."},
    ),
    ("discharge", "write"): Endpoint(
        "POST",
        lambda s: f"/api/v1/referrals/{s.working.uuid}/discharge",
        Scope.WRITE_DISCHARGES,
        201,
        lambda s, p: {"version": s.working.version, "reason": "goals_met", "summary": "Done."},
    ),
}


@pytest.fixture
def sides(alliance: Alliance, people: People) -> dict[str, Side]:
    return {"own": side(alliance, people, "kooth"), "other": side(alliance, people, "chums")}


def _client(alliance: Alliance, people: People, scopes: list[Scope]) -> str:
    return registered(people.admin, organisation(alliance, "kooth"), scopes)[1]


def _call(endpoint: Endpoint, record: Side, people: People, secret: str) -> Any:
    body = (endpoint.body or _none)(record, people) if endpoint.method == "POST" else None
    return call(endpoint.method, endpoint.path(record), secret, body)


@pytest.mark.parametrize("key", list(ENDPOINTS), ids=[" ".join(key) for key in ENDPOINTS])
@pytest.mark.parametrize("whose", ["own", "other"])
@pytest.mark.parametrize("scoped", [True, False], ids=["with the scope", "without it"])
def test_the_partner_api_matrix(
    alliance: Alliance,
    people: People,
    sides: dict[str, Side],
    key: tuple[str, str],
    whose: str,
    scoped: bool,
) -> None:
    endpoint = ENDPOINTS[key]
    scopes = sorted(PARTNER_SCOPES) if scoped else sorted(PARTNER_SCOPES - {endpoint.scope})
    secret = _client(alliance, people, scopes)
    before = written()
    response = _call(endpoint, sides[whose], people, secret)
    if not scoped:
        expected = 403
    elif whose == "other":
        expected = 404
    else:
        expected = endpoint.ok
    assert response.status_code == expected, response.content
    if expected != endpoint.ok:
        assert response["Content-Type"] == "application/problem+json"
        if expected == 403:
            assert response.json()["detail"] == (
                f"This client does not hold the scope {endpoint.scope.value}"
            )
        if endpoint.method == "POST":
            assert written() == before
    elif endpoint.method == "POST":
        assert written() != before
    if key == ("contact", "read") and expected == 200:
        assert len(response.json()["contacts"]) == 1
        assert len(response.json()["measures"]) == 1
        assert response.json()["risk"]["next_review_due"] == "2026-12-04"


@pytest.mark.parametrize("whose", ["own", "other"])
def test_a_handover_is_listed_only_to_the_organisation_it_waits_for(
    alliance: Alliance, people: People, sides: dict[str, Side], whose: str
) -> None:
    secret = _client(alliance, people, [Scope.READ_CASES])
    listed = [item["uuid"] for item in call("GET", "/api/v1/handovers", secret).json()["items"]]
    assert (str(sides[whose].handover.uuid) in listed) is (whose == "own")


@pytest.mark.parametrize("path", ["/api/v1/referrals", "/api/v1/children", "/api/v1/handovers"])
def test_a_list_needs_the_read_scope(alliance: Alliance, people: People, path: str) -> None:
    secret = _client(alliance, people, sorted(PARTNER_SCOPES - {Scope.READ_CASES}))
    response = call("GET", path, secret)
    assert response.status_code == 403


@pytest.mark.parametrize("key", list(ENDPOINTS), ids=[" ".join(key) for key in ENDPOINTS])
@pytest.mark.parametrize("whose", ["own", "other"])
def test_a_gp_system_is_refused_every_partner_endpoint(
    alliance: Alliance, people: People, sides: dict[str, Side], key: tuple[str, str], whose: str
) -> None:
    _, secret = registered(people.admin, organisation(alliance, "childrens-social-care"))
    before = written()
    response = _call(ENDPOINTS[key], sides[whose], people, secret)
    assert response.status_code == 403
    assert written() == before


@pytest.mark.parametrize(
    "path",
    ["/api/v1/referrals", "/api/v1/children", "/api/v1/handovers", "/api/v1/practitioners"],
)
def test_a_gp_system_reads_no_partner_list(alliance: Alliance, people: People, path: str) -> None:
    _, secret = registered(people.admin, organisation(alliance, "childrens-social-care"))
    assert call("GET", path, secret).status_code == 403
