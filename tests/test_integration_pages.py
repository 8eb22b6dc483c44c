"""The administrator's API client pages: registering a client, a token shown once, rotating
and revoking, changing scopes; refusals on the form with nothing written; every other role a
403, another alliance's client a 404."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client

from onedoor.accounts.roles import Role
from onedoor.alliance.models import Alliance, Organisation
from onedoor.audit.models import AuditEvent
from onedoor.integrations.clients import issue_token, register_client
from onedoor.integrations.models import ApiClient, ApiToken
from tests.api_support import approve, call
from tests.personas import People, make_user, organisation, shown, sign_in

pytestmark = pytest.mark.django_db

BASE = "/integrations/clients/"
NO_STORE = "max-age=0, no-cache, no-store, must-revalidate, private"


def _kooths(people: People, alliance: Alliance, name: str = "Kooth online") -> ApiClient:
    """Kooth's client, its account approved by the clinical lead."""
    client = register_client(
        user=people.admin,
        organisation=organisation(alliance, "kooth"),
        name=name,
        scopes=["cases:read", "contacts:write"],
    )
    approve(client)
    return client


def _errors(response: object) -> list[str]:
    """The error summary's messages, in order."""
    context = response.context  # type: ignore[attr-defined]
    form = context["form"]
    fields = [form.errors[name][0] for name in form.fields if name in form.errors]
    return [*form.non_field_errors(), *fields]


@pytest.fixture
def admin(client: Client, people: People) -> Client:
    sign_in(client, people.admin)
    return client


def test_an_administrator_registers_a_client_of_kooth_with_two_scopes(
    admin: Client, alliance: Alliance
) -> None:
    kooth = organisation(alliance, "kooth")
    page = shown(admin.get(f"{BASE}new/"))
    assert "Read the children and referrals allocated to the organisation (cases:read)" in page
    response = admin.post(
        f"{BASE}new/",
        {
            "name": "Kooth online",
            "organisation": kooth.pk,
            "scopes": ["contacts:write", "cases:read"],
        },
    )
    registered = ApiClient.objects.get()
    assert response["Location"] == f"{BASE}{registered.uuid}/"
    assert (registered.name, registered.organisation, registered.scopes) == (
        "Kooth online",
        kooth,
        ["cases:read", "contacts:write"],
    )
    assert registered.account.role == Role.PARTNER_SYSTEM
    page = shown(admin.get(response["Location"]))
    assert "Client registered. Issue it a token to connect." in page
    assert "Kooth (partner)" in page
    assert "No tokens yet." in page


@pytest.mark.parametrize(
    ("slug", "scopes", "errors"),
    [
        (
            "kooth",
            ["referrals:submit"],
            ["A client of Kooth cannot hold the scope referrals:submit"],
        ),
        (
            "childrens-social-care",
            ["cases:read"],
            ["A client of Children's Social Care cannot hold the scope cases:read"],
        ),
        ("kooth", [], ["Choose at least one scope"]),
        ("kooth", ["everything"], ["Choose scopes from the list"]),
    ],
)
def test_the_form_refuses_a_scope_the_organisations_kind_cannot_hold(
    admin: Client, alliance: Alliance, slug: str, scopes: list[str], errors: list[str]
) -> None:
    chosen = organisation(alliance, slug)
    response = admin.post(
        f"{BASE}new/", {"name": "A system", "organisation": chosen.pk, "scopes": scopes}
    )
    assert response.status_code == 400
    assert _errors(response) == [
        error.replace("Children's Social Care", chosen.name) for error in errors
    ]
    assert "There is a problem" in shown(response)
    assert not ApiClient.objects.exists()
    assert not AuditEvent.objects.filter(record_type="api client").exists()


def test_an_empty_form_says_what_is_missing(admin: Client) -> None:
    response = admin.post(f"{BASE}new/", {"name": "  "})
    assert response.status_code == 400
    assert _errors(response) == [
        "Enter the name of the system",
        "Choose the organisation",
        "Choose at least one scope",
    ]
    assert not ApiClient.objects.exists()


def test_another_alliances_organisation_cannot_be_chosen(admin: Client, alliance: Alliance) -> None:
    elsewhere = _elsewhere()
    response = admin.post(
        f"{BASE}new/",
        {"name": "X", "organisation": elsewhere.pk, "scopes": ["cases:read"]},
    )
    assert response.status_code == 400
    assert _errors(response) == ["Choose an organisation from the list"]
    assert not ApiClient.objects.exists()


def test_an_issued_token_is_shown_once_and_works(
    admin: Client, alliance: Alliance, people: People
) -> None:
    kooths = _kooths(people, alliance)
    form = admin.get(f"{BASE}{kooths.uuid}/issue/")
    assert form.context["form"]["days"].value() == 90
    response = admin.post(f"{BASE}{kooths.uuid}/issue/", {"days": "30"})
    assert response["Location"] == f"{BASE}{kooths.uuid}/token/"
    token = ApiToken.objects.get(client=kooths)
    assert token.expires_at - token.issued_at == timedelta(days=30)
    waiting = admin.session[f"integrations:token:{kooths.uuid}"]
    assert set(waiting) == {"sealed", "token"}  # the sessions table holds no working token

    once = admin.get(response["Location"])
    assert once.status_code == 200
    assert once["Cache-Control"] == NO_STORE
    secret = once.context["secret"]
    assert hashlib.sha256(secret.encode()).hexdigest() == token.digest
    page = shown(once)
    assert f'value="{secret}"' in page
    assert secret not in str(waiting)
    assert "It will not be shown again" in page
    assert call("GET", "/api/v1/client", secret).status_code == 200

    again = admin.get(response["Location"])
    assert again.status_code == 200
    assert again["Cache-Control"] == NO_STORE
    assert "This token has already been shown" in shown(again)
    assert secret not in shown(again)


def test_the_days_of_a_token_are_checked(admin: Client, alliance: Alliance, people: People) -> None:
    kooths = _kooths(people, alliance)
    for days, error in (
        ("400", "A token works for 365 days at most"),
        ("0", "A token works for 1 day or more"),
        ("", "Enter how many days the token works for"),
        ("ten", "Enter the days as a whole number"),
    ):
        response = admin.post(f"{BASE}{kooths.uuid}/issue/", {"days": days})
        assert (response.status_code, _errors(response)) == (400, [error])
    assert not ApiToken.objects.exists()


def test_rotating_shows_the_new_token_once_and_the_old_one_stops(
    admin: Client, alliance: Alliance, people: People
) -> None:
    kooths = _kooths(people, alliance)
    old = issue_token(user=people.admin, client=kooths)
    response = admin.post(f"{BASE}{kooths.uuid}/rotate/", {"days": "90"})
    assert response["Location"] == f"{BASE}{kooths.uuid}/token/"
    secret = admin.get(response["Location"]).context["secret"]
    assert secret != old.secret
    assert call("GET", "/api/v1/client", old.secret).status_code == 401
    assert call("GET", "/api/v1/client", secret).status_code == 200
    assert ApiToken.objects.filter(client=kooths, revoked_at__isnull=True).count() == 1


def test_revoking_a_token_stops_it_and_keeps_the_others(
    admin: Client, alliance: Alliance, people: People
) -> None:
    kooths = _kooths(people, alliance)
    first = issue_token(user=people.admin, client=kooths)
    second = issue_token(user=people.admin, client=kooths)
    address = f"{BASE}{kooths.uuid}/tokens/{first.token.uuid}/revoke/"
    assert address in shown(admin.get(f"{BASE}{kooths.uuid}/"))
    assert "Revoke token" in shown(admin.get(address))
    response = admin.post(address)
    assert response["Location"] == f"{BASE}{kooths.uuid}/"
    assert call("GET", "/api/v1/client", first.secret).status_code == 401
    assert call("GET", "/api/v1/client", second.secret).status_code == 200
    page = shown(admin.get(response["Location"]))
    assert f"Token {first.token.prefix}… revoked. It no longer works." in page


def test_a_token_of_another_client_is_not_revoked_through_this_one(
    admin: Client, alliance: Alliance, people: People
) -> None:
    kooths = _kooths(people, alliance)
    others = _kooths(people, alliance, "Kooth's second system")
    theirs = issue_token(user=people.admin, client=others)
    response = admin.post(f"{BASE}{kooths.uuid}/tokens/{theirs.token.uuid}/revoke/")
    assert response.status_code == 404
    assert ApiToken.objects.get().revoked_at is None


def test_revoking_the_client_stops_every_token_and_no_new_one_is_issued(
    admin: Client, alliance: Alliance, people: People
) -> None:
    kooths = _kooths(people, alliance)
    issued = issue_token(user=people.admin, client=kooths)
    assert "Every token of Kooth online stops working" in shown(
        admin.get(f"{BASE}{kooths.uuid}/revoke/")
    )
    response = admin.post(f"{BASE}{kooths.uuid}/revoke/")
    assert response["Location"] == f"{BASE}{kooths.uuid}/"
    kooths.refresh_from_db()
    assert kooths.tokens.get().revoked_at == kooths.revoked_at
    assert call("GET", "/api/v1/client", issued.secret).status_code == 401
    refused = admin.post(f"{BASE}{kooths.uuid}/issue/", {"days": "90"})
    assert (refused.status_code, _errors(refused)) == (
        400,
        ["This client is revoked: register a new one"],
    )
    assert ApiToken.objects.count() == 1
    page = shown(admin.get(f"{BASE}{kooths.uuid}/"))
    assert "Issue a token" not in page and "Revoke this client" not in page


def test_changing_scopes_is_checked_against_the_organisations_kind(
    admin: Client, alliance: Alliance, people: People
) -> None:
    kooths = _kooths(people, alliance)
    address = f"{BASE}{kooths.uuid}/scopes/"
    assert admin.get(address).context["form"]["scopes"].value() == ["cases:read", "contacts:write"]
    refused = admin.post(address, {"scopes": ["cases:read", "referrals:read"]})
    assert (refused.status_code, _errors(refused)) == (
        400,
        ["A client of Kooth cannot hold the scope referrals:read"],
    )
    kooths.refresh_from_db()
    assert kooths.scopes == ["cases:read", "contacts:write"]
    response = admin.post(address, {"scopes": ["measures:write"]})
    assert response["Location"] == f"{BASE}{kooths.uuid}/"
    kooths.refresh_from_db()
    assert kooths.scopes == ["measures:write"]


def _addresses(api_client: ApiClient) -> list[str]:
    token = api_client.tokens.get()
    own = f"{BASE}{api_client.uuid}/"
    return [
        BASE, f"{BASE}new/", own, f"{own}issue/", f"{own}rotate/", f"{own}token/",
        f"{own}tokens/{token.uuid}/revoke/", f"{own}scopes/", f"{own}revoke/",
    ]  # fmt: skip


def test_every_other_role_gets_a_403_and_nothing_is_written(
    client: Client, alliance: Alliance, people: People
) -> None:
    kooths = _kooths(people, alliance)
    issue_token(user=people.admin, client=kooths)
    before = (ApiClient.objects.count(), ApiToken.objects.count(), AuditEvent.objects.count())
    for persona, user in people.by_role().items():
        if user.role == Role.ADMINISTRATOR:
            continue
        sign_in(client, user)
        for address in _addresses(kooths):
            assert client.get(address).status_code == 403, (persona, address)
            assert client.post(address, {"days": "90"}).status_code == 403, (persona, address)
    assert (ApiClient.objects.count(), ApiToken.objects.count()) == before[:2]
    assert not ApiToken.objects.filter(revoked_at__isnull=False).exists()


def _elsewhere() -> Organisation:
    other = Alliance.objects.create(
        slug="elsewhere", name="Elsewhere", area_name="Elsewhere", min_age=5, max_age=18,
        extended_max_age=25,
    )  # fmt: skip
    return Organisation.objects.create(
        alliance=other, slug="their-partner", name="Theirs", kind="partner"
    )


def test_another_alliances_client_is_a_404_and_nothing_is_written(admin: Client) -> None:
    theirs = _elsewhere()
    their_admin = make_user("other-admin", Role.ADMINISTRATOR, theirs)
    their_client = register_client(
        user=their_admin, organisation=theirs, name="Their system", scopes=["cases:read"]
    )
    issue_token(user=their_admin, client=their_client)
    for address in _addresses(their_client)[2:]:
        assert admin.get(address).status_code == 404, address
        if not address.endswith(("token/", f"{their_client.uuid}/")):  # the writes
            posted = admin.post(address, {"days": "90", "scopes": ["cases:read"]})
            assert posted.status_code == 404, address
    assert ApiToken.objects.count() == 1
    assert ApiToken.objects.get().revoked_at is None
    their_client.refresh_from_db()
    assert (their_client.revoked_at, their_client.scopes) == (None, ["cases:read"])
    assert "Their system" not in shown(admin.get(BASE))


def test_the_list_shows_each_client_with_its_tokens_in_use(
    admin: Client, alliance: Alliance, people: People
) -> None:
    kooths = _kooths(people, alliance)
    in_use = issue_token(user=people.admin, client=kooths, days=30)
    gone = _kooths(people, alliance, "An old system")
    issue_token(user=people.admin, client=gone)
    from onedoor.integrations.clients import revoke_client

    revoke_client(user=people.admin, client=gone)
    response = admin.get(BASE)
    rows = [
        (row.name, [token.prefix for token in row.in_use], row.revoked_at is not None)
        for row in response.context["clients"]
    ]
    assert rows == [("An old system", [], True), ("Kooth online", [in_use.token.prefix], False)]
    page = shown(response)
    assert f"{in_use.token.prefix}…</span>: expires 20 Dec 2026, not used yet" in page
    assert "Revoked 20 Nov 2026" in page
    assert "Register a client" in page


@pytest.mark.parametrize("size", [1, 5])
def test_the_list_page_runs_a_fixed_number_of_queries(
    admin: Client, alliance: Alliance, people: People, django_assert_num_queries: object, size: int
) -> None:
    for n in range(size):
        issue_token(user=people.admin, client=_kooths(people, alliance, f"System {n}"))
    admin.get("/")
    # The session, the user (with their organisation), their second factor, then the clients
    # (with their organisations) and their tokens in use (none per client)
    with django_assert_num_queries(5):  # type: ignore[operator]
        response = admin.get(BASE)
    assert len(response.context["clients"]) == size


def test_administrators_see_api_clients_in_the_navigation(admin: Client) -> None:
    response = admin.get("/")
    assert [item["label"] for item in response.context["navigation"]] == [
        "Configuration",
        "API clients",
    ]


def test_the_client_page_shows_its_event_subscriptions_and_one_turned_off(
    admin: Client, alliance: Alliance, people: People
) -> None:
    from onedoor import clock
    from onedoor.webhooks.models import Subscription
    from onedoor.webhooks.subscriptions import subscribe

    kooths = _kooths(people, alliance)
    page = shown(admin.get(f"{BASE}{kooths.uuid}/"))
    assert "No subscriptions." in page
    on = subscribe(client=kooths, url="https://kooth.example/on", events=["referral.allocated"])
    off = subscribe(
        client=kooths,
        url="https://kooth.example/off",
        events=["referral.allocated", "referral.discharged"],
    )
    Subscription.objects.filter(pk=off.subscription.pk).update(
        disabled_at=clock.now(), consecutive_failures=8
    )
    page = shown(admin.get(f"{BASE}{kooths.uuid}/"))
    assert on.subscription.url in page
    assert "referral.allocated, referral.discharged" in page
    assert "after 8 failed deliveries in a row" in page
    assert "No subscriptions." not in page


def test_a_partners_system_waits_for_the_clinical_leads_approval_before_any_call(
    admin: Client, alliance: Alliance, people: People
) -> None:
    from onedoor.access.models import RoleRequest
    from onedoor.access.roles import decide_role_request

    admin.post(f"{BASE}new/", {"organisation": organisation(alliance, "kooth").pk,
               "name": "Kooth online", "scopes": ["cases:read"]})  # fmt: skip
    kooths = ApiClient.objects.get()
    account = kooths.account
    assert (account.role, account.is_active) == (Role.PARTNER_SYSTEM, False)
    waiting = RoleRequest.objects.get(user=account, decided_at__isnull=True)
    assert (waiting.role, waiting.organisation.slug, waiting.requested_by) == (
        Role.PARTNER_SYSTEM, "kooth", people.admin,
    )  # fmt: skip
    page = shown(admin.get(f"{BASE}{kooths.uuid}/"))
    assert "Waiting for a clinical lead's approval" in page
    assert "Waiting for approval" in shown(admin.get(BASE))
    secret = issue_token(user=people.admin, client=kooths).secret
    refused = call("GET", "/api/v1/client", secret)
    assert refused.status_code == 401
    assert refused.json()["detail"] == (
        "The client's account is not active: a partner's system waits for a clinical lead's "
        "approval before its first call"
    )
    # The administrator cannot approve it; the clinical lead does.
    with pytest.raises(PermissionDenied):
        decide_role_request(by=people.admin, request=waiting, approve=True)
    decide_role_request(by=people.clinical_lead, request=waiting, approve=True)
    assert call("GET", "/api/v1/client", secret).status_code == 200
    assert "Waiting for" not in shown(admin.get(f"{BASE}{kooths.uuid}/"))


def test_a_referrers_system_reads_only_its_own_referrals_and_does_not_wait(
    alliance: Alliance, people: People
) -> None:
    from onedoor.access.models import RoleRequest

    social_care = organisation(alliance, "childrens-social-care")
    client = register_client(user=people.admin, organisation=social_care, name="Case system",
                             scopes=["referrals:submit"])  # fmt: skip
    assert (client.account.role, client.account.is_active) == (Role.REFERRER_SYSTEM, True)
    assert not RoleRequest.objects.filter(user=client.account).exists()
