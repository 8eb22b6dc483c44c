"""The shared KPIs in a browser: the service manager cuts them for the equity view, writes the
pack's narrative and downloads the pack; the commissioner sees small numbers suppressed and no
names anywhere, and downloads the pack too. axe-core on every page."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from onedoor.alliance.models import Alliance
from onedoor.children.models import Child
from tests.browser.support import assert_accessible, sign_in
from tests.pdf_reading import pdf_text


def _download_pack(page: Page, tmp_path: Path) -> bytes:
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the review pack (PDF)").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name.startswith("onedoor-review-pack-") and saved.suffix == ".pdf"
    return saved.read_bytes()


def test_the_service_manager_reads_the_kpis_and_makes_the_pack(
    page: Page, demo: Alliance, tmp_path: Path
) -> None:
    sign_in(page, "manager")
    page.goto("/insights/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Shared KPIs")
    expect(page.get_by_role("heading", name="Referrals received")).to_be_visible()
    assert_accessible(page)

    page.get_by_role(
        "link", name=re.compile(r"^All\s*: the records behind referrals received$")
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("All")
    expect(page.get_by_role("link", name="Back to the KPIs")).to_be_visible()
    assert page.get_by_role("row").count() > 1  # the demo's referrals this quarter
    assert_accessible(page)
    page.get_by_role("link", name="Back to the KPIs").click()

    page.get_by_label("Cut by").select_option(label="Priority group")
    page.get_by_role("button", name="Show the KPIs").click()
    expect(page.get_by_role("heading", name="Equity: each group's share")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="The review pack for this period").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Review pack")
    page.get_by_role("button", name="Save the narrative").click()
    expect(page.get_by_role("link", name="Write the narrative")).to_be_visible()  # the summary
    assert_accessible(page)
    page.get_by_label("What you want the commissioners to know about this period").fill(
        "Referrals rose after the schools' launch; waits held."
    )
    page.get_by_role("button", name="Save the narrative").click()
    expect(page.get_by_text("Narrative saved.")).to_be_visible()
    assert_accessible(page)
    pdf = _download_pack(page, tmp_path)
    assert pdf.startswith(b"%PDF")
    assert "Referrals rose after the schools' launch; waits held." in pdf_text(pdf)


def test_the_commissioner_sees_aggregates_only(page: Page, demo: Alliance, tmp_path: Path) -> None:
    sign_in(page, "commissioner")
    page.goto("/insights/?cut=ethnicity")
    expect(page.get_by_role("heading", level=1)).to_have_text("Shared KPIs")
    expect(page.get_by_text("Figures about fewer than 5 children are not shown")).to_be_visible()
    expect(page.get_by_text("Fewer than 5").first).to_be_visible()
    assert_accessible(page)
    text = page.locator("body").inner_text()
    for child in Child.objects.filter(alliance=demo):
        assert child.full_name not in text and child.family_name not in text
    assert page.get_by_role("link", name="Record-level extracts").count() == 0

    page.get_by_role("link", name="The review pack for this period").click()
    expect(page.get_by_role("button", name="Save the narrative")).to_have_count(0)
    assert_accessible(page)
    pdf = pdf_text(_download_pack(page, tmp_path))
    assert "Fewer than 5" in pdf
    for child in Child.objects.filter(alliance=demo)[:30]:
        assert child.family_name not in pdf
