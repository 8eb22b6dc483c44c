"""axe finds nothing on the waiting lists and the caseload, each shown with rows."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from onedoor.alliance.models import Alliance
from onedoor.referrals.models import Referral, Status
from tests.browser.support import assert_accessible, sign_in


def test_the_waiting_lists_are_accessible_with_rows(page: Page, demo: Alliance) -> None:
    assert Referral.objects.filter(status__in=[Status.ALLOCATED, Status.WAITING]).exists()
    sign_in(page, "coordinator")

    response = page.goto("/waiting/")

    assert response is not None and response.status == 200
    expect(page.get_by_role("heading", level=1)).to_have_text("Waiting lists")
    expect(page.get_by_role("table", name="Waiting for each offer")).to_be_visible()
    rows = page.get_by_role("table", name="Children waiting, longest wait first")
    expect(rows.locator("tbody tr").first).to_be_visible()
    assert_accessible(page)


def test_the_caseload_is_accessible_with_rows(page: Page, demo: Alliance) -> None:
    kooth = Referral.objects.filter(
        allocated_organisation__slug="kooth", status__in=[Status.WAITING, Status.IN_INTERVENTION]
    )
    if not kooth.exists():  # the seeded 30 may give Kooth no one: give them one child
        referral = Referral.objects.filter(status=Status.WAITING).first()
        assert referral is not None
        Referral.objects.filter(pk=referral.pk).update(
            allocated_organisation=demo.organisations.get(slug="kooth"),
            allocated_offer=demo.organisations.get(slug="kooth").offers.first(),
        )
    sign_in(page, "kooth-practitioner")

    response = page.goto("/caseload/?whose=organisation")  # all of Kooth's, not only Kim's

    assert response is not None and response.status == 200
    expect(page.get_by_role("heading", level=1)).to_have_text("Caseload")
    rows = page.get_by_role("table", name="Children on the caseload, those taken on earliest first")
    expect(rows.locator("tbody tr").first).to_be_visible()
    assert_accessible(page)
