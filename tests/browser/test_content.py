"""The clinical lead adds a Waiting Well leaflet and signs it off; a Kooth practitioner sends
it to a waiting family at a check-in."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from onedoor.alliance.models import Alliance
from onedoor.care.models import CheckIn
from onedoor.content.models import ContentItem
from onedoor.referrals.models import Status
from tests.browser.support import assert_accessible, error_summary, sign_in
from tests.personas import make_child


def test_the_clinical_lead_signs_off_an_item_that_a_practitioner_then_sends(
    page: Page, demo: Alliance
) -> None:
    referral = make_child(
        demo, "Lina", "Leafwell", allocated_to="kooth", status=Status.WAITING
    ).referrals.get()
    sign_in(page, "clinical-lead")
    page.goto("/governance/")
    assert_accessible(page)
    page.get_by_role("link", name="Clinical content library").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Clinical content library")
    assert_accessible(page)

    page.get_by_role("link", name="Add an item").click()
    assert_accessible(page)
    page.get_by_role("button", name="Add the item").click()
    assert error_summary(page) == [
        "Enter the title",
        "Choose the kind of material",
        "Enter an age",
        "Enter an age",
    ]
    assert_accessible(page)

    page.get_by_label("Title").fill("Sleeping well when you are worried")
    page.get_by_label("Leaflet", exact=True).check()
    page.get_by_label("What it is and who it helps").fill("Tips for sleep while waiting.")
    page.get_by_label("Youngest age it is for").fill("11")
    page.get_by_label("Oldest age it is for").fill("18")
    page.get_by_role("button", name="Add the item").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sleeping well when you are worried")
    expect(page.get_by_text("Not signed off").first).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Review by").fill("1 11 2027")
    page.get_by_role("button", name="Sign off").click()
    expect(page.get_by_text("Signed off until 1 Nov 2027")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Back to the library").click()
    expect(page.get_by_role("row").filter(has_text="Sleeping well")).to_contain_text(
        "Signed off until 1 Nov 2027"
    )
    assert_accessible(page)
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, "kooth-practitioner")
    page.goto(f"/care/{referral.uuid}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Lina Leafwell")
    assert_accessible(page)
    page.get_by_role("group", name="Did you reach them?").get_by_label("Yes").check()
    page.get_by_role("group", name="Risk now (if you reached them)").get_by_label("Green").check()
    page.get_by_role("group", name="Waiting Well materials sent").get_by_label(
        "Sleeping well when you are worried"
    ).check()
    page.get_by_role("button", name="Save check-in").click()
    expect(
        page.get_by_text("Sent from the library: Sleeping well when you are worried")
    ).to_be_visible()
    assert_accessible(page)
    check_in = CheckIn.objects.get(referral=referral)
    assert list(ContentItem.objects.filter(sent_in=check_in)) == [ContentItem.objects.get()]
