"""The safeguarding lead records a multi-agency meeting from the Governance hub: two
attendees, a child discussed, a decision and an action owned by Kooth's practitioner, who
finds it on My tasks, opens the meeting and marks it done. axe on every page."""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import Page, expect

from onedoor import clock
from onedoor.alliance.models import Alliance
from onedoor.meetings.models import Meeting
from onedoor.referrals.models import Status
from tests.browser.support import assert_accessible, error_summary, fill_date, sign_in
from tests.personas import make_child

TITLE = "Support at school and at home"
ACTION = "Share the safety plan with the school."
KIM = "Demo kooth-practitioner, Practitioner, Kooth"


def test_a_meeting_is_recorded_and_its_owner_marks_the_action_done(
    page: Page, demo: Alliance
) -> None:
    referral = make_child(
        demo, "Mira", "Meetwell", allocated_to="kooth", status=Status.IN_INTERVENTION
    ).referrals.get()
    today = clock.today()
    sign_in(page, "safeguarding")
    page.get_by_role("link", name="Governance", exact=True).first.click()
    assert_accessible(page)
    page.get_by_role("link", name="Multi-agency and professionals' meetings").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Meetings")
    assert_accessible(page)
    page.get_by_role("link", name="Record a meeting").click()
    page.get_by_role("button", name="Save the meeting").click()
    assert error_summary(page) == [
        "Choose the kind of meeting",
        "Enter the date of the meeting",
        "Enter a title",
        "Choose the chair from the list, or enter their name",
        "Add at least one attendee",
    ]
    assert_accessible(page)

    page.get_by_label("Multi-agency meeting", exact=True).check()
    fill_date(page, "Date of the meeting", f"{today.day} {today.month} {today.year}")
    page.get_by_label("Title", exact=True).fill(TITLE)
    page.get_by_label("Chair (if on the alliance's staff)").select_option(
        label="Demo safeguarding, Safeguarding lead, North Kent Mind"
    )
    first = page.get_by_role("group", name="Attendee 1")
    first.get_by_label("Member of staff (optional)").select_option(label=KIM)
    second = page.get_by_role("group", name="Attendee 2")
    second.get_by_label("Name", exact=True).fill("Pat Example")
    second.get_by_label("Agency", exact=True).fill("Children's social care")
    child = page.get_by_role("group", name="Child discussed 1")
    child.get_by_label("Referral reference").fill(referral.reference_display)
    child.get_by_label("Decisions about this child (optional)").fill("Weekly check-ins.")
    page.get_by_label("Decisions about the meeting as a whole (optional)").fill("Meet in June.")
    action = page.get_by_role("group", name="Action 1")
    action.get_by_label("What is to be done").fill(ACTION)
    action.get_by_label("Owner").select_option(label=KIM)
    due = today + timedelta(days=7)
    fill_date(action, "Due by", f"{due.day} {due.month} {due.year}")
    action.get_by_label("About which child (optional)").fill(referral.reference_display)
    assert_accessible(page)
    page.get_by_label("Title", exact=True).press("Enter")  # saves, as the button does
    expect(page.get_by_text("Meeting recorded.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    assert_accessible(page)
    meeting = Meeting.objects.get(title=TITLE)
    assert [(a.name, a.agency) for a in meeting.attendees.all()] == [
        ("Demo kooth-practitioner", "Kooth"),
        ("Pat Example", "Children's social care"),
    ]
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, "kooth-practitioner")
    page.get_by_role("link", name="My tasks", exact=True).first.click()
    label = f"Multi-agency meeting, {today.day} {today:%b %Y}"
    row = page.get_by_role("row").filter(has_text=label)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Meeting action")
    assert_accessible(page)
    row.get_by_role("link", name=label).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.get_by_text("Mira Meetwell")).to_be_visible()
    # the visually hidden part names the action: "Mark done: Share the safety plan..."
    page.get_by_role("button", name=re.compile(rf"^Mark done\s*: {re.escape(ACTION)}$")).click()
    expect(page.get_by_text("Action marked done.")).to_be_visible()
    assert_accessible(page)
    done = meeting.actions.get()
    assert (done.completed_by.username if done.completed_by else None) == "kooth-practitioner"
    page.get_by_role("link", name="My tasks", exact=True).first.click()
    expect(page.get_by_role("row").filter(has_text=label)).to_have_count(0)
    assert_accessible(page)
