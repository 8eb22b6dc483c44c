"""A practitioner records contacts and a note on an accessible care record."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from onedoor.alliance.models import Alliance
from onedoor.care.models import Contact, Discharge
from onedoor.referrals.models import Status
from tests.browser.support import assert_accessible, error_summary, sign_in
from tests.personas import make_child


def test_a_practitioner_accepts_records_contacts_a_plan_a_review_and_discharges(
    page: Page, demo: Alliance
) -> None:
    referral = make_child(
        demo, "Kaia", "Recordwell", allocated_to="kooth", status=Status.ALLOCATED
    ).referrals.get()
    sign_in(page, "kooth-practitioner")
    page.goto("/triage/incoming/")
    assert_accessible(page)
    page.get_by_role("group", name="Will you take Kaia?").get_by_label("Accept").check()
    page.get_by_role("button", name=f"Save answer for {referral.reference_display}").click()
    expect(page.get_by_text(f"Accepted {referral.reference_display}.")).to_be_visible()
    referral.refresh_from_db()
    assert referral.status == Status.WAITING
    page.goto(f"/children/{referral.child.uuid}/")
    page.get_by_role("link", name=f"Care record for {referral.reference_display}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kaia Recordwell")
    assert_accessible(page)

    page.get_by_role("button", name="Save contact").click()
    assert error_summary(page)[:2] == ["Enter when the contact was", "Choose what happened"]
    assert_accessible(page)

    for when, outcome in (("2 11 2026 10:00", "Did not attend"), ("9 11 2026 10:00", "Attended")):
        page.get_by_label("When").fill(when)
        page.get_by_label(outcome, exact=True).check()
        page.get_by_label("Video", exact=True).check()
        page.get_by_role("button", name="Save contact").click()
        expect(page.get_by_text("Contact recorded.")).to_be_visible()
    page.get_by_label("Note", exact=True).fill("Agreed goals: school mornings, sleep.")
    page.get_by_label("Only my organisation (and the clinical lead)").check()
    page.get_by_role("button", name="Save note").click()
    expect(page.get_by_text("Agreed goals: school mornings, sleep.")).to_be_visible()
    assert_accessible(page)
    referral.refresh_from_db()
    assert (Contact.objects.filter(referral=referral).count(), referral.status) == (
        2, Status.IN_INTERVENTION,
    )  # fmt: skip

    page.get_by_label("The plan").fill("Weekly video sessions for 8 weeks.")
    page.get_by_label("Goals", exact=True).fill("Sleep by 10pm\nBack to school three days a week")
    page.get_by_label("Review by").fill("1 3 2099")
    page.get_by_role("button", name="Save care plan").click()
    expect(page.get_by_text("Care plan saved.")).to_be_visible()
    page.get_by_label("Amber", exact=True).first.check()
    page.get_by_label("Why this rating").fill("Low mood, no self-harm, supportive family.")
    page.get_by_role("button", name="Save risk review").click()
    expect(page.get_by_text("Risk review saved.")).to_be_visible()
    assert_accessible(page)
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
    page.get_by_role("button", name="Acknowledge the handover").click()
    expect(page.get_by_text("Handover acknowledged.")).to_be_visible()
    assert_accessible(page)
    referral.refresh_from_db()
    assert referral.status == Status.ALLOCATED
