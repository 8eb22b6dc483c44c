"""A figure as a reader may see it (`Shown`): its numbers, or none where small numbers hide it.
The dashboard's tables, each chart's months, the exports and the review pack all show these."""

from __future__ import annotations

from dataclasses import dataclass

from onedoor.insights.kpis import Figure, Kpi, Unit


@dataclass(frozen=True)
class Shown:
    """One group's (or one month's) figure as a role may see it: `value` None when
    suppressed, or when there is nothing (a month without a snapshot)."""

    group: str
    label: str
    value: float | None
    numerator: int | None
    denominator: int | None
    suppressed: bool

    @classmethod
    def of_figure(cls, figure: Figure | None, label: str, *, hidden: bool) -> Shown:
        if figure is None:
            return cls(label, label, None, None, None, False)
        if hidden:
            return cls(figure.group, label, None, None, None, True)
        return cls(figure.group, label, figure.value, figure.numerator, figure.denominator, False)

    def of(self, kpi: Kpi) -> str:
        """The "Out of" column in words: what the figure is out of (a rate: "3 of 40 contacts
        attended or missed"; a median: "40 referrals triaged")."""
        if self.suppressed or self.denominator is None:
            return ""
        if kpi.unit == Unit.PERCENT:
            return f"{self.numerator} of {self.denominator} {kpi.of}"
        return f"{self.denominator} {kpi.of}"
