"""A visitor leaves feedback; the service manager themes it and publishes what changed."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from onedoor.alliance.models import Alliance
from onedoor.coproduction.models import ServiceFeedback, Theme, YouSaidWeDid
from tests.browser.support import assert_accessible, error_summary, fill_date, sign_in

COMMENT = "The bus to the evening sessions stops running at six."


def test_feedback_is_themed_and_what_changed_is_published(page: Page, demo: Alliance) -> None:
    Theme.objects.create(alliance=demo, slug="getting-there", name="Getting there")
    Theme.objects.create(alliance=demo, slug="waiting", name="Waiting times")

    page.goto("/feedback/")
    assert_accessible(page)
    page.get_by_role("button", name="Send feedback").click()
    assert error_summary(page) == ["Choose how helpful the support was"]
    assert_accessible(page)
    page.get_by_label("Unhelpful", exact=True).check()
    page.get_by_label("Who supported you? (optional)").select_option(label="Kooth")
    page.get_by_label("Anything you would like to tell us (optional)").fill(COMMENT)
    page.get_by_role("button", name="Send feedback").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for your feedback")
    assert_accessible(page)
    feedback = ServiceFeedback.objects.get()
    assert (feedback.helpful, feedback.comments) == (2, COMMENT)

    sign_in(page, "manager")
    page.get_by_role("link", name="Feedback", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Feedback")
    assert_accessible(page)
    page.get_by_role("row").filter(has_text=COMMENT).get_by_role("link").click()
    page.get_by_label("Getting there").check()
    assert_accessible(page)
    page.get_by_role("button", name="Save themes").click()
    expect(page.get_by_text("Themes saved.")).to_be_visible()
    assert list(feedback.themes.values_list("slug", flat=True)) == ["getting-there"]

    page.get_by_role("link", name="You said, we did", exact=True).first.click()
    assert_accessible(page)
    page.get_by_role("link", name="Add an entry").click()
    assert_accessible(page)
    page.get_by_role("button", name="Save the entry").click()
    assert error_summary(page) == [
        "Choose the theme",
        "Summarise what people told us",
        "Say what we did",
        "Enter when the change was made",
    ]
    assert_accessible(page)
    page.get_by_label("Theme", exact=True).select_option(label="Getting there")
    page.get_by_label("You said", exact=True).fill("Evening sessions are hard to get home from.")
    page.get_by_label("We did", exact=True).fill("Evening sessions now end at 5.30pm.")
    fill_date(page, "When the change was made", "1 10 2026")
    page.get_by_label(re.compile("The bus to the evening sessions")).check()
    page.get_by_label("Publish on the public “You said, we did” page").check()
    page.get_by_role("button", name="Save the entry").click()
    expect(page.get_by_text("Entry saved.")).to_be_visible()
    assert_accessible(page)
    entry = YouSaidWeDid.objects.get()
    assert (entry.published, list(entry.any_time_feedback.all())) == (True, [feedback])
    page.get_by_role("link", name=re.compile(r"^Getting there\s*: edit the entry")).click()
    expect(page.get_by_label("We did", exact=True)).to_have_value(
        "Evening sessions now end at 5.30pm."
    )
    assert_accessible(page)

    page.goto("/you-said-we-did/")
    expect(page.get_by_role("heading", level=2, name="Getting there")).to_be_visible()
    expect(page.get_by_text("Evening sessions now end at 5.30pm.")).to_be_visible()
    expect(page.get_by_text(COMMENT)).to_have_count(0)
    assert_accessible(page)
