"""Every address is declared public or protected, and protected pages keep to their roles."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils.html import escape

from onedoor.accounts.decorators import allowed_roles
from onedoor.accounts.navigation import PAGES
from onedoor.accounts.roles import Role
from onedoor.alliance.models import Alliance
from onedoor.audit.models import AuditEvent
from tests.personas import People, sign_in
from tests.site_map import build_world, crawl

# Every page that anyone may open without signing in. Adding to this list is a decision.
PUBLIC = {
    "accounts:login",
    "web:health",
    "referrals:start",
    "referrals:step",
    "referrals:check",
    "referrals:send",
    "web:nhsuk_asset",
    "care:feedback",
    "outcomes:complete",
    "coproduction:give_feedback",
    "coproduction:published_log",
}


def _patterns(resolver: URLResolver, namespace: str = "") -> Iterator[tuple[str, Any]]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            if entry.namespace == "admin":
                yield "admin:*", entry  # the admin site: staff only (see below)
                continue
            yield from _patterns(entry, inner)
        elif isinstance(entry, URLPattern):
            yield f"{namespace}{entry.name}", entry.callback


def test_every_url_is_declared_public_or_protected() -> None:
    undeclared = []
    public = set()
    for name, view in _patterns(get_resolver()):
        if name == "admin:*":
            continue
        if getattr(view, "login_required", True) is False:
            public.add(name)
        elif allowed_roles(view) is None and name not in {
            "accounts:two_factor", "accounts:two_factor_setup", "accounts:logout",
        }:  # fmt: skip
            undeclared.append(name)
    assert undeclared == []
    assert public == PUBLIC


def test_the_admin_site_is_for_administrators_only(client: Client, people: People) -> None:
    assert client.get("/admin/")["Location"] == "/admin/login/?next=/admin/"
    for persona, user in people.by_role().items():
        sign_in(client, user)
        response = client.get("/admin/alliance/offer/")
        expected = 200 if persona == "admin" else 302
        assert response.status_code == expected, persona


STAFF_PAGES = ["/triage/", "/waiting/", "/caseload/", "/tasks/", "/insights/", "/governance/"]


@pytest.mark.parametrize(
    "path",
    [
        "/",
        *STAFF_PAGES,
        "/emergency-access/",
        "/governance/emergency-access/",
        "/governance/meetings/",
        "/governance/meetings/new/",
    ],
)
def test_a_protected_page_sends_anonymous_visitors_to_sign_in(
    client: Client, db: None, path: str
) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize(
    "page", [p for p in PAGES if p.url_name.startswith("web:")], ids=lambda p: p.label
)
def test_each_staff_page_opens_for_its_roles_and_no_others(
    client: Client, people: People, page: Any
) -> None:
    for persona, user in people.by_role().items():
        sign_in(client, user)
        before = AuditEvent.objects.count()
        response = client.get(page.url_name.replace("web:", "/") + "/")
        assert response.status_code == (200 if user.role in page.roles else 403), (
            persona,
            page.label,
        )
        assert AuditEvent.objects.count() == before


def test_the_navigation_fits_each_role(client: Client, people: People) -> None:
    expected = {
        "triage": ["Triage", "Waiting lists", "My tasks", "Incidents"],
        "coordinator": [
            "Waiting lists",
            "Incoming",
            "Caseload",
            "Young adults",
            "My tasks",
            "Incidents",
        ],
        "clinical_lead": [
            "Triage",
            "Waiting lists",
            "My tasks",
            "Insights",
            "Feedback",
            "You said, we did",
            "Governance",
        ],
        "safeguarding": ["My tasks", "Governance", "Emergency access"],
        "partner_safeguarding": ["My tasks", "Governance", "Emergency access"],
        "manager": [
            "Waiting lists",
            "Reassign caseload",
            "My tasks",
            "Insights",
            "Feedback",
            "You said, we did",
            "Incidents",
        ],
        "analyst": ["Insights"],
        "commissioner": ["Insights"],
        "admin": ["Configuration"],
        "referrer": [],
        "kooth_practitioner": ["Incoming", "Caseload", "My tasks", "Incidents", "Emergency access"],
        "kooth_lead": [
            "Incoming",
            "Caseload",
            "My tasks",
            "Insights",
            "Governance",
            "Emergency access",
        ],
        "chums_practitioner": ["Incoming", "Caseload", "My tasks", "Incidents", "Emergency access"],
        "chums_lead": [
            "Incoming",
            "Caseload",
            "My tasks",
            "Insights",
            "Governance",
            "Emergency access",
        ],
    }
    for persona, user in people.by_role().items():
        sign_in(client, user)
        response = client.get("/")
        assert [item["label"] for item in response.context["navigation"]] == expected[persona], (
            persona
        )
        page = response.content.decode()
        assert user.organisation is not None
        assert escape(user.organisation.name) in page


def test_every_role_is_given_a_home(people: People) -> None:
    assert {user.role for user in people.by_role().values()} == set(Role)


# One write per URL: every address a form posts to, each doing one thing (issue 13). A new
# write is a decision: declare it here. (The public referral form's steps and the sign-in
# pages post to themselves: each step is its own write.)
WRITES: dict[str, str] = {}


def test_every_write_has_its_own_declared_address_and_a_get_builds_one_blank_form_at_most(
    client: Client, alliance: Alliance, people: People
) -> None:
    """One crawl of every page as every role (tests/site_map.py): where each form posts, and
    how many blank forms each page built."""
    site = crawl(client, people, build_world(alliance, people))
    assert set(site.forms) == set(WRITES)
    switching = sorted(
        name for name, forms in site.forms.items() for form in forms
        if any(field == "form" for field, _ in form.fields)
    )  # fmt: skip
    assert switching == []
    assert len(site.blank_forms) >= 60  # the crawl opened the pages
    assert {name: n for name, n in site.blank_forms.items() if n > 1} == {}
