"""The clinical lead adds a Waiting Well leaflet, signs it off on its own page, edits and
retires another; a Kooth practitioner sends the signed-off one to a waiting family at a
check-in. Each page checked with axe at both widths."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from onedoor.alliance.models import Alliance
from onedoor.care.models import CheckIn
from onedoor.content.models import ContentItem, SentMaterial
from onedoor.referrals.models import Status
from tests.browser.support import (
    assert_accessible_at_both_widths,
    error_summary,
    fill_date,
    sign_in,
)
from tests.personas import make_child


def test_the_clinical_lead_signs_off_an_item_that_a_practitioner_then_sends(
    page: Page, demo: Alliance
) -> None:
    referral = make_child(
        demo, "Lina", "Leafwell", allocated_to="kooth", status=Status.WAITING
    ).referrals.get()
    sign_in(page, "clinical-lead")
    page.goto("/governance/")
    page.get_by_role("link", name="Clinical content library").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Clinical content library")
    assert_accessible_at_both_widths(page)

    page.get_by_role("link", name="Add an item").click()
    page.get_by_role("button", name="Add the item").click()
    assert error_summary(page) == [
        "Enter the title",
        "Choose the kind of material",
        "Enter an age",
        "Enter an age",
    ]
    assert_accessible_at_both_widths(page)
    page.get_by_label("Title").fill("Sleeping well when you are worried")
    page.get_by_label("Leaflet", exact=True).check()
    page.get_by_label("What it is and who it helps").fill("Tips for sleep while waiting.")
    page.get_by_label("Youngest age it is for").fill("11")
    page.get_by_label("Oldest age it is for").fill("18")
    page.get_by_role("button", name="Add the item").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sleeping well when you are worried")
    expect(page.get_by_text("Not signed off").first).to_be_visible()
    assert_accessible_at_both_widths(page)

    page.get_by_role("link", name="Edit the item").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Edit Sleeping well when you are worried"
    )
    assert_accessible_at_both_widths(page)
    page.get_by_label("What it is and who it helps").fill("Tips for sleep while you wait.")
    page.get_by_role("button", name="Save the item").click()
    expect(page.get_by_text("Item saved. A changed item needs signing off again.")).to_be_visible()

    page.get_by_role("link", name="Sign off version 2").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign off version 2")
    fill_date(page, "Review by", "1 11 2030")
    page.get_by_role("button", name="Sign off").click()
    assert error_summary(page) == ["Set a review date after today and within 24 months"]
    assert_accessible_at_both_widths(page)
    fill_date(page, "Review by", "1 11 2027")
    page.get_by_role("button", name="Sign off").click()
    expect(page.get_by_text("Signed off until 1 Nov 2027")).to_be_visible()

    page.get_by_role("link", name="Back to the library").click()
    expect(page.get_by_role("row").filter(has_text="Sleeping well")).to_contain_text(
        "Signed off until 1 Nov 2027"
    )
    page.get_by_role("link", name="Add an item").click()
    page.get_by_label("Title").fill("An old workshop")
    page.get_by_label("Workshop", exact=True).check()
    page.get_by_label("Youngest age it is for").fill("11")
    page.get_by_label("Oldest age it is for").fill("18")
    page.get_by_role("button", name="Add the item").click()
    page.get_by_role("link", name="Retire the item").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Retire the item")
    assert_accessible_at_both_widths(page)
    page.get_by_role("button", name="Retire the item").click()
    expect(page.get_by_text("Retired. It can no longer be sent to families.")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, "kooth-practitioner")
    page.goto(f"/care/{referral.uuid}/")
    page.get_by_role("link", name="Record a Waiting Well check-in").click()
    materials = page.get_by_role("group", name="Waiting Well materials sent")
    expect(materials.get_by_label("An old workshop")).to_have_count(0)
    page.get_by_role("group", name="Did you reach them?").get_by_label("Yes").check()
    page.get_by_role("group", name="Risk now (if you reached them)").get_by_label("Green").check()
    materials.get_by_label("Sleeping well when you are worried").check()
    page.get_by_role("button", name="Save check-in").click()
    expect(page.get_by_text("Check-in recorded.")).to_be_visible()
    check_in = CheckIn.objects.get(referral=referral)
    sent = ContentItem.objects.get(title="Sleeping well when you are worried")
    assert list(ContentItem.objects.filter(sent_in=check_in)) == [sent]
    assert SentMaterial.objects.get(check_in=check_in).version == 2
