"""The named practitioner through the pages: Kooth's partner lead accepts Nell from Incoming
naming themselves, then names Kooth's practitioner on the child's own page; Nell is then on
the practitioner's caseload, which shows their own children by default. Incoming, the change
page and the caseload are accessible at 1280 and 320 pixels wide."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import Page, expect

from onedoor import clock
from onedoor.alliance.models import Alliance
from onedoor.referrals.models import Referral, Status
from tests.browser.support import assert_accessible_at_both_widths, error_summary, sign_in
from tests.personas import make_child


def test_a_partner_lead_accepts_naming_a_practitioner_then_changes_who_it_is(
    page: Page, demo: Alliance
) -> None:
    referral = make_child(
        demo, "Nell", "Namewell", allocated_to="kooth", status=Status.ALLOCATED
    ).referrals.get()
    Referral.objects.filter(pk=referral.pk).update(
        allocated_at=clock.now() - timedelta(days=3), consent_to_share=True
    )
    reference = referral.reference_display
    sign_in(page, "kooth-lead")
    page.goto("/triage/incoming/")
    expect(page.get_by_role("table", name="Allocations waiting for your answer")).to_contain_text(
        "3 working days"
    )
    assert_accessible_at_both_widths(page)

    page.get_by_role("link", name=f"Accept {reference}").click()
    page.get_by_role("button", name="Accept and name the practitioner").click()
    assert error_summary(page) == ["Choose the named practitioner"]
    page.get_by_label("Named practitioner").select_option(label="Demo kooth-lead (partner lead)")
    page.get_by_role("button", name="Accept and name the practitioner").click()
    expect(
        page.get_by_text(f"Accepted {reference}: Demo kooth-lead is the named practitioner.")
    ).to_be_visible()

    page.goto("/caseload/")
    page.get_by_role("link", name="Change the named practitioner for Nell Namewell").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Named practitioner for Nell Namewell"
    )
    assert_accessible_at_both_widths(page)
    page.get_by_label("Named practitioner").select_option(
        label="Demo kooth-practitioner (practitioner)"
    )
    page.get_by_label("Why (optional)").fill("Nell's sessions are on Kim's days.")
    page.get_by_role("button", name="Save the named practitioner").click()
    expect(
        page.get_by_text("Demo kooth-practitioner is now the named practitioner.")
    ).to_be_visible()
    referral.refresh_from_db()
    assert (referral.status, referral.named_practitioner.username) == (  # type: ignore[union-attr]
        Status.WAITING, "kooth-practitioner",
    )  # fmt: skip

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, "kooth-practitioner")
    page.goto("/caseload/")
    expect(page.get_by_role("link", name="My children")).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("link", name="Nell Namewell", exact=True)).to_be_visible()
    assert_accessible_at_both_widths(page)
