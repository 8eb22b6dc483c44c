"""The KPIs' series, computed once a London day for each scope and cut: the second reader of
the day reads them in one query and sees the same, the next day computes them again, and the
scheduler computes the whole alliance's each morning and drops yesterday's."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from onedoor.alliance.models import Alliance
from onedoor.insights.kpis import BY_SLUG, KPIS, Cut, Scope
from onedoor.insights.models import SeriesCache
from onedoor.insights.series_cache import series_of, warm_series
from onedoor.insights.trends import months_to
from onedoor.operations.scheduler import JOBS
from tests.test_kpis import NOW, october  # noqa: F401 (the fixture)

pytestmark = pytest.mark.usefixtures("october")


def test_the_second_reader_of_the_day_reads_what_the_first_computed(alliance: Alliance) -> None:
    months = months_to(NOW.date())
    kpis = (BY_SLUG["referrals"], BY_SLUG["time-to-triage"], BY_SLUG["check-ins"])
    computed, at = series_of(alliance, "", Scope(), kpis, Cut.AGE_BAND, months)
    assert NOW <= at < NOW + timedelta(minutes=1)  # the fixture's clock ticks
    assert SeriesCache.objects.count() == 3
    with CaptureQueriesContext(connection) as queries:
        again, kept_at = series_of(alliance, "", Scope(), kpis, Cut.AGE_BAND, months)
    assert len(queries) == 1
    assert (again, kept_at) == (computed, at)
    for kpi in kpis:
        assert again[kpi.slug] == kpi.series(alliance, Scope(), months, Cut.AGE_BAND)
    # October's five referrals by age on 31 October: Ava twice and Eve 11-15, Dee and Ben 16-18
    last = again["referrals"][-1] or []
    assert [(f.group, f.numerator) for f in last] == [("11-15", 3), ("16-18", 2)]


def test_a_scope_or_cut_of_its_own_is_computed_for_itself(alliance: Alliance) -> None:
    months = months_to(NOW.date())
    kpis = (BY_SLUG["referrals"],)
    series_of(alliance, "", Scope(), kpis, Cut.NONE, months)
    kooth, _ = series_of(alliance, "org:kooth", Scope(organisation="kooth"), kpis, Cut.NONE, months)
    [last] = kooth["referrals"][-1] or []
    assert last.numerator == 2  # in October, Ava's first and Eve's
    assert SeriesCache.objects.count() == 2


def test_the_next_day_computes_them_again(
    alliance: Alliance, time_machine: time_machine.TimeMachineFixture
) -> None:
    months = months_to(NOW.date())
    kpis = (BY_SLUG["referrals"],)
    series_of(alliance, "", Scope(), kpis, Cut.NONE, months)
    later = datetime(2026, 11, 21, 7, 0, tzinfo=UTC)
    time_machine.move_to(later)
    _, at = series_of(alliance, "", Scope(), kpis, Cut.NONE, months)
    assert later <= at < later + timedelta(minutes=1)
    assert sorted(SeriesCache.objects.values_list("computed_on", flat=True)) == [
        NOW.date(), later.date(),
    ]  # fmt: skip


def test_the_scheduler_computes_the_alliances_each_morning_and_drops_yesterdays(
    alliance: Alliance, time_machine: time_machine.TimeMachineFixture
) -> None:
    assert "warm_kpi_series" in [job.name for job in JOBS]
    others = Alliance.objects.count() - 1
    assert warm_series() == len(KPIS) * (1 + others)
    assert warm_series() == 0  # already computed today
    series_of(
        alliance,
        "org:kooth",
        Scope(organisation="kooth"),
        KPIS[:1],
        Cut.NONE,
        months_to(NOW.date()),
    )
    time_machine.move_to(datetime(2026, 11, 21, 6, 0, tzinfo=UTC))
    assert warm_series() == len(KPIS) * (1 + others)
    assert set(SeriesCache.objects.values_list("computed_on", "scope")) == {
        (date(2026, 11, 21), "")
    }
