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
from onedoor.accounts.roles import SYSTEM_ROLES, Role
from onedoor.alliance.models import Alliance
from onedoor.audit.models import AuditEvent
from tests.personas import People, sign_in
from tests.site_map import build_world, crawl

# Every page that anyone may open without signing in. Adding to this list is a decision.
# The API's addresses: each endpoint takes a client's token, never the session
# (`tests/test_api_clients.py::test_every_api_endpoint_takes_a_token`).
API = ("api-v1:", "fhir:")

PUBLIC = {
    "accounts:login",
    "web:health",
    "referrals:start",
    "referrals:step",
    "referrals:check",
    "referrals:send",
    "referrals:sent",
    "referrals:start_again",
    "referrals:save_for_later",
    "referrals:link_sent",
    "referrals:leave_device",
    "referrals:come_back",
    "web:nhsuk_asset",
    "care:feedback",
    "outcomes:complete",
    "coproduction:give_feedback",
    "coproduction:published_log",
    "tracking:start",
    "tracking:code",
    "tracking:status",
    "referrers:register",
    "referrers:check_email",
    "referrers:verify",
    "referrers:verified",
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
        if name == "admin:*" or name.startswith(API):
            continue  # the API's endpoints take a token: tests/test_api_clients.py
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
        "admin": ["Configuration", "API clients"],
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
        response = client.get("/", follow=True)  # a professional referrer's home: /referrers/
        assert [item["label"] for item in response.context["navigation"]] == expected[persona], (
            persona
        )
        page = response.content.decode()
        assert user.organisation is not None
        assert escape(user.organisation.name) in page


def test_every_role_is_given_a_home(people: People) -> None:
    # (An API client's account never signs in: it has no pages, and so no home.)
    assert {user.role for user in people.by_role().values()} == set(Role) - SYSTEM_ROLES


# One write per URL: every address a form posts to, each doing one thing (issue 13). A new
# write is a decision: declare it here. (The public referral form's steps and the sign-in
# pages post to themselves: each step is its own write.)
WRITES: dict[str, str] = {
    # A child's care record (care/care_views.py): one page per write, linked from the summary.
    "care:contact": "record a contact",
    "care:check_in": "record a Waiting Well check-in",
    "care:appointment_offer": "record a first appointment offered",
    "care:care_plan": "record a care plan",
    "care:safety_plan": "record a safety plan",
    "care:risk_review": "record a risk review",
    "care:note": "write a clinical note",
    "care:transition": "send a handover to another service",
    "care:step_down": "record a step-down into the alliance (the Referral and Advice Point)",
    "care:discharge": "discharge, inviting feedback",
    # (care:acknowledge, a handover's acknowledgement, is not reached by the crawl's world.)
    "care:feedback": "the family's single-use feedback link",
    "care:coordinator": "name a young adult's care coordinator",
    "care:pathway": "record a young adult's pathway",
    "care:reassign": "move a leaving care coordinator's caseload",
    "care:practitioner": "change a child's named practitioner (the partner lead)",
    "care:accept_handover": "accept a handover from another partner, naming the practitioner",
    "care:decline_handover": "decline a handover, saying why",
    # A partner's answer to an allocation (triage/incoming_views.py).
    "triage:accept": "accept an allocation, naming the practitioner",
    "triage:decline": "decline an allocation, saying why",
    "triage:signposted_reviewed": "mark the signposted referrals reviewed",
    # The triage page (triage/referral_views.py): its writes, each at its own address, the
    # one that comes next as the page's form. (The crawl opens one triage page for each
    # person, so :information and :sign_off are not reached here; tests/test_triage_writes.py
    # posts to each, and tests/browser/test_every_page.py opens them.)
    "triage:screen": "screen the risk",
    "triage:decision": "decide the outcome",
    "triage:review": "review a red referral (a clinician)",
    # Outcome measures (outcomes/views.py): each write on its own page, linked from the
    # measures page. (outcomes:invite and outcomes:review are not reached by the crawl's
    # world, which has no carer's email and no response to review: tests/test_outcomes.py
    # posts to each.)
    "outcomes:record": "record an outcome measure",
    "outcomes:complete": "complete a measure through its single-use link (public)",
    # The clinical content library (content/views.py): each change to an item on its own page.
    "content:new": "add an item to the library",
    "content:edit": "edit an item",
    "content:sign_off": "sign off an item's version (the clinical lead)",
    "content:retire": "retire an item",
    # Safeguarding (safeguarding/views.py): each change to a concern on its own page.
    "safeguarding:raise": "raise a safeguarding concern",
    "safeguarding:add_follow_up": "add a follow-up action to a concern",
    "safeguarding:follow_up_done": "mark a follow-up action done",
    "safeguarding:close": "close a concern with its outcome",
    # Signing in and out.
    "accounts:login": "sign in",
    "accounts:logout": "sign out",
    # The public referral form (each step posts to its own address; the crawl reaches the
    # first) and the Referral and Advice Point's staff pages.
    "referrals:start": "start a referral",
    # (Not reached by the crawl's world, beyond the first step: "save and come back later",
    # referrals:save_for_later, ask for the link; referrals:leave_device, remove the answers
    # from this device; referrals:come_back, use the emailed link. tests/test_save_for_later.py)
    "referrals_staff:advice": "record an advice contact or a phone referral",
    "referrals_staff:gp_practice": "correct a referral's GP practice",
    "referrals_staff:matches": "confirm or rule out a possible match",
    "referrals_staff:undo_match": "undo a confirmed match, with a reason",
    "referrals_staff:status_sharing": 'mark or lift "do not share status with the family"',
    # A child's own writes (web/child_views.py, issue 18): rectification and consent to share.
    "web:correct_details": "correct a child's details, keeping the earlier values",
    "web:consent_to_share": "record consent to share withdrawn, or given again",
    # (care:correct_note, a clinical note corrected, is linked for the note's own organisation
    # only, whose history page the crawl does not open: tests/test_rectification.py posts to
    # it, and tests/browser/test_rectification.py opens it.)
    "web:complex_decisions": "record a complex-case decision",
    # Emergency access.
    "access:break_glass": "get emergency access to a record, with a reason",
    "access:review": "review a use of emergency access",
    # Separation of duties (issue 18).
    "access:role_request": "approve or refuse a role that sees case data",
    # Subject access (issue 18; subject_access/views.py): each step of a request on its own
    # page. (subject_access:gather, on an open request, and subject_access:disclose, on a
    # reviewed one, are not reached by the crawl's first request: tests/test_subject_access.py
    # posts to each.)
    "subject_access:new": "open a subject access request",
    "subject_access:withhold": "withhold a record or a field from the disclosure, saying why",
    "subject_access:remove_redaction": "remove a redaction before the disclosure",
    "subject_access:reviewed": "mark the review of the records complete",
    "subject_access:withdraw": "withdraw a subject access request",
    # Governance: case audits, incidents, supervision, meetings.
    "case_audits:new_round": "start a case audit round",
    "case_audits:score": "score an audited record",
    "case_audits:add_action": "add an action to a round",
    "case_audits:action_done": "mark a round's action done",
    "case_audits:close_round": "close a round",
    "governance:report_incident": "report an incident",
    "governance:review_incident": "review an incident",
    "governance:add_change": "record a practice change learnt from an incident",
    "governance:close_incident": "close an incident",
    "governance:new_supervision": "record a supervision session",
    "meetings:new": "record a multi-agency meeting",
    "meetings:complete": "mark a meeting's action done",
    # Co-production and the review pack.
    "coproduction:give_feedback": "give feedback (public)",
    # Tracking a referral (public). (tracking:code, the code emailed, is reached only after a
    # lookup in the same browser session: tests/test_tracking.py posts to it.)
    "tracking:start": "ask for a code to see how a referral is going (public)",
    "coproduction:feedback_themes": "set a piece of feedback's themes",
    "coproduction:new_entry": "add a you said, we did entry",
    "coproduction:entry": "update a you said, we did entry",
    "insights:pack": "build the review pack (PDF)",
    # Professional referrer accounts (referrers/views.py). (referrers:verify, the emailed
    # link's password page, is not reached by the crawl: tests/test_professional_referrers.py
    # posts to it.)
    "referrers:register": "register a professional referrer account (public)",
    # API clients (integrations/views.py), the administrator's: each change on its own page,
    # linked from the client's page. (The token page, integrations:token, shows a token once
    # and posts nothing.)
    "integrations:new": "register an API client",
    "integrations:issue": "issue a client a token",
    "integrations:rotate": "rotate a client's tokens (a new one, every other revoked)",
    "integrations:revoke_token": "revoke one token",
    "integrations:scopes": "change a client's scopes",
    "integrations:revoke": "revoke a client and all its tokens",
}


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
