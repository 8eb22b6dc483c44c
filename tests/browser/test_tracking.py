"""Tracking a referral in a browser, JavaScript off as the public pages must work: a wrong
date of birth and a wrong reference give the same answer, and a parent follows their referral
with the emailed code through to "Waiting for <partner>". axe needs JavaScript in the page,
so each page is checked in a second tab with it, sharing the session's cookies."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.core import mail
from django_tasks_db.models import DBTaskResult
from playwright.sync_api import Browser, Page, expect
from pytest_django import Settings
from pytest_django.live_server_helper import LiveServer

from onedoor.alliance.loader import DEFAULT_FILE, load
from onedoor.alliance.models import Alliance
from onedoor.referrals.models import Referral, Status
from onedoor.referrals.reference import display
from onedoor.tracking.tasks import send_tracking_code
from tests.browser.support import assert_accessible_at_both_widths
from tests.personas import RECEIVED, make_child

BORN = date(2015, 6, 9)
WRONG_REFERENCE = "WXYZ-234B"  # a good check character, on no referral


@pytest.fixture
def referral(live_server: LiveServer, settings: Settings) -> Referral:
    """A parent's referral, allocated to Kooth with consent to share, and accepted."""
    alliance: Alliance = load(DEFAULT_FILE)
    child = make_child(alliance, "Maya", born=BORN, allocated_to="kooth", status=Status.ALLOCATED)
    referral = child.referrals.get()
    referral.route = "parent"
    referral.referrer_email = "priya@example.org"
    referral.consent_to_share = True
    referral.allocated_at = referral.accepted_at = RECEIVED
    referral.save()
    return referral


def _ask(tab: Page, reference: str, born: date) -> None:
    tab.goto("/track/")
    tab.locator('[name="reference"]').fill(reference)
    tab.locator('[name="date_of_birth_day"]').fill(str(born.day))
    tab.locator('[name="date_of_birth_month"]').fill(str(born.month))
    tab.locator('[name="date_of_birth_year"]').fill(str(born.year))
    tab.get_by_role("button", name="Send me a code").click()
    expect(tab.get_by_role("heading", level=1)).to_have_text("We have sent a code")


def _words(tab: Page) -> str:
    """The main part of the page as its markup says it (not as laid out, which depends on
    whether the stylesheet has been applied yet), spaces evened out."""
    return " ".join((tab.locator("main").text_content() or "").split())


def _enter(tab: Page, code: str) -> None:
    tab.locator('[name="code"]').fill(code)
    tab.get_by_role("button", name="Continue").click()


def test_a_parent_tracks_their_referral_with_the_emailed_code_to_waiting_for_the_partner(
    browser: Browser, live_server: LiveServer, referral: Referral
) -> None:
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    context.set_default_timeout(10_000)
    checker = browser.new_context(base_url=live_server.url)
    checker.set_default_timeout(10_000)
    tab, axe_tab = context.new_page(), checker.new_page()

    def accessible(path: str, heading: str) -> None:
        checker.add_cookies(
            [
                {"name": c["name"], "value": c["value"], "url": live_server.url}
                for c in context.cookies()
            ]
        )
        axe_tab.goto(path)
        expect(axe_tab.get_by_role("heading", level=1)).to_have_text(heading)
        assert_accessible_at_both_widths(axe_tab)

    try:
        accessible("/track/", "Check how a referral is going")
        axe_tab.get_by_role("button", name="Send me a code").click()  # nothing typed
        expect(axe_tab.locator(".nhsuk-error-summary")).to_contain_text("Enter the reference")
        assert_accessible_at_both_widths(axe_tab)

        # A wrong date of birth, then a wrong reference: the same pages, word for word.
        said = []
        for reference, born in (
            (display(referral.reference), date(2015, 6, 10)),
            (WRONG_REFERENCE, BORN),
        ):
            _ask(tab, reference, born)
            sent = _words(tab)
            _enter(tab, "123456")
            expect(tab.locator(".nhsuk-error-summary")).to_contain_text(
                "That code is not right. You have 2 tries left"
            )
            said.append((sent, _words(tab)))
        assert said[0] == said[1]
        assert mail.outbox == []
        assert not DBTaskResult.objects.exists()

        # The right pair, typed in lower case without the hyphen.
        _ask(tab, referral.reference.lower(), BORN)
        expect(tab.locator("main")).to_contain_text(
            "If the reference and date of birth match a referral, we have sent a 6-digit code "
            "to the email address given on the referral. It expires in 10 minutes."
        )
        accessible("/track/code/", "We have sent a code")
        for task in DBTaskResult.objects.all():
            send_tracking_code.call(*task.args_kwargs["args"])
        [email] = mail.outbox
        assert email.to == ["priya@example.org"]
        match = re.search(r"Your code is: (\d{6})", str(email.body))
        assert match is not None
        _enter(tab, match.group(1))
        expect(tab.get_by_role("heading", level=1)).to_have_text("Waiting for Kooth")
        expect(tab.locator("main")).not_to_contain_text("Maya")
        accessible("/track/status/", "Waiting for Kooth")
    finally:
        context.close()
        checker.close()
