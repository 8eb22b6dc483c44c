"""Case audit compliance: of the records where a criterion applies, the share that met it.

`Figure` is the rule; `figures` is the one query behind every compliance table, counting
results per round, organisation and criterion in the database.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Q

from onedoor.case_audits.models import AuditScore, Result


@dataclass(frozen=True)
class Figure:
    met: int = 0
    not_met: int = 0
    not_applicable: int = 0

    @property
    def applicable(self) -> int:
        return self.met + self.not_met

    @property
    def percent(self) -> int | None:
        """Met as a whole percentage of the applicable, halves rounded up; None when the
        criterion applied to no record (not 0%, which would be a finding)."""
        if not self.applicable:
            return None
        return (200 * self.met + self.applicable) // (2 * self.applicable)

    def __add__(self, other: Figure) -> Figure:
        return Figure(
            self.met + other.met,
            self.not_met + other.not_met,
            self.not_applicable + other.not_applicable,
        )


# (round id, organisation id, criterion id); None in a place means "all of them".
Key = tuple[int, int | None, int | None]


def figures(
    round_ids: Iterable[int], organisation_ids: Iterable[int] | None = None
) -> dict[Key, Figure]:
    """The figures for the rounds, by organisation and criterion, with the totals for each
    organisation (all criteria), each criterion (all organisations) and each round; only
    the given organisations when `organisation_ids` is not None."""
    scores = AuditScore.objects.filter(case__round_id__in=list(round_ids))
    if organisation_ids is not None:
        scores = scores.filter(case__organisation_id__in=list(organisation_ids))
    rows = scores.values("case__round_id", "case__organisation_id", "criterion_id").annotate(
        met=Count("pk", filter=Q(result=Result.MET)),
        not_met=Count("pk", filter=Q(result=Result.NOT_MET)),
        not_applicable=Count("pk", filter=Q(result=Result.NOT_APPLICABLE)),
    )
    found: dict[Key, Figure] = defaultdict(Figure)
    for row in rows:
        figure = Figure(row["met"], row["not_met"], row["not_applicable"])
        round_id, organisation, criterion = (
            row["case__round_id"], row["case__organisation_id"], row["criterion_id"],
        )  # fmt: skip
        for key in (
            (round_id, organisation, criterion),
            (round_id, organisation, None),
            (round_id, None, criterion),
            (round_id, None, None),
        ):
            found[key] += figure
    return dict(found)
