"""API clients and their tokens: registered by an administrator for one organisation, tokens
shown once and kept hashed, expiring, rotated and revoked; every call audited, rate-limited,
and refused as a problem-details body."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from onedoor import clock
from onedoor.accounts.roles import Role
from onedoor.alliance.models import Alliance
from onedoor.audit.models import AuditEvent
from onedoor.integrations.clients import (
    issue_token,
    register_client,
    revoke_client,
    revoke_token,
    rotate_token,
)
from onedoor.integrations.models import ApiClient, ApiToken
from onedoor.integrations.scopes import Scope
from tests.api_support import call, registered
from tests.personas import People, organisation, sign_in

pytestmark = pytest.mark.django_db


def test_an_administrator_registers_a_client_whose_account_takes_the_system_role(
    alliance: Alliance, people: People
) -> None:
    kooth = organisation(alliance, "kooth")
    client = register_client(
        user=people.admin, organisation=kooth, name="Kooth online", scopes=["cases:read"]
    )
    assert client.account.role == Role.PARTNER_SYSTEM
    assert client.account.organisation == kooth
    assert not client.account.has_usable_password()
    assert client.scopes == ["cases:read"]
    gp = register_client(
        user=people.admin,
        organisation=organisation(alliance, "childrens-social-care"),
        name="GP system",
        scopes=["referrals:submit"],
    )
    assert gp.account.role == Role.REFERRER_SYSTEM
    assert AuditEvent.objects.filter(record_type="api client", action="create").count() == 2


@pytest.mark.parametrize(
    ("slug", "scopes", "message"),
    [
        ("kooth", ["referrals:submit"], "cannot hold the scope referrals:submit"),
        ("childrens-social-care", ["cases:read"], "cannot hold the scope cases:read"),
        ("kooth", ["everything"], "There is no scope called everything"),
        ("kooth", [], "Choose at least one scope"),
    ],
)
def test_a_scope_the_organisations_kind_of_client_cannot_hold_is_refused(
    alliance: Alliance, people: People, slug: str, scopes: list[str], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        register_client(
            user=people.admin, organisation=organisation(alliance, slug), name="X", scopes=scopes
        )
    assert not ApiClient.objects.exists()


def test_only_an_administrator_registers_a_client(alliance: Alliance, people: People) -> None:
    with pytest.raises(PermissionDenied):
        register_client(
            user=people.kooth_lead,
            organisation=organisation(alliance, "kooth"),
            name="X",
            scopes=["cases:read"],
        )
    assert not ApiClient.objects.exists()


def test_the_token_is_shown_once_and_only_its_digest_is_kept(
    alliance: Alliance, people: People
) -> None:
    client, secret = registered(people.admin, organisation(alliance, "kooth"))
    token = ApiToken.objects.get(client=client)
    assert secret.startswith("od_") and len(secret) > 40
    assert token.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(list(ApiToken.objects.values()))
    assert token.prefix == secret[:10]
    assert token.expires_at == token.issued_at + timedelta(days=90)


def test_a_token_answers_who_is_calling_and_the_call_is_audited(
    alliance: Alliance, people: People
) -> None:
    client, secret = registered(people.admin, organisation(alliance, "kooth"), [Scope.READ_CASES])
    response = call("GET", "/api/v1/client", secret)
    assert response.status_code == 200
    assert response.json()["name"] == "Kooth's system"
    assert response.json()["organisation"] == "Kooth"
    assert response.json()["scopes"] == ["cases:read"]
    assert response["Cache-Control"].startswith("max-age=0")
    event = AuditEvent.objects.get(action="api_call")
    assert event.actor_uuid == client.account.uuid
    assert event.actor_organisation == "kooth"
    assert event.detail == {"method": "GET", "path": "/api/v1/client", "client": str(client.uuid)}


@pytest.mark.parametrize(
    ("what", "detail"),
    [
        ("missing", "No bearer token was sent"),
        ("unknown", "The token is not one we issued"),
        ("expired", "The token has expired"),
        ("revoked", "The token has been revoked"),
        ("client revoked", "The token has been revoked"),
    ],
)
def test_a_token_that_does_not_work_is_a_401_problem_and_audited(
    alliance: Alliance, people: People, time_machine, what: str, detail: str
) -> None:
    client, secret = registered(people.admin, organisation(alliance, "kooth"))
    token = ApiToken.objects.get(client=client)
    sent: str | None = secret
    if what == "missing":
        sent = None
    elif what == "unknown":
        sent = "od_" + "x" * 43
    elif what == "expired":
        time_machine.move_to(token.expires_at + timedelta(seconds=1))
    elif what == "revoked":
        revoke_token(user=people.admin, token=token)
    else:
        revoke_client(user=people.admin, client=client)
    response = call("GET", "/api/v1/client", sent)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"] == "Bearer"
    assert response.json() == {
        "type": "https://onedoor.invalid/problems/not-authenticated",
        "title": "Not authenticated",
        "status": 401,
        "detail": detail,
        "instance": "/api/v1/client",
    }
    assert not AuditEvent.objects.filter(action="api_call").exists()
    denial = AuditEvent.objects.get(action="deny", record_type="api call")
    assert denial.detail["why"] == detail
    assert denial.actor_uuid is None


def test_rotating_issues_a_new_token_and_revokes_the_old(
    alliance: Alliance, people: People
) -> None:
    client, old = registered(people.admin, organisation(alliance, "kooth"))
    new = rotate_token(user=people.admin, client=client)
    assert call("GET", "/api/v1/client", old).status_code == 401
    assert call("GET", "/api/v1/client", new.secret).status_code == 200


def test_a_revoked_client_gets_no_new_token(alliance: Alliance, people: People) -> None:
    client, _ = registered(people.admin, organisation(alliance, "kooth"))
    revoke_client(user=people.admin, client=client)
    with pytest.raises(ValidationError, match="revoked"):
        issue_token(user=people.admin, client=client)
    assert ApiToken.objects.filter(client=client).count() == 1


def test_calls_beyond_the_clients_rate_are_429_until_the_next_minute(
    alliance: Alliance, people: People, settings, time_machine
) -> None:
    settings.API_CALLS_PER_MINUTE = 3
    _, secret = registered(people.admin, organisation(alliance, "kooth"))
    assert [call("GET", "/api/v1/client", secret).status_code for _ in range(4)] == [
        200,
        200,
        200,
        429,
    ]
    refused = call("GET", "/api/v1/client", secret)
    assert refused["Retry-After"] == "60"
    assert AuditEvent.objects.filter(action="api_call").count() == 3
    time_machine.move_to(clock.now() + timedelta(seconds=61))
    assert call("GET", "/api/v1/client", secret).status_code == 200


def test_a_signed_in_session_is_no_way_into_the_api(people: People) -> None:
    browser = Client()
    sign_in(browser, people.kooth_lead)
    response = browser.get("/api/v1/client")
    assert response.status_code == 401
    assert response.json()["detail"] == "No bearer token was sent"


def test_a_system_account_never_signs_in(alliance: Alliance, people: People) -> None:
    client, _ = registered(people.admin, organisation(alliance, "kooth"))
    browser = Client()
    browser.force_login(client.account)
    assert browser.get("/").status_code == 302  # no session: to the sign-in page


def test_an_oversized_body_is_a_413_before_anything_is_read(
    alliance: Alliance, people: People, settings
) -> None:
    settings.API_MAX_BODY_BYTES = 100
    _, secret = registered(people.admin, organisation(alliance, "kooth"))
    response = call("GET", "/api/v1/client", secret, raw=b"{" + b" " * 200 + b"}")
    assert response.status_code == 413
    assert response.json()["title"] == "Request too large"


def test_every_api_endpoint_takes_a_token() -> None:
    """Every operation in the committed OpenAPI document is behind the bearer token; only the
    document itself is public."""
    import json
    from pathlib import Path

    document = json.loads(Path("docs/api/openapi.json").read_text())
    operations = [
        (path, method, operation)
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    ]
    assert operations
    for path, method, operation in operations:
        assert operation.get("security") == [{"ClientToken": []}], (method, path)
    assert document["components"]["securitySchemes"] == {
        "ClientToken": {"type": "http", "scheme": "bearer"}
    }


def test_a_method_an_address_does_not_take_is_a_405_problem(
    alliance: Alliance, people: People
) -> None:
    _, secret = registered(people.admin, organisation(alliance, "kooth"))
    response = call("DELETE", "/api/v1/client", secret)
    assert response.status_code == 405
    assert response["Allow"] == "GET"
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["detail"] == "This address takes GET requests"
    refusal = AuditEvent.objects.get(action="api_refused")
    assert refusal.detail["status"] == 405
