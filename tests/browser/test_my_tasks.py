"""My tasks as a practitioner: a check-in due, recorded as missed, becomes a follow-up."""

from __future__ import annotations

from datetime import UTC, datetime

from playwright.sync_api import Page, expect

from onedoor.alliance.models import Alliance
from onedoor.care.models import CheckIn
from onedoor.referrals.models import Referral, Status
from tests.browser.support import assert_accessible, assert_accessible_at_both_widths, sign_in
from tests.personas import make_child


def test_a_missed_check_in_turns_into_a_follow_up_on_my_tasks(page: Page, demo: Alliance) -> None:
    referral = make_child(
        demo, "Tasha", "Dueday", allocated_to="kooth", status=Status.WAITING
    ).referrals.get()
    accepted = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)  # long ago: the check-in is overdue
    Referral.objects.filter(pk=referral.pk).update(
        accepted_at=accepted, allocated_at=accepted, risk_rating="amber"
    )
    sign_in(page, "kooth-practitioner")
    page.goto("/tasks/")
    row = page.get_by_role("row").filter(has_text=referral.reference_display)
    expect(row).to_contain_text("Waiting Well check-in")
    expect(row).to_contain_text("Overdue by")
    expect(row.locator(".nhsuk-tag--orange", has_text="Amber")).to_have_count(1)  # the risk
    assert_accessible_at_both_widths(page)

    row.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Tasha Dueday")
    page.get_by_role("link", name="Record a Waiting Well check-in").click()
    page.get_by_role("group", name="Did you reach them?").get_by_label("No").check()
    page.get_by_label("Notes").first.fill("No answer; voicemail left.")
    page.get_by_role("button", name="Save check-in").click()
    expect(page.get_by_text("Check-in recorded.")).to_be_visible()
    assert CheckIn.objects.filter(referral=referral, contact_made=False).count() == 1

    page.goto("/tasks/")
    rows = page.get_by_role("row").filter(has_text=referral.reference_display)
    expect(rows.filter(has_text="Follow up a missed Waiting Well check-in")).to_have_count(1)
    expect(rows.filter(has_text="Follow up a missed Waiting Well check-in")).to_contain_text("left")
    assert_accessible(page)
