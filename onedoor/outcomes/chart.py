"""One measure's scores over time as a line chart, laid out here (pure) and drawn as SVG by
the template, so the page, and later a PDF, show the same chart. The same numbers are also
given as a table for screen readers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise

from onedoor.outcomes.measures import Measure
from onedoor.outcomes.scoring import Result

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 24, 16, 48
# Spelled out rather than strftime's %b, which follows the process's locale.
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# NHS.UK colours, each with its own dash pattern, so the lines differ without colour too.
STYLES = (
    ("#005eb8", ""),
    ("#330072", "8 4"),
    ("#007f3b", "2 4"),
    ("#d5281b", "12 4 2 4"),
    ("#212b32", "4 4"),
)


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    value: float


@dataclass(frozen=True)
class Series:
    name: str
    colour: str
    dash: str
    points: tuple[Point, ...]

    @property
    def path(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)


@dataclass(frozen=True)
class Tick:
    at: float  # y for a value tick, x for a date
    label: str
    anchor: str = "middle"  # a date's text-anchor: the first and last keep inside the edges


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    right: int  # x of the right edge of the plot
    top: int
    bottom: int  # y of the baseline
    series: tuple[Series, ...]
    y_ticks: tuple[Tick, ...]
    x_ticks: tuple[Tick, ...]
    cutoff: Tick | None  # the headline's clinical cut-off for the latest response


def _cutoff(measure: Measure, latest: Result) -> float | None:
    """Where the headline subscale moves between the clinical and non-clinical range."""
    cutoff = measure.subscale(measure.headline).cutoff_for(latest.age, latest.gender)
    if cutoff is None:
        return None
    bands = cutoff.bands
    return next((b.min for a, b in pairwise(bands) if a.clinical != b.clinical), None)


def _anchor(index: int, count: int) -> str:
    if count == 1:
        return "middle"
    return "start" if index == 0 else "end" if index == count - 1 else "middle"


def line_chart(measure: Measure, taken: Sequence[tuple[datetime, Result]]) -> Chart:
    """The scored subscales of `taken` (oldest first), one line each, on the measure's range."""
    low = min(s.min for s in measure.subscales)
    high = max(s.max for s in measure.subscales)
    plot_right, baseline = WIDTH - RIGHT, HEIGHT - BOTTOM
    count = len(taken)

    def x(index: int) -> float:
        if count == 1:
            return (LEFT + plot_right) / 2
        return LEFT + index * (plot_right - LEFT) / (count - 1)

    def y(value: float) -> float:
        return baseline - (value - low) * (baseline - TOP) / (high - low)

    series: list[Series] = []
    for subscale in measure.subscales:
        points = []
        for index, (_, result) in enumerate(taken):
            scored = result.get(subscale.slug)
            if scored is not None and scored.value is not None:
                points.append(Point(x(index), y(scored.value), scored.value))
        if points:
            colour, dash = STYLES[len(series) % len(STYLES)]
            series.append(Series(subscale.name, colour, dash, tuple(points)))
    steps = 4
    y_ticks = tuple(
        Tick(y(low + (high - low) * i / steps), f"{low + (high - low) * i / steps:g}")
        for i in range(steps + 1)
    )
    step = max(1, -(-count // 6))
    x_ticks = tuple(
        Tick(x(i), f"{when.day} {MONTHS[when.month - 1]} {when.year}", _anchor(i, count))
        for i, (when, _) in enumerate(taken)
        if i % step == 0 or i == count - 1  # at most about 6 dates, so they never overlap
    )
    level = _cutoff(measure, taken[-1][1]) if taken else None
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        left=LEFT,
        right=plot_right,
        top=TOP,
        bottom=baseline,
        series=tuple(series),
        y_ticks=y_ticks,
        x_ticks=x_ticks,
        cutoff=Tick(y(level), f"Clinical cut-off {level:g}") if level is not None else None,
    )
