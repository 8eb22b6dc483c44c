"""The clinical lead runs a case audit round: draws a sample, scores a record against the
criteria, records an action, closes the round and reads compliance over time."""

from __future__ import annotations

from datetime import date

from playwright.sync_api import Page, expect

from onedoor import clock
from onedoor.alliance.models import Alliance, Organisation
from onedoor.case_audits.actions import AUDITED_KINDS, auditable
from onedoor.case_audits.models import AuditAction, AuditRound
from tests.browser.support import assert_accessible, error_summary, fill_date, sign_in

SINCE = date(2025, 1, 1)
RESULTS = {
    "Current risk assessment": "Met",
    "Safety plan where needed": "Not applicable",
    "Care plan reviewed in time": "Not met",
    "Consent recorded": "Met",
    "Outcome measures taken": "Met",
    "Notes within the agreed time": "Met",
}


def test_the_clinical_lead_runs_an_audit_round(page: Page, demo: Alliance) -> None:
    today = clock.today()
    audited = next(
        organisation
        for organisation in Organisation.objects.filter(
            alliance=demo, kind__in=AUDITED_KINDS
        ).order_by("name")
        if auditable(organisation, SINCE, today).exists()
    )
    sign_in(page, "clinical-lead")
    page.get_by_role("link", name="Governance", exact=True).first.click()
    page.get_by_role("link", name="Case audits", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Case audits")
    assert_accessible(page)

    page.get_by_role("link", name="Start an audit round").click()
    assert_accessible(page)
    expect(page.get_by_label("Records to sample from each organisation")).to_have_value("5")
    page.get_by_label("Records to sample from each organisation").fill("")
    page.get_by_role("button", name="Draw the sample").click()
    assert error_summary(page) == [
        "Enter a title",
        "Enter the start of the period",
        "Enter the end of the period",
        "Enter how many records to sample from each organisation",
    ]
    assert_accessible(page)
    page.get_by_label("Title", exact=True).fill("Spot check")
    fill_date(page, "Records allocated from", f"{SINCE.day} {SINCE.month} {SINCE.year}")
    fill_date(page, "Records allocated to", f"{today.day} {today.month} {today.year}")
    page.get_by_label("Records to sample from each organisation").fill("1")
    checkboxes = page.get_by_role("group", name="Organisations to audit").get_by_role("checkbox")
    for box in checkboxes.all():
        box.uncheck()
    page.get_by_label(audited.name, exact=True).check()
    page.get_by_label("Seed (optional)").fill("7")
    page.get_by_role("button", name="Draw the sample").click()
    expect(page.get_by_text("Audit round started with seed 7.")).to_be_visible()
    assert_accessible(page)
    audit_round = AuditRound.objects.get()
    case = audit_round.cases.select_related("referral").get()
    assert (audit_round.seed, case.organisation_id) == (7, audited.pk)

    page.get_by_role("link", name=f"Score this record {case.referral.reference_display}").click()
    assert_accessible(page)
    page.get_by_role("button", name="Save the scores").click()
    assert error_summary(page) == [f"Choose a result for “{name}”" for name in RESULTS]
    assert_accessible(page)
    for criterion, result in RESULTS.items():
        page.get_by_role("group", name=criterion).get_by_label(result, exact=True).check()
    page.get_by_label("Comment (optional)").fill("The care plan review was a month late.")
    page.get_by_role("button", name="Save the scores").click()
    expect(page.get_by_text(f"Scores saved for {case.referral.reference_display}.")).to_be_visible()
    row = page.get_by_role("row").filter(has_text=audited.name).first
    expect(row.get_by_role("cell").last).to_have_text("80% (4 of 5)")
    assert_accessible(page)

    page.get_by_label("Action", exact=True).fill("Remind the team of care plan review dates.")
    page.get_by_label("For which organisation").select_option(label=audited.name)
    page.get_by_label("Owner", exact=True).select_option(
        label="Demo clinical-lead, Clinical lead, North Kent Mind"
    )
    fill_date(page, "Due by", "31 1 2099")
    page.get_by_role("button", name="Record the action").click()
    expect(page.get_by_text("Action recorded.")).to_be_visible()
    assert AuditAction.objects.get().organisation_id == audited.pk
    page.get_by_role("link", name="Remind the team of care plan review dates.").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Case audit action")
    assert_accessible(page)
    page.get_by_role("button", name="Mark as done").click()
    expect(page.get_by_text("Action marked done.")).to_be_visible()
    assert AuditAction.objects.get().done_at is not None
    assert_accessible(page)
    page.get_by_role("link", name="Back to the round").click()
    page.get_by_role("button", name="Close the round").click()
    expect(page.get_by_text("Audit round closed: its figures are final.")).to_be_visible()
    expect(page.get_by_role("button", name="Close the round")).to_have_count(0)
    assert_accessible(page)

    page.get_by_role("link", name="Back to case audits").click()
    page.get_by_role("link", name="Compliance over time, by organisation and criterion").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Case audit compliance")
    care_plans = page.get_by_role("table", name="Care plan reviewed in time")
    expect(care_plans.get_by_role("row").filter(has_text=audited.name)).to_contain_text(
        "0% (0 of 1)"
    )
    assert_accessible(page)
