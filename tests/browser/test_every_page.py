"""Every staff page passes axe at 1280 and 320 pixels wide and fits a phone (issue 13).

Nothing here names a page. The site map (`tests/site_map.py`) builds its world of records in
the live server's database and crawls it with Django's test client as one person of each
role, which finds a real address for every URL name and the person who opened it. Chromium
then signs in once as each of those people and opens each of their pages, and
`assert_accessible_at_both_widths` runs axe at 1280 and at 320 pixels wide and checks that
nothing overflows sideways at 320. A record page (its address names a child, a referral, a
handover, a concern, a grant or an audited case: `site_map.is_record_page`) must also show the
child banner above its heading.

`test_every_staff_page_is_in_the_check` holds the set of pages checked to the URLconf: every
named address behind the sign-in, less `NOT_PAGES` (each asserted to be what it says it is),
must be a page someone opened. A new page is checked without editing this file, and a page
the crawl cannot reach fails here until the site map's world has a record for it.

The pages are checked in `PARTS` tests, so that scripts/test-browser's two workers share
them; each part signs in once as each person whose pages it has.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import resolve
from playwright.sync_api import Page
from pytest_django import Settings
from pytest_django.live_server_helper import LiveServer

from onedoor.accounts.decorators import allowed_roles
from onedoor.accounts.models import User
from onedoor.alliance.loader import DEFAULT_FILE, load
from onedoor.alliance.models import Alliance
from tests.browser.support import assert_accessible_at_both_widths, sign_in
from tests.personas import People
from tests.personas import sign_in as sign_in_client
from tests.site_map import SiteMap, build_world, crawl, is_record_page, url_names

# Named addresses behind the sign-in that are not pages, each with what it answers instead
# (checked by the test below, so that an entry cannot hide a page):
NOT_PAGES = {
    # Buttons that change one thing and go back: a GET is refused (405).
    "accounts:logout": "post only",
    "accounts:stay_signed_in": "post only",
    "accounts:save_draft": "post only",
    "care:decline_handover": "post only",
    "care:read_decline": "post only",
    "case_audits:action_done": "post only",
    "case_audits:add_action": "post only",
    "case_audits:close_round": "post only",
    "governance:close_incident": "post only",
    "governance:share_learning": "post only",
    "meetings:complete": "post only",
    "triage:signposted_reviewed": "post only",
    "subject_access:gather": "post only",
    "subject_access:remove_redaction": "post only",
    "subject_access:reviewed": "post only",
    # Files, not pages.
    "insights:export_csv": "download",
    "insights:export_xlsx": "download",
    "insights:extract": "download",
    "insights:pack_pdf": "download",
    "referrers:referral_copy": "download",
    "subject_access:archive_json": "download",
    "subject_access:archive_pdf": "download",
    # What the timeout warning asks in the background (JSON).
    "accounts:session_status": "json",
    "accounts:drafts": "json",
    "accounts:discard_draft": "post only",
    # Signing in's second factor: off in this tier (as in the demo), so these send the person
    # on; tests/browser/test_pages.py checks them with it on.
    "accounts:two_factor": "second factor",
    "accounts:two_factor_setup": "second factor",
}
CONTENT_TYPES = {
    "download": ("text/csv", "application/vnd.", "application/pdf", "application/json"),
    "json": ("application/json",),
}
# Up to this many records' pages of each kind are opened, to find the links only some have.
RECORDS = 6
# The pages are checked in this many parts, so that the browser tier's two workers share them.
PARTS = 2


@dataclass(frozen=True)
class Visit:
    name: str  # the URL name
    path: str
    user: User


def _staff_names() -> set[str]:
    return {
        name
        for name, pattern in url_names().items()
        if getattr(pattern.callback, "login_required", True) is not False
    }


def _pages(site: SiteMap) -> list[Visit]:
    """One address for each staff page and the person who opened it: a page the crawl
    opened, or the GET of a form's own address (a write shows its form on its own page)."""
    visits = []
    clients: dict[User, Client] = {}
    for name, reached in site.every_page():
        if name in NOT_PAGES or reached.user is None:
            continue
        if reached.status == 0:  # only a form posts there: does it answer a GET with a page?
            client = clients.setdefault(reached.user, Client())
            sign_in_client(client, reached.user)
            response = client.get(reached.path)
            if response.status_code != 200 or "html" not in response["Content-Type"]:
                continue
        elif reached.status != 200:
            continue
        visits.append(Visit(name, reached.path, reached.user))
    return visits


@pytest.fixture
def alliance(live_server: LiveServer, settings: Settings) -> Alliance:
    """The Medway alliance in the live server's database (emptied after each browser test),
    the second factor off as in the demo, so the personas sign in with `PASSWORD`."""
    settings.OTP_REQUIRED = False
    return load(DEFAULT_FILE)


@pytest.fixture
def site(alliance: Alliance, people: People) -> SiteMap:
    return crawl(Client(), people, build_world(alliance, people), records_per_name=RECORDS)


# Pages the site map's world does not reach, each opened (and checked by axe at 1280 and 320
# pixels wide) by the journey named: URL name -> test. Make the world reach them instead when
# you can; every test named here must exist.
CHECKED_IN_A_JOURNEY = {
    "care:acknowledge": (
        "test_care_record.py",
        "test_a_care_coordinator_steps_up_and_the_handover_is_acknowledged",
    ),
    "outcomes:review": (
        "test_outcomes.py",
        "test_a_practitioner_enters_a_measure_and_sees_the_chart",
    ),
    "triage:overrule_eligibility": (
        "test_signposted.py",
        "test_a_signposted_referral_is_found_and_brought_into_triage",
    ),
    "safeguarding:follow_up_done": ("test_safeguarding.py", "test_a_concern_is_raised_and_worked"),
    "integrations:token": (
        "test_api_clients.py",
        "test_an_administrator_registers_a_client_whose_token_works_until_revoked",
    ),
    "triage:sign_off": (
        "test_triage.py",
        "test_a_red_referral_is_stepped_up_through_clinical_lead_sign_off",
    ),
    "care:correct_note": (
        "test_rectification.py",
        "test_a_note_is_corrected_and_its_earlier_text_kept",
    ),
}


def test_every_staff_page_is_in_the_check(site: SiteMap, people: People) -> None:
    for module, function in CHECKED_IN_A_JOURNEY.values():
        assert f"def {function}(" in (Path(__file__).parent / module).read_text(), function
    covered = {visit.name for visit in _pages(site)} | set(CHECKED_IN_A_JOURNEY)
    missing = _staff_names() - set(NOT_PAGES) - covered
    assert covered == _staff_names() - set(NOT_PAGES), (
        "not reached by the crawl (give tests/site_map.py's world a record for them, or, if "
        f"they are not pages, add them to NOT_PAGES): {sorted(missing)}"
    )
    assert set(NOT_PAGES) <= _staff_names(), sorted(set(NOT_PAGES) - _staff_names())
    for name, kind in NOT_PAGES.items():
        pattern = url_names()[name]
        path = site.pages[name].path
        roles = set(allowed_roles(pattern.callback) or [])
        user = next(u for u in people.by_role().values() if not roles or u.role in roles)
        client = Client()
        sign_in_client(client, user)
        response = client.get(path)
        if kind == "post only":
            assert response.status_code == 405, (name, response.status_code)
        elif kind == "second factor":
            assert response.status_code == 302, (name, response.status_code)
        else:
            assert resolve(urlsplit(path).path).view_name == name
            assert response.status_code == 200, (name, response.status_code)
            assert response["Content-Type"].startswith(CONTENT_TYPES[kind]), (
                name,
                response["Content-Type"],
            )


@pytest.mark.parametrize(
    "part", range(PARTS), ids=[f"part-{n + 1}-of-{PARTS}" for n in range(PARTS)]
)
def test_every_staff_page_is_accessible_at_both_widths(
    page: Page, site: SiteMap, part: int
) -> None:
    """Every PARTS-th page (by URL name), opened by whoever the crawl found opens it, each of
    them signed in once; every finding is collected, so one run lists them all."""
    share = sorted(_pages(site)[part::PARTS], key=lambda visit: (visit.user.username, visit.name))
    assert len([visit for visit in share if is_record_page(visit.name)]) >= 10
    findings = []
    for user, theirs in groupby(share, key=lambda visit: visit.user):
        page.context.clear_cookies()
        sign_in(page, user.username)
        for visit in theirs:
            response = page.goto(visit.path)
            assert response is not None and response.status == 200, (visit.name, visit.path)
            assert urlsplit(page.url).path == urlsplit(visit.path).path, (visit.name, page.url)
            if is_record_page(visit.name) and not _shows_the_banner(page):
                findings.append(f"{visit.name} as {user.username}: no child banner")
            try:
                assert_accessible_at_both_widths(page)
            except AssertionError as finding:
                findings.append(f"{visit.name} as {user.username}: {finding}")
    assert findings == [], "\n\n".join(findings)


def _shows_the_banner(page: Page) -> bool:
    """The child banner is on the page, above its heading, with the child's name and date of
    birth in view (hazard H33)."""
    banner = page.locator("[data-child-banner]")
    if banner.count() != 1 or not banner.is_visible():
        return False
    name = banner.locator(".onedoor-banner__name").inner_text().strip()
    born = banner.get_by_text("Born", exact=True)
    above = page.evaluate(
        """() => {
            const banner = document.querySelector('[data-child-banner]');
            const heading = document.querySelector('h1');
            return !heading || Boolean(
                banner.compareDocumentPosition(heading) & Node.DOCUMENT_POSITION_FOLLOWING);
        }"""
    )
    return bool(name) and born.is_visible() and bool(above)
