"""A practitioner works from the care record's summary: each write on its own accessible
page, back to the summary updated."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from onedoor.alliance.models import Alliance
from onedoor.care.models import AppointmentOffer, Contact, Discharge, RiskReview
from onedoor.referrals.models import Status
from tests.browser.support import (
    assert_accessible,
    assert_accessible_at_both_widths,
    error_summary,
    expect_banner,
    fill_date,
    sign_in,
)
from tests.personas import make_child


def _open(page: Page, link: str, heading: str) -> None:
    """Follow a link from the summary to a write's page, check it, and come back."""
    page.get_by_role("link", name=link, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    assert_accessible_at_both_widths(page)


def test_a_practitioner_records_a_contact_and_a_risk_review_from_the_summary(
    page: Page, demo: Alliance
) -> None:
    """From the summary: a contact and a risk review (and the rest of the work), each write
    on its own page, every page accessible at 1280 and 320 pixels wide."""
    referral = make_child(
        demo, "Kaia", "Recordwell", allocated_to="kooth", status=Status.WAITING
    ).referrals.get()
    sign_in(page, "kooth-practitioner")
    page.goto(f"/children/{referral.child.uuid}/")
    page.get_by_role("link", name=f"Care record for {referral.reference_display}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kaia Recordwell")
    assert_accessible_at_both_widths(page)

    _open(
        page, "Record a Waiting Well check-in", "Record a Waiting Well check-in for Kaia Recordwell"
    )
    page.get_by_role("link", name="Back to the care record").click()

    # While the child waits: the first appointment offered (a milestone the family hears of).
    _open(
        page,
        "Record a first appointment offered",
        "Record a first appointment offered for Kaia Recordwell",
    )
    page.get_by_role("button", name="Save appointment offered").click()
    assert error_summary(page) == [
        "Enter when the appointment is", "Choose how the appointment will be",
    ]  # fmt: skip
    assert_accessible(page)
    fill_date(page, "When is the appointment", "27 11 2026 15:30")
    page.get_by_label("Face to face", exact=True).check()
    page.get_by_role("button", name="Save appointment offered").click()
    expect(page.get_by_text("First appointment offered recorded.")).to_be_visible()
    assert list(
        AppointmentOffer.objects.filter(referral=referral).values_list(
            "mode", "recorded_by__username"
        )
    ) == [("face_to_face", "kooth-practitioner")]

    _open(page, "Record a contact", "Record a contact for Kaia Recordwell")
    page.get_by_role("button", name="Save contact").click()
    assert error_summary(page)[:2] == ["Enter when the contact was", "Choose what happened"]
    assert_accessible(page)
    fill_date(page, "When", "2 11 2026 10:00")
    page.get_by_label("Did not attend", exact=True).check()
    page.get_by_label("Video", exact=True).check()
    page.get_by_role("button", name="Save contact").click()
    expect(page.get_by_text("Contact recorded.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kaia Recordwell")
    page.get_by_role("link", name="Record a contact", exact=True).click()
    fill_date(page, "When", "9 11 2026 10:00")
    page.get_by_label("Attended", exact=True).check()
    page.get_by_label("Video", exact=True).check()
    page.get_by_role("button", name="Save contact").click()
    expect(page.get_by_text("Contact recorded.")).to_be_visible()
    expect(page.get_by_text("Attended, video")).to_be_visible()  # in the recent activity
    referral.refresh_from_db()
    assert (Contact.objects.filter(referral=referral).count(), referral.status) == (
        2, Status.IN_INTERVENTION,
    )  # fmt: skip

    _open(page, "Record a risk review", "Record a risk review for Kaia Recordwell")
    page.get_by_label("Amber", exact=True).check()
    page.get_by_label("Why this rating").fill("Low mood, no self-harm, supportive family.")
    page.get_by_role("button", name="Save risk review").click()
    expect(page.get_by_text("Risk review saved.")).to_be_visible()
    expect(page.get_by_text("Low mood, no self-harm, supportive family.")).to_be_visible()
    assert list(RiskReview.objects.filter(referral=referral).values_list("rating", flat=True)) == [
        "amber"
    ]
    assert_accessible_at_both_widths(page)

    _open(page, "Write a note", "Write a note for Kaia Recordwell")
    page.get_by_label("Note", exact=True).fill("Agreed goals: school mornings, sleep.")
    page.get_by_label("Only my organisation (and the clinical lead)").check()
    page.get_by_role("button", name="Save note").click()
    expect(page.get_by_text("Agreed goals: school mornings, sleep.")).to_be_visible()

    _open(page, "Record a care plan", "Record a care plan for Kaia Recordwell")
    page.get_by_label("The plan").fill("Weekly video sessions for 8 weeks.")
    page.get_by_label("Goals", exact=True).fill("Sleep by 10pm\nBack to school three days a week")
    fill_date(page, "Review by", "1 3 2099")
    page.get_by_role("button", name="Save care plan").click()
    expect(page.get_by_text("Care plan saved.")).to_be_visible()
    expect(page.get_by_text("Back to school three days a week")).to_be_visible()

    for link, heading in (
        ("Record a safety plan", "Record a safety plan for Kaia Recordwell"),
        ("Transition to another service", "Transition to another service for Kaia Recordwell"),
    ):
        _open(page, link, heading)
        page.get_by_role("link", name="Back to the care record").click()
    page.get_by_role("link", name="Full history", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Care history of Kaia Recordwell")
    assert_accessible_at_both_widths(page)
    page.get_by_role("link", name="Back to the care record").click()

    _open(page, "Discharge", "Discharge for Kaia Recordwell")
    page.get_by_label("Goals met").check()
    page.get_by_label("Closing summary").fill("Goals met: sleeping well and back at school.")
    page.get_by_role("button", name="Discharge").click()
    expect(
        page.get_by_text("Discharged. The family has been invited to give feedback.")
    ).to_be_visible()
    expect(page.get_by_text("Goals met: sleeping well and back at school.")).to_be_visible()
    assert_accessible(page)
    referral.refresh_from_db()
    assert referral.status == Status.DISCHARGED

    ended = Discharge.objects.get(referral=referral)
    page.goto(f"/care/feedback/{ended.feedback_token}/")
    assert_accessible(page)
    page.get_by_label("Very helpful").check()
    page.get_by_role("button", name="Send feedback").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for your feedback")
    assert_accessible(page)


def test_a_care_coordinator_steps_up_and_the_handover_is_acknowledged(
    page: Page, demo: Alliance
) -> None:
    referral = make_child(
        demo, "Stepan", "Upfield", allocated_to="north-kent-mind", status=Status.IN_INTERVENTION
    ).referrals.get()
    sign_in(page, "coordinator")
    page.goto(f"/care/{referral.uuid}/")
    page.get_by_role("link", name="Transition to another service").click()
    page.get_by_label("Step up to specialist CAMHS or crisis support").check()
    page.get_by_label("Receiving service", exact=True).select_option(
        label="Specialist CAMHS (Kent and Medway)"
    )
    page.get_by_label("Reason", exact=True).fill("Self-harm escalating despite support.")
    page.get_by_label("Handover", exact=True).fill("Risk history, safety plan, family contacts.")
    page.get_by_role("button", name="Send the handover").click()
    expect(page.get_by_text("Handover sent.")).to_be_visible()
    assert_accessible(page)
    page.goto("/tasks/")
    expect(page.get_by_text("Handover waiting for the receiving side")).to_be_visible()
    assert_accessible(page)

    page.goto(f"/care/{referral.uuid}/")
    _open(page, "Acknowledge the handover", "Acknowledge the handover for Stepan Upfield")
    expect(page.get_by_text("Risk history, safety plan, family contacts.")).to_be_visible()
    expect_banner(page, "Stepan Upfield")
    assert_accessible_at_both_widths(page)  # care:acknowledge
    page.get_by_label("Who acknowledged it, and how").fill("CAMHS duty worker, by phone.")
    page.get_by_role("button", name="Acknowledge the handover").click()
    expect(page.get_by_text("Handover acknowledged.")).to_be_visible()
    assert_accessible(page)
    referral.refresh_from_db()
    assert referral.status == Status.STEPPED_UP


def test_the_advice_point_records_a_step_down_that_the_partner_acknowledges(
    page: Page, demo: Alliance
) -> None:
    referral = make_child(
        demo, "Dana", "Downing", allocated_to="kooth", status=Status.ALLOCATED
    ).referrals.get()
    sign_in(page, "coordinator")
    page.goto(f"/care/{referral.uuid}/")
    _open(
        page, "Record a step-down into the alliance",
        "Record a step-down into the alliance for Dana Downing",
    )  # fmt: skip
    page.get_by_role("button", name="Record the step-down").click()
    assert error_summary(page)[:1] == ["Choose the service the child is stepping down from"]
    assert_accessible(page)
    page.get_by_label("Stepping down from").select_option(
        label="Specialist CAMHS (Kent and Medway)"
    )
    page.get_by_label("Reason", exact=True).fill("Stable; support nearer home.")
    page.get_by_label("Their handover").fill("Discharge letter; safety plan in place.")
    page.get_by_role("button", name="Record the step-down").click()
    expect(page.get_by_text("Step-down recorded.")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, "kooth-practitioner")
    page.goto(f"/care/{referral.uuid}/")
    expect(page.get_by_text("Discharge letter; safety plan in place.")).to_be_visible()
    page.get_by_role("link", name="Acknowledge the handover").click()
    page.get_by_role("button", name="Acknowledge the handover").click()
    expect(page.get_by_text("Handover acknowledged.")).to_be_visible()
    assert_accessible(page)
    referral.refresh_from_db()
    assert referral.status == Status.ALLOCATED
