"""A practitioner raises a safeguarding concern from the child's record; the safeguarding
lead opens it from the list, adds a follow-up action, marks it done and closes the concern,
each on its own page. axe at both widths on every page."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from onedoor.alliance.models import Alliance
from onedoor.referrals.models import Status
from onedoor.safeguarding.models import Concern, FollowUp
from tests.browser.support import (
    assert_accessible_at_both_widths,
    error_summary,
    expect_banner,
    fill_date,
    sign_in,
)
from tests.personas import make_child


def test_a_concern_is_raised_and_worked(page: Page, demo: Alliance) -> None:
    referral = make_child(
        demo, "Sage", "Guardwell", allocated_to="kooth", status=Status.IN_INTERVENTION
    ).referrals.get()
    sign_in(page, "kooth-practitioner")
    page.goto(f"/children/{referral.child.uuid}/")
    page.get_by_role(
        "link", name=f"Raise a safeguarding concern about {referral.reference_display}"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Raise a safeguarding concern about Sage Guardwell"
    )
    page.get_by_role("button", name="Raise the concern").click()
    assert error_summary(page)[0] == "Choose the kind of concern"
    assert_accessible_at_both_widths(page)
    page.get_by_label("Neglect").check()
    page.get_by_label("What was seen or said").fill("Came to session hungry again.")
    page.get_by_label("What was done straight away").fill("Gave food; told the school.")
    page.get_by_role("group", name="Was a referral made to children's social care?").get_by_label(
        "No"
    ).check()
    page.get_by_label("Safeguarding lead who will own it").select_option(index=1)
    page.get_by_role("button", name="Raise the concern").click()
    expect(page.get_by_text("Concern raised.")).to_be_visible()
    concern = Concern.objects.get(referral=referral)

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, "safeguarding")
    page.goto("/safeguarding/")
    page.get_by_role("link", name="Sage Guardwell").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sage Guardwell")
    expect(page.get_by_role("region", name="Child or young person")).to_be_visible()
    assert_accessible_at_both_widths(page)

    page.get_by_role("link", name="Add a follow-up action").click()
    page.get_by_role("button", name="Add the action").click()
    assert error_summary(page)[0] == "Say what is to be done"
    assert_accessible_at_both_widths(page)
    page.get_by_label("Action").fill("Call the school's safeguarding lead.")
    page.get_by_label("Who will do it").select_option(index=1)
    fill_date(page, "Due by", "1 12 2026")
    page.get_by_role("button", name="Add the action").click()
    expect(page.get_by_text("Action added.")).to_be_visible()

    page.get_by_role("link", name="Close the concern").click()
    page.get_by_label("Outcome").fill("The school's lead is supporting the family.")
    page.get_by_role("button", name="Close the concern").click()
    assert error_summary(page) == ["Every follow-up action must be done before the concern closes"]
    assert_accessible_at_both_widths(page)
    assert Concern.objects.get(pk=concern.pk).closed_at is None

    action = FollowUp.objects.get(concern=concern)
    page.goto(f"/safeguarding/{concern.uuid}/follow-ups/{action.uuid}/done/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mark an action done")
    expect_banner(page, "Sage Guardwell")
    assert_accessible_at_both_widths(page)
    page.get_by_role("button", name="Mark done").click()
    expect(page.get_by_text("Action done.")).to_be_visible()

    page.get_by_role("link", name="Close the concern").click()
    page.get_by_label("Outcome").fill("The school's lead is supporting the family.")
    page.get_by_role("button", name="Close the concern").click()
    expect(page.get_by_text("Concern closed.")).to_be_visible()
    expect(page.get_by_text("The school's lead is supporting the family.")).to_be_visible()
    assert Concern.objects.get(pk=concern.pk).closed_at is not None
