"""The shared KPIs in a browser: the service manager cuts them for the equity view, writes the
pack's narrative and downloads the pack; the commissioner sees small numbers suppressed and no
names anywhere, and downloads the pack too. axe-core on every page."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from onedoor.alliance.models import Alliance
from onedoor.children.models import Child
from onedoor.insights.kpis import KPIS
from tests.browser.support import assert_accessible, assert_accessible_at_both_widths, sign_in
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
    expect(page.get_by_role("heading", name="Every KPI at a glance")).to_be_visible()
    summary = page.get_by_role("region", name="Every KPI at a glance")
    expect(summary.get_by_role("row")).to_have_count(1 + len(KPIS))  # a row for each KPI
    # each KPI's variation read in words beside its icon, and the target where there is one
    variation = re.compile(
        r"^(Common cause variation|Special cause|Too few points to judge variation)"
    )
    expect(summary.get_by_role("img", name=variation)).to_have_count(len(KPIS))
    expect(summary.get_by_text("28 or fewer")).to_be_visible()  # first contact's target
    assert_accessible_at_both_widths(page)

    # one KPI: its definition, its chart over the months and the chart's figures as a table
    summary.get_by_role("link", name="Referrals received").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Referrals received")
    definition = "Referrals received in the period, whatever became of them."
    expect(page.get_by_text(definition)).to_be_visible()
    chart = page.get_by_role("img", name=re.compile(r"^Referrals received Referrals received in "))
    expect(chart).to_be_visible()
    page.get_by_text("The chart's figures").click()
    months = page.get_by_role("region", name="Referrals received: each month")
    expect(months.get_by_role("row")).to_have_count(1 + 24)
    assert_accessible_at_both_widths(page)

    # the referrals behind the period's figure, and back
    page.get_by_role(
        "link", name=re.compile(r"^All\s*: the records behind referrals received$")
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("All")
    assert page.get_by_role("row").count() > 1  # the demo's referrals this quarter
    assert_accessible_at_both_widths(page)
    page.get_by_role("link", name="Back to the KPIs").click()

    # by priority group: the equity view, and each group's own chart on a KPI's page
    page.get_by_label("Cut by").select_option(label="Priority group")
    page.get_by_role("button", name="Show the KPIs").click()
    expect(page.get_by_role("heading", name="Equity: each group's share")).to_be_visible()
    assert_accessible_at_both_widths(page)
    page.get_by_role("region", name="Every KPI at a glance").get_by_role(
        "link", name="Referrals received"
    ).click()
    expect(page.get_by_role("heading", name="Each priority group over the months")).to_be_visible()
    assert_accessible_at_both_widths(page)
    page.get_by_role("link", name="Every KPI").click()

    page.get_by_role("link", name="The review pack for this period").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Review pack")
    page.get_by_role("button", name="Save the narrative").click()
    expect(page.get_by_role("link", name="Write the narrative")).to_be_visible()  # the summary
    assert_accessible_at_both_widths(page)
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
    assert_accessible_at_both_widths(page)
    page.get_by_role("region", name="Every KPI at a glance").get_by_role(
        "link", name="Referrals received"
    ).click()
    expect(page.get_by_text("Charts by ethnicity are not shown to commissioners")).to_be_visible()
    expect(page.get_by_text("Fewer than 5").first).to_be_visible()
    assert_accessible_at_both_widths(page)
    page.goto("/insights/?cut=ethnicity")
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
