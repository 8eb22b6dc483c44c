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
    """One line of `make bench`: benchmark `B1`..`B9`, what was measured, its value and unit
    ("ratio", "ms", "req/s", "MiB", "count"), and the goal as a comparison ("<=", 15.0), or
    no goal for a figure reported beside a ratio."""

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
