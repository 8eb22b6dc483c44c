"""An urgent disclosure is seen at once (hazard H27): a parent's referral through the public
form that discloses self-harm is the first row of the triage queue and on the clinical
lead's My tasks before anyone has screened it; once a triage lead screens it, it leaves
the top. Every page visited is checked by axe at 1280 and 320 pixels wide."""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect

from onedoor.alliance.models import Alliance
from onedoor.referrals.bands import EVERYTHING_ELSE, URGENT_UNSCREENED
from onedoor.referrals.models import Referral
from tests.browser.support import assert_accessible_at_both_widths, sign_in
from tests.browser.test_referral_form import CHECK, CHILD, send, walk

SCREEN_NOW = "Urgent disclosure: screen now"


def _first_row(page: Page) -> Locator:
    queue = page.get_by_role("table", name="Referrals awaiting triage, most urgent first")
    return queue.locator("tbody tr").first


def test_an_urgent_self_harm_referral_is_first_in_triage_and_on_the_clinical_leads_tasks(
    page: Page, demo: Alliance
) -> None:
    # The demo's own urgent disclosures, which arrived earlier, have all been screened: this
    # referral is the only one waiting (among several it would take its place by arrival).
    Referral.objects.filter(queue_band=URGENT_UNSCREENED).update(
        risk_rating="amber", queue_band=EVERYTHING_ELSE
    )
    walk(
        page,
        [
            ({"who": "parent"}, "About you"),
            (
                {"name": "Priya Example", "relationship": "Mother", "phone": "07700 900982"},
                "About your child",
            ),
            ({**CHILD, "given_name": "Zadie", "family_name": "Quillon"}, "Parents and carers"),
            ({"parental_responsibility": "yes"}, "Why you are asking for help"),
            ({"reasons": "Has been cutting her arms."}, "Your child's safety"),
            ({"risks": ["self_harm"]}, "Communication needs"),
            ({"interpreter": "no"}, "More about your child"),
            ({}, "Consent"),
            ({"agreed": "parent_carer", "share": "yes"}, CHECK),
        ],
    )
    referral = send(page)
    assert (referral.queue_band, referral.risk_rating) == (URGENT_UNSCREENED, "")

    # The clinical lead has it on My tasks, before anyone has screened it.
    sign_in(page, "clinical-lead")
    page.goto("/tasks/")
    task = page.get_by_role("row").filter(has_text=referral.reference_display)
    expect(task).to_contain_text(SCREEN_NOW)
    assert_accessible_at_both_widths(page)
    page.get_by_role("button", name="Sign out").click()

    # The triage lead finds it at the very top of the queue, and screens it.
    sign_in(page, "triage")
    page.goto("/triage/")
    first = _first_row(page)
    expect(first).to_contain_text(referral.reference_display)
    expect(first).to_contain_text(SCREEN_NOW)
    assert_accessible_at_both_widths(page)
    page.get_by_role("link", name=referral.reference_display).click()
    expect(page.get_by_role("heading", name=SCREEN_NOW)).to_be_visible()
    page.get_by_label("Amber", exact=True).check()
    page.get_by_label("Why this rating").fill("Spoke to mum: no self-harm for months; safety plan.")
    page.get_by_role("button", name="Save screening").click()
    expect(page.get_by_text("Risk screening saved.")).to_be_visible()
    page.goto("/triage/")
    expect(_first_row(page)).not_to_contain_text(referral.reference_display)
    referral.refresh_from_db()
    assert (referral.queue_band, referral.risk_rating) == (EVERYTHING_ELSE, "amber")
