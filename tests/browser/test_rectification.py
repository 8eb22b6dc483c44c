"""Rectification and restriction in the browser (issue 18, part 4; hazards H54 and H55): the
triage lead corrects a child's details and records consent to share withdrawn; a Kooth
practitioner corrects a clinical note. Each page accessible at 1280 and 320 wide."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from onedoor.accounts.models import User
from onedoor.alliance.models import Alliance
from onedoor.care.actions import record_note
from onedoor.children.models import Child, Correction
from onedoor.referrals.models import Referral, Status
from tests.browser.support import assert_accessible_at_both_widths, error_summary, sign_in
from tests.personas import make_child


def test_details_are_corrected_and_consent_to_share_withdrawn(page: Page, demo: Alliance) -> None:
    child = make_child(demo, "Wren", "Example", allocated_to="kooth", status=Status.IN_INTERVENTION)
    Referral.objects.filter(child=child).update(consent_to_share=True)
    sign_in(page, "triage")
    page.goto(f"/children/{child.uuid}/")
    page.get_by_role("link", name="Correct Wren Example's details").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Correct Wren Example's details")
    assert_accessible_at_both_widths(page)

    page.get_by_label("Postcode").fill("nowhere")
    page.get_by_role("button", name="Save the correction").click()
    assert error_summary(page) == [
        "Enter a full UK postcode, like ME4 4AB",
        "Say why the details are being corrected",
    ]
    assert_accessible_at_both_widths(page)

    page.get_by_label("Postcode").fill("me5 8aa")
    page.get_by_label("Why are you correcting these details?").fill("Mum gave the new address.")
    page.get_by_role("button", name="Save the correction").click()
    expect(page.get_by_role("region", name="Corrections")).to_contain_text("ME5 8AA")
    assert Child.objects.get(pk=child.pk).postcode == "ME5 8AA"

    page.get_by_role("link", name="Record consent to share withdrawn").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Consent to share with partners")
    assert_accessible_at_both_widths(page)
    page.get_by_role("button", name="Record consent withdrawn").click()
    assert error_summary(page) == [
        "Choose whether Kooth may keep working with the child",
        "Say why consent to share is withdrawn",
    ]
    assert_accessible_at_both_widths(page)
    page.get_by_label("Yes: Kooth keeps working with the child").check()
    page.get_by_label("Why is consent to share withdrawn?").fill("Mum asked that only Kooth knows.")
    page.get_by_role("button", name="Record consent withdrawn").click()

    banner = page.get_by_role("region", name="Child or young person")
    expect(banner).to_contain_text("Consent to share withdrawn")
    expect(banner).to_contain_text("only Kooth among the partners may work with the child")
    assert_accessible_at_both_widths(page)


def test_a_note_is_corrected_and_its_earlier_text_kept(page: Page, demo: Alliance) -> None:
    child = make_child(demo, "Wren", "Example", allocated_to="kooth", status=Status.IN_INTERVENTION)
    referral = child.referrals.get()
    note = record_note(
        user=User.objects.get(username="kooth-practitioner"), referral=referral,
        text="Seen with mum. " * 20, sharing="alliance",
    )  # fmt: skip
    sign_in(page, "kooth-practitioner")
    page.goto(f"/care/{referral.uuid}/history/")
    page.get_by_role("link", name="Correct this note").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Correct a note for Wren Example")
    assert_accessible_at_both_widths(page)

    page.get_by_label("What the note should say").fill("Seen with dad.")
    page.get_by_label("Why are you correcting it?").fill("It was dad, not mum.")
    page.get_by_role("button", name="Save the correction").click()
    page.get_by_text("Corrected once: what it said before").click()
    expect(page.get_by_text("It said: Seen with mum.")).to_be_visible()
    assert Correction.objects.get(record_uuid=note.uuid).new == "Seen with dad."
    assert_accessible_at_both_widths(page)
