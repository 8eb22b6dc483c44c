"""The administrator registers Kooth's system as an API client, issues it a token that is
shown once, and revokes it; the token is used with real HTTP calls to the live server in
between. Each page checked with axe at both widths."""

from __future__ import annotations

import re
import urllib.error
import urllib.request

from playwright.sync_api import Page, expect
from pytest_django import Settings
from pytest_django.live_server_helper import LiveServer

from onedoor.accounts.roles import Role
from onedoor.alliance.loader import DEFAULT_FILE, load
from onedoor.integrations.models import ApiClient
from tests.browser.support import assert_accessible_at_both_widths, error_summary, sign_in
from tests.personas import make_user, organisation


def _status(live_server: LiveServer, secret: str) -> int:
    """GET /api/v1/client over HTTP with the token, as Kooth's system would: no cookies."""
    request = urllib.request.Request(  # noqa: S310 (the live server's own http address)
        f"{live_server.url}/api/v1/client", headers={"Authorization": f"Bearer {secret}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return int(response.status)
    except urllib.error.HTTPError as refused:
        return refused.code


def test_an_administrator_registers_a_client_whose_token_works_until_revoked(
    page: Page, live_server: LiveServer, settings: Settings
) -> None:
    settings.OTP_REQUIRED = False
    alliance = load(DEFAULT_FILE)
    make_user("ada-admin", Role.ADMINISTRATOR, organisation(alliance, "north-kent-mind"))
    sign_in(page, "ada-admin")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="API clients").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("API clients")
    expect(page.get_by_text("No clients yet.")).to_be_visible()
    assert_accessible_at_both_widths(page)

    page.get_by_role("link", name="Register a client").click()
    page.get_by_label("Name of the system").fill("Kooth online")
    page.get_by_label("Organisation", exact=True).select_option(label="Kooth (partner)")
    page.get_by_label("Submit referrals (referrals:submit)").check()
    page.get_by_role("button", name="Register the client").click()
    assert error_summary(page) == ["A client of Kooth cannot hold the scope referrals:submit"]
    assert_accessible_at_both_widths(page)
    page.get_by_label("Submit referrals (referrals:submit)").uncheck()
    page.get_by_label(
        "Read the children and referrals allocated to the organisation (cases:read)"
    ).check()
    page.get_by_label("Record contacts (contacts:write)").check()
    page.get_by_role("button", name="Register the client").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kooth online")
    expect(page.get_by_text("Client registered. Issue it a token to connect.")).to_be_visible()
    assert ApiClient.objects.get().scopes == ["cases:read", "contacts:write"]
    assert_accessible_at_both_widths(page)

    page.get_by_role("link", name="Issue a token").click()
    expect(page.get_by_label("How many days the token works for")).to_have_value("90")
    assert_accessible_at_both_widths(page)
    page.get_by_role("button", name="Issue the token").click()
    expect(page.get_by_text("It will not be shown again")).to_be_visible()
    secret = page.get_by_label("Token", exact=True).input_value()
    assert secret.startswith("od_")
    assert_accessible_at_both_widths(page)
    # A partner's system reads children's records: refused until a clinical lead approves it.
    assert _status(live_server, secret) == 401

    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("This token has already been shown")
    expect(page.get_by_label("Token", exact=True)).to_have_count(0)
    assert secret not in page.content()
    assert_accessible_at_both_widths(page)

    page.get_by_role("link", name="Back to Kooth online").click()
    expect(page.get_by_text("Waiting for a clinical lead's approval")).to_be_visible()
    client_page = page.url
    page.get_by_role("button", name="Sign out").click()
    make_user("cleo-lead", Role.CLINICAL_LEAD, organisation(alliance, "north-kent-mind"))
    sign_in(page, "cleo-lead")
    page.goto("/governance/role-requests/")
    page.get_by_role("link", name=re.compile(r"^Decide on ")).click()
    page.get_by_label("Approve").check()
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_role("cell", name="Approved")).to_have_count(1)
    assert _status(live_server, secret) == 200
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, "ada-admin")
    page.goto(client_page)
    expect(page.get_by_text("Waiting for a clinical lead's approval")).to_have_count(0)
    row = page.get_by_role("row").filter(has_text=secret[:10])
    expect(row).to_contain_text("In use")
    row.get_by_role("link", name="Revoke").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Revoke token {secret[:10]}…")
    assert_accessible_at_both_widths(page)
    page.get_by_role("button", name="Revoke the token").click()
    expect(page.get_by_text(f"Token {secret[:10]}… revoked. It no longer works.")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text=secret[:10])).to_contain_text("Revoked")
    assert _status(live_server, secret) == 401

    page.get_by_role("link", name="Back to the API clients").click()
    expect(page.get_by_role("row").filter(has_text="Kooth online")).to_contain_text("None")
    assert_accessible_at_both_widths(page)
