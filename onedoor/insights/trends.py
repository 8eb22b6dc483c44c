"""Each KPI as a time series read as the board reads it: the last `MONTHS` whole months, as
an XmR chart (`spc`) drawn on the server (`charts`), with the alliance's target (`KpiTarget`)
and its icons. The series are the KPIs' own (`Kpi.series`), for the dashboard's scope, and
shown as the reader may see them (`dashboard.shown`: small numbers hidden for the roles that
see aggregates only)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import cast

from django.utils.functional import cached_property
from django.utils.safestring import SafeString

from onedoor.alliance.models import Alliance, KpiTarget
from onedoor.insights.charts import assurance_icon_svg, variation_icon_svg, xmr_svg
from onedoor.insights.kpis import ALL, Buckets, Cut, Figure, Kpi, Period, Unit
from onedoor.insights.kpis.base import Months
from onedoor.insights.shown import Shown
from onedoor.insights.spc import Direction, Xmr, number, summary, xmr
from onedoor.insights.spc import Unit as Drawn

MONTHS = 24  # two years: enough months for process limits, and a year to compare with


@dataclass(frozen=True)
class Trend:
    kpi: Kpi
    group: str  # ALL, or the cut's group
    label: str  # the group in words
    points: list[Shown]  # each month's (or week's) figure as the reader may see it
    target: float | None
    direction: Direction
    id_prefix: str = field(default="")
    computed_at: datetime | None = None  # when its months were computed (`series_cache`)
    every: str = "month"  # what a point is: a "month", or a "week" (a flow KPI's, for staff)

    @cached_property
    def chart(self) -> Xmr:
        return xmr(
            [point.value for point in self.points],
            direction=self.direction,
            target=self.target,
            floor=0,
            ceiling=100 if self.kpi.unit == Unit.PERCENT else None,
        )

    @property
    def drawable(self) -> bool:
        """Whether the chart means something: a month at least, and none hidden (a chart with
        hidden months would draw its mean and limits from the months left, misleadingly)."""
        return self.chart.points > 0 and not any(point.suppressed for point in self.points)

    @property
    def unit(self) -> Drawn:
        return cast(Drawn, str(self.kpi.unit))

    @property
    def ofs(self) -> list[tuple[Shown, str]]:
        """Each point with its "Out of" words (a template cannot call `Shown.of`)."""
        return [(point, point.of(self.kpi)) for point in self.points]

    @property
    def labels(self) -> list[str]:
        return [point.label for point in self.points]

    @property
    def title(self) -> str:
        return self.kpi.name if self.group == ALL else f"{self.kpi.name}: {self.label}"

    @property
    def svg(self) -> SafeString:
        return xmr_svg(
            self.chart, labels=self.labels, name=self.title, unit=self.unit,
            id_prefix=self.id_prefix or self.kpi.slug, every=self.every,
        )  # fmt: skip

    @property
    def summary(self) -> str:
        return summary(
            self.chart, name=self.title, unit=self.unit, labels=self.labels, every=self.every
        )

    @property
    def variation_icon(self) -> SafeString:
        return variation_icon_svg(self.chart.variation)

    @property
    def assurance_icon(self) -> SafeString:
        return assurance_icon_svg(self.chart.assurance)

    @property
    def target_text(self) -> str:
        if self.target is None:
            return ""
        way = "or more" if self.direction is Direction.HIGHER else "or fewer"
        if self.kpi.unit == Unit.PERCENT:
            way = "or more" if self.direction is Direction.HIGHER else "or less"
        return f"{number(self.target, self.unit)} {way}"

    @property
    def mean(self) -> str:
        return "" if self.chart.mean is None else number(self.chart.mean, self.unit)

    @property
    def limits(self) -> str:
        chart = self.chart
        if chart.lower is None or chart.upper is None:
            return ""
        return f"{number(chart.lower, self.unit)} to {number(chart.upper, self.unit)}"


WEEKS = 26  # half a year of whole weeks: enough points for process limits


def months_to(today: date) -> Buckets:
    """The series' months: the `MONTHS` whole months before this one."""
    return Buckets.months(today, MONTHS)


def buckets_to(today: date, every: str) -> Buckets:
    """The series' months, or its `WEEKS` whole weeks (Monday to Sunday) before this one."""
    return Buckets.weeks(today, WEEKS) if every == "week" else months_to(today)


def label_of(period: Period, every: str) -> str:
    """A point's label: "Nov 2026", or the Monday a week begins ("3 Nov 2026")."""
    return f"{period.start:%-d %b %Y}" if every == "week" else f"{period.start:%b %Y}"


def targets(alliance: Alliance) -> dict[str, KpiTarget]:
    return {target.kpi: target for target in KpiTarget.objects.filter(alliance=alliance)}


def direction_of(kpi: Kpi, target: KpiTarget | None) -> Direction:
    """Which way is better: the alliance's target says so if it has one, else the KPI."""
    way = target.improvement if target is not None else kpi.improvement
    return Direction(way) if way else Direction.NEITHER


def group_series(kpi: Kpi, by_month: Months, cut: Cut) -> dict[str, list[Figure | None]]:
    """Each group's figure in each month (None: nothing that month, or nothing known: a
    month without a snapshot). Uncut, the one group."""
    groups: dict[str, list[Figure | None]] = {}
    for n, figures in enumerate(by_month):
        for figure in figures or []:
            groups.setdefault(figure.group, [None] * len(by_month))[n] = figure
    if cut is Cut.NONE:
        groups = {ALL: groups.get(ALL, [None] * len(by_month))}
    return groups
