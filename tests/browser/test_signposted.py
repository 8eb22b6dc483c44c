"""A signposted referral stays in sight: a triage lead finds it through the queue's
"signposted" filter and the daily review list, overrules eligibility with a reason, and the
referral is in triage on a clock that starts at the overrule. axe-core on every new page."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from playwright.sync_api import Page, expect

from onedoor.alliance.models import Alliance
from onedoor.clock import LONDON
from onedoor.referrals.actions import submit_referral
from onedoor.referrals.answers import ReferralAnswers
from onedoor.referrals.models import Route, Source, Status
from tests.browser.support import (
    assert_accessible_at_both_widths,
    error_summary,
    expect_banner,
    sign_in,
)

REASON = "Registered with a Medway GP practice, so eligible."
# 22 on the day, no extension to 25 claimed: turned away by the eligibility rules.
SOL = ReferralAnswers(
    route=Route.SELF,
    source=Source.SELF,
    given_name="Solomon",
    family_name="Signpostly",
    date_of_birth=date(2004, 1, 10),
    gender="male",
    ethnicity="A",
    postcode="ME4 4AB",
    young_person_email="sol@example.org",
    reasons="Feeling low since leaving college.",
    needs=("low-mood",),
    consent_to_refer=True,
    consent_given_by="young_person",
    consent_to_share=True,
)


def test_a_signposted_referral_is_found_and_brought_into_triage(page: Page, demo: Alliance) -> None:
    # Received on Thursday; the live server's today is Friday 20 November (the pinned clock).
    referral = submit_referral(
        answers=SOL,
        submission_key=uuid.uuid4(),
        received_at=datetime(2026, 11, 19, 10, 0, tzinfo=UTC),
    )
    assert referral.status == Status.SIGNPOSTED
    reference = referral.reference_display
    sign_in(page, "triage")

    # The queue's "signposted" filter
    page.goto("/triage/")
    page.get_by_label("State", exact=True).select_option(label="Advice and signposting")
    page.get_by_role("button", name="Filter the queue").click()
    expect(page.get_by_role("heading", name="Signposted referrals, newest first")).to_be_visible()
    expect(page.get_by_role("link", name=reference)).to_be_visible()
    assert_accessible_at_both_widths(page)

    # The daily list: yesterday's, with the referral, why and where it was signposted
    page.get_by_role("link", name="Signposted referrals to review, day by day").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thursday 19 November 2026")
    card = page.locator("li.nhsuk-card", has=page.get_by_role("link", name=reference))
    expect(card).to_contain_text("Solomon Signpostly, born 10 Jan 2004, aged 22")
    expect(card).to_contain_text("Not eligible: The alliance works with children")
    expect(card).to_contain_text("NHS Talking Therapies")
    assert_accessible_at_both_widths(page)
    page.get_by_role("button", name="Mark this list reviewed").click()
    expect(page.get_by_text("List marked reviewed.")).to_be_visible()
    expect(page.get_by_text("Reviewed", exact=True)).to_be_visible()

    # Overrule eligibility from the referral's triage page, with a reason
    page.get_by_role("link", name=reference).click()
    page.get_by_role("link", name="Overrule eligibility and bring into triage").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Solomon Signpostly")
    expect_banner(page, "Solomon Signpostly")
    assert_accessible_at_both_widths(page)
    page.get_by_role("button", name="Overrule and bring into triage").click()
    assert error_summary(page) == ["Say why the alliance should take this referral"]
    assert_accessible_at_both_widths(page)
    page.get_by_label("Why the alliance should take this referral").fill(REASON)
    page.get_by_role("button", name="Overrule and bring into triage").click()
    expect(page.get_by_text("Eligibility overruled by Demo triage")).to_contain_text(REASON)
    expect(page.get_by_role("heading", name="Screen the risk")).to_be_visible()

    referral.refresh_from_db()
    assert (referral.status, referral.eligible, referral.eligibility_overrule_reason) == (
        Status.AWAITING_TRIAGE,
        True,
        REASON,
    )
    # its clock runs from the overrule: routine, 5 working days from Friday 20 November
    assert referral.triage_due_at == datetime(2026, 11, 27, 17, 0, tzinfo=LONDON)

    # ... and it is in the triage queue, on that clock
    page.goto("/triage/")
    row = page.locator("tr", has=page.get_by_role("link", name=reference))
    expect(row).to_contain_text("Awaiting triage")
    expect(row).to_contain_text("Not yet screened")
