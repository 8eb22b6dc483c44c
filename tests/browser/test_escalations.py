"""The clinical lead's page of open escalations, reached from Governance: accessible."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import Page, expect

from onedoor import clock
from onedoor.alliance.models import Alliance
from onedoor.referrals.models import Referral, Status
from onedoor.triage.escalation import escalate_overdue
from tests.browser.support import assert_accessible, sign_in
from tests.personas import make_child


def test_the_clinical_lead_sees_open_escalations(page: Page, demo: Alliance) -> None:
    referral = make_child(demo, "Esme", "Latewood", status=Status.AWAITING_TRIAGE).referrals.get()
    Referral.objects.filter(pk=referral.pk).update(
        triage_due_at=clock.now() - timedelta(hours=30), queue_band=2, clock_paused_at=None
    )
    escalate_overdue()
    sign_in(page, "clinical-lead")
    page.goto("/governance/")
    page.get_by_role("link", name="Open escalations", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Open escalations")
    row = page.get_by_role("row").filter(has_text=referral.reference_display)
    expect(row).to_contain_text("Triage clock overdue")
    expect(row).to_contain_text("Triage team")
    assert_accessible(page)
