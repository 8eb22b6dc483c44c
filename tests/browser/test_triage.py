"""Triage end to end: a red referral decided on the page that shows it and signed off by the
clinical lead, and an amber one through allocation and the partner's acceptance, with
axe-core on every page visited (the queue and the triage page at 1280 and 320 pixels)."""

from __future__ import annotations

import re
import uuid
from dataclasses import replace

from playwright.sync_api import Page, expect

from onedoor.alliance.models import Alliance
from onedoor.referrals.actions import submit_referral
from onedoor.referrals.answers import ReferralAnswers
from onedoor.referrals.models import Referral, Route, Source, Status
from tests.browser.support import (
    assert_accessible,
    assert_accessible_at_both_widths,
    expect_banner,
    sign_in,
)
from tests.personas import NOW

TODAY = NOW.date()  # the live server's today: the pinned clock (tests/conftest.py)
ARLO = ReferralAnswers(
    route=Route.PROFESSIONAL,
    source=Source.SCHOOL,
    given_name="Arlo",
    family_name="Uniqueham",
    date_of_birth=TODAY.replace(year=TODAY.year - 9, month=1, day=15),
    gender="male",
    ethnicity="Z",
    postcode="ME4 6QQ",
    referrer_name="Ms Head",
    referrer_email="head@school.example",
    reasons="Worried and tearful at school most days since the summer.",
    needs=("anxiety",),
    consent_to_refer=True,
    consent_given_by="parent_carer",
    consent_to_share=True,
)


def _open_in_triage(page: Page, referral: Referral, *, check: bool = False) -> None:
    page.goto("/triage/")
    if check:
        assert_accessible_at_both_widths(page)
    page.get_by_role("link", name=referral.reference_display).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(referral.child.full_name)


def _screen(page: Page, rating: str, why: str) -> None:
    page.get_by_label(rating, exact=True).check()
    page.get_by_label("Why this rating").fill(why)
    page.get_by_role("button", name="Save screening").click()
    expect(page.get_by_text("Risk screening saved.")).to_be_visible()


def test_a_red_referral_is_stepped_up_through_clinical_lead_sign_off(
    page: Page, demo: Alliance
) -> None:
    referral = submit_referral(
        answers=replace(ARLO, given_name="Rory", risk_indicators=("suicidal_thoughts",)),
        submission_key=uuid.uuid4(),
    )
    sign_in(page, "triage")
    _open_in_triage(page, referral, check=True)
    expect(page.get_by_role("heading", name="Screen the risk")).to_be_visible()
    _screen(page, "Red", "Suicidal thoughts with a plan, disclosed at school today.")
    # The decision is made beside what the referral says: the summary on the left, the form
    # on the right, on a wide screen.
    reasons = page.get_by_text(ARLO.reasons)
    decide = page.get_by_role("heading", name="Decide", exact=True)
    expect(reasons).to_be_visible()
    expect(decide).to_be_visible()
    expect(page.get_by_text("Suicidal thoughts: yes")).to_be_visible()
    summary_box, form_box = reasons.bounding_box(), decide.bounding_box()
    assert summary_box is not None and form_box is not None
    assert summary_box["x"] + summary_box["width"] <= form_box["x"]
    # Each outcome's fields are revealed under it: none until one is chosen.
    service = page.get_by_label("Receiving service", exact=True)
    expect(service).to_be_hidden()
    expect(page.get_by_label("Why it is not accepted")).to_be_hidden()
    assert_accessible_at_both_widths(page)
    page.get_by_label("Getting Risk Support").check()
    page.get_by_label("Step up to specialist CAMHS or crisis support").check()
    expect(service).to_be_visible()
    expect(page.get_by_label("Why it is not accepted")).to_be_hidden()
    service.select_option(label="Specialist CAMHS (Kent and Medway)")
    page.get_by_label("Handover for the receiving service").fill(
        "Needs same-day specialist assessment."
    )
    page.get_by_role("button", name="Save decision").click()
    expect(page.get_by_text("Decision waiting for sign-off", exact=True)).to_be_visible()
    assert_accessible(page)
    referral.refresh_from_db()
    assert referral.status == Status.AWAITING_SIGN_OFF

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, "clinical-lead")
    page.goto("/tasks/")
    expect(page.get_by_text("Sign off a triage decision")).to_be_visible()
    assert_accessible(page)
    page.goto(f"/triage/{referral.uuid}/")
    expect_banner(page, "Rory Uniqueham")
    assert_accessible_at_both_widths(page)  # the sign-off form (triage:sign_off)
    page.get_by_label("Yes: it takes effect now").check()
    page.get_by_role("button", name="Save sign-off").click()
    expect(page.get_by_text("Sign-off saved.")).to_be_visible()
    assert_accessible(page)
    referral.refresh_from_db()
    assert referral.status == Status.STEPPED_UP


def test_an_amber_referral_is_allocated_and_the_partner_accepts(page: Page, demo: Alliance) -> None:
    referral = submit_referral(answers=ARLO, submission_key=uuid.uuid4())
    sign_in(page, "triage")
    _open_in_triage(page, referral)
    _screen(page, "Amber", "Anxiety stopping school; no immediate risk.")
    lumi = page.get_by_role("radio", name=re.compile(r"^Lumi Nova \(BFB Labs\)"))
    expect(lumi).to_be_hidden()
    page.get_by_label("Getting Help", exact=True).check()
    page.get_by_label("Allocate to a partner offer").check()
    expect(page.get_by_text("Offers that fit the child come first")).to_be_visible()
    lumi.check()
    page.get_by_role("button", name="Save decision").click()
    expect(page.get_by_text("Decision saved.")).to_be_visible()
    assert_accessible(page)
    referral.refresh_from_db()
    assert (referral.status, referral.allocated_organisation.slug) == ("allocated", "bfb-labs")  # type: ignore[union-attr]

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, "bfb-labs-practitioner")
    page.goto("/triage/incoming/")
    assert_accessible(page)
    page.get_by_role("link", name=f"Accept {referral.reference_display}").click()
    page.get_by_role("button", name="Accept and name the practitioner").click()
    expect(page.get_by_text(f"Accepted {referral.reference_display}: ")).to_be_visible()
    assert_accessible(page)
    referral.refresh_from_db()
    assert referral.status == Status.WAITING
