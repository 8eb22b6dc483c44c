"""Separation of duties in the browser (issue 18): the administrator asks for a role that
sees case data on the accounts screen; a clinical lead decides on accessible pages."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from onedoor.access.models import RoleRequest
from onedoor.accounts.models import User
from onedoor.accounts.roles import Role
from onedoor.alliance.models import Alliance
from tests.browser.support import (
    DJANGO_ADMIN_FINDINGS,
    assert_accessible,
    assert_accessible_at_both_widths,
    error_summary,
    sign_in,
)


def test_an_analyst_raised_to_triage_lead_waits_for_the_clinical_leads_approval(
    page: Page, demo: Alliance, live_server_url: str
) -> None:
    analyst = User.objects.get(username="analyst")
    sign_in(page, "admin")
    page.goto(f"/admin/accounts/user/{analyst.pk}/change/")
    page.get_by_label("Role:").select_option(Role.TRIAGE_LEAD)
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page.get_by_text("once a clinical lead approves it")).to_be_visible()
    assert_accessible(page, tolerate=DJANGO_ADMIN_FINDINGS)
    analyst.refresh_from_db()
    assert analyst.role == Role.ANALYST
    waiting = RoleRequest.objects.get(user=analyst)

    page.context.clear_cookies()  # the admin site has its own header
    sign_in(page, "clinical-lead")
    page.goto("/governance/")
    page.get_by_role("link", name="Roles waiting for approval").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Roles waiting for approval")
    assert_accessible_at_both_widths(page)

    page.get_by_role("link", name="Decide on Triage lead for").click()
    expect(page).to_have_url(f"{live_server_url}/governance/role-requests/{waiting.uuid}/")
    assert_accessible_at_both_widths(page)

    page.get_by_role("button", name="Record decision").click()
    assert error_summary(page) == ["Choose whether to approve or refuse"]
    assert_accessible(page)

    page.get_by_label("Approve").check()
    page.get_by_role("button", name="Record decision").click()

    expect(page).to_have_url(f"{live_server_url}/governance/role-requests/")
    expect(page.get_by_role("cell", name="Approved")).to_have_count(1)
    analyst.refresh_from_db()
    assert (analyst.role, analyst.is_active) == (Role.TRIAGE_LEAD, True)
