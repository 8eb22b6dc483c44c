"""The referral form's "save and come back later" in a browser, without JavaScript, as the
public pages must work: a parent saves part-way, receives the link, removes the answers from
the shared computer, and carries on from the emailed link in another browser to the check
page. Each new page is checked by axe at both widths in a second tab with JavaScript (sharing
the session where the page needs it)."""

from __future__ import annotations

import re
from typing import Any

from django.core import mail
from playwright.sync_api import Browser, BrowserContext, expect
from pytest_django.live_server_helper import LiveServer

from onedoor.alliance.models import Alliance
from onedoor.referrals.models import SavedAnswers
from tests.browser.support import assert_accessible_at_both_widths
from tests.browser.test_referral_form import CHECK, CHILD, fill

SAVE = "Save your answers and come back later"
GONE = "This link has expired or has already been used"


def test_a_parent_saves_and_comes_back_later_from_the_emailed_link_in_another_browser(
    browser: Browser, live_server: LiveServer, demo: Alliance
) -> None:
    contexts: list[BrowserContext] = []

    def new_context(*, javascript: bool) -> BrowserContext:
        context = browser.new_context(base_url=live_server.url, java_script_enabled=javascript)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    here, checker = new_context(javascript=False), new_context(javascript=True)
    tab, axe_tab = here.new_page(), checker.new_page()

    def accessible(path: str, heading: str, *, session: BrowserContext | None = None) -> None:
        checker.clear_cookies()
        if session is not None:
            checker.add_cookies(
                [
                    {"name": c["name"], "value": c["value"], "url": live_server.url}
                    for c in session.cookies()
                ]
            )
        axe_tab.goto(path)
        expect(axe_tab.get_by_role("heading", level=1)).to_have_text(heading)
        assert_accessible_at_both_widths(axe_tab)

    def step(answers: dict[str, Any], heading: str, button: str = "Continue") -> None:
        fill(tab, answers)
        tab.get_by_role("button", name=button).click()
        expect(tab.get_by_role("heading", level=1)).to_have_text(heading)

    try:
        tab.goto("/refer/")
        expect(tab.get_by_role("button", name="Save and come back later")).to_have_count(0)
        step({"who": "parent"}, "About you")
        step(
            {"name": "Priya Example", "relationship": "Mother", "email": "priya@example.org"},
            "About your child",
        )
        step(CHILD, "Parents and carers")
        step({"parental_responsibility": "yes"}, "Why you are asking for help")
        step({"reasons": "Very anxious."}, SAVE, button="Save and come back later")
        expect(tab.get_by_text("Nothing has been sent yet")).to_be_visible()
        expect(tab.get_by_label("Email address")).to_have_value("priya@example.org")
        accessible("/refer/save/", SAVE, session=here)

        tab.get_by_role("button", name="Send the link").click()
        expect(tab.get_by_role("heading", level=1)).to_have_text("We have sent you a link")
        expect(tab.locator("main")).to_contain_text("We have sent a link to priya@example.org.")
        accessible("/refer/saved/", "We have sent you a link", session=here)
        assert [message.to for message in mail.outbox] == [["priya@example.org"]]
        found = re.search(r"/refer/come-back/[A-Za-z0-9_-]+/", str(mail.outbox[0].body))
        assert found is not None
        link = found.group(0)

        tab.get_by_role("button", name="Remove my answers from this device").click()
        expect(tab.get_by_text("Your answers are no longer on this device.")).to_be_visible()
        tab.goto("/refer/")
        expect(tab.get_by_text("You have started a referral")).to_have_count(0)

        # Another browser, from the email: the page first (a link scanner's GET uses
        # nothing), then the button.
        accessible(link, "Come back to your referral form")
        elsewhere = new_context(javascript=False).new_page()
        elsewhere.goto(link)
        expect(elsewhere.get_by_role("heading", level=1)).to_have_text(
            "Come back to your referral form"
        )
        elsewhere.get_by_role("button", name="Continue your referral").click()
        expect(elsewhere.get_by_role("heading", level=1)).to_have_text("Your child's safety")
        expect(elsewhere.locator(".nhsuk-caption-l")).to_have_text("Step 6 of 9")
        tab = elsewhere
        step({"risks": ["none"]}, "Communication needs")
        step({"interpreter": "no"}, "More about your child")
        step({}, "Consent")
        step({"agreed": "parent_carer", "share": "yes"}, CHECK)
        expect(tab.locator("main")).to_contain_text("Very anxious.")  # saved before the link

        accessible(link, GONE)  # used: the same page as expired or unknown
        expect(axe_tab.get_by_role("link", name="Start again")).to_be_visible()
    finally:
        for context in contexts:
            context.close()

    assert SavedAnswers.objects.filter(link_hash__isnull=False).count() == 0
