"""The GP counts, in a browser: a parent refers a child living outside Medway but registered
with a Medway practice, choosing it by typing (JavaScript) and from the plain list (without),
and the referral is eligible; the Referral and Advice Point corrects the practice on a
referral the rules turned away, which brings it into triage. The GP step and the correction
page are checked by axe at both widths."""

from __future__ import annotations

import uuid
from datetime import date

from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from onedoor.alliance.models import Alliance
from onedoor.referrals.actions import submit_referral
from onedoor.referrals.answers import ReferralAnswers
from onedoor.referrals.models import Referral, Route, Source, Status
from onedoor.referrals.reference import normalise
from tests.browser.support import (
    NARROW,
    assert_accessible_at_both_widths,
    forget_assets,
    sign_in,
    watch_assets,
)
from tests.personas import NOW

GILLINGHAM = "Illustrative Gillingham Practice, Gillingham (ME7 1HL)"
OUTSIDE = "DA1 1AA"  # Dartford: outside Medway's postcode districts


def answer(page: Page, answers: dict[str, str], heading: str) -> None:
    """Answer the page's questions by field name, continue, and expect the next page."""
    for name, value in answers.items():
        field = page.locator(f'[name="{name}"]').first
        if field.evaluate("e => e.type") in ("radio", "checkbox"):
            page.locator(f'[name="{name}"][value="{value}"]').check()
        else:
            field.fill(value)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)


def to_the_gp_step(page: Page, given_name: str) -> None:
    page.goto("/refer/")
    answer(page, {"who": "parent"}, "About you")
    answer(
        page,
        {"name": "Ali Example", "relationship": "Father", "email": "ali@example.org"},
        "About your child",
    )
    for name, value in {
        "given_name": given_name,
        "family_name": "Example",
        "dob_day": "9",
        "dob_month": "5",
        "dob_year": str(NOW.year - 12),
        "address_line_1": "1 Example Road",
        "town": "Dartford",
        "postcode": OUTSIDE,
    }.items():
        page.locator(f'[name="{name}"]').fill(value)
    page.locator('[name="gender"][value="male"]').check()
    page.locator('[name="ethnicity"]').select_option("A")


def send_from_the_gp_step(page: Page) -> Referral:
    for answers, heading in [
        ({}, "Parents and carers"),
        ({"parental_responsibility": "yes"}, "Why you are asking for help"),
        ({"reasons": "Very low since his grandad died."}, "Your child's safety"),
        ({"risks": "none"}, "Communication needs"),
        ({"interpreter": "no"}, "More about your child"),
        ({}, "Consent"),
        (
            {"agreed": "parent_carer", "share": "yes"},
            "Check your answers before sending your referral",
        ),
    ]:
        answer(page, answers, heading)
    page.get_by_role("button", name="Send referral").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Referral sent")
    reference = page.locator(".nhsuk-panel__body strong").inner_text()
    return Referral.objects.get(reference=normalise(reference))


def type_and_choose(page: Page, label: str, typed: str, option: str) -> None:
    """Type into the practice box and choose from what it offers, once the script has turned
    the list into the box (it hides the list; until then the label names the list)."""
    expect(page.locator('select[data-autocomplete="true"]')).to_be_hidden()
    page.get_by_label(label, exact=True).fill(typed)
    page.get_by_role("option", name=option).click()


def test_a_child_outside_the_area_with_a_practice_in_it_is_eligible_with_and_without_javascript(
    page: Page, browser: Browser, live_server: LiveServer, demo: Alliance
) -> None:
    # With JavaScript: type part of the name, choose the practice from what is offered.
    to_the_gp_step(page, "Sam")
    type_and_choose(page, "Your child's GP practice (optional)", "gilling", GILLINGHAM)
    expect(page.locator('select[name="gp_practice"]')).to_have_value("Y99902")
    assert_accessible_at_both_widths(page)
    with_javascript = send_from_the_gp_step(page)

    # Without JavaScript: the same question is a plain list to choose from.
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    plain = context.new_page()
    watch_assets(plain)
    try:
        to_the_gp_step(plain, "Kit")
        plain.get_by_label("Your child's GP practice (optional)").select_option(label=GILLINGHAM)
        # axe needs JavaScript in the page, so here only the reflow at 320 pixels is checked.
        plain.set_viewport_size({"width": NARROW, "height": 800})
        assert plain.evaluate("document.documentElement.scrollWidth") <= NARROW
        without_javascript = send_from_the_gp_step(plain)
    finally:
        forget_assets(plain)
        context.close()

    for referral in (with_javascript, without_javascript):
        assert (referral.status, referral.eligible, referral.child.postcode) == (
            Status.AWAITING_TRIAGE,
            True,
            OUTSIDE,
        )
        assert referral.gp_practice is not None and referral.gp_practice.ods_code == "Y99902"


def test_the_advice_point_corrects_the_practice_and_the_referral_comes_into_triage(
    page: Page, demo: Alliance
) -> None:
    referral = submit_referral(
        answers=ReferralAnswers(
            route=Route.PARENT,
            source=Source.PARENT,
            given_name="Remy",
            family_name="Example",
            date_of_birth=date(2014, 5, 9),
            gender="male",
            ethnicity="A",
            postcode=OUTSIDE,
            gp_practice="The practice by Gillingham station",
            referrer_name="Ali Example",
            referrer_email="ali@example.org",
            consent_to_refer=True,
            consent_given_by="parent_carer",
            consent_to_share=True,
        ),
        submission_key=uuid.uuid4(),
    )
    assert referral.status == Status.SIGNPOSTED
    sign_in(page, "triage")
    page.goto(f"/referrals/{referral.uuid}/")
    page.get_by_role("link", name="Change GP practice").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Remy Example")
    type_and_choose(page, "GP practice", "gilling", GILLINGHAM)
    assert_accessible_at_both_widths(page)
    page.get_by_role("button", name="Save the GP practice").click()

    expect(page.get_by_role("status")).to_contain_text(
        "to Illustrative Gillingham Practice (Y99902); eligibility: now eligible. The referral "
        "is in triage, its clock from now."
    )
    referral.refresh_from_db()
    assert (referral.status, referral.eligible) == (Status.AWAITING_TRIAGE, True)
