"""Every demo account signs in through the real form and lands on an accessible home page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from onedoor.accounts.navigation import pages_for
from onedoor.accounts.roles import Role
from onedoor.alliance.models import Alliance
from onedoor.demo.population import demo_usernames
from tests.browser.support import assert_accessible, sign_in

# Written out so each account is its own test; the next test keeps it in step with the demo.
DEMO_USERNAMES = (
    "triage",
    "coordinator",
    "practitioner",
    "clinical-lead",
    "safeguarding",
    "manager",
    "analyst",
    "admin",
    "commissioner",
    "barratt-behaviour-change-practitioner",
    "barratt-behaviour-change-lead",
    "bfb-labs-practitioner",
    "bfb-labs-lead",
    "chums-practitioner",
    "chums-lead",
    "kooth-practitioner",
    "kooth-lead",
    "oasis-practitioner",
    "oasis-lead",
    "salus-practitioner",
    "salus-lead",
    "young-lives-foundation-practitioner",
    "young-lives-foundation-lead",
    "gp-referrer",
)


def test_the_role_list_here_is_every_demo_account(alliance: Alliance) -> None:
    assert set(DEMO_USERNAMES) == set(demo_usernames(alliance))
    assert len(DEMO_USERNAMES) == len(set(DEMO_USERNAMES))


@pytest.mark.parametrize("username", DEMO_USERNAMES)
def test_each_demo_role_signs_in_and_sees_an_accessible_home_page(
    page: Page, demo: Alliance, live_server_url: str, username: str
) -> None:
    role, organisation = demo_usernames(demo)[username]

    sign_in(page, username)

    # A professional referrer's home is the list of their own referrals.
    home = "/referrers/" if role == Role.PROFESSIONAL_REFERRER else "/"
    expect(page).to_have_url(f"{live_server_url}{home}")
    expect(page.locator(".onedoor-org")).to_have_text(f"{Role(role).label}, {organisation.name}")
    menu = page.get_by_role("navigation", name="Menu").get_by_role("link")
    assert [text.strip() for text in menu.all_inner_texts()] == [p.label for p in pages_for(role)]
    assert_accessible(page)
