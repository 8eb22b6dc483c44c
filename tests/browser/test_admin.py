"""The configuration screens (Django's admin site), as the administrator sees them.

Django's own markup has two axe findings here, tolerated on Django's elements only and
listed in `DJANGO_ADMIN_FINDINGS`; anything else fails.
"""

from __future__ import annotations

from playwright.sync_api import Page, expect

from onedoor.alliance.models import Alliance, Offer
from tests.browser.support import DJANGO_ADMIN_FINDINGS, assert_accessible, sign_in


def test_the_configuration_screens_are_accessible_to_the_administrator(
    page: Page, demo: Alliance, live_server_url: str
) -> None:
    offer = Offer.objects.filter(organisation__alliance=demo).order_by("pk").first()
    assert offer is not None
    sign_in(page, "admin")

    page.goto("/admin/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "The alliance's configuration and users"
    )
    assert_accessible(page, tolerate=DJANGO_ADMIN_FINDINGS)

    page.goto("/admin/alliance/offer/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Select offer to change")
    assert_accessible(page, tolerate=DJANGO_ADMIN_FINDINGS)

    page.goto(f"/admin/alliance/offer/{offer.pk}/change/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Change offer")
    assert_accessible(page, tolerate=DJANGO_ADMIN_FINDINGS)
