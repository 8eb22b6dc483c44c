"""The child banner in a browser (hazard H33): a child with everything to show (a long name,
NHS number, red risk, two priority groups, a named practitioner, an open safeguarding concern,
the Young Adult Support Offer and long communication needs) on the child's page and on the
referral's page, accessible and within 320 pixels."""

from __future__ import annotations

from datetime import date

from playwright.sync_api import Page, expect

from onedoor.accounts.models import User
from onedoor.alliance.models import Alliance, PriorityGroup
from onedoor.referrals.models import Referral, Status
from onedoor.safeguarding.actions import raise_concern
from tests.browser.support import assert_accessible_at_both_widths, sign_in
from tests.personas import make_child


def test_the_banner_says_who_the_child_is_on_their_pages(page: Page, demo: Alliance) -> None:
    child = make_child(
        demo, "Maximiliana-Josephine", "Featherstonehaugh-Worthington", born=date(2007, 5, 1),
        nhs_number="9434765919", allocated_to="kooth", status=Status.IN_INTERVENTION,
    )  # fmt: skip
    child.priority_groups.set(
        PriorityGroup.objects.filter(alliance=demo, slug__in=["care-leaver", "send"])
    )
    practitioner = User.objects.get(username="kooth-practitioner")
    referral = child.referrals.get()
    Referral.objects.filter(pk=referral.pk).update(
        risk_rating="red", named_practitioner=practitioner, language="British Sign Language",
        interpreter_needed=True, accessibility_needs="Step-free access; " * 12,
    )  # fmt: skip
    raise_concern(
        user=practitioner, referral=referral, category="neglect",
        seen_or_said="Came to session hungry.", immediate_actions="Spoke to the school.",
        referred_to_social_care=False, social_care_reference="",
        owner=User.objects.get(username="safeguarding"),
    )  # fmt: skip
    sign_in(page, "safeguarding")

    page.goto(f"/children/{child.uuid}/")

    banner = page.get_by_role("region", name="Child or young person")
    expect(banner).to_contain_text("Maximiliana-Josephine Featherstonehaugh-Worthington")
    expect(banner).to_contain_text("Born1 May 2007 (19 years)")
    expect(banner).to_contain_text("NHS number943 476 5919")
    expect(banner.locator(".nhsuk-tag--red", has_text="Red")).to_be_visible()
    expect(banner.get_by_role("link", name="An open safeguarding concern")).to_be_visible()
    expect(banner).to_contain_text("Young Adult Support Offer")
    expect(banner).to_contain_text("Interpreter needed (British Sign Language)")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Maximiliana-Josephine Featherstonehaugh-Worthington"
    )
    assert_accessible_at_both_widths(page)

    page.goto(f"/referrals/{referral.uuid}/")

    expect(banner).to_contain_text(f"Reference{referral.reference_display}")
    expect(banner).to_contain_text("Named practitionerDemo kooth-practitioner")
    assert_accessible_at_both_widths(page)
