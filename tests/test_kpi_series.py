"""The KPIs as series: a month in a series is the KPI for that month alone, a series costs the
queries of one period, and the "now" KPIs' history comes from the monthly snapshots, which
agree with the live figures on the day they are taken."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from onedoor.alliance.models import Alliance
from onedoor.children.models import Child
from onedoor.insights.kpis import BY_SLUG, KPIS, Buckets, Cut, Figure, Period, Scope
from onedoor.insights.kpis.base import Months
from onedoor.insights.models import StateSnapshot
from onedoor.insights.snapshots import take_snapshot, take_snapshots
from onedoor.operations.scheduler import JOBS
from onedoor.referrals.models import Referral, Status
from tests.personas import People
from tests.test_kpis import NOW, _child, _referral, at, october  # noqa: F401 (the fixture)

SEPTEMBER = Period(date(2026, 9, 1), date(2026, 9, 30))
OCTOBER = Period(date(2026, 10, 1), date(2026, 10, 31))
NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30))
AUTUMN = Buckets((SEPTEMBER, OCTOBER, NOVEMBER))
PERIOD_KPIS = [kpi for kpi in KPIS if not kpi.now]
NOW_KPIS = [kpi for kpi in KPIS if kpi.now]


def test_months_are_the_whole_calendar_months_before_this_one() -> None:
    months = Buckets.months(date(2026, 11, 20), 24)
    assert len(months) == 24
    assert months.periods[0] == Period(date(2024, 11, 1), date(2024, 11, 30))
    assert months.periods[-1] == OCTOBER
    assert months.periods[3] == Period(date(2025, 2, 1), date(2025, 2, 28))  # not a leap year
    assert Buckets.months(date(2024, 3, 1), 1).periods == (
        Period(date(2024, 2, 1), date(2024, 2, 29)),
    )


def test_weeks_are_the_whole_weeks_monday_to_sunday_before_this_one() -> None:
    weeks = Buckets.weeks(date(2026, 11, 20), 2)  # a Friday
    assert weeks.periods == (
        Period(date(2026, 11, 2), date(2026, 11, 8)),
        Period(date(2026, 11, 9), date(2026, 11, 15)),
    )


def test_buckets_are_in_order_and_do_not_overlap() -> None:
    with pytest.raises(ValueError, match="in order"):
        Buckets((OCTOBER, SEPTEMBER))
    with pytest.raises(ValueError, match="in order"):
        Buckets((OCTOBER, Period(date(2026, 10, 31), date(2026, 11, 5))))
    with pytest.raises(ValueError, match="at least one"):
        Buckets(())


@pytest.mark.usefixtures("october")
@pytest.mark.parametrize("cut", list(Cut))
def test_each_month_of_a_series_is_the_kpi_for_that_month_alone(
    alliance: Alliance, cut: Cut
) -> None:
    for kpi in PERIOD_KPIS:
        series = kpi.series(alliance, Scope(), AUTUMN, cut)
        alone = [kpi(alliance, Scope(), period, cut) for period in AUTUMN.periods]
        assert series == alone, kpi.slug
    # and the hand-built data are in it: Cal, Fay and Gus in September, five in October
    referrals = BY_SLUG["referrals"].series(alliance, Scope(), AUTUMN, Cut.NONE)
    assert [month[0].numerator for month in referrals if month] == [3, 5, 0]


@pytest.mark.usefixtures("october")
def test_a_series_of_24_months_costs_the_queries_of_one_month(alliance: Alliance) -> None:
    months = Buckets.months(date(2026, 11, 20), 24)
    for kpi in PERIOD_KPIS:
        with CaptureQueriesContext(connection) as one:
            kpi(alliance, Scope(), OCTOBER, Cut.AGE_BAND)
        with CaptureQueriesContext(connection) as many:
            kpi.series(alliance, Scope(), months, Cut.AGE_BAND)
        # the children seen count a rolling year to each month's end: one query a month
        expected = 24 * len(one) if kpi.slug == "seen" else len(one)
        assert len(many) == expected, kpi.slug


def test_the_age_band_is_the_age_at_the_end_of_each_month(alliance: Alliance) -> None:
    # Ten on 31 October, eleven on 15 November: 5-10 in October, 11-15 in November.
    child = _child(alliance, "Ida", date(2015, 11, 15))
    _referral(child, at(10, 20), "school", Status.AWAITING_TRIAGE)
    _referral(child, at(11, 10), "school", Status.AWAITING_TRIAGE)
    series = BY_SLUG["referrals"].series(alliance, Scope(), AUTUMN, Cut.AGE_BAND)
    assert [[(f.group, f.numerator) for f in month or []] for month in series] == [
        [],
        [("5-10", 1)],
        [("11-15", 1)],
    ]


# The "now" KPIs' history


def _live(alliance: Alliance, cut: Cut) -> dict[str, list[Figure]]:
    return {kpi.slug: kpi(alliance, Scope(), NOVEMBER, cut) for kpi in NOW_KPIS}


def _history(alliance: Alliance, cut: Cut, buckets: Buckets = AUTUMN) -> dict[str, Months]:
    return {kpi.slug: kpi.series(alliance, Scope(), buckets, cut) for kpi in NOW_KPIS}


@pytest.mark.usefixtures("october")
@pytest.mark.parametrize("cut", list(Cut))
def test_a_snapshot_taken_now_gives_the_live_figures_as_the_months_point(
    alliance: Alliance, cut: Cut
) -> None:
    live = _live(alliance, cut)
    assert live["waiting"] != [Figure("all", 0, 0, None, 0)] or cut is not Cut.NONE
    written = take_snapshot(alliance)
    # Ava (in intervention), Eve (allocated), Fay and Gus (accepted and waiting)
    assert written == 4
    history = _history(alliance, cut)
    for slug, figures in live.items():
        september, before, november = history[slug]
        assert november == figures, slug
        assert september is before is None, slug  # no snapshot then: nothing known


@pytest.mark.usefixtures("october")
def test_the_snapshot_holds_the_hand_built_states(alliance: Alliance) -> None:
    take_snapshot(alliance)
    states = {
        s.referral.child.given_name: (
            s.waiting,
            s.waited_days,
            s.check_in_current,
            s.review_overdue,
        )
        for s in StateSnapshot.objects.select_related("referral__child")
    }
    # 20 Nov: Eve referred 20 Oct (31 days), Fay and Gus 1 Sep (80 days); Fay's check-in is
    # due 24 Nov, Gus's was due 29 Sep; Ava's risk review was due 10 Nov, Fay's plan 1 Dec.
    assert states == {
        "Ava": (False, 46, None, True),
        "Eve": (True, 31, None, None),
        "Fay": (True, 80, True, False),
        "Gus": (True, 80, False, None),
    }


@pytest.mark.usefixtures("october")
def test_taking_it_again_in_the_month_replaces_it_and_a_month_without_one_is_a_gap(
    alliance: Alliance, time_machine: time_machine.TimeMachineFixture
) -> None:
    take_snapshot(alliance)
    Referral.objects.filter(child__given_name="Eve").update(status=Status.DISCHARGED)
    time_machine.move_to(datetime(2026, 11, 27, 12, 0, tzinfo=UTC))
    take_snapshot(alliance)
    assert StateSnapshot.objects.count() == 3  # the 20th's four replaced by the 27th's three
    [september, before, november] = BY_SLUG["waiting"].series(alliance, Scope(), AUTUMN, Cut.NONE)
    assert november == [Figure("all", 2, 2, None, 2)]
    assert september is before is None  # no snapshot: nothing known, not zero


@pytest.mark.usefixtures("october")
def test_the_scheduler_takes_it_once_a_london_day(
    alliance: Alliance, time_machine: time_machine.TimeMachineFixture
) -> None:
    assert "take_kpi_snapshots" in [job.name for job in JOBS]
    others = Alliance.objects.exclude(pk=alliance.pk).count()
    assert take_snapshots() == 4 + 0 * others
    first = set(StateSnapshot.objects.values_list("taken_at", flat=True))
    time_machine.move_to(datetime(2026, 11, 20, 23, 30, tzinfo=UTC))  # still the 20th in London
    assert take_snapshots() == 0
    assert set(StateSnapshot.objects.values_list("taken_at", flat=True)) == first
    time_machine.move_to(datetime(2026, 11, 21, 0, 30, tzinfo=UTC))  # the 21st
    assert take_snapshots() == 4
    assert set(StateSnapshot.objects.values_list("taken_at", flat=True)) == {
        datetime(2026, 11, 21, 0, 30, tzinfo=UTC)
    }


def test_a_snapshot_of_an_alliance_with_nothing_open_writes_nothing(alliance: Alliance) -> None:
    assert take_snapshot(alliance) == 0
    # nothing open, no rows: the months read as not known (a snapshot of nothing is no snapshot)
    assert BY_SLUG["check-ins"].series(alliance, Scope(), AUTUMN, Cut.NONE) == [None] * 3
    assert Child.objects.filter(alliance=alliance).count() == 0


def test_every_kpi_can_have_a_target_and_the_two_lists_agree() -> None:
    from onedoor.alliance.models import TARGETED_KPIS

    assert [(kpi.slug, kpi.name) for kpi in KPIS] == TARGETED_KPIS


@pytest.mark.usefixtures("october")
def test_on_the_chart_a_month_without_a_snapshot_is_a_gap_not_a_zero(
    alliance: Alliance, people: People, time_machine: time_machine.TimeMachineFixture
) -> None:
    from onedoor.insights.dashboard import choose, scopes, trends

    time_machine.move_to(datetime(2026, 10, 30, 12, 0, tzinfo=UTC))
    take_snapshot(alliance)  # in October: Eve, Fay and Gus waiting (Ava in intervention)
    time_machine.move_to(NOW)
    found = {t.kpi.slug: t for t in trends(people.manager, alliance, choose({}, scopes(alliance)))}
    waiting = found["waiting"].points
    assert [p.label for p in waiting[-2:]] == ["Sep 2026", "Oct 2026"]
    assert [p.value for p in waiting] == [None] * 23 + [3]
    assert found["waiting"].chart.points == 1
