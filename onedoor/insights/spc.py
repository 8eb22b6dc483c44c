"""Statistical process control as NHS England's "Making Data Count" draws it: an XmR chart of a
KPI's monthly values, the four rules that tell special cause variation from common cause, and the
two icons a board reads (variation and assurance). Pure functions over numbers: no database, no
clock. The rules, run lengths and the choices below are ADR 25; hazard H50 is why they are tested.

- Process limits: the mean plus or minus 2.66 times the mean moving range (the XmR chart's
  three sigma), clipped to the possible range when given (0 to 100 for a percentage, 0 for a
  count). No point is screened out of the limits, as the Making Data Count tools do.
- A value of None is a gap (a month with nothing to measure): it keeps its place on the chart, is
  left out of the mean, and a moving range is taken only between two neighbouring months that
  both have a value. The runs of the rules go on across a gap: a missing month is no evidence
  that the process changed, and a gap must not hide a shift.
- The icons describe the latest point with a value, as the Making Data Count icons do.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import pairwise
from typing import Literal

MOVING_RANGE_FACTOR = 2.66  # 3 / d2, d2 = 1.128 for moving ranges of two points
SHIFT_POINTS = 7  # a shift: this many or more consecutive points on one side of the mean
TREND_POINTS = 6  # a trend: this many or more consecutive points all rising or all falling
MIN_POINTS = 15  # Making Data Count: at least 15 points (ideally 20) before limits are relied on

Unit = Literal["count", "percent", "days"]
UNITS: tuple[Unit, ...] = ("count", "percent", "days")

Points = list[tuple[int, float]]  # (position in the series, value), gaps left out


class Direction(StrEnum):
    """Which way is improvement for a KPI."""

    HIGHER = "higher"
    LOWER = "lower"
    NEITHER = "neither"


class Rule(StrEnum):
    """The four Making Data Count rules for special cause variation."""

    OUTSIDE_LIMITS = "outside_limits"
    SHIFT = "shift"
    TREND = "trend"
    TWO_OF_THREE = "two_of_three"

    @property
    def label(self) -> str:
        return _RULE_LABELS[self]


_RULE_LABELS = {
    Rule.OUTSIDE_LIMITS: "A point outside the process limits",
    Rule.SHIFT: f"A shift: {SHIFT_POINTS} or more points in a row on one side of the mean",
    Rule.TREND: f"A trend: {TREND_POINTS} or more points in a row all rising or all falling",
    Rule.TWO_OF_THREE: "Two of three points in a row close to a process limit",
}


class Variation(StrEnum):
    """The variation icon: what the latest point says about the process."""

    COMMON_CAUSE = "common_cause"
    IMPROVING_HIGH = "improving_high"
    IMPROVING_LOW = "improving_low"
    CONCERNING_HIGH = "concerning_high"
    CONCERNING_LOW = "concerning_low"
    NEITHER_HIGH = "neither_high"
    NEITHER_LOW = "neither_low"
    TOO_FEW_POINTS = "too_few_points"

    @property
    def label(self) -> str:
        return _VARIATION_TEXT[self][0]

    @property
    def sentence(self) -> str:
        return _VARIATION_TEXT[self][1]

    @property
    def special_cause(self) -> bool:
        return self not in (Variation.COMMON_CAUSE, Variation.TOO_FEW_POINTS)


_VARIATION_TEXT = {
    Variation.COMMON_CAUSE: (
        "Common cause variation",
        "The latest point shows common cause variation.",
    ),
    Variation.IMPROVING_HIGH: (
        "Special cause: improving, high",
        "The latest point shows special cause variation that is an improvement: it is high.",
    ),
    Variation.IMPROVING_LOW: (
        "Special cause: improving, low",
        "The latest point shows special cause variation that is an improvement: it is low.",
    ),
    Variation.CONCERNING_HIGH: (
        "Special cause: concerning, high",
        "The latest point shows special cause variation of concern: it is high.",
    ),
    Variation.CONCERNING_LOW: (
        "Special cause: concerning, low",
        "The latest point shows special cause variation of concern: it is low.",
    ),
    Variation.NEITHER_HIGH: (
        "Special cause: high",
        "The latest point shows special cause variation: it is high.",
    ),
    Variation.NEITHER_LOW: (
        "Special cause: low",
        "The latest point shows special cause variation: it is low.",
    ),
    Variation.TOO_FEW_POINTS: (
        "Too few points to judge variation",
        f"There are too few points (fewer than {MIN_POINTS}) to judge the variation.",
    ),
}


class Assurance(StrEnum):
    """The assurance icon: will the process meet its target?"""

    NONE = "none"
    PASSING = "passing"
    FAILING = "failing"
    HIT_AND_MISS = "hit_and_miss"
    TOO_FEW_POINTS = "too_few_points"

    @property
    def label(self) -> str:
        return _ASSURANCE_TEXT[self][0]

    @property
    def sentence(self) -> str:
        return _ASSURANCE_TEXT[self][1]


_ASSURANCE_TEXT = {
    Assurance.NONE: ("No target", "There is no target to assure against."),
    Assurance.PASSING: (
        "Consistently passing the target",
        "Both process limits are on the passing side of the target, so it will be met "
        "consistently.",
    ),
    Assurance.FAILING: (
        "Consistently failing the target",
        "Both process limits are on the failing side of the target, so it will not be met "
        "unless the process changes.",
    ),
    Assurance.HIT_AND_MISS: (
        "Hit and miss: sometimes passing, sometimes failing the target",
        "The target lies within the process limits, so it will be hit and missed.",
    ),
    Assurance.TOO_FEW_POINTS: (
        "Too few points to judge the target",
        f"There are too few points (fewer than {MIN_POINTS}) to say whether the target will "
        "be met.",
    ),
}


@dataclass(frozen=True)
class Xmr:
    """An XmR chart of one KPI: the values as given and everything the board reads from them.

    `signals[i]` is the rules that flag point i (empty for common cause and for a gap);
    `point_variations[i]` is that point's own reading (None for a gap), which a chart colours
    by. `variation` and `assurance` are the icons; with fewer than `MIN_POINTS` values (or no
    moving range to make limits from) `enough` is False and both icons say too few points,
    though the limits and signals are still computed and drawn.
    """

    values: tuple[float | None, ...]
    direction: Direction
    target: float | None
    mean: float | None
    upper: float | None
    lower: float | None
    sigma: float | None
    moving_ranges: tuple[float | None, ...]
    mean_moving_range: float | None
    signals: tuple[frozenset[Rule], ...]
    point_variations: tuple[Variation | None, ...]
    variation: Variation
    assurance: Assurance
    enough: bool

    @property
    def points(self) -> int:
        """How many values there are (gaps not counted)."""
        return sum(1 for value in self.values if value is not None)

    @property
    def latest(self) -> int | None:
        """The position of the latest value, or None when there is none."""
        for i in range(len(self.values) - 1, -1, -1):
            if self.values[i] is not None:
                return i
        return None


def xmr(
    values: Sequence[float | None],
    *,
    direction: Direction,
    target: float | None = None,
    floor: float | None = None,
    ceiling: float | None = None,
) -> Xmr:
    """The XmR chart of `values` (oldest first), improvement being `direction`."""
    given = tuple(values)
    for value in (*given, target, floor, ceiling):
        if value is not None and not math.isfinite(value):
            raise ValueError(f"An SPC chart needs finite numbers, not {value!r}.")
    present = [(i, value) for i, value in enumerate(given) if value is not None]

    mean = sum(value for _, value in present) / len(present) if present else None
    moving_ranges = tuple(
        abs(value - previous) if value is not None and previous is not None else None
        for previous, value in zip((None, *given), given, strict=False)
    )
    ranges = [r for r in moving_ranges if r is not None]
    mean_moving_range = sum(ranges) / len(ranges) if ranges else None

    upper = lower = sigma = None
    if mean is not None and mean_moving_range is not None:
        sigma = MOVING_RANGE_FACTOR * mean_moving_range / 3
        upper = mean + MOVING_RANGE_FACTOR * mean_moving_range
        lower = mean - MOVING_RANGE_FACTOR * mean_moving_range
        if ceiling is not None:
            upper = min(upper, ceiling)
        if floor is not None:
            lower = max(lower, floor)

    flagged: list[set[Rule]] = [set() for _ in given]
    rises: dict[int, bool] = {}
    if mean is not None:
        _outside_limits(present, upper, lower, flagged)
        _shifts(present, mean, flagged)
        rises = _trends(present, flagged)
        if sigma is not None:
            _two_of_three(present, mean, sigma, flagged)
    signals = tuple(frozenset(rules) for rules in flagged)

    point_variations = tuple(
        None
        if value is None or mean is None
        else _point_variation(value, mean, signals[i], rises.get(i), direction)
        for i, value in enumerate(given)
    )
    enough = len(present) >= MIN_POINTS and upper is not None and lower is not None
    latest = present[-1][0] if present else None
    if not enough or latest is None:
        variation = Variation.TOO_FEW_POINTS
    else:
        variation = point_variations[latest] or Variation.COMMON_CAUSE
    return Xmr(
        values=given,
        direction=direction,
        target=target,
        mean=mean,
        upper=upper,
        lower=lower,
        sigma=sigma,
        moving_ranges=moving_ranges,
        mean_moving_range=mean_moving_range,
        signals=signals,
        point_variations=point_variations,
        variation=variation,
        assurance=_assurance(direction, target, upper, lower, enough),
        enough=enough,
    )


def _outside_limits(
    present: Points, upper: float | None, lower: float | None, flagged: list[set[Rule]]
) -> None:
    """Rule 1: a single point above the upper or below the lower process limit."""
    for i, value in present:
        if (upper is not None and value > upper) or (lower is not None and value < lower):
            flagged[i].add(Rule.OUTSIDE_LIMITS)


def _shifts(present: Points, mean: float, flagged: list[set[Rule]]) -> None:
    """Rule 2: SHIFT_POINTS or more points in a row all above, or all below, the mean. A point
    on the mean belongs to neither side, so it ends a run."""
    sides = [_side(value, mean) for _, value in present]
    _flag_runs(present, sides, SHIFT_POINTS, Rule.SHIFT, flagged)


def _trends(present: Points, flagged: list[set[Rule]]) -> dict[int, bool]:
    """Rule 3: TREND_POINTS or more points in a row each higher (or each lower) than the one
    before. Two equal points in a row end a trend. Returns whether each point's trend rises
    (a point at the peak of two trends takes the one that ends at it)."""
    rises: dict[int, bool] = {}
    steps = [_side(after, before) for (_, before), (_, after) in pairwise(present)]
    first = 0  # steps[first:last + 1] go the same way: points first to last + 1
    while first < len(steps):
        last = first
        while last + 1 < len(steps) and steps[last + 1] == steps[first]:
            last += 1
        if steps[first] != 0 and last - first + 2 >= TREND_POINTS:
            for k in range(first, last + 2):
                flagged[present[k][0]].add(Rule.TREND)
                rises.setdefault(present[k][0], steps[first] > 0)
        first = last + 1
    return rises


def _two_of_three(present: Points, mean: float, sigma: float, flagged: list[set[Rule]]) -> None:
    """Rule 4: two or three of three points in a row beyond two sigma (two thirds of the way
    from the mean to a process limit) on the same side, all three on that side of the mean.
    The points beyond two sigma are flagged, as the Making Data Count tools do; a point beyond
    the limit itself counts too."""
    for start in range(len(present) - 2):
        window = present[start : start + 3]
        sides = {_side(value, mean) for _, value in window}
        if len(sides) != 1 or 0 in sides:
            continue
        (side,) = sides
        beyond = [i for i, value in window if (value - mean) * side > 2 * sigma]
        if len(beyond) >= 2:
            for i in beyond:
                flagged[i].add(Rule.TWO_OF_THREE)


def _flag_runs(
    present: Points, keys: list[int], length: int, rule: Rule, flagged: list[set[Rule]]
) -> None:
    """Flag every point of each run of `length` or more equal, non-zero keys."""
    start = 0
    while start < len(keys):
        end = start
        while end + 1 < len(keys) and keys[end + 1] == keys[start]:
            end += 1
        if keys[start] != 0 and end - start + 1 >= length:
            for k in range(start, end + 1):
                flagged[present[k][0]].add(rule)
        start = end + 1


def _side(value: float, reference: float) -> int:
    return (value > reference) - (value < reference)


def _point_variation(
    value: float, mean: float, rules: frozenset[Rule], rises: bool | None, direction: Direction
) -> Variation:
    """One point's reading. High or low is the way its trend goes when a trend flags it (and it
    is not beyond a limit), otherwise its side of the mean, in the order the NHS-R community's
    Making Data Count package uses."""
    if not rules:
        return Variation.COMMON_CAUSE
    trend_decides = rises is not None and Rule.OUTSIDE_LIMITS not in rules
    high = rises if trend_decides else value > mean
    if direction is Direction.NEITHER:
        return Variation.NEITHER_HIGH if high else Variation.NEITHER_LOW
    if high == (direction is Direction.HIGHER):
        return Variation.IMPROVING_HIGH if high else Variation.IMPROVING_LOW
    return Variation.CONCERNING_HIGH if high else Variation.CONCERNING_LOW


def _assurance(
    direction: Direction,
    target: float | None,
    upper: float | None,
    lower: float | None,
    enough: bool,
) -> Assurance:
    """Passing means at or above the target when higher is better, at or below when lower is.
    A target exactly on a limit is hit and miss: a limit is an estimate, and the board is not
    told "consistently" on a knife edge."""
    if target is None or direction is Direction.NEITHER:
        return Assurance.NONE
    if not enough or upper is None or lower is None:
        return Assurance.TOO_FEW_POINTS
    if lower < target < upper or target in (lower, upper):
        return Assurance.HIT_AND_MISS
    above = lower > target  # both limits above the target
    passing = above == (direction is Direction.HIGHER)
    return Assurance.PASSING if passing else Assurance.FAILING


def number(value: float, unit: Unit) -> str:
    """A value as the board reads it: one decimal place at most, per cent with its sign."""
    rounded = round(value, 1)
    text = f"{rounded:.1f}".removesuffix(".0")
    if text == "-0":
        text = "0"
    return f"{text}%" if unit == "percent" else text


def summary(
    chart: Xmr, *, name: str, unit: Unit, labels: Sequence[str], every: str = "month"
) -> str:
    """One or two plain-English sentences that say what the chart shows, for a screen reader
    and for the page beside the chart. `every` is what a point is: a "month" (labelled "Nov
    2026") or a "week" (labelled by the Monday it begins)."""
    if unit not in UNITS:
        raise ValueError(f"Unknown unit {unit!r}.")
    if len(labels) != len(chart.values):
        raise ValueError("Give one label for each value.")
    latest = chart.latest
    if latest is None or chart.mean is None:
        return f"There are no values for {name} yet."
    value = chart.values[latest]
    assert value is not None
    points = chart.points
    over = f"1 {every}" if points == 1 else f"{points} {every}s"
    when = labels[latest] if every == "month" else f"the week beginning {labels[latest]}"
    sentences = [f"{name} in {when} was {number(value, unit)}."]
    if chart.enough and chart.upper is not None and chart.lower is not None:
        sentences.append(
            f"The mean over {over} is {number(chart.mean, unit)} and values between "
            f"{number(chart.lower, unit)} and {number(chart.upper, unit)} are expected from "
            "common cause variation."
        )
    else:
        sentences.append(
            f"The mean over {over} is {number(chart.mean, unit)}. At least {MIN_POINTS} {every}s "
            "are needed before the process limits can be relied on, so the chart does not yet "
            "say whether the variation is common or special cause."
        )
    if chart.enough:
        sentences.append(chart.variation.sentence)
    if chart.target is not None and chart.assurance is not Assurance.NONE:
        sentences.append(_target_sentence(chart.assurance, number(chart.target, unit), every))
    return " ".join(sentences)


def _target_sentence(assurance: Assurance, target: str, every: str) -> str:
    return {
        Assurance.PASSING: f"The target of {target} lies outside the limits on the passing "
        "side, so it will be met consistently.",
        Assurance.FAILING: f"The target of {target} lies outside the limits on the failing "
        "side, so it will not be met unless the process changes.",
        Assurance.HIT_AND_MISS: f"The target of {target} lies within the limits, so it will "
        "be hit and missed.",
        Assurance.TOO_FEW_POINTS: f"There are too few {every}s to say whether the target of "
        f"{target} will be met.",
    }[assurance]
