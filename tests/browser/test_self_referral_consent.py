"""A 15-year-old refers themselves on their own consent, without a parent's details, answering
the competence questions; the triage page says their competence is to be confirmed, and a
triage lead confirms it. axe at 1280 and 320 pixels on the new and changed pages."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect

from onedoor.alliance.models import Alliance
from onedoor.referrals.models import Referral
from tests.browser.support import assert_accessible_at_both_widths, sign_in
from tests.browser.test_referral_form import CHECK, CHILD, born, continue_to, fill, send

OWN_CONSENT = "Agreeing to this yourself"
OWN_CONSENT_BOX = (
    "The young person consents to this referral themselves, and I judge them competent to: "
    "I am not giving a parent or carer's details"
)
PROFESSIONAL = {
    "name": "Sam Teacher",
    "role": "Designated safeguarding lead",
    "organisation": "Chatham Grammar",
    "source": "school",
    "email": "sam@school.example.org",
}
UNDERSTOOD = {
    "understands_support": "yes",
    "understands_next": "yes",
    "understands_who_is_told": "yes",
}


def test_a_15_year_old_refers_themselves_and_triage_confirms_their_competence(
    page: Page, demo: Alliance
) -> None:
    # A professional may give no parent's details when a competent young person consents:
    # the parents and carers page offers it.
    page.goto("/refer/")
    for answers, heading in [
        ({"who": "professional"}, "About you"),
        (PROFESSIONAL, "About the young person"),
        ({**CHILD, "given_name": "Leo", **born(15)}, "Parents and carers"),
    ]:
        fill(page, answers)
        continue_to(page, heading)
    expect(page.get_by_label(OWN_CONSENT_BOX)).not_to_be_checked()
    assert_accessible_at_both_widths(page)

    page.goto("/refer/")
    steps: list[tuple[dict[str, Any], str]] = [
        ({"who": "self"}, "About you"),
        (
            {**CHILD, "given_name": "Jo", **born(15), "email": "jo@example.org"},
            "Parents and carers",
        ),
        ({}, "Why you are asking for help"),
        ({"reasons": "I feel on edge all the time and can't tell my dad."}, "Your safety"),
        ({"risks": ["none"]}, "Communication needs"),
        ({"interpreter": "no"}, "More about you"),
        ({}, "Consent"),
    ]
    for answers, heading in steps:
        fill(page, answers)
        continue_to(page, heading)
    assert_accessible_at_both_widths(page)
    fill(
        page,
        {"agreed": "young_person", "parent_agrees": "no", "share": "yes", "contact_family": "no"},
    )
    continue_to(page, OWN_CONSENT)
    assert_accessible_at_both_widths(page)

    # Not sure: told kindly what to do instead, with the crisis lines; nothing is sent.
    fill(page, {**UNDERSTOOD, "understands_who_is_told": "no"})
    continue_to(page, OWN_CONSENT)
    expect(page.get_by_role("heading", name="It's OK not to be sure")).to_be_visible()
    expect(page.get_by_text("talk to an adult you trust")).to_be_visible()
    expect(
        page.get_by_role("heading", name="If you are in danger or need help now")
    ).to_be_visible()
    assert_accessible_at_both_widths(page)

    fill(page, UNDERSTOOD)
    continue_to(page, CHECK)
    expect(page.get_by_text("Understands who may be told, and when")).to_be_visible()
    referral = send(page)
    assert_accessible_at_both_widths(page)
    assert (referral.route, referral.consent_given_by, referral.competence) == (
        "self",
        "young_person",
        "to_confirm",
    )
    assert list(referral.child.carers.all()) == []

    sign_in(page, "triage")
    page.goto(f"/triage/{referral.uuid}/")
    expect(
        page.get_by_text("Consent: the young person (competence to be confirmed)")
    ).to_be_visible()
    assert_accessible_at_both_widths(page)
    page.get_by_role("link", name="Confirm or revisit the young person's consent").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(referral.child.full_name)
    assert_accessible_at_both_widths(page)
    page.get_by_label("Competence confirmed: the young person consents themselves").check()
    page.get_by_label("Note").fill("Spoke to Jo by phone: understands support and who is told.")
    page.get_by_role("button", name="Save consent review").click()

    expect(page.get_by_text("Consent review saved.")).to_be_visible()
    expect(page.get_by_text("Consent: the young person (competence confirmed)")).to_be_visible()
    referral = Referral.objects.get(pk=referral.pk)
    assert (referral.competence, referral.judged_competent) == ("confirmed", True)
