"""The Young Adult Support Offer in the browser: a care coordinator names themselves for a
care leaver, records the pathway and finds them on their caseload; the service manager moves
a leaving coordinator's caseload. Every page is checked with axe."""

from __future__ import annotations

from datetime import date

from playwright.sync_api import Page, expect

from onedoor import clock
from onedoor.accounts.roles import Role
from onedoor.alliance.models import Alliance, PriorityGroup
from onedoor.care.models import CoordinatorAssignment, YoungAdultPathway
from onedoor.referrals.models import Referral, Status
from tests.browser.support import assert_accessible, error_summary, sign_in
from tests.personas import make_child, make_user, organisation


def _care_leaver(demo: Alliance) -> Referral:
    child = make_child(
        demo, "Jaden", "Careleaver", born=date(clock.today().year - 20, 1, 1),
        status=Status.WAITING, allocated_to="north-kent-mind",
    )  # fmt: skip
    child.priority_groups.set(PriorityGroup.objects.filter(alliance=demo, slug="care-leaver"))
    return child.referrals.get()


def test_a_coordinator_is_named_the_pathway_recorded_and_the_caseload_moved(
    page: Page, demo: Alliance
) -> None:
    referral = _care_leaver(demo)
    receiving = make_user(
        "second-coordinator", Role.CARE_COORDINATOR, organisation(demo, "north-kent-mind")
    )
    sign_in(page, "coordinator")
    page.goto(f"/care/{referral.uuid}/")
    expect(page.get_by_role("heading", name="Important: No named care coordinator")).to_be_visible()
    assert_accessible(page)

    # (the summary's section and the task "Name a care coordinator" link to the same page)
    page.get_by_role("link", name="Name a care coordinator").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Named care coordinator for Jaden Careleaver"
    )
    assert_accessible(page)
    page.get_by_role("button", name="Save the named care coordinator").click()
    assert error_summary(page) == ["Choose the care coordinator"]
    assert_accessible(page)
    page.get_by_label("Named care coordinator").select_option(label="Demo coordinator")
    page.get_by_role("button", name="Save the named care coordinator").click()
    expect(page.get_by_text("Demo coordinator is now the named care coordinator.")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Record the pathway").click()
    assert_accessible(page)
    page.get_by_role("button", name="Save the pathway").click()
    assert error_summary(page) == ["Choose at least one part of the pathway"]
    assert_accessible(page)
    page.get_by_label("Trauma-informed mentoring").check()
    page.get_by_label("Linked with the Care Leaver Local Offer").check()
    page.get_by_label("The link with the Care Leaver Local Offer (optional)").fill(
        "Leisure pass and council tax exemption."
    )
    page.get_by_role("button", name="Save the pathway").click()
    expect(page.get_by_text("Pathway saved.")).to_be_visible()
    assert_accessible(page)
    assert YoungAdultPathway.objects.get(referral=referral).parts == [
        "Mentoring", "Linked with the Care Leaver Local Offer",
    ]  # fmt: skip

    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Young adults").click()
    expect(page.get_by_role("link", name="Jaden Careleaver")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Sign out").click()

    moving = CoordinatorAssignment.objects.current().filter(coordinator__username="coordinator")
    count = moving.exclude(referral__status__in=["discharged", "stepped_up"]).count()
    sign_in(page, "manager")
    page.get_by_role("navigation", name="Menu").get_by_role(
        "link", name="Reassign caseload"
    ).click()
    assert_accessible(page)
    page.get_by_role("button", name="Continue").click()
    assert error_summary(page) == ["Choose who is leaving", "Choose who takes the caseload"]
    assert_accessible(page)
    page.get_by_label("Care coordinator who is leaving").select_option(label="Demo coordinator")
    page.get_by_label("Care coordinator taking the caseload").select_option(
        label="Second-Coordinator"
    )
    page.get_by_role("button", name="Continue").click()
    expect(
        page.get_by_text(f"{count} young adults will move from Demo coordinator")
    ).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name=f"Move {count} young adults").click()
    expect(
        page.get_by_text(f"Moved {count} young adults from Demo coordinator to Second-Coordinator.")
    ).to_be_visible()
    assert_accessible(page)
    assert CoordinatorAssignment.objects.current().get(referral=referral).coordinator == receiving
