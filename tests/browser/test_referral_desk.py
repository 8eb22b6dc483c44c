"""The Referral and Advice Point for staff: matches to check, and advice given."""

from __future__ import annotations

import re
import uuid
from dataclasses import replace
from datetime import date

from playwright.sync_api import Page, expect

from onedoor.alliance.models import Alliance
from onedoor.children.models import Child, TimelineEvent
from onedoor.referrals.actions import submit_referral
from onedoor.referrals.answers import ReferralAnswers
from onedoor.referrals.models import MatchStatus, Route, Source
from tests.browser.support import assert_accessible, error_summary, fill_date, sign_in

ZOE = ReferralAnswers(
    route=Route.PARENT,
    source=Source.PARENT,
    given_name="Zoe",
    family_name="Testwell",
    date_of_birth=date(2013, 6, 2),
    gender="female",
    ethnicity="Z",
    postcode="ME7 2AB",
    referrer_name="Sam Testwell",
    referrer_email="sam@example.org",
    consent_to_refer=True,
    consent_given_by="parent_carer",
    consent_to_share=True,
)


def test_the_triage_lead_checks_a_possible_match_on_accessible_pages(
    page: Page, demo: Alliance, live_server_url: str
) -> None:
    first = submit_referral(answers=ZOE, submission_key=uuid.uuid4())
    again = submit_referral(
        answers=replace(ZOE, family_name="Testwel", date_of_birth=date(2013, 2, 6)),
        submission_key=uuid.uuid4(),
    )
    assert again.match_status == MatchStatus.POSSIBLE
    sign_in(page, "triage")
    page.goto("/triage/")
    assert_accessible(page)
    page.get_by_role("link", name=f"Check matches for {again.reference_display}").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Is this a child we already know?")
    expect(page.get_by_text("Date of birth with day and month swapped")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name=re.compile(r"^Same child\W+Zoe Testwell$")).click()

    # The child's first referral is still in triage: the later one joins it (one goes on).
    expect(page).to_have_url(f"{live_server_url}/referrals/{first.uuid}/")
    expect(page.get_by_role("heading", name="Referrals joined to this one")).to_be_visible()
    assert_accessible(page)
    again.refresh_from_db()
    assert (again.child, again.journey) == (first.child, first.journey)


def test_advice_given_is_recorded_on_accessible_pages(
    page: Page, demo: Alliance, live_server_url: str
) -> None:
    sign_in(page, "triage")
    page.goto("/referrals/advice/new/")
    assert_accessible(page)
    page.get_by_role("button", name="Save advice").click()
    assert error_summary(page)[:3] == [
        "Enter the child's first name",
        "Enter the child's last name",
        "Enter the child's date of birth",
    ]
    assert_accessible(page)

    page.get_by_label("Child's first name").fill("Ivybell")
    page.get_by_label("Child's last name").fill("Nonesuch")
    fill_date(page, "Child's date of birth", "3 9 2012")
    page.get_by_label("Postcode").fill("me5 7xy")
    page.get_by_label("Who called").fill("Grandparent")
    page.get_by_label("Their relationship to the child").fill("Grandmother")
    page.get_by_label("Advice given").fill("Shared Waiting Well tips on sleep.")
    page.get_by_label("Childline").check()
    page.get_by_role("button", name="Save advice").click()

    child = Child.objects.get(given_name="Ivybell", family_name="Nonesuch")
    expect(page).to_have_url(f"{live_server_url}/children/{child.uuid}/")
    expect(
        page.get_by_text("Shared Waiting Well tips on sleep. Signposted to: Childline.")
    ).to_be_visible()
    assert_accessible(page)
    assert TimelineEvent.objects.get(child=child).kind == "advice_given"


def test_a_referral_is_read_and_consent_to_share_recorded_on_an_accessible_page(
    page: Page, demo: Alliance
) -> None:
    referral = submit_referral(
        answers=replace(ZOE, consent_to_share=False, reasons="Not sleeping, very anxious."),
        submission_key=uuid.uuid4(),
    )
    sign_in(page, "triage")
    page.goto(f"/children/{referral.child.uuid}/")
    page.get_by_role("link", name=re.compile(f"^{referral.reference_display}")).click()
    expect(page.get_by_text("Not sleeping, very anxious.")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("A parent or carer").check()
    page.get_by_role("button", name="Record consent").click()
    expect(page.get_by_text("Consent to share recorded.")).to_be_visible()
    assert_accessible(page)
    referral.refresh_from_db()
    assert referral.consent_to_share is True
