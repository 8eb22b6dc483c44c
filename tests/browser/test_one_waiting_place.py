"""One child, one waiting place, through the pages: a triage lead confirms a duplicate, which
joins the child's open referral and leaves the queue; a second allocation for the child, who
already waits, is refused on the triage page, which says where; and the match is undone."""

from __future__ import annotations

import re
import uuid
from dataclasses import replace

from playwright.sync_api import Page, expect

from onedoor.accounts.models import User
from onedoor.alliance.models import Alliance, IThriveGrouping, Offer
from onedoor.referrals.actions import submit_referral
from onedoor.referrals.answers import ReferralAnswers
from onedoor.referrals.models import MatchStatus, Referral, Status
from onedoor.triage.actions import record_decision, screen_risk
from onedoor.triage.models import Outcome
from tests.browser.support import (
    assert_accessible,
    assert_accessible_at_both_widths,
    error_summary,
    sign_in,
)
from tests.test_joined_referrals import FROM_SCHOOL, ROWAN  # the same child, referred twice


def _screened(triage: User, answers: ReferralAnswers) -> Referral:
    referral = submit_referral(answers=answers, submission_key=uuid.uuid4())
    screen_risk(
        user=triage, referral=referral, version=referral.version, rating="amber",
        indicators=set(), rationale="Anxiety; no risk disclosed.",
    )  # fmt: skip
    referral.refresh_from_db()
    return referral


def test_a_duplicate_joins_a_second_place_is_refused_and_the_match_is_undone(
    page: Page, demo: Alliance, live_server_url: str
) -> None:
    triage = User.objects.get(username="triage")
    offer = Offer.objects.filter(organisation__slug="kooth").order_by("pk").first()
    assert offer is not None
    waiting = _screened(triage, ROWAN)
    record_decision(
        user=triage, referral=waiting, version=waiting.version,
        grouping=IThriveGrouping.GETTING_HELP, outcome=Outcome.ALLOCATE, offer=offer,
    )  # fmt: skip
    duplicate = submit_referral(answers=FROM_SCHOOL, submission_key=uuid.uuid4())
    assert duplicate.match_status == MatchStatus.POSSIBLE
    again = _screened(triage, replace(ROWAN, reasons="Now not sleeping either."))

    # The duplicate, confirmed on the match review page, joins the referral holding the place.
    sign_in(page, "triage")
    page.goto("/triage/")
    page.get_by_role("link", name=f"Check matches for {duplicate.reference_display}").click()
    expect(page.get_by_text(f"has an open referral, {waiting.reference_display}")).to_be_visible()
    assert_accessible_at_both_widths(page)
    page.get_by_role("button", name=re.compile(r"^Same child\W+Rowan Testerly$")).click()
    expect(page).to_have_url(f"{live_server_url}/referrals/{waiting.uuid}/")
    expect(page.get_by_role("heading", name="Referrals joined to this one")).to_be_visible()
    expect(page.get_by_text("Panic attacks in lessons; has stopped eating lunch.")).to_be_visible()
    assert_accessible_at_both_widths(page)

    page.goto("/triage/")
    queue = page.get_by_role("table", name="Referrals awaiting triage, most urgent first")
    expect(queue.get_by_role("link", name=again.reference_display)).to_be_visible()
    expect(queue.get_by_text(duplicate.reference_display)).to_have_count(0)

    # A second place for the child, who already waits at Kooth, is refused, saying where.
    queue.get_by_role("link", name=again.reference_display).click()
    callout = page.locator("#waiting-place")
    expect(callout).to_contain_text(f"already waits for {offer.name} at {offer.organisation.name}")
    expect(callout.get_by_role("link", name=waiting.reference_display)).to_be_visible()
    assert_accessible_at_both_widths(page)
    page.get_by_label("Getting Help", exact=True).check()
    page.get_by_label("Allocate to a partner offer").check()
    page.locator(f'input[name="offer"][value="{offer.pk}"]').check()
    page.get_by_role("button", name="Save decision").click()
    assert error_summary(page) == [
        f"This child already has a waiting place: {offer.name} at {offer.organisation.name}, "
        f"referral {waiting.reference_display} (allocated, waiting for the partner to accept). "
        "A child holds one waiting place at a time: decide this referral another way, or end "
        "that place first."
    ]
    assert_accessible(page)
    again.refresh_from_db()
    assert (again.status, again.allocated_organisation) == (Status.AWAITING_TRIAGE, None)

    # The match was a mistake: undone, with the reason, the duplicate is back in triage.
    page.goto(f"/referrals/{duplicate.uuid}/")
    page.get_by_role(
        "link", name=f"Undo the match of referral {duplicate.reference_display}"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Undo the match")
    assert_accessible_at_both_widths(page)
    page.get_by_role("button", name="Undo the match").click()
    assert error_summary(page) == ["Write why this referral is not about this child"]
    page.get_by_label("Why is this referral not about this child?").fill(
        "The school's pupil is a cousin with the same birthday."
    )
    page.get_by_role("button", name="Undo the match").click()
    expect(page).to_have_url(f"{live_server_url}/triage/{duplicate.uuid}/")
    expect(
        page.get_by_text(f"Match undone: referral {duplicate.reference_display}")
    ).to_be_visible()
    page.goto("/triage/")
    expect(queue.get_by_role("link", name=duplicate.reference_display)).to_be_visible()
    duplicate.refresh_from_db()
    assert (duplicate.status, duplicate.child.full_name, duplicate.joined_to) == (
        Status.AWAITING_TRIAGE, "Rowan Testerley", None,
    )  # fmt: skip
