"""Small numbers stay hidden: which rows of a published table a commissioner may not see
(ADR 26, hazard H51). Pure: numbers in, the keys to hide out; no database, no Django.

A published table is additive: its rows (the groups of one KPI under a cut, or the months of
one quarter) and its total, published elsewhere (the uncut figure, the quarter's figure). Hiding
a small row alone does not hide it: the total minus the rows shown gives it back. So:

- **Primary suppression.** A row is hidden when any number it is about is from 1 to
  `below - 1`: its count, or for a rate or a median its numerator, its denominator, its
  complement (denominator - numerator) and, always, the children it is about. Zero is shown.
- **Secondary suppression.** When the total is published, more rows are hidden, the smallest
  first, until the hidden rows are at least two and do not all show the same numerator,
  denominator or complement (unless it is zero, which is shown anyway). Rows tied at the
  smallest size are hidden together, so the choice
  never depends on a row's position. Then any two hidden rows could swap their numbers and this
  function would publish exactly the same table, so whoever knows the total, the rows shown and
  this algorithm still has at least two values for every hidden number (ADR 26 sets out the
  argument; `tests/test_suppression.py` checks it by brute force).
- **The total.** A total that is itself small is hidden, and so is every row of its table,
  zeros included. When every non-empty row is hidden and they still all show one number (five
  groups of one, say), the zero rows are hidden too; if that is not enough the table's total is
  reported hidden as well (`Protected.total_hidden`) and must not be shown beside it.

A caller shows a hidden row the same way whatever the reason: a page that told primary from
secondary would tell an attacker which hidden rows are small.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Row:
    """One row of a table as it would be published: a count (`denominator` None), or a rate or
    a median with the numerator and denominator published beside it. `children` is how many
    children the row is about: never published, but a row about few children is hidden."""

    key: str
    numerator: int
    denominator: int | None = None
    children: int = 0

    def __post_init__(self) -> None:
        if self.numerator < 0 or self.children < 0 or (self.denominator or 0) < 0:
            raise ValueError(f"A row's numbers are never negative: {self}")

    @property
    def published(self) -> tuple[int, ...]:
        """The numbers a reader can add up across rows: the count, or the numerator, the
        denominator and what is left of it (the complement)."""
        if self.denominator is None:
            return (self.numerator,)
        return (self.numerator, self.denominator, self.denominator - self.numerator)

    @property
    def empty(self) -> bool:
        """A row about nobody: shown as zero, never hidden to protect another."""
        return self.numerator == 0 and not self.denominator and self.children == 0

    @property
    def size(self) -> tuple[int, int]:
        """How big the row is, to hide the smallest first: the denominator of a rate (the
        count of a count), then the numerator."""
        return (self.numerator if self.denominator is None else self.denominator, self.numerator)


@dataclass(frozen=True)
class Protected:
    """What a table may show: the keys of the hidden rows (each hides its value, numerator and
    denominator) and whether the table's total is hidden too."""

    hidden: frozenset[str]
    total_hidden: bool = False

    def shows(self, key: str) -> bool:
        return key not in self.hidden


def is_small(number: int, *, below: int) -> bool:
    """A number the alliance never publishes: from 1 to `below - 1` (zero is shown)."""
    return 0 < number < below


def is_primary(row: Row, *, below: int) -> bool:
    """Whether a row is hidden for its own sake: any number it is about is small."""
    return any(is_small(n, below=below) for n in (*row.published, row.children))


def protect(rows: Sequence[Row], *, below: int, total: Row | None) -> Protected:
    """The rows (and the total) a table must hide so that no small number can be worked out
    from what it shows, its total (None when no total is published anywhere) and this rule.
    At most one pass per row, whatever the values."""
    _check(rows, total)
    if total is not None and is_primary(total, below=below):
        return Protected(frozenset(row.key for row in rows), total_hidden=True)
    hidden = [row for row in rows if is_primary(row, below=below)]
    if not hidden or total is None:
        return Protected(frozenset(row.key for row in hidden))
    left = [row for row in rows if row not in hidden and not row.empty]
    while not _safe(hidden) and left:
        smallest = min(row.size for row in left)
        hidden += [row for row in left if row.size == smallest]
        left = [row for row in left if row.size != smallest]
    if not _safe(hidden):
        hidden += [row for row in rows if row.empty]
    return Protected(frozenset(row.key for row in hidden), total_hidden=not _safe(hidden))


def _safe(hidden: list[Row]) -> bool:
    """Whether the hidden rows keep each other hidden: at least two, not all showing the same
    numerator, denominator or complement. Then every hidden row has another to swap with, and
    the swap publishes the same table, so none of its numbers can be pinned to one value."""
    if len(hidden) < 2:
        return False
    columns = zip(*(row.published for row in hidden), strict=True)
    # A column of zeros gives nothing away: zero is published wherever it is (a rate of none,
    # a rate of all), so the hidden rows need not differ there.
    return all(len(set(column)) > 1 or set(column) == {0} for column in columns)


def _check(rows: Sequence[Row], total: Row | None) -> None:
    keys = [row.key for row in rows]
    if len(set(keys)) != len(keys):
        raise ValueError(f"Each row of a table has its own key: {keys}")
    kinds = {row.denominator is None for row in (*rows, *([total] if total else []))}
    if len(kinds) > 1:
        raise ValueError("A table is all counts, or all rates or medians")
