"""The KPIs' monthly series, computed once a London day for each scope and cut and kept
(`SeriesCache`). A series is of whole past months, so a day's copy is right unless a record
about a past month is changed that day (a contact recorded late): that shows the next day,
and the page says when the months were computed. The scheduler computes the whole alliance's
uncut series each morning (`warm_series`), so the dashboard's first reader does not wait; any
other scope or cut is computed by its first reader of the day. Yesterday's copies are
deleted then."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from onedoor import clock
from onedoor.alliance.models import Alliance
from onedoor.clock import LONDON
from onedoor.insights.kpis import KPIS, Buckets, Cut, Figure, Kpi, Scope, together
from onedoor.insights.kpis.base import Months
from onedoor.insights.models import SeriesCache

Series = Months  # a month with nothing known (no snapshot) is None, kept as null


def _encode(series: Series) -> list[list[list[object]] | None]:
    return [
        None
        if month is None
        else [[f.group, f.value, f.numerator, f.denominator, f.children] for f in month]
        for month in series
    ]


def _decode(stored: list[list[list[object]] | None]) -> Series:
    return [
        None if month is None else [Figure(*figure) for figure in month]  # type: ignore[arg-type]
        for month in stored
    ]


def series_of(
    alliance: Alliance,
    scope_key: str,
    scope: Scope,
    kpis: tuple[Kpi, ...],
    cut: Cut,
    buckets: Buckets,
    every: str = "month",
) -> tuple[dict[str, Series], datetime]:
    """Each KPI's series (its months, or its weeks: `every`), from today's copy or computed
    (and kept): one query to read, the KPIs' own for those not yet computed today, one to
    write. With when they were computed (the earliest)."""
    now = clock.now()
    today = timezone.localdate(now, LONDON)
    first = buckets.periods[0].start
    kept = {
        row.kpi: row
        for row in SeriesCache.objects.filter(
            alliance=alliance, scope=scope_key, cut=cut.value, every=every, computed_on=today,
            first_month=first, kpi__in=[kpi.slug for kpi in kpis],
        )
    }  # fmt: skip
    found: dict[str, Series] = {slug: _decode(row.figures) for slug, row in kept.items()}
    fresh = []
    with together():  # what two KPIs share is computed once
        for kpi in kpis:
            if kpi.slug in found:
                continue
            found[kpi.slug] = kpi.series(alliance, scope, buckets, cut)
            fresh.append(
                SeriesCache(
                    alliance=alliance, scope=scope_key, cut=cut.value, kpi=kpi.slug,
                    every=every, computed_on=today, computed_at=now, first_month=first,
                    figures=_encode(found[kpi.slug]),
                )
            )  # fmt: skip
    if fresh:
        SeriesCache.objects.bulk_create(fresh, ignore_conflicts=True)  # a reader beside us
    computed = min([row.computed_at for row in kept.values()] + ([now] if fresh else []))
    return found, computed


def warm_series() -> int:
    """Each alliance's whole-alliance uncut series for today, if not yet computed, and
    yesterday's copies deleted. How many series were computed."""
    from onedoor.insights.trends import months_to

    today = clock.today()
    SeriesCache.objects.filter(computed_on__lt=today).delete()
    computed = 0
    for alliance in Alliance.objects.all():
        done = SeriesCache.objects.filter(
            alliance=alliance, scope="", cut="", every="month", computed_on=today
        ).count()
        if done < len(KPIS):
            series_of(alliance, "", Scope(), KPIS, Cut.NONE, months_to(today))
            computed += len(KPIS) - done
    return computed
