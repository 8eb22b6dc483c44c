"""What a signed-in user sees is never stored by a browser or a cache on the way
(`NoStoreWhenSignedInMiddleware`): pages, redirects and error pages alike. Public pages
seen signed out keep their own caching."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client

from onedoor.alliance.models import Alliance
from onedoor.audit.models import AuditEvent
from tests.personas import People, sign_in

NEVER_STORED = "max-age=0, no-cache, no-store, must-revalidate, private"


def test_a_staff_page_is_not_stored(client: Client, people: People) -> None:
    sign_in(client, people.triage)
    response = client.get("/triage/")
    assert (response.status_code, response["Cache-Control"]) == (200, NEVER_STORED)


def test_a_redirect_for_a_signed_in_user_is_not_stored(client: Client, people: People) -> None:
    sign_in(client, people.triage)
    response = client.get("/accounts/login/")
    assert (response.status_code, response["Location"]) == (302, "/")
    assert response["Cache-Control"] == NEVER_STORED


def test_a_404_for_a_signed_in_user_is_not_stored(client: Client, people: People) -> None:
    sign_in(client, people.triage)
    response = client.get(f"/children/{uuid.UUID(int=7)}/")
    assert (response.status_code, response["Cache-Control"]) == (404, NEVER_STORED)
    assert list(AuditEvent.objects.values_list("action", flat=True)) == ["deny"]


def test_a_page_outside_the_role_is_a_403_not_stored(client: Client, people: People) -> None:
    sign_in(client, people.kooth_practitioner)
    response = client.get("/triage/")
    assert (response.status_code, response["Cache-Control"]) == (403, NEVER_STORED)


def test_a_public_page_seen_signed_in_is_not_stored(client: Client, people: People) -> None:
    sign_in(client, people.triage)
    response = client.get("/feedback/")
    assert (response.status_code, response["Cache-Control"]) == (200, NEVER_STORED)


@pytest.mark.parametrize(
    ("page", "cache_control"),
    [
        ("/refer/", NEVER_STORED),  # its own: each step shows the answers kept (never_cache)
        ("/feedback/", None),
        ("/you-said-we-did/", None),
        ("/accounts/login/", None),
    ],
)
def test_public_pages_seen_signed_out_keep_their_own_caching(
    client: Client, alliance: Alliance, page: str, cache_control: str | None
) -> None:
    response = client.get(page)
    assert (response.status_code, response.get("Cache-Control")) == (200, cache_control)
