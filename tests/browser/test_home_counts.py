"""Counts where people decide: the triage lead's and a partner practitioner's home pages and
the clinical lead's /governance/ show what waits for them as cards that lead to the list
they count. axe at both widths on each."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from onedoor.alliance.models import Alliance
from tests.browser.support import assert_accessible_at_both_widths, sign_in


def _card(page: Page, key: str) -> tuple[str, str]:
    card = page.locator(f"[data-count={key}]")
    return (
        card.get_by_role("link").inner_text().split(":")[0].strip(),
        card.locator(".onedoor-count__number").inner_text(),
    )


def test_home_and_governance_count_what_waits(page: Page, demo: Alliance) -> None:
    sign_in(page, "triage")
    expect(page.get_by_role("heading", level=2, name="Triage")).to_be_visible()
    expect(page.get_by_role("heading", level=2, name="Your tasks")).to_be_visible()
    label, number = _card(page, "triage_overdue")
    assert label == "Triage clocks overdue" and re.fullmatch(r"None|\d+", number)
    assert_accessible_at_both_widths(page)
    page.locator("[data-count=triage_overdue]").get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"/triage/\?waiting=overdue$"))
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, "kooth-practitioner")
    expect(page.get_by_role("heading", level=2, name="Your organisation")).to_be_visible()
    assert _card(page, "allocations")[0] == "Allocations waiting for an answer"
    assert_accessible_at_both_widths(page)
    page.locator("[data-count=tasks_overdue]").get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"/tasks/\?due=overdue$"))
    expect(page.get_by_role("link", name=re.compile(r"^Overdue tasks \(\d+"))).to_have_attribute(
        "aria-current", "page"
    )
    assert_accessible_at_both_widths(page)
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, "clinical-lead")
    page.goto("/governance/")
    expect(page.get_by_role("heading", level=2, name="What waits for you")).to_be_visible()
    assert [
        page.locator("[data-count]").nth(n).get_attribute("data-count") for n in range(8)
    ] == [
        "escalations", "concerns", "follow_ups_overdue", "incidents", "complex", "roles",
        "subject_access", "audit_actions_overdue",
    ]  # fmt: skip
    expect(page.locator("[data-count]")).to_have_count(8)
    assert_accessible_at_both_widths(page)
