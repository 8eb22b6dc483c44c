"""Finding a child from the staff header (issue 13): a triage lead finds a child by a
misspelt name and by NHS number and opens them; a partner practitioner never finds another
partner's child; the header works on a phone."""

from __future__ import annotations

import re
from datetime import date

from playwright.sync_api import Page, expect

from onedoor.alliance.models import Alliance
from onedoor.audit.models import AuditEvent
from onedoor.children.models import Child
from onedoor.referrals.models import Status
from onedoor.referrals.reference import display
from tests.browser.support import NARROW, assert_accessible_at_both_widths, sign_in
from tests.personas import make_child


def _jayden(alliance: Alliance) -> Child:
    return make_child(
        alliance, "Jayden", "Okafor", born=date(2012, 4, 3), nhs_number="4010232137",
        allocated_to="kooth", status=Status.WAITING,
    )  # fmt: skip


def test_a_triage_lead_finds_a_child_by_a_misspelt_name_and_by_nhs_number_and_opens_them(
    page: Page, demo: Alliance, live_server_url: str
) -> None:
    child = _jayden(demo)
    sign_in(page, "triage")
    # The header, on a phone: the navigation collapses under "More", and nothing overflows.
    assert_accessible_at_both_widths(page)
    page.set_viewport_size({"width": NARROW, "height": 800})
    menu = page.get_by_role("button", name="Browse More")
    menu.click()
    expect(
        page.locator(".nhsuk-header__menu-list").get_by_role("link", name="My tasks")
    ).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW
    menu.click()

    page.get_by_role("searchbox", name="Search for a child by name").fill("Jaydon Okafro")
    page.get_by_role("button", name="Search", exact=True).click()

    expect(page).to_have_url(re.compile(r"/search/\?q=Jaydon\+Okafro$"))
    expect(page.get_by_role("status")).to_have_text("1 child found")
    result = page.get_by_role("link", name="Jayden Okafor (born 3 April 2012)")
    expect(result).to_be_visible()
    expect(page.get_by_text("3 April 2012 (aged 14)")).to_be_visible()
    expect(page.get_by_text("401 023 2137", exact=True)).to_be_visible()
    reference = display(child.referrals.get().reference)
    expect(page.get_by_text(f"{reference}: Waiting (Waiting Well), Kooth")).to_be_visible()
    assert_accessible_at_both_widths(page)

    # With JavaScript, the results follow what is typed, without a new page.
    box = page.get_by_role(
        "searchbox", name="Name, date of birth, NHS number or referral reference", exact=True
    )
    box.fill("401 023 2137")
    expect(page).to_have_url(re.compile(r"/search/\?q=401%20023%202137$"))  # htmx's encoding
    expect(page.get_by_role("status")).to_have_text("1 child found")
    box.fill("401 023 2138")
    expect(page.get_by_role("status")).to_contain_text(
        "This is not an NHS number that could have been issued"
    )
    expect(result).to_have_count(0)
    box.fill("401 023 2137")
    result.click()

    expect(page).to_have_url(f"{live_server_url}/children/{child.uuid}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Jayden Okafor")
    searches = AuditEvent.objects.filter(action="search", actor_username="triage")
    assert [(event.search_terms, event.detail["results"]) for event in searches] == [
        ("Jaydon Okafro", 1),
        ("401 023 2137", 1),
        ("401 023 2137", 1),
    ]


def test_a_partner_practitioners_search_never_returns_another_partners_child(
    page: Page, demo: Alliance
) -> None:
    _jayden(demo)
    other = make_child(
        demo, "Ezra", "Chumsworth", born=date(2011, 6, 9), nhs_number="9434765919",
        allocated_to="chums", status=Status.IN_INTERVENTION,
    )  # fmt: skip
    sign_in(page, "kooth-practitioner")
    for typed in ("Ezra Chumsworth", "943 476 5919", display(other.referrals.get().reference)):
        page.goto("/")
        page.get_by_role("searchbox", name="Search for a child by name").fill(typed)
        page.get_by_role("searchbox", name="Search for a child by name").press("Enter")
        expect(page.get_by_role("status")).to_have_text(
            "No children found that you can see. Check the spelling, or search by date of "
            "birth, NHS number or reference."
        )
        expect(page.locator("#search-results")).not_to_contain_text("Ezra")
    assert_accessible_at_both_widths(page)
    page.goto("/search/?q=Okafor")
    expect(page.get_by_role("link", name="Jayden Okafor (born 3 April 2012)")).to_be_visible()

    searches = AuditEvent.objects.filter(action="search", actor_username="kooth-practitioner")
    assert [(event.search_terms, event.detail["results"]) for event in searches] == [
        ("Ezra Chumsworth", 0),
        ("943 476 5919", 0),
        (display(other.referrals.get().reference), 0),
        ("Okafor", 1),
    ]
