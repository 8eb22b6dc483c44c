"""What every benchmark reports: rows, each a measured value beside its goal."""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import asdict, dataclass

_COMPARE: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    ">=": operator.ge,
    "==": operator.eq,
}


@dataclass(frozen=True)
class Row:
    """One line of `make bench`: benchmark `B1`..`B9` (or "pages", the foundation's figures),
    what was measured, its value and unit ("ratio", "ms", "req/s", "rows/s", "MiB", "count"),
    and the goal as a comparison ("<=", 15.0), or no goal for a figure reported beside a
    ratio."""

    benchmark: str
    what: str
    value: float
    unit: str
    goal: tuple[str, float] | None = None

    @property
    def holds(self) -> bool | None:
        if self.goal is None:
            return None
        compare, bound = self.goal
        return _COMPARE[compare](self.value, bound)

    def as_json(self) -> dict[str, object]:
        return {**asdict(self), "holds": self.holds}

    def cells(self) -> tuple[str, str, str, str, str, str]:
        """The row in the table's columns: benchmark, what, value, unit, goal, holds."""
        goal = "" if self.goal is None else f"{self.goal[0]} {self.goal[1]:g}"
        holds = {True: "yes", False: "no", None: "-"}[self.holds]
        return (self.benchmark, self.what, figure(self.value), self.unit, goal, holds)


def figure(value: float) -> str:
    """A measured value to read at a glance: three significant figures below 100 (0.0432,
    1.05, 15.9), whole numbers with thousands separators above (4,184)."""
    size = abs(value)
    if size >= 100:
        return f"{value:,.0f}"
    if size >= 10:
        return f"{value:.1f}"
    if size >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"


HEADINGS = ("benchmark", "what", "value", "unit", "goal", "holds")


def table(rows: list[Row]) -> str:
    """The rows as a plain-text table, a line each under the headings; values and goals
    aligned right."""
    lines = [HEADINGS, *(row.cells() for row in rows)]
    widths = [max(len(line[column]) for line in lines) for column in range(len(HEADINGS))]
    right = {2, 4}
    return "\n".join(
        "  ".join(
            cell.rjust(width) if column in right else cell.ljust(width)
            for column, (cell, width) in enumerate(zip(line, widths, strict=True))
        ).rstrip()
        for line in lines
    )
