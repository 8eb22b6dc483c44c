"""axe finds nothing on each page, shown to a person who may open it, errors included."""

from __future__ import annotations

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect
from pytest_django import Settings

from onedoor.accounts.models import User
from onedoor.alliance.models import Alliance
from onedoor.children.models import Child
from tests.browser.support import (
    assert_accessible,
    assert_accessible_at_both_widths,
    error_summary,
    sign_in,
)


def test_the_public_referral_page_is_accessible(page: Page, demo: Alliance) -> None:
    response = page.goto("/refer/")

    assert response is not None and response.status == 200
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Ask for help for a child or young person"
    )
    assert_accessible(page)


def test_the_sign_in_page_is_accessible_empty_and_with_errors(page: Page, demo: Alliance) -> None:
    page.goto("/accounts/login/")
    assert_accessible(page)

    page.get_by_role("button", name="Continue").click()

    expect(page).to_have_title("Error: Sign in \N{EN DASH} OneDoor")
    assert error_summary(page) == ["Enter your username", "Enter your password"]
    assert_accessible(page)

    sign_in(page, "triage", "not-the-password")

    expect(page.get_by_role("alert")).to_contain_text("The username or password is not right.")
    assert_accessible(page)


def test_the_locked_out_page_is_accessible(page: Page, demo: Alliance) -> None:
    for _ in range(4):
        sign_in(page, "triage", "not-the-password")
        expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to OneDoor")

    sign_in(page, "triage", "not-the-password")

    expect(page.get_by_role("heading", level=1)).to_have_text("Sign-in is paused for this account")
    assert_accessible(page)


def test_the_two_factor_set_up_page_is_accessible_and_setting_up_lands_on_home(
    page: Page, demo: Alliance, settings: Settings, live_server_url: str
) -> None:
    settings.OTP_REQUIRED = True

    sign_in(page, "triage")

    expect(page).to_have_url(f"{live_server_url}/accounts/two-factor/set-up/")
    assert_accessible(page)

    page.get_by_role("button", name="Confirm").click()

    assert error_summary(page) == ["Enter the 6-digit security code"]
    assert_accessible(page)

    device = TOTPDevice.objects.get(user__username="triage", confirmed=False)
    page.get_by_label("Security code").fill(f"{totp(device.bin_key):06d}")
    page.get_by_role("button", name="Confirm").click()

    expect(page).to_have_url(f"{live_server_url}/")
    device.refresh_from_db()
    assert device.confirmed is True


def test_the_two_factor_page_is_accessible_empty_and_with_errors(
    page: Page, demo: Alliance, settings: Settings, live_server_url: str
) -> None:
    settings.OTP_REQUIRED = True
    device = TOTPDevice.objects.create(
        user=User.objects.get(username="clinical-lead"), name="Phone", confirmed=True
    )

    sign_in(page, "clinical-lead")

    expect(page).to_have_url(f"{live_server_url}/accounts/two-factor/")
    assert_accessible(page)

    page.get_by_role("button", name="Continue").click()

    assert error_summary(page) == ["Enter the 6-digit security code"]
    assert_accessible(page)

    page.get_by_label("Security code").fill(f"{totp(device.bin_key):06d}")
    page.get_by_role("button", name="Continue").click()

    expect(page).to_have_url(f"{live_server_url}/")


@pytest.mark.parametrize(
    ("path", "username", "heading"),
    [
        ("/triage/", "triage", "Triage"),
        ("/waiting/", "coordinator", "Waiting lists"),
        ("/caseload/", "kooth-practitioner", "Caseload"),
        ("/tasks/", "safeguarding", "My tasks"),
        ("/insights/", "analyst", "Shared KPIs"),
        ("/governance/", "clinical-lead", "Governance"),
    ],
)
def test_each_stable_page_is_accessible_to_a_role_that_uses_it(
    page: Page, demo: Alliance, path: str, username: str, heading: str
) -> None:
    sign_in(page, username)

    response = page.goto(path)

    assert response is not None and response.status == 200
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page.get_by_role("navigation", name="Menu").locator("[aria-current]")).to_have_count(1)
    assert_accessible(page)


def test_a_childs_record_is_accessible_to_the_triage_lead(page: Page, demo: Alliance) -> None:
    child = Child.objects.filter(alliance=demo, referrals__allocated_offer__isnull=False).first()
    assert child is not None
    sign_in(page, "triage")

    response = page.goto(f"/children/{child.uuid}/")

    assert response is not None and response.status == 200
    expect(page.get_by_role("heading", level=1)).to_have_text(child.full_name)
    assert_accessible(page)


def test_the_not_found_page_is_accessible(page: Page, demo: Alliance) -> None:
    sign_in(page, "triage")

    response = page.goto("/no-such-page/")

    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    assert_accessible(page)


def test_the_not_your_role_page_is_accessible(page: Page, demo: Alliance) -> None:
    sign_in(page, "analyst")

    response = page.goto("/triage/")

    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("This page is not part of your role")
    assert_accessible(page)


def test_the_accessibility_check_fails_on_a_page_with_a_fault(page: Page, demo: Alliance) -> None:
    """A canary: a pass above means something (and a tolerance covers only its selector)."""
    page.goto("/refer/")
    page.evaluate(
        """() => {
            const image = document.createElement('img');
            image.src = '/static/nhsuk/assets/images/favicon.svg';
            document.querySelector('main').append(image);
        }"""
    )

    with pytest.raises(AssertionError, match="image-alt"):
        assert_accessible(page)
    with pytest.raises(AssertionError, match="image-alt"):
        assert_accessible(page, tolerate={"image-alt": "div.breadcrumbs > a"})
    assert_accessible(page, tolerate={"image-alt": "main > img"})


def test_the_form_could_not_be_sent_page_is_accessible(page: Page, demo: Alliance) -> None:
    """A form posted without its security token (an old tab, say) gets a designed page."""
    sign_in(page, "kooth-practitioner")
    page.goto("/emergency-access/")
    page.locator('#maincontent [name="csrfmiddlewaretoken"]').evaluate("e => e.value = 'stale'")
    page.get_by_role("button", name="Get emergency access").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your form could not be sent")
    assert_accessible(page)


def test_the_database_away_page_is_accessible_and_fits_a_narrow_screen(
    page: Page, demo: Alliance
) -> None:
    """The 503 a family meets while the database is away: the page as the outage middleware
    renders it (`database_away.page`), served at an address of the live server so that its
    stylesheets load as they would."""
    from django.db import OperationalError

    from onedoor.web import database_away

    outage = database_away.page(OperationalError("server closed the connection"))
    page.route(
        "**/refer/",
        lambda route: route.fulfill(
            status=outage.status_code,
            body=outage.content,
            headers={"Content-Type": "text/html; charset=utf-8"},
        ),
    )
    response = page.goto("/refer/")

    assert response is not None and response.status == 503
    expect(page.get_by_role("heading", level=1)).to_have_text("Sorry, the service is unavailable")
    expect(page.get_by_text("Childline: 0800 1111.")).to_be_visible()
    assert_accessible_at_both_widths(page)
