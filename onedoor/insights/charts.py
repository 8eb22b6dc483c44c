"""SPC charts and their icons drawn on the server as SVG, the way Making Data Count draws them
(ADR 25): grey points for common cause, orange for concern, blue for improvement, purple when
neither way is better, and each special cause point a different shape too, so colour is never
the only signal. No JavaScript and no chart library: strings, every text escaped.

A chart scales to its container (width 100%, a viewBox 640 wide, no pixel width) and names
itself: its `<title>` is the KPI, its `<desc>` the summary sentence (`spc.summary`). A page
shows several charts, so every id starts with the chart's `id_prefix`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from itertools import pairwise

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from onedoor.insights.spc import (
    UNITS,
    Assurance,
    Direction,
    Unit,
    Variation,
    Xmr,
    number,
    summary,
)

WIDTH = 640
HEIGHT = 380
PLOT_LEFT = 56
PLOT_RIGHT = WIDTH - 128  # room for the lines' labels at their right ends
PLOT_TOP = 32
PLOT_BOTTOM = HEIGHT - 80  # room for the month labels (two lines) and the key
FONT_SIZE = 13
CROWDED = 12  # more points than this: label every third month

INK = "#212b32"
GRID = "#d8dde0"
COMMON = "#768692"
CONCERN = "#ed8b00"
IMPROVEMENT = "#005eb8"
NEITHER = "#330072"
TARGET = "#d5281b"

UNIT_TITLES: dict[Unit, str] = {"count": "Number", "percent": "Per cent", "days": "Days"}

_IMPROVING = (Variation.IMPROVING_HIGH, Variation.IMPROVING_LOW)
_CONCERNING = (Variation.CONCERNING_HIGH, Variation.CONCERNING_LOW)
_NEITHER = (Variation.NEITHER_HIGH, Variation.NEITHER_LOW)

XScale = Callable[[int], float]  # a point's position in the series to x
YScale = Callable[[float], float]  # a value to y


def xmr_svg(
    chart: Xmr,
    *,
    labels: Sequence[str],
    name: str,
    unit: Unit,
    id_prefix: str,
    every: str = "month",
) -> SafeString:
    """The chart as one `<svg>` element, ready to put in a page or the review pack. The target
    drawn is the one the chart was computed against (`chart.target`)."""
    if unit not in UNITS:
        raise ValueError(f"Unknown unit {unit!r}.")
    if len(labels) != len(chart.values):
        raise ValueError("Give one label for each value.")
    prefix = _id(id_prefix)
    ticks = _ticks(_extent(chart))
    bottom, top = ticks[0], ticks[-1]

    def y(value: float) -> float:
        return round(PLOT_BOTTOM - (value - bottom) / (top - bottom) * (PLOT_BOTTOM - PLOT_TOP), 1)

    step = (PLOT_RIGHT - PLOT_LEFT) / max(len(chart.values), 1)

    def x(i: int) -> float:
        return round(PLOT_LEFT + step * (i + 0.5), 1)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="onedoor-spc-chart" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" '
        f'aria-labelledby="{prefix}-title {prefix}-desc" font-size="{FONT_SIZE}" fill="{INK}">',
        f'<title id="{prefix}-title">{escape(name)}</title>',
        f'<desc id="{prefix}-desc">'
        f"{escape(summary(chart, name=name, unit=unit, labels=labels, every=every))}</desc>",
        f'<text x="{PLOT_LEFT - 8}" y="{PLOT_TOP - 14}" text-anchor="end">'
        f"{UNIT_TITLES[unit]}</text>",
    ]
    for tick in ticks:
        parts.append(
            f'<line x1="{PLOT_LEFT}" x2="{PLOT_RIGHT}" y1="{y(tick)}" y2="{y(tick)}" '
            f'stroke="{GRID}"/>'
            f'<text class="onedoor-spc-tick" x="{PLOT_LEFT - 8}" y="{y(tick) + 4}" '
            f'text-anchor="end">{escape(_tick_text(tick))}</text>'
        )
    parts.append(_month_labels(labels, x))
    parts.extend(_lines(chart, unit, prefix, y))
    parts.extend(_series(chart, labels, unit, x, y))
    parts.append(_key(chart))
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def _id(id_prefix: str) -> str:
    """An id prefix that is a valid XML name whatever the slug given."""
    cleaned = re.sub(r"[^A-Za-z0-9_-]", "-", id_prefix)
    return f"spc-{cleaned}"


def _extent(chart: Xmr) -> tuple[float, float]:
    numbers = [v for v in chart.values if v is not None]
    numbers += [v for v in (chart.mean, chart.upper, chart.lower, chart.target) if v is not None]
    if not numbers:
        return 0.0, 1.0
    low, high = min(numbers), max(numbers)
    return (low, high) if high > low else (low - 1, high + 1)


def _ticks(extent: tuple[float, float]) -> list[float]:
    """Four to six round numbers (1, 2, 2.5 or 5 times a power of ten apart) that cover the
    extent, the first at or below its low end and the last at or above its high end."""
    low, high = extent
    power = 10.0 ** math.floor(math.log10((high - low) / 5))
    for nice in (1, 2, 2.5, 5, 10, 20, 25, 50):
        step = nice * power
        first = math.floor(low / step) * step
        last = math.ceil(high / step) * step
        count = round((last - first) / step) + 1
        if count <= 6:
            while count < 4:
                last += step
                count += 1
            return [round(first + k * step, 10) for k in range(count)]
    raise AssertionError("a step of 50 times a fifth of the range always fits")  # pragma: no cover


def _tick_text(tick: float) -> str:
    return f"{tick:g}"


def _month_labels(labels: Sequence[str], x: XScale) -> str:
    """Every month's label, or every third one counted back from the latest when crowded; a
    label of two words ("Nov 2026") on two lines, so that they fit side by side."""
    every = 3 if len(labels) > CROWDED else 1
    last = len(labels) - 1
    drawn = []
    for i, label in enumerate(labels):
        if (last - i) % every:
            continue
        first, _, second = label.rpartition(" ")
        lines = [first, second] if first else [second]
        spans = "".join(
            f'<tspan x="{x(i)}" dy="{0 if n == 0 else FONT_SIZE + 3}">{escape(line)}</tspan>'
            for n, line in enumerate(lines)
        )
        drawn.append(
            f'<text class="onedoor-spc-month" y="{PLOT_BOTTOM + 20}" text-anchor="middle">'
            f"{spans}</text>"
        )
    return "".join(drawn)


def _lines(chart: Xmr, unit: Unit, prefix: str, y: YScale) -> list[str]:
    """The mean (solid), the process limits (dashed) and the target (dash-dot, red), each
    labelled at its right end with its value; labels pushed apart so they never overlap."""
    lines: list[tuple[str, str, float, str, str]] = []  # id, label, value, colour, dashes
    if chart.upper is not None and chart.lower is not None:
        lines.append(("upper", "Upper limit", chart.upper, COMMON, "6 4"))
        lines.append(("lower", "Lower limit", chart.lower, COMMON, "6 4"))
    if chart.mean is not None:
        lines.append(("mean", "Mean", chart.mean, INK, ""))
    if chart.target is not None:
        lines.append(("target", "Target", chart.target, TARGET, "12 4 2 4"))
    drawn = []
    label_ys = _spread([y(value) for _, _, value, _, _ in lines], gap=FONT_SIZE + 2)
    for (key, label, value, colour, dashes), label_y in zip(lines, label_ys, strict=True):
        dash = f' stroke-dasharray="{dashes}"' if dashes else ""
        drawn.append(
            f'<line id="{prefix}-{key}" class="onedoor-spc-{key}" x1="{PLOT_LEFT}" '
            f'x2="{PLOT_RIGHT}" y1="{y(value)}" y2="{y(value)}" stroke="{colour}" '
            f'stroke-width="2"{dash}/>'
            f'<text x="{PLOT_RIGHT + 6}" y="{round(label_y + 4, 1)}">'
            f"{escape(label)} {escape(number(value, unit))}</text>"
        )
    return drawn


def _spread(ys: list[float], *, gap: float) -> list[float]:
    """The label positions nearest `ys` that are at least `gap` apart, in the same order."""
    order = sorted(range(len(ys)), key=lambda i: ys[i])
    placed = list(ys)
    for before, after in pairwise(order):
        placed[after] = max(placed[after], placed[before] + gap)
    return placed


def _series(chart: Xmr, labels: Sequence[str], unit: Unit, x: XScale, y: YScale) -> list[str]:
    """The line through the values (broken at a gap) and a marker for each value."""
    drawn = []
    segment: list[str] = []
    for i, value in enumerate((*chart.values, None)):
        if value is not None:
            segment.append(f"{x(i)},{y(value)}")
            continue
        if len(segment) > 1:
            drawn.append(
                f'<polyline points="{" ".join(segment)}" fill="none" stroke="{COMMON}" '
                'stroke-width="2"/>'
            )
        segment = []
    for i, value in enumerate(chart.values):
        variation = chart.point_variations[i]
        if value is None or variation is None:
            continue
        title = f"{labels[i]}: {number(value, unit)}, {_point_words(variation)}"
        drawn.append(_marker(variation, x(i), y(value), escape(title)))
    return drawn


def _point_words(variation: Variation) -> str:
    if variation in _IMPROVING:
        return "special cause, improving"
    if variation in _CONCERNING:
        return "special cause, concerning"
    if variation in _NEITHER:
        return "special cause"
    return "common cause"


def _marker(
    variation: Variation, cx: float, cy: float, title: str, css: str = "onedoor-spc-point"
) -> str:
    """A circle for common cause; a square for concern, a diamond for improvement and a
    triangle for special cause of neither kind."""
    tip = f"<title>{title}</title>"
    if variation in _CONCERNING:
        return (
            f'<rect class="{css}" x="{round(cx - 5, 1)}" y="{round(cy - 5, 1)}" '
            f'width="10" height="10" fill="{CONCERN}">{tip}</rect>'
        )
    if variation in _IMPROVING:
        return (
            f'<path class="{css}" d="M{cx} {round(cy - 7, 1)}l7 7l-7 7l-7 -7z" '
            f'fill="{IMPROVEMENT}">{tip}</path>'
        )
    if variation in _NEITHER:
        return (
            f'<path class="{css}" d="M{cx} {round(cy - 7, 1)}l7 12h-14z" '
            f'fill="{NEITHER}">{tip}</path>'
        )
    return f'<circle class="{css}" cx="{cx}" cy="{cy}" r="4.5" fill="{COMMON}">{tip}</circle>'


def _key(chart: Xmr) -> str:
    """What the markers mean, under the chart."""
    if chart.direction is Direction.NEITHER:
        entries = [
            (Variation.COMMON_CAUSE, "Common cause"),
            (Variation.NEITHER_HIGH, "Special cause"),
        ]
    else:
        entries = [
            (Variation.COMMON_CAUSE, "Common cause"),
            (Variation.CONCERNING_HIGH, "Special cause: concerning"),
            (Variation.IMPROVING_HIGH, "Special cause: improving"),
        ]
    row = HEIGHT - 14
    drawn = ['<g class="onedoor-spc-key">']
    left = float(PLOT_LEFT)
    for variation, words in entries:
        drawn.append(_marker(variation, left + 6, row - 4, escape(words), "onedoor-spc-key-marker"))
        drawn.append(f'<text x="{left + 16}" y="{row}">{escape(words)}</text>')
        left += 30 + len(words) * 6.8
    drawn.append("</g>")
    return "".join(drawn)


def variation_icon_svg(variation: Variation) -> SafeString:
    """The variation icon: a circle with H or L for a special cause high or low (filled for
    concern, outlined for improvement or neither), a wave for common cause, an ellipsis for
    too few points. Its accessible name is its label."""
    if variation in _CONCERNING:
        colour, filled = CONCERN, True
    elif variation in _IMPROVING:
        colour, filled = IMPROVEMENT, False
    elif variation in _NEITHER:
        colour, filled = NEITHER, False
    else:
        colour, filled = COMMON, False
    if variation.special_cause:
        letter = "H" if variation.value.endswith("high") else "L"
        mark = _letter(letter, "#ffffff" if filled else colour)
    elif variation is Variation.COMMON_CAUSE:
        mark = (
            f'<path d="M9 20c3.5 -7 7.5 -7 11 0s7.5 7 11 0" fill="none" stroke="{colour}" '
            'stroke-width="3" stroke-linecap="round"/>'
        )
    else:
        mark = _letter("\N{HORIZONTAL ELLIPSIS}", colour)
    return _icon(variation.label, colour, filled, mark)


def assurance_icon_svg(assurance: Assurance) -> SafeString:
    """The assurance icon: P (consistently passing, blue), F (consistently failing, orange,
    filled), ? (hit and miss, grey), a dash for no target and an ellipsis for too few points.
    Its accessible name is its label."""
    colour, filled, letter = {
        Assurance.PASSING: (IMPROVEMENT, False, "P"),
        Assurance.FAILING: (CONCERN, True, "F"),
        Assurance.HIT_AND_MISS: (COMMON, False, "?"),
        Assurance.NONE: (COMMON, False, "\N{EN DASH}"),
        Assurance.TOO_FEW_POINTS: (COMMON, False, "\N{HORIZONTAL ELLIPSIS}"),
    }[assurance]
    return _icon(assurance.label, colour, filled, _letter(letter, "#ffffff" if filled else colour))


def _letter(letter: str, colour: str) -> str:
    return (
        f'<text x="20" y="27" text-anchor="middle" font-size="20" font-weight="bold" '
        f'fill="{colour}">{escape(letter)}</text>'
    )


def _icon(label: str, colour: str, filled: bool, mark: str) -> SafeString:
    fill = colour if filled else "#ffffff"
    return mark_safe(  # noqa: S308 - the label and letter are escaped
        f'<svg xmlns="http://www.w3.org/2000/svg" class="onedoor-spc-icon" viewBox="0 0 40 40" '
        f'width="40" height="40" role="img" aria-label="{escape(label)}">'
        f"<title>{escape(label)}</title>"
        f'<circle cx="20" cy="20" r="17" fill="{fill}" stroke="{colour}" stroke-width="3"/>'
        f"{mark}</svg>"
    )
