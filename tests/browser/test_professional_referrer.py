"""A professional registers, verifies their work email, sets up the second factor, refers
with their details already filled in, sees their referral's status and cannot open another's
(issue 14, hazard H45). JavaScript off for the public pages; every new page checked by axe at
1280 and 320 pixels."""

from __future__ import annotations

import re
from typing import Any

from django.core import mail
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Browser, Page, expect
from pytest_django import Settings
from pytest_django.live_server_helper import LiveServer

from onedoor.accounts.models import User
from onedoor.alliance.models import Alliance
from onedoor.referrals.models import Referral
from tests.browser.support import assert_accessible_at_both_widths, error_summary
from tests.browser.test_referral_form import CHECK, CHILD, fill, send

PASSWORD = "a long enough passphrase 42"
DETAILS = {
    "name": "Priya Shah",
    "job_title": "GP partner",
    "workplace": "Riverside Surgery",
    "works_in": "gp",
    "work_phone": "01634 960001",
}


def _heading(page: Page, text: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(text)


def test_a_professional_registers_refers_sees_the_status_and_cannot_open_anothers(
    browser: Browser, page: Page, live_server: LiveServer, demo: Alliance, settings: Settings
) -> None:
    """Registering and the emailed link are done without JavaScript (`plain`); axe needs it,
    so each page is checked in `page`, which has it, and goes on to sign in."""
    settings.OTP_REQUIRED = True
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    context.set_default_timeout(10_000)
    plain = context.new_page()

    # Registering: a domain not on the list is refused, plainly...
    page.goto("/accounts/login/")
    page.get_by_role("link", name="register to follow their referrals").click()
    _heading(page, "Register as a professional referrer")
    assert_accessible_at_both_widths(page)
    fill(page, {**DETAILS, "email": "priya.shah@evilnhs.net"})
    page.get_by_role("button", name="Register").click()
    assert error_summary(page) == [
        "You can only register with a work email address from an organisation we work with, "
        "such as an nhs.net address. To refer without an account, use the referral form"
    ]
    expect(
        page.get_by_role("link", name="use the referral form", exact=True).first
    ).to_have_attribute("href", "/refer/")
    assert_accessible_at_both_widths(page)
    assert not User.objects.filter(email="priya.shah@evilnhs.net").exists()
    # ...and an nhs.net address registers, without JavaScript.
    plain.goto("/referrers/register/")
    fill(plain, {**DETAILS, "email": "Priya.Shah@nhs.net"})
    plain.get_by_role("button", name="Register").click()
    _heading(plain, "Check your email")
    page.goto("/referrers/register/check-your-email/")
    assert_accessible_at_both_widths(page)

    # The emailed link: choose a password (Django's validators), once.
    [message] = mail.outbox
    assert message.to == ["priya.shah@nhs.net"]
    found = re.search(r"(/referrers/verify/[^/\s]+/)", str(message.body))
    assert found is not None
    link = found.group(1)
    page.goto(link)
    _heading(page, "Choose your password")
    assert_accessible_at_both_widths(page)
    fill(page, {"password": "password", "again": "password"})
    page.get_by_role("button", name="Finish registering").click()
    assert "This password is too short. It must contain at least 12 characters." in error_summary(
        page
    )
    assert_accessible_at_both_widths(page)
    plain.goto(link)
    fill(plain, {"password": PASSWORD, "again": PASSWORD})
    plain.get_by_role("button", name="Finish registering").click()
    _heading(plain, "You have registered")
    page.goto("/referrers/verified/")
    assert_accessible_at_both_widths(page)
    page.goto(link)
    _heading(page, "This link cannot be used")
    assert_accessible_at_both_widths(page)
    context.close()

    # Signing in: the second factor is set up before anything else.
    page.goto("/accounts/login/")
    page.get_by_label("Username", exact=True).fill("priya.shah@nhs.net")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(f"{live_server.url}/accounts/two-factor/set-up/")
    device = TOTPDevice.objects.get(user__username="priya.shah@nhs.net", confirmed=False)
    page.get_by_label("Security code").fill(f"{totp(device.bin_key):06d}")
    page.get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(f"{live_server.url}/referrers/")
    _heading(page, "Your referrals")
    expect(page.get_by_text("You have not made a referral with this account yet.")).to_be_visible()
    assert_accessible_at_both_widths(page)

    # Referring: the professional route and their details are already answered.
    page.get_by_role("link", name="Make a referral").click()
    expect(page.locator('[name="who"][value="professional"]')).to_be_checked()
    page.get_by_role("button", name="Continue").click()
    _heading(page, "About you")
    expect(page.locator('[name="name"]')).to_have_value("Priya Shah")
    expect(page.locator('[name="organisation"]')).to_have_value("Riverside Surgery")
    expect(page.locator('[name="email"]')).to_have_value("priya.shah@nhs.net")
    steps: list[tuple[dict[str, Any], str]] = [
        ({}, "About the young person"),
        (CHILD, "Parents and carers"),
        (
            {
                "carer_name": "Ana Example",
                "carer_relationship": "Mother",
                "carer_phone": "07700 900982",
                "parental_responsibility": "yes",
            },
            "Why you are asking for help",
        ),
        ({"reasons": "Low mood since the summer."}, "The young person's safety"),
        ({"risks": ["none"]}, "Communication needs"),
        ({"interpreter": "no"}, "More about the young person"),
        ({}, "Consent"),
        ({"agreed": "parent_carer", "share": "yes", "contact_family": "yes"}, CHECK),
    ]
    for answers, heading in steps:
        fill(page, answers)
        page.get_by_role("button", name="Continue").click()
        _heading(page, heading)
    referral = send(page)
    assert referral.referred_by == User.objects.get(username="priya.shah@nhs.net")
    assert (referral.referrer_name, referral.referrer_role, referral.source) == (
        "Priya Shah",
        "GP partner",
        "gp",
    )

    # Their referral and its status.
    page.goto("/referrers/")
    row = page.get_by_role("row").filter(has_text=referral.reference_display)
    expect(row).to_contain_text("ME")  # Maya Example's initials
    expect(row.get_by_role("cell").last).to_have_text("Received")
    assert_accessible_at_both_widths(page)
    row.get_by_role("link", name=referral.reference_display).click()
    _heading(page, f"Referral {referral.reference_display}")
    expect(page.locator(".nhsuk-inset-text")).to_contain_text("Status: Received")
    expect(page.get_by_text("The triage team will look at the referral.")).to_be_visible()
    expect(page.get_by_text("Low mood since the summer.")).to_be_visible()
    assert_accessible_at_both_widths(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download a copy of what you sent (PDF)").click()
    assert download.value.suggested_filename == f"referral-{referral.reference}.pdf"

    # Another's referral: 404, as if it did not exist.
    another = Referral.objects.exclude(pk=referral.pk).first()
    assert another is not None
    response = page.goto(f"/referrers/referrals/{another.uuid}/")
    assert response is not None and response.status == 404
    assert_accessible_at_both_widths(page)
