"""Emergency ("break-glass") access, end to end: asking, the banner, the review, the log."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from onedoor.access.models import BreakGlassGrant
from onedoor.access.records import children_visible_to
from onedoor.accounts.models import User
from onedoor.alliance.models import Alliance
from onedoor.children.models import Child
from tests.browser.support import assert_accessible, error_summary, sign_in

REASON = "Her school says she has gone missing overnight and police have asked us about her."


def a_child_kooth_cannot_see(alliance: Alliance) -> Child:
    kooth = User.objects.get(username="kooth-practitioner")
    child = (
        Child.objects.filter(alliance=alliance)
        .exclude(nhs_number="")
        .exclude(pk__in=children_visible_to(kooth))
        .order_by("pk")
        .first()
    )
    assert child is not None
    return child


def test_the_emergency_access_form_is_accessible_empty_and_with_errors(
    page: Page, demo: Alliance
) -> None:
    sign_in(page, "kooth-practitioner")
    page.goto("/emergency-access/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Emergency access to a child's record"
    )
    assert_accessible(page)

    page.get_by_role("button", name="Get emergency access").click()

    assert error_summary(page) == [
        "Enter the child's NHS number or a referral reference",
        "Explain why you need emergency access",
    ]
    assert_accessible(page)


def test_a_practitioner_breaks_glass_and_the_clinical_lead_reviews_it_on_accessible_pages(
    page: Page, demo: Alliance, live_server_url: str
) -> None:
    child = a_child_kooth_cannot_see(demo)
    sign_in(page, "kooth-practitioner")
    page.goto("/emergency-access/")
    page.get_by_label("NHS number or referral reference", exact=True).fill(child.nhs_number_display)
    page.get_by_label("Why do you need to see this record now?").fill(REASON)
    page.get_by_role("button", name="Get emergency access").click()

    expect(page).to_have_url(f"{live_server_url}/children/{child.uuid}/")
    expect(page.get_by_role("heading", level=2, name="Important: Emergency access")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(child.full_name)
    assert_accessible(page)

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, "clinical-lead")
    page.goto("/governance/emergency-access/")
    grant = BreakGlassGrant.objects.get(child=child)
    assert grant.user.username == "kooth-practitioner"
    expect(page.get_by_role("cell", name=REASON)).to_have_count(1)
    assert_accessible(page)

    page.get_by_role("link", name="Review access by").click()

    expect(page).to_have_url(f"{live_server_url}/governance/emergency-access/{grant.uuid}/")
    assert_accessible(page)

    page.get_by_role("button", name="Record review").click()

    assert error_summary(page) == ["Choose whether the access was appropriate"]
    assert_accessible(page)

    page.get_by_role("link", name="What they viewed").click()

    expect(page).to_have_url(f"{live_server_url}/governance/children/{child.uuid}/access-log/")
    expect(page.get_by_role("row").filter(has_text="(emergency access)")).to_have_count(1)
    assert_accessible(page)
