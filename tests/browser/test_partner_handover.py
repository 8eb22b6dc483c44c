"""A child handed from one partner to another, through the pages: Kooth hands Kai to CHUMS;
CHUMS's lead finds it on Incoming and My tasks, reads the handover and Kai's record (without
Kooth's own notes) and declines; Kooth reads why and hands Kai over again; CHUMS accepts, and
Kai is on CHUMS's caseload and gone from Kooth's."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from onedoor import clock
from onedoor.accounts.models import User
from onedoor.alliance.models import Alliance
from onedoor.care.models import ClinicalNote, Transition
from onedoor.referrals.models import Referral, Status
from tests.browser.support import assert_accessible_at_both_widths, error_summary, sign_in
from tests.personas import make_child, organisation

KOOTH_ONLY = "Kooth only: a worry about a member of staff."
SHARED = "Shared: grief work has started."


def _send_handover(page: Page, referral: Referral) -> None:
    page.goto(f"/care/{referral.uuid}/")
    page.get_by_role("link", name="Transition to another service").click()
    page.get_by_role("radio", name="Move to another partner").check()
    page.get_by_label("Receiving service", exact=True).select_option(label="CHUMS")
    page.get_by_label("Receiving offer (for a move to another partner)").select_option(
        label="Bereavement support (CHUMS)"
    )
    page.get_by_label("Reason", exact=True).fill("Bereavement is now the main need.")
    page.get_by_label("Handover", exact=True).fill("Dad died in May; grief work started.")
    page.get_by_role("button", name="Send the handover").click()
    expect(page.get_by_text("Handover sent.")).to_be_visible()


def _switch(page: Page, username: str) -> None:
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, username)


def test_a_partner_hands_a_child_to_another_partner_which_declines_then_accepts(
    page: Page, demo: Alliance
) -> None:
    referral = make_child(
        demo, "Kai", "Handley", allocated_to="kooth", status=Status.IN_INTERVENTION
    ).referrals.get()
    kim = User.objects.get(username="kooth-practitioner")
    for text, sharing in ((KOOTH_ONLY, "organisation"), (SHARED, "alliance")):
        ClinicalNote.objects.create(
            referral=referral, organisation=organisation(demo, "kooth"), recorded_by=kim,
            recorded_at=clock.now(), text=text, sharing=sharing,
        )  # fmt: skip
    sign_in(page, "kooth-practitioner")
    _send_handover(page, referral)
    expect(page.get_by_role("link", name="Open the handover")).to_be_visible()
    assert_accessible_at_both_widths(page)

    # CHUMS's lead: Incoming, My tasks, the handover and Kai's record.
    _switch(page, "chums-lead")
    page.goto("/triage/incoming/")
    expect(page.get_by_role("heading", name="Handovers from other partners")).to_be_visible()
    assert_accessible_at_both_widths(page)
    page.goto("/tasks/")
    expect(page.get_by_text("Answer a handover from another partner")).to_be_visible()
    assert_accessible_at_both_widths(page)
    page.get_by_role("link", name=f"{referral.reference_display}, Kai Handley").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kai Handley: handover from Kooth")
    expect(page.get_by_text("Dad died in May; grief work started.")).to_be_visible()
    assert_accessible_at_both_widths(page)
    page.get_by_role("link", name="Read the care record of Kai Handley").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kai Handley")
    expect(page.get_by_text(SHARED)).to_be_visible()
    expect(page.get_by_text(KOOTH_ONLY)).to_have_count(0)
    assert_accessible_at_both_widths(page)

    # Declined, with a reason: back to Kooth.
    page.get_by_role("link", name="Accept or decline the handover").click()
    page.get_by_role("button", name="Decline the handover").click()
    assert error_summary(page) == ["Say why you are declining, for the sending partner"]
    assert_accessible_at_both_widths(page)
    page.get_by_label("Why you are declining").fill("No bereavement places until March.")
    page.get_by_role("button", name="Decline the handover").click()
    expect(page.get_by_text("the child is back with Kooth")).to_be_visible()
    referral.refresh_from_db()
    assert (referral.status, referral.allocated_organisation.slug) == (  # type: ignore[union-attr]
        Status.IN_INTERVENTION, "kooth",
    )  # fmt: skip

    _switch(page, "kooth-practitioner")
    page.goto("/tasks/")
    page.get_by_role("link", name=f"{referral.reference_display}, Kai Handley").click()
    expect(page.get_by_text("CHUMS declined the handover")).to_be_visible()
    expect(page.get_by_text("No bereavement places until March.")).to_be_visible()
    assert_accessible_at_both_widths(page)
    page.get_by_role("button", name="Mark as read").click()
    expect(page.get_by_text("Marked as read.")).to_be_visible()

    # Handed over again, and accepted.
    _send_handover(page, referral)
    _switch(page, "chums-lead")
    page.goto("/triage/incoming/")
    page.get_by_role("link", name=f"Kai Handley, {referral.reference_display}").click()
    page.get_by_role("button", name="Accept the handover").click()  # its own page
    page.get_by_label("Named practitioner").select_option(
        label="Demo chums-practitioner (practitioner)"
    )
    page.get_by_role("button", name="Accept the handover").click()
    expect(page.get_by_text("the child is on your waiting list")).to_be_visible()
    referral.refresh_from_db()
    assert (referral.status, referral.allocated_organisation.slug) == (  # type: ignore[union-attr]
        Status.WAITING, "chums",
    )  # fmt: skip
    assert Transition.objects.filter(referral=referral, acknowledged_at__isnull=True).count() == 0
    page.goto("/caseload/")
    expect(page.get_by_role("link", name="Kai Handley", exact=True)).to_have_count(1)

    _switch(page, "kooth-practitioner")
    page.goto("/caseload/")
    expect(page.get_by_text("Kai Handley")).to_have_count(0)
    assert page.goto(f"/care/{referral.uuid}/").status == 404  # type: ignore[union-attr]
