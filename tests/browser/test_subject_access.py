"""A subject access request in the browser (issue 18, part 3): the clinical lead opens one for
a demo child, reviews the records gathered, withholds a field with a reason, discloses, and
downloads the PDF and the JSON; each page passes axe at 1280 and 320 pixels wide."""

from __future__ import annotations

import json
import re
from pathlib import Path

from playwright.sync_api import Page, expect

from onedoor.alliance.models import Alliance
from onedoor.children.models import Child
from onedoor.subject_access.models import SubjectAccessRequest
from tests.browser.support import (
    assert_accessible,
    assert_accessible_at_both_widths,
    error_summary,
    expect_banner,
    fill_date,
    sign_in,
)


def test_the_clinical_lead_answers_a_subject_access_request_for_a_demo_child(
    page: Page, demo: Alliance, live_server_url: str
) -> None:
    child = Child.objects.filter(alliance=demo).exclude(nhs_number="").order_by("pk").first()
    assert child is not None
    sign_in(page, "clinical-lead")
    page.goto("/governance/")
    page.get_by_role("link", name="Subject access requests", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Subject access requests")
    assert_accessible_at_both_widths(page)

    # the request: find the child, then who asked and when
    page.get_by_role("link", name="Open a request").click()
    page.get_by_label("The child's name, date of birth, NHS number or referral reference").fill(
        child.nhs_number
    )
    page.get_by_role("main").get_by_role("button", name="Search").click()
    assert_accessible(page)
    page.get_by_role("main").get_by_role("link", name=re.compile(child.full_name)).click()
    expect_banner(page, child.full_name)
    page.get_by_role("button", name="Open the request").click()
    assert error_summary(page) == [
        "Choose whose information is asked for", "Enter who asked", "Enter how to reach them",
        "Enter the date it was received",
    ]  # fmt: skip
    assert_accessible_at_both_widths(page)
    page.get_by_label(f"{child.full_name} (the child)").check()
    page.get_by_label("Who asked", exact=True).fill("Sam Example")
    page.get_by_label("How to reach them").fill("sam@example.org")
    fill_date(page, "Date received", "2 11 2026")
    page.get_by_role("button", name="Open the request").click()
    request = SubjectAccessRequest.objects.get()
    expect(page).to_have_url(f"{live_server_url}/governance/subject-access/{request.uuid}/")

    # the review: every record gathered, each with "Withhold"
    page.get_by_role("button", name="Gather the records for review").click()
    expect(page.get_by_role("heading", name="Records gathered")).to_be_visible()
    assert_accessible_at_both_widths(page)
    page.get_by_role("link", name=f"Withhold from {child.full_name}").click()
    assert_accessible_at_both_widths(page)
    page.get_by_role("radio", name=re.compile(r"^Phone")).check()
    page.get_by_label("third-party information").check()
    page.get_by_role("button", name="Withhold").click()
    expect(page.get_by_role("cell", name="[withheld: third-party information]")).to_be_visible()
    page.get_by_role("button", name="Mark the review complete").click()

    # disclosure, then the downloads
    page.get_by_role("link", name="Disclose").click()
    assert_accessible_at_both_widths(page)
    page.get_by_label("Who it is disclosed to").fill("Sam Example, by secure email")
    page.get_by_label("I have checked every record").check()
    page.get_by_role("button", name="Disclose").click()
    expect(page.get_by_role("heading", name="Disclosed")).to_be_visible()
    assert_accessible_at_both_widths(page)
    with page.expect_download() as pdf:
        page.get_by_role("link", name="Download the readable copy (PDF)").click()
    assert Path(pdf.value.path()).read_bytes().startswith(b"%PDF")
    with page.expect_download() as archive:
        page.get_by_role("link", name="Download the archive (JSON)").click()
    disclosed = json.loads(Path(archive.value.path()).read_text())
    child_section = next(s for s in disclosed["sections"] if s["record_type"] == "child")
    phone = next(f for f in child_section["items"][0]["fields"] if f["field"] == "phone")
    assert phone["value"] == "[withheld: third-party information]"
