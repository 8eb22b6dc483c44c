"""The clinical lead records a complex-case decision from the child's record: accessible."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from onedoor.alliance.models import Alliance
from onedoor.referrals.models import Status
from onedoor.triage.models import ComplexDecision
from tests.browser.support import assert_accessible, error_summary, sign_in
from tests.personas import make_child


def test_the_clinical_lead_records_a_complex_case_decision(page: Page, demo: Alliance) -> None:
    referral = make_child(
        demo, "Corin", "Casewell", allocated_to="kooth", status=Status.IN_INTERVENTION
    ).referrals.get()
    sign_in(page, "clinical-lead")
    page.goto(f"/children/{referral.child.uuid}/")
    page.get_by_role(
        "link", name=f"Complex-case decisions for {referral.reference_display}"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Corin Casewell")
    assert_accessible(page)
    page.get_by_role("button", name="Record the decision").click()
    assert error_summary(page)[0] == "Choose what the decision is about"
    assert_accessible(page)
    page.get_by_label("Step up", exact=True).check()
    page.get_by_label("Decision", exact=True).fill("Refer to specialist CAMHS today.")
    page.get_by_label("Rationale").fill("Escalating self-harm despite weekly support.")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_text("Decision recorded.")).to_be_visible()
    assert_accessible(page)
    assert ComplexDecision.objects.get(referral=referral).kind == "step_up"
