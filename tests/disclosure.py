"""An attacker, for the tests: given a table as published (rows shown or hidden, the total
shown or hidden), which hidden rows can be pinned down to one value?

The attacker knows what was published, that the table adds up to its total, and the
suppression rule itself: a table of numbers is a candidate only if publishing it gives
exactly the same page. A hidden number is recovered when every candidate gives it the same
value. This is deliberately not the product's reasoning (no swap argument, no knowledge of
which rows were small): it only searches candidate tables and asks `publish` about each.

Search: first from the true table (when given) by small moves that keep the totals (a unit
moved between two hidden rows, two hidden rows swapped; a row changed alone when no total
binds it), which shows most rows are safe at once; then, for any hidden number still seen
with one value only, every candidate in turn (the hidden rows' numbers sum to the published
total minus the rows shown, or are at most `limit` each when the total is not published). A
search that runs out of `budget` before it settles reports the row as recoverable: not shown
to be safe.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import product
from typing import Protocol

from onedoor.insights.suppression import Protected, Row, protect

Numbers = tuple[int, int | None]  # (numerator, denominator): a count's denominator is None
Candidate = tuple[Numbers, ...]  # the hidden rows' numbers, in the table's order of them


class Publish(Protocol):
    def __call__(self, rows: Sequence[Row], *, below: int, total: Row | None) -> Protected: ...


@dataclass(frozen=True)
class Shown:
    """One row as a reader sees it: its numbers, or None where it is hidden."""

    key: str
    numerator: int | None
    denominator: int | None = None

    @property
    def hidden(self) -> bool:
        return self.numerator is None


@dataclass(frozen=True)
class Published:
    """A table as a reader sees it. `total` is None when no total is published anywhere; a
    hidden total is a `Shown` with no numbers."""

    rows: tuple[Shown, ...]
    total: Shown | None
    rate: bool  # rates or medians (numerator and denominator), not counts

    @classmethod
    def of(cls, rows: Sequence[Row], total: Row | None, shown: Protected) -> Published:
        """What a page built from `shown` would show."""
        rate = any(row.denominator is not None for row in (*rows, *([total] if total else [])))

        def as_shown(row: Row, hidden: bool) -> Shown:
            if hidden:
                return Shown(row.key, None, None)
            return Shown(row.key, row.numerator, row.denominator)

        return cls(
            tuple(as_shown(row, not shown.shows(row.key)) for row in rows),
            None if total is None else as_shown(total, shown.total_hidden),
            rate,
        )


def children_of(numerator: int, denominator: int | None) -> int:
    """The attacker's guess of how many children a row is about: the count, or the
    denominator of a rate or a median (as the KPIs count them)."""
    return numerator if denominator is None else denominator


def recoverable_cells(
    table: Published,
    *,
    below: int,
    truth: Sequence[Row] | None = None,
    publish: Publish = protect,
    children: Callable[[int, int | None], int] = children_of,
    limit: int | None = None,
    budget: int = 200_000,
) -> set[str]:
    """The keys of the hidden rows (and of the total, when hidden) some number of which
    (count; or numerator, denominator or complement) takes one value only in every table
    that publishes as `table` does. `truth` (the real rows) only speeds the search up."""
    attacker = _Attacker(table, below, publish, children, limit, budget)
    return attacker.recoverable(truth)


class _Attacker:
    def __init__(
        self,
        table: Published,
        below: int,
        publish: Publish,
        children: Callable[[int, int | None], int],
        limit: int | None,
        budget: int,
    ) -> None:
        self.table = table
        self.below = below
        self.publish = publish
        self.children = children
        self.budget = budget
        self.hidden = [i for i, row in enumerate(table.rows) if row.hidden]
        self.binding = table.total is not None and not table.total.hidden
        self.limit = limit if limit is not None else 2 * below + 2
        self.seen: dict[str, list[set[int]]] = {}
        self.width = 3 if table.rate else 1

    # What the attacker sees and tests

    def rows(self, candidate: Candidate) -> list[Row]:
        numbers = iter(candidate)
        rows = []
        for shown in self.table.rows:
            n, d = next(numbers) if shown.hidden else (shown.numerator or 0, shown.denominator)
            rows.append(Row(shown.key, n, d, self.children(n, d)))
        return rows

    def total(self, rows: list[Row]) -> Row | None:
        total = self.table.total
        if total is None:
            return None
        if total.hidden:
            n = sum(row.numerator for row in rows)
            d = sum(row.denominator or 0 for row in rows) if self.table.rate else None
            return Row(total.key, n, d, self.children(n, d))
        assert total.numerator is not None
        return Row(total.key, total.numerator, total.denominator, 0)

    def consistent(self, candidate: Candidate) -> bool:
        """Whether publishing this candidate gives the page the reader saw."""
        self.budget -= 1
        if any(n < 0 or (d is not None and not 0 <= n <= d) for n, d in candidate):
            return False
        rows = self.rows(candidate)
        total = self.total(rows)
        if total is not None and self.binding:
            sums = (sum(r.numerator for r in rows), sum(r.denominator or 0 for r in rows))
            if sums != (total.numerator, total.denominator or 0):
                return False
        shown = self.publish(rows, below=self.below, total=total)
        expected = {row.key for row in self.table.rows if row.hidden}
        total_hidden = self.table.total is not None and self.table.total.hidden
        return shown.hidden == expected and shown.total_hidden == total_hidden

    def note(self, candidate: Candidate) -> None:
        rows = self.rows(candidate)
        for i in self.hidden:
            self._note(rows[i])
        total = self.total(rows)
        if total is not None and self.table.total is not None and self.table.total.hidden:
            self._note(total)

    def _note(self, row: Row) -> None:
        seen = self.seen.setdefault(row.key, [set() for _ in range(self.width)])
        for values, value in zip(seen, row.published, strict=True):
            values.add(value)

    def settled(self) -> bool:
        keys = [self.table.rows[i].key for i in self.hidden]
        if self.table.total is not None and self.table.total.hidden:
            keys.append(self.table.total.key)
        return all(
            key in self.seen and all(len(values) > 1 or values == {0} for values in self.seen[key])
            for key in keys
        )

    def pinned(self) -> set[str]:
        keys = {self.table.rows[i].key for i in self.hidden}
        if self.table.total is not None and self.table.total.hidden:
            keys.add(self.table.total.key)
        # A number pinned at zero gives nothing away (zero is published wherever it is).
        return {
            key
            for key in keys
            if key not in self.seen
            or any(len(values) < 2 and values != {0} for values in self.seen[key])
        }

    # The search

    def recoverable(self, truth: Sequence[Row] | None) -> set[str]:
        if not self.hidden and not (self.table.total is not None and self.table.total.hidden):
            return set()
        if truth is not None:
            start = tuple((truth[i].numerator, truth[i].denominator) for i in self.hidden)
            if not self.consistent(start):
                raise ValueError("The true table does not publish as the table given")
            self._walk(start)
        if not self.settled():
            for candidate in self._every():
                if self.budget <= 0:
                    return self.pinned() | {self.table.rows[i].key for i in self.hidden}
                if self.consistent(candidate):
                    self.note(candidate)
                    if self.settled():
                        break
        return self.pinned()

    def _walk(self, start: Candidate) -> None:
        """Breadth first over consistent candidates, by small moves."""
        found = {start}
        queue = deque([start])
        self.note(start)
        while queue and not self.settled() and self.budget > 0 and len(found) < 5_000:
            for move in self._moves(queue.popleft()):
                if move not in found and self.consistent(move):
                    found.add(move)
                    queue.append(move)
                    self.note(move)

    def _moves(self, at: Candidate) -> Iterator[Candidate]:
        steps = [(1, 0), (0, 1), (1, 1)] if self.table.rate else [(1, 0)]
        pairs = [(i, j) for i in range(len(at)) for j in range(len(at)) if i != j]
        for i, j in pairs:
            if i < j:
                swapped = list(at)
                swapped[i], swapped[j] = at[j], at[i]
                yield tuple(swapped)
            for dn, dd in steps:
                moved = list(at)
                moved[i] = _plus(at[i], dn, dd)
                moved[j] = _plus(at[j], -dn, -dd)
                yield tuple(moved)
        if not self.binding:
            for i in range(len(at)):
                for dn, dd in steps:
                    for sign in (1, -1):
                        moved = list(at)
                        moved[i] = _plus(at[i], sign * dn, sign * dd)
                        yield tuple(moved)

    def _every(self) -> Iterator[Candidate]:
        """Every candidate: the hidden rows' numbers summing to what the total leaves, or each
        at most `limit` when no total binds them."""
        k = len(self.hidden)
        if self.binding:
            assert self.table.total is not None and self.table.total.numerator is not None
            shown = [row for row in self.table.rows if not row.hidden]
            left_n = self.table.total.numerator - sum(row.numerator or 0 for row in shown)
            if not self.table.rate:
                for counts in _compositions(left_n, k):
                    yield tuple((n, None) for n in counts)
                return
            left_d = (self.table.total.denominator or 0) - sum(
                row.denominator or 0 for row in shown
            )
            for denominators in _compositions(left_d, k):
                for numerators in _compositions(left_n, k):
                    yield tuple(zip(numerators, denominators, strict=True))
            return
        values = range(self.limit + 1)
        if not self.table.rate:
            for counts in product(values, repeat=k):
                yield tuple((n, None) for n in counts)
            return
        pairs = [(n, d) for d in values for n in range(d + 1)]
        yield from product(pairs, repeat=k)


def _plus(numbers: Numbers, dn: int, dd: int) -> Numbers:
    n, d = numbers
    return (n + dn, None if d is None else d + dd)


def _compositions(total: int, parts: int) -> Iterator[tuple[int, ...]]:
    """Every way to write `total` as `parts` non-negative integers, in order."""
    if total < 0 or parts == 0:
        if total == 0 and parts == 0:
            yield ()
        return
    if parts == 1:
        yield (total,)
        return
    for first in range(total + 1):
        for rest in _compositions(total - first, parts - 1):
            yield (first, *rest)
