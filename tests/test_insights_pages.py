"""The dashboard and its CSV export: the same KPI figures, a fixed number of queries whatever
the period, small numbers suppressed for commissioners, no names anywhere, and spreadsheet
formulas neutralised."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from onedoor.alliance.models import Alliance
from onedoor.audit.models import AuditEvent
from onedoor.insights.views import safe_cell
from tests.pdf_reading import pdf_text
from tests.personas import People, shown, sign_in
from tests.test_kpis import NOW, october  # noqa: F401 (a fixture)

pytestmark = pytest.mark.usefixtures("october")

# The `october` fixture moves the clock to NOW: this quarter is October to December 2026.


def _csv(response: object) -> list[list[str]]:
    content = b"".join(getattr(response, "streaming_content"))  # noqa: B009 (a streaming response)
    return list(csv.reader(io.StringIO(content.decode())))


def _table(response: object, kpi: str) -> dict[str, object]:
    """A KPI's figures for the period: from the dashboard's summary, or its own page."""
    context = response.context  # type: ignore[attr-defined]
    if "summary" in context:
        section = next(line.section for line in context["summary"] if line.kpi.slug == kpi)
    else:
        section = context["section"]
        assert section.kpi.slug == kpi
    return {row.label: (row.value, row.suppressed) for row in section.rows}


def test_the_service_manager_sees_every_kpi_for_this_quarter(
    client: Client, people: People
) -> None:
    sign_in(client, people.manager)
    response = client.get("/insights/")
    assert response.status_code == 200
    assert [line.kpi.slug for line in response.context["summary"]][:3] == [
        "referrals", "re-referrals", "time-to-triage",
    ]  # fmt: skip
    # This quarter (1 Oct to 31 Dec) holds October's five referrals.
    assert _table(response, "referrals") == {"All": (5, False)}
    assert _table(response, "experience") == {"All": (100.0, False)}
    page = shown(response)
    assert "Fewer than" not in page
    assert '<a href="/insights/kpis/referrals/">Referrals received</a>' in page


def test_the_equity_view_puts_each_groups_shares_side_by_side(
    client: Client, people: People
) -> None:
    sign_in(client, people.manager)
    response = client.get("/insights/?cut=gender")
    rows = {row.label: row.shares for row in response.context["equity"]}
    # Referrals: Ava twice and Dee (female), Ben (male), Eve (not stated). Seen in the year
    # to 31 December: Ava, Ben, Cal (not stated: 'prefers not to say'). Good outcomes (a
    # reliable improvement): Cal's.
    assert rows == {
        "Female": [60.0, 33.3, None],
        "Male": [20.0, 33.3, None],
        "Prefers not to say": [20.0, 33.3, 100.0],
    }


def test_the_dashboard_runs_the_same_queries_whatever_the_period(
    client: Client, people: People
) -> None:
    sign_in(client, people.manager)
    client.get("/insights/")  # today's series computed (see test_kpi_charts.py for the cost)
    counts = []
    for period in ("this-quarter", "quarter-1", "12-months"):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/insights/?period={period}&cut=priority_group").status_code == 200
        counts.append(len(queries))
    # session, user, device, the alliance, the scopes on offer (organisations, offers): 6.
    # The period's figures: one query for each of the 17 KPIs but the longest wait, which
    # reads what the children waiting computed (16), one more for reliable improvement
    # (discharges, then the first and last of their measures) and for the check-ins (the
    # alliance's cadences): 18. The medians and the paired measures are counted in the
    # database, and the step-ups by triage and by partners are one union.
    # The 24 months' series, as computed today (the first load above computed them): the
    # targets and today's series (2).
    # The equity view by priority group: the groups' names, referrals, seen, and reliable
    # improvement (two): 5.
    assert counts == [6 + 18 + 2 + 5] * 3


def test_the_period_figures_cost_the_same_queries_for_a_quarter_a_year_and_two(
    alliance: Alliance, people: People
) -> None:
    from datetime import date

    from onedoor.insights.dashboard import Choice, sections
    from onedoor.insights.kpis import Cut, Period, Scope

    counts = []
    for period in (
        Period.quarter_of(date(2026, 10, 1)),
        Period(date(2025, 11, 21), date(2026, 11, 20)),
        Period(date(2024, 11, 21), date(2026, 11, 20)),
    ):
        for cut in (Cut.NONE, Cut.PRIORITY_GROUP):
            choice = Choice(period, "", Scope(), "", cut)
            with CaptureQueriesContext(connection) as queries:
                sections(people.manager, alliance, choice)
            counts.append(len(queries))
    # every KPI's figures as above (18), and by priority group the groups' names (1)
    assert counts == [18, 19] * 3


def test_the_commissioner_sees_small_numbers_suppressed_and_no_names(
    client: Client, people: People
) -> None:
    sign_in(client, people.commissioner)
    response = client.get("/insights/")
    assert response.status_code == 200
    assert _table(response, "referrals") == {"All": (None, True)}  # 4 children: fewer than 5
    page = shown(response)
    assert "Fewer than 5" in page
    for name in ("Ava", "Ben", "Cal", "Dee", "Eve", "Zanzibar"):
        assert re.search(rf"\b{name}\b", page) is None, name  # "Cal", not "Call 999"
    assert response.context["equity"] == []


@pytest.mark.parametrize(
    ("persona", "status"),
    [("analyst", 200), ("clinical_lead", 200), ("kooth_lead", 200),
     ("kooth_practitioner", 403), ("triage", 403)],
)  # fmt: skip
def test_who_may_see_the_dashboard(
    client: Client, people: People, persona: str, status: int
) -> None:
    sign_in(client, people.by_role()[persona])
    assert client.get("/insights/").status_code == status
    assert client.get("/insights/export.csv").status_code == status


def test_the_csv_export_is_the_dashboards_figures_streamed_and_audited(
    client: Client, people: People
) -> None:
    sign_in(client, people.manager)
    response = client.get("/insights/export.csv?period=this-quarter&cut=source")
    assert response.streaming
    assert response["Content-Disposition"] == (
        'attachment; filename="onedoor-kpis-20261001-20261231.csv"'
    )
    rows = _csv(response)
    assert rows[0] == [
        "KPI", "Period", "Scope", "Referral source", "Value", "Numerator", "Denominator",
    ]  # fmt: skip
    referrals = [row for row in rows if row[0] == "Referrals received"]
    # in the order the referral form lists the sources, not the alphabet's
    assert referrals == [
        ["Referrals received", "1 Oct 2026 to 31 Dec 2026", "alliance",
         "Self (the young person)", "1", "1", ""],
        ["Referrals received", "1 Oct 2026 to 31 Dec 2026", "alliance", "GP", "1", "1", ""],
        ["Referrals received", "1 Oct 2026 to 31 Dec 2026", "alliance", "School", "3", "3", ""],
    ]  # fmt: skip
    event = AuditEvent.objects.filter(record_type="kpi_export").get()
    assert (event.action, event.actor_username, event.detail["cut"]) == (
        "view", people.manager.username, "source",
    )  # fmt: skip


def test_the_commissioners_export_is_suppressed_too(client: Client, people: People) -> None:
    sign_in(client, people.commissioner)
    response = client.get("/insights/export.csv")
    rows = _csv(response)
    referrals = next(row for row in rows if row[0] == "Referrals received")
    assert referrals[4:] == ["suppressed", "", ""]


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
        ("+1", "'+1"), ("-cmd", "'-cmd"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"),
        ("School", "School"), (-3, "-3"), (2.5, "2.5"), (None, ""),
    ],
)  # fmt: skip
def test_a_cell_that_looks_like_a_formula_is_made_text(value: object, cell: str) -> None:
    assert safe_cell(value) == cell


# The review pack and the workbook


def test_the_service_manager_writes_the_narrative_and_it_is_in_the_pack(
    client: Client, people: People
) -> None:
    from onedoor.insights.models import PackNarrative

    sign_in(client, people.manager)
    assert client.get("/insights/pack/?period=this-quarter").status_code == 200
    response = client.post("/insights/pack/?period=this-quarter", {"text": "  "})
    assert response.status_code == 400
    assert "Write the narrative" in shown(response)
    assert PackNarrative.objects.count() == 0
    response = client.post(
        "/insights/pack/?period=this-quarter", {"text": "Waits fell after the new groups."}
    )
    assert response.status_code == 302
    narrative = PackNarrative.objects.get()
    assert (narrative.text, str(narrative.period_start), str(narrative.period_end)) == (
        "Waits fell after the new groups.", "2026-10-01", "2026-12-31",
    )  # fmt: skip
    client.post("/insights/pack/?period=this-quarter", {"text": "Waits fell again."})
    assert PackNarrative.objects.get().text == "Waits fell again."
    assert list(
        AuditEvent.objects.filter(record_type="pack_narrative").values_list("action", flat=True)
    ) == ["create", "change"]

    pdf = client.get("/insights/pack.pdf?period=this-quarter")
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"] == (
        'attachment; filename="onedoor-review-pack-20261001-20261231.pdf"'
    )
    assert pdf.content.startswith(b"%PDF")
    text = pdf_text(pdf.content)
    assert "What the service manager says Waits fell again. The shared KPIs" in text
    assert "Referrals received All Number Out of All 5 \u2013" in text  # the caption, headers, row


def test_the_commissioner_downloads_the_pack_but_cannot_write_it(
    client: Client, people: People
) -> None:
    from onedoor.insights.models import PackNarrative

    sign_in(client, people.commissioner)
    page = client.get("/insights/pack/")
    assert page.status_code == 200 and "Save the narrative" not in shown(page)
    assert client.post("/insights/pack/", {"text": "Not mine to write."}).status_code == 403
    assert PackNarrative.objects.count() == 0
    pdf = pdf_text(client.get("/insights/pack.pdf").content)
    assert "Referrals received All Number Out of All Fewer than 5 \u2013" in pdf
    for name in ("Ava", "Ben", "Zanzibar"):
        assert re.search(rf"\b{name}\b", pdf) is None, name
    event = AuditEvent.objects.get(record_type="review_pack")
    assert event.actor_username == people.commissioner.username


def test_the_workbook_holds_the_same_tables(client: Client, people: People) -> None:
    import zipfile

    sign_in(client, people.manager)
    response = client.get("/insights/export.xlsx?cut=source")
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    content = b"".join(getattr(response, "streaming_content"))  # noqa: B009 (a file response)
    with zipfile.ZipFile(io.BytesIO(content)) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
    for text in ("Referrals received", "Referral source", "School", "Self (the young person)"):
        assert text in sheet


# Drilling down to the records behind a number


def test_the_clinical_lead_opens_the_referrals_behind_a_group(
    client: Client, people: People
) -> None:
    sign_in(client, people.clinical_lead)
    dashboard_page = shown(client.get("/insights/kpis/referrals/?cut=source"))
    link = (
        "/insights/records/referrals/?period=this-quarter&amp;scope=&amp;cut=source"
        "&amp;group=school"
    )
    assert link in dashboard_page
    response = client.get(link.replace("&amp;", "&"))
    assert response.status_code == 200
    names = [r.child.given_name for r in response.context["referrals"]]
    assert names == ["Ava", "Eve", "Ava"]  # school referrals in the quarter, oldest first
    assert response.context["group_label"] == "School"
    event = AuditEvent.objects.get(record_type="kpi_records")
    assert (event.record_id, event.detail["group"], event.detail["shown"]) == (
        "referrals",
        "school",
        3,
    )


def test_a_partner_lead_sees_only_their_own_referrals_behind_a_number(
    client: Client, people: People
) -> None:
    sign_in(client, people.kooth_lead)
    response = client.get("/insights/records/referrals/?period=this-quarter")
    assert [r.child.given_name for r in response.context["referrals"]] == ["Ava", "Eve"]
    sign_in(client, people.chums_lead)
    response = client.get("/insights/records/referrals/?period=this-quarter")
    assert [r.child.given_name for r in response.context["referrals"]] == ["Ben"]


@pytest.mark.parametrize("persona", ["commissioner", "analyst"])
def test_no_names_behind_the_numbers_for_commissioners_or_analysts(
    client: Client, people: People, persona: str
) -> None:
    sign_in(client, people.by_role()[persona])
    assert "/insights/records/" not in shown(client.get("/insights/"))
    assert client.get("/insights/records/referrals/").status_code == 403
    assert AuditEvent.objects.filter(record_type="kpi_records").count() == 0


def test_a_figure_that_is_not_a_count_of_referrals_has_no_records(
    client: Client, people: People
) -> None:
    sign_in(client, people.clinical_lead)
    assert client.get("/insights/records/did-not-attend/").status_code == 404
    assert client.get("/insights/records/nothing/").status_code == 404


def test_the_records_behind_a_number_cost_the_same_queries_at_any_size(
    client: Client, people: People
) -> None:
    from onedoor.referrals.models import Referral
    from tests.personas import make_reference

    sign_in(client, people.clinical_lead)
    client.get("/")
    url = "/insights/records/referrals/?period=this-quarter"
    with CaptureQueriesContext(connection) as few:
        assert len(client.get(url).context["referrals"]) == 5
    source = Referral.objects.get(child__given_name="Eve")
    for _ in range(3):
        Referral.objects.create(
            reference=make_reference(), child=source.child, received_at=source.received_at,
            source="school",
        )  # fmt: skip
    with CaptureQueriesContext(connection) as more:
        assert len(client.get(url).context["referrals"]) == 8
    assert len(more) == len(few)
