"""The clinical lead records a supervision and sees compliance; a practitioner reports an
incident; the clinical lead reviews it, records a lesson and shares it; another partner's
practitioner reads the learning log."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from onedoor.alliance.models import Alliance
from onedoor.governance.models import Incident, Supervision
from tests.browser.support import assert_accessible, error_summary, fill_date, sign_in

TITLE = "Session link sent to an old email address"
LESSON = "Check the contact details at every session."


def test_supervision_is_recorded_and_compliance_shows_who_is_overdue(
    page: Page, demo: Alliance
) -> None:
    sign_in(page, "clinical-lead")
    page.get_by_role("link", name="Governance", exact=True).first.click()
    assert_accessible(page)
    page.get_by_role("link", name="Clinical supervision", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Clinical supervision")
    assert_accessible(page)
    page.get_by_role("link", name="Record a supervision").click()
    assert_accessible(page)
    page.get_by_role("button", name="Save the supervision").click()
    assert error_summary(page) == [
        "Choose who was supervised",
        "Enter the date of the supervision",
    ]
    assert_accessible(page)
    page.get_by_label("Who was supervised").select_option(
        label="Demo kooth-lead, Partner lead, Kooth"
    )
    fill_date(page, "Date of the supervision", "2 11 2026")
    page.get_by_label("Actions agreed (optional)").fill("Plan the team's caseload review.")
    page.get_by_label("Reflective notes (optional)").fill("A heavy month.")
    page.get_by_role("button", name="Save the supervision").click()
    expect(page.get_by_text("Supervision recorded.")).to_be_visible()
    assert_accessible(page)
    supervision = Supervision.objects.get()
    assert (supervision.practitioner.username, supervision.reflections) == (
        "kooth-lead",
        "A heavy month.",
    )
    page.get_by_role("link", name="2 Nov 2026").click()
    expect(page.get_by_text("A heavy month.")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Back to clinical supervision").click()
    page.get_by_role("link", name="Supervision compliance: who is overdue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Supervision compliance")
    assert_accessible(page)
    kooth_lead = page.get_by_role("row").filter(has_text="Demo kooth-lead")
    expect(kooth_lead.get_by_role("cell").nth(2)).to_have_text("2 Nov 2026")
    page.get_by_role("link", name="Show only those overdue").click()
    expect(page.get_by_role("row").filter(has_text="Demo kooth-practitioner")).to_have_count(1)
    assert_accessible(page)


def test_an_incident_is_reported_reviewed_and_its_lesson_shared(page: Page, demo: Alliance) -> None:
    sign_in(page, "kooth-practitioner")
    page.get_by_role("link", name="Incidents", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Incidents and near misses")
    assert_accessible(page)
    page.get_by_role("link", name="Report an incident or near miss").click()
    assert_accessible(page)
    page.get_by_role("button", name="Report it").click()
    assert error_summary(page) == [
        "Choose whether it is an incident or a near miss",
        "Choose the severity",
        "Enter a title",
        "Enter what happened",
        "Enter when it happened",
    ]
    assert_accessible(page)
    page.get_by_label("Near miss", exact=True).check()
    page.get_by_label("No harm", exact=True).check()
    page.get_by_label("Title", exact=True).fill(TITLE)
    page.get_by_label("What happened").fill("The link went to an address no longer used.")
    fill_date(page, "When it happened", "20 11 2026")
    page.get_by_role("button", name="Report it").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    assert_accessible(page)
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, "clinical-lead")
    page.get_by_role("link", name="Governance", exact=True).first.click()
    page.get_by_role("link", name="Incidents and near misses").click()
    page.get_by_role("link", name=TITLE).click()
    assert_accessible(page)
    page.get_by_role("link", name="Review this incident").click()
    page.get_by_label("Findings").fill("Contact details were not checked.")
    page.get_by_label("Lessons learned").fill(LESSON)
    assert_accessible(page)
    page.get_by_role("button", name="Save the review").click()
    expect(page.get_by_text("Review saved.")).to_be_visible()
    page.get_by_role("link", name="Record a practice change").click()
    page.get_by_label("Practice change").fill("Add a contact check to the session template.")
    page.get_by_label("Owner").select_option(label="Demo kooth-lead, Partner lead, Kooth")
    fill_date(page, "Made by", "15 1 2027")
    assert_accessible(page)
    page.get_by_role("button", name="Save the change").click()
    expect(page.get_by_text("Practice change recorded.")).to_be_visible()
    page.get_by_role("button", name="Close the incident").click()
    expect(page.get_by_text("Incident closed.")).to_be_visible()
    page.get_by_role("button", name="Share the lessons on the learning log").click()
    expect(page.get_by_text("Lessons shared on the learning log.")).to_be_visible()
    assert_accessible(page)
    incident = Incident.objects.get()
    assert (incident.status, incident.lessons, incident.shared_at is None) == (
        "closed",
        LESSON,
        False,
    )
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, "chums-practitioner")
    page.get_by_role("link", name="Incidents", exact=True).first.click()
    page.get_by_role("link", name="learning log").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Learning log")
    expect(page.get_by_text(LESSON)).to_be_visible()
    expect(
        page.get_by_text("Add a contact check to the session template.", exact=False)
    ).to_be_visible()
    expect(page.get_by_text(TITLE)).to_have_count(0)
    assert_accessible(page)
