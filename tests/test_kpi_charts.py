"""The dashboard's summary and each KPI's page: the SPC chart over 24 months, its icons, its
target, its figures as a table, and the period's figures by group, in a fixed number of
queries."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from onedoor.alliance.models import Alliance, KpiTarget
from onedoor.audit.models import AuditEvent
from onedoor.insights.spc import Assurance, Variation
from onedoor.referrals.models import Status
from tests.personas import People, shown, sign_in
from tests.test_kpis import NOW, _child, _referral

MONTHS = [
    "Nov 2024", "Dec 2024", "Jan 2025", "Feb 2025", "Mar 2025", "Apr 2025", "May 2025",
    "Jun 2025", "Jul 2025", "Aug 2025", "Sep 2025", "Oct 2025", "Nov 2025", "Dec 2025",
    "Jan 2026", "Feb 2026", "Mar 2026", "Apr 2026", "May 2026", "Jun 2026", "Jul 2026",
    "Aug 2026", "Sep 2026", "Oct 2026",
]  # fmt: skip
# Referrals a month, Nov 2024 to Oct 2026: steady about 6, then 20 in October 2026.
EACH_MONTH = [6, 5, 7, 6, 6, 5, 7, 6, 5, 6, 7, 6, 5, 6, 7, 6, 6, 5, 7, 6, 5, 6, 6, 20]


@pytest.fixture
def two_years(alliance: Alliance, time_machine: time_machine.TimeMachineFixture) -> None:
    time_machine.move_to(NOW)
    for n, count in enumerate(EACH_MONTH):
        year, month = 2024 + (10 + n) // 12, (10 + n) % 12 + 1
        for k in range(count):
            child = _child(alliance, f"Kid{n}x{k}", date(2012, 1 + k % 12, 1))
            _referral(
                child, datetime(year, month, 2 + k, 9, tzinfo=UTC), "school", Status.SIGNPOSTED
            )


def test_the_summary_reads_each_kpi_as_the_board_does(
    client: Client, people: People, two_years: None
) -> None:
    sign_in(client, people.manager)
    response = client.get("/insights/")
    lines = {line.kpi.slug: line for line in response.context["summary"]}
    referrals = lines["referrals"].trend
    assert [p.label for p in referrals.points] == MONTHS
    assert [p.value for p in referrals.points] == EACH_MONTH
    # 20 is far beyond the upper limit of a process that makes about 6: a special cause, high;
    # more referrals are neither better nor worse.
    assert referrals.chart.variation is Variation.NEITHER_HIGH
    assert referrals.chart.assurance is Assurance.NONE
    page = shown(response)
    assert '<a href="/insights/kpis/referrals/">Referrals received</a>' in page
    assert "Special cause: high" in page  # the variation icon's words, beside it
    # first contact has a target in the alliance's file, and too few months to judge it
    first = lines["first-contact"].trend
    assert (first.target, first.target_text) == (28, "28 or fewer")
    assert first.chart.assurance is Assurance.TOO_FEW_POINTS
    assert f"28 or fewer: {Assurance.TOO_FEW_POINTS.label}" in page


def test_a_target_changed_by_the_administrator_is_the_line_on_the_chart(
    client: Client, people: People, alliance: Alliance, two_years: None
) -> None:
    # the administrator sets one in the configuration screens, audited
    sign_in(client, people.admin)
    response = client.post(
        "/admin/alliance/kpitarget/add/",
        {"alliance": alliance.pk, "kpi": "referrals", "target": "30", "improvement": "lower"},
    )
    assert response.status_code == 302
    target = KpiTarget.objects.get(alliance=alliance, kpi="referrals")
    event = AuditEvent.objects.get(action="create", record_type="alliance.kpitarget")
    assert (event.actor_username, event.record_id) == ("ada-admin", str(target.pk))
    client.logout()
    # and the service manager reads the chart against it
    sign_in(client, people.manager)
    trend = client.get("/insights/kpis/referrals/").context["trend"]
    # lower is better now, the upper limit is below 30: the target is met consistently, and
    # October's 20 is a special cause, concerning (high).
    assert trend.chart.assurance is Assurance.PASSING
    assert trend.chart.variation is Variation.CONCERNING_HIGH
    assert trend.target_text == "30 or fewer"


def test_a_bad_target_is_refused_and_nothing_is_saved(
    client: Client, people: People, alliance: Alliance
) -> None:
    sign_in(client, people.admin)
    response = client.post(
        "/admin/alliance/kpitarget/add/",
        {"alliance": alliance.pk, "kpi": "referrals", "target": "-1", "improvement": "up"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Ensure this value is greater than or equal to 0" in page
    assert "Select a valid choice. up is not one of the available choices." in page
    assert not KpiTarget.objects.filter(kpi="referrals").exists()
    assert not AuditEvent.objects.filter(record_type="alliance.kpitarget").exists()


def test_a_kpi_page_shows_its_definition_chart_and_figures(
    client: Client, people: People, two_years: None
) -> None:
    sign_in(client, people.manager)
    response = client.get("/insights/kpis/referrals/?period=quarter-1&cut=age_band")
    assert response.status_code == 200
    page = shown(response)
    assert "<h1>Referrals received</h1>" in page
    assert "Referrals received in the period, whatever became of them." in page
    svg = re.search(r"<svg[^>]*class=\"onedoor-spc-chart\".*?</svg>", page, re.S)
    assert svg is not None
    root = ET.fromstring(svg.group(0))  # noqa: S314 - our own page
    assert root.get("role") == "img"
    markers = [e for e in root.iter() if "onedoor-spc-point" in (e.get("class") or "")]
    assert len(markers) == 24
    # the chart's figures as a table: one row a month
    trend = response.context["trend"]
    for label, value in zip(MONTHS, EACH_MONTH, strict=True):
        assert f'<th scope="row" class="nhsuk-table__header">{label}</th>' in page
        assert trend.points[MONTHS.index(label)].value == value
    # the period (July to September 2026) by age band, 5-10 before 11-15 (all are 14 here)
    section = response.context["section"]
    assert [(row.label, row.value) for row in section.rows] == [("11-15", 17)]
    # and each age band's own chart
    assert [t.label for t in response.context["by_group"]] == ["11-15"]


def test_the_kpi_page_costs_the_same_queries_whatever_the_period(
    client: Client, people: People, two_years: None
) -> None:
    sign_in(client, people.manager)
    client.get("/")
    with CaptureQueriesContext(connection) as first:
        assert client.get("/insights/kpis/seen/?cut=gender").status_code == 200
    counts = []
    for period in ("this-quarter", "quarter-2", "12-months"):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/insights/kpis/seen/?period={period}&cut=gender").status_code == 200
        counts.append(len(queries))
    # session, user, device, alliance, organisations, offers (6); the period's figure (1);
    # the targets (1); today's series, uncut and by gender (1 each), the first reader of the
    # day computing them (one query a month for the children seen) and keeping them (1 each)
    assert len(first) == 6 + 1 + 1 + 2 * (1 + 24 + 1)
    assert counts == [6 + 1 + 1 + 2] * 3


def test_an_unknown_kpi_is_not_found_and_the_page_is_for_the_dashboards_readers(
    client: Client, people: People
) -> None:
    sign_in(client, people.manager)
    assert client.get("/insights/kpis/no-such-kpi/").status_code == 404
    client.logout()
    sign_in(client, people.kooth_practitioner)
    assert client.get("/insights/kpis/referrals/").status_code == 403


def test_the_commissioner_sees_no_chart_by_group(
    client: Client, people: People, two_years: None
) -> None:
    sign_in(client, people.commissioner)
    response = client.get("/insights/kpis/referrals/?cut=gender")
    assert response.status_code == 200
    assert response.context["by_group"] == []
    assert "Charts by gender are not shown to commissioners" in shown(response)


def test_a_flow_kpi_is_charted_by_week_for_staff(
    client: Client, people: People, two_years: None
) -> None:
    from onedoor.referrals.models import Referral

    sign_in(client, people.manager)
    response = client.get("/insights/kpis/referrals/?every=week")
    trend = response.context["trend"]
    assert trend.every == "week"
    # the 26 whole weeks before the week of Friday 20 November 2026: 18 May to 9 November
    assert (len(trend.points), trend.points[0].label, trend.points[-1].label) == (
        26, "18 May 2026", "9 Nov 2026",
    )  # fmt: skip
    since = datetime(2026, 5, 17, 23, 0, tzinfo=UTC)  # Monday 18 May, London (BST)
    until = datetime(2026, 11, 16, 0, 0, tzinfo=UTC)  # Monday 16 November, London (GMT)
    received = Referral.objects.filter(received_at__gte=since, received_at__lt=until).count()
    # June to October's (May's are on the 2nd to the 8th; none in November)
    assert sum(point.value or 0 for point in trend.points) == received == 6 + 5 + 6 + 6 + 20
    assert "in the week beginning 9 Nov 2026 was" in trend.summary
    page = shown(response)
    assert '<a href="?">Show by month</a> · By week' in page
    assert "Week beginning" in page


def test_weeks_are_not_offered_for_a_figure_as_things_stand_nor_to_commissioners(
    client: Client, people: People, two_years: None
) -> None:
    sign_in(client, people.manager)
    response = client.get("/insights/kpis/waiting/?every=week")
    assert (response.context["every"], response.context["weeks_offered"]) == ("month", False)
    assert "Show by week" not in shown(response)
    client.logout()
    sign_in(client, people.commissioner)
    response = client.get("/insights/kpis/referrals/?every=week")
    assert (response.context["every"], response.context["weeks_offered"]) == ("month", False)
    assert len(response.context["trend"].points) == 24
