"""Small numbers stay hidden (ADR 26, hazard H51): the rule's exact choices on small tables,
and, by brute force against random tables, that nobody who knows the rule, the rows shown and
the total can work out a hidden number (`tests/disclosure.py` is that attacker)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from onedoor.insights.suppression import (
    Protected,
    Row,
    is_primary,
    is_small,
    protect,
)
from tests.disclosure import Published, Shown, children_of, recoverable_cells

BELOW = 5


def count(key: str, n: int) -> Row:
    return Row(key, n, None, n)


def rate(key: str, numerator: int, denominator: int) -> Row:
    return Row(key, numerator, denominator, denominator)


def total_of(rows: Sequence[Row]) -> Row:
    n = sum(row.numerator for row in rows)
    if rows and rows[0].denominator is None:
        return Row("total", n, None, n)
    d = sum(row.denominator or 0 for row in rows)
    return Row("total", n, d, d)


def hidden(rows: Sequence[Row], below: int = BELOW) -> Protected:
    return protect(rows, below=below, total=total_of(rows))


def old_rule(rows: Sequence[Row], *, below: int, total: Row | None) -> Protected:
    """Before ADR 26: each row hidden on its own when about fewer than `below` children."""
    return Protected(frozenset(row.key for row in rows if is_small(row.children, below=below)))


def naive_secondary(rows: Sequence[Row], *, below: int, total: Row | None) -> Protected:
    """A tempting rule: hide the small rows, then the next smallest, first in the table's
    order, until two are hidden."""
    hide = [row for row in rows if is_primary(row, below=below)]
    for row in sorted(rows, key=lambda row: row.numerator):
        if 0 < len(hide) < 2 and row not in hide and row.numerator:
            hide.append(row)
    return Protected(frozenset(row.key for row in hide))


# The rule, on small tables


def test_a_small_number_is_from_one_to_below_less_one() -> None:
    assert [n for n in range(7) if is_small(n, below=BELOW)] == [1, 2, 3, 4]


def test_nothing_is_hidden_when_nothing_is_small() -> None:
    rows = [count("a", 5), count("b", 0), count("c", 12)]
    assert hidden(rows) == Protected(frozenset(), total_hidden=False)


def test_one_small_row_beside_its_total_hides_the_next_smallest_too() -> None:
    rows = [count("a", 3), count("b", 9), count("c", 7), count("d", 40)]
    assert hidden(rows) == Protected(frozenset({"a", "c"}))


def test_without_a_published_total_only_the_small_row_is_hidden() -> None:
    rows = [count("a", 3), count("b", 9), count("c", 7)]
    assert protect(rows, below=BELOW, total=None) == Protected(frozenset({"a"}))


def test_two_hidden_ones_would_add_up_to_two_so_a_third_row_is_hidden() -> None:
    # Hidden alone, 1 and 1 sum to 2 and must both be 1: the next smallest goes too.
    rows = [count("a", 1), count("b", 1), count("c", 8), count("d", 6)]
    assert hidden(rows) == Protected(frozenset({"a", "b", "d"}))


def test_rows_tied_at_the_smallest_size_are_hidden_together() -> None:
    # Taking the first 6 only would tell the reader the hidden one is at most 6.
    rows = [count("a", 6), count("b", 4), count("c", 6), count("d", 30)]
    assert hidden(rows) == Protected(frozenset({"a", "b", "c"}))


def test_zeros_are_shown_and_never_hidden_to_protect_another() -> None:
    rows = [count("a", 0), count("b", 2), count("c", 0), count("d", 11), count("e", 15)]
    assert hidden(rows) == Protected(frozenset({"b", "d"}))


def test_a_small_total_hides_every_row_of_its_table_zeros_included() -> None:
    rows = [count("a", 1), count("b", 0), count("c", 2)]
    assert hidden(rows) == Protected(frozenset({"a", "b", "c"}), total_hidden=True)


def test_a_table_that_cannot_hide_its_rows_hides_its_total() -> None:
    # Five groups of one child, total 5: whatever is hidden, each group holds one.
    rows = [count(key, 1) for key in "abcde"]
    assert hidden(rows) == Protected(frozenset("abcde"), total_hidden=True)


def test_when_the_rows_run_out_a_zero_row_keeps_them_hidden() -> None:
    rows = [count(key, 1) for key in "abcde"] + [count("f", 0)]
    assert hidden(rows) == Protected(frozenset("abcdef"), total_hidden=False)


def test_a_rate_of_three_in_forty_is_hidden_with_the_next_smallest_rate() -> None:
    rows = [rate("a", 3, 40), rate("b", 20, 60), rate("c", 12, 50), rate("d", 30, 90)]
    assert hidden(rows) == Protected(frozenset({"a", "c"}))


def test_a_rate_with_a_complement_of_two_is_hidden() -> None:
    # 38 of 40: the two who did not are as identifiable as two who did.
    rows = [rate("a", 38, 40), rate("b", 20, 60), rate("c", 12, 50), rate("d", 30, 90)]
    assert hidden(rows) == Protected(frozenset({"a", "c"}))


def test_a_median_of_three_waits_is_hidden_by_its_denominator() -> None:
    # Unit "days": the value is a median of 3 waits, 2 of them within the target.
    rows = [Row("a", 2, 3, 3), Row("b", 10, 25, 25), Row("c", 14, 30, 30)]
    assert hidden(rows) == Protected(frozenset({"a", "b"}))


def test_a_row_about_few_children_is_hidden_whatever_its_counts() -> None:
    # 8 referrals about 3 children.
    rows = [Row("a", 8, None, 3), count("b", 9), count("c", 20)]
    assert hidden(rows) == Protected(frozenset({"a", "b"}))


def test_hidden_rates_must_differ_in_numerator_denominator_and_complement() -> None:
    # 3 of 40 and 3 of 50 hidden together share a numerator, which no swap of the two could
    # change; a third row is hidden with them.
    rows = [rate("a", 3, 40), rate("b", 3, 50), rate("c", 20, 80)]
    assert hidden(rows) == Protected(frozenset({"a", "b", "c"}))


def test_a_table_mixing_counts_and_rates_or_repeating_a_key_is_refused() -> None:
    with pytest.raises(ValueError, match="all counts"):
        protect([count("a", 1), rate("b", 1, 2)], below=BELOW, total=None)
    with pytest.raises(ValueError, match="own key"):
        protect([count("a", 1), count("a", 2)], below=BELOW, total=None)


# The attacker can find a number, so passing it means something


def test_the_old_rule_lets_a_small_number_be_worked_out_from_the_total() -> None:
    rows = [count("a", 3), count("b", 7), count("c", 9)]
    table = Published.of(rows, total_of(rows), old_rule(rows, below=BELOW, total=None))
    assert table.rows[0] == Shown("a", None, None)
    assert recoverable_cells(table, below=BELOW, publish=old_rule) == {"a"}


def test_two_hidden_ones_are_found_by_the_attacker() -> None:
    rows = [count("a", 1), count("b", 1), count("c", 8), count("d", 6)]
    naive = naive_secondary(rows, below=BELOW, total=None)
    assert naive.hidden == {"a", "b"}
    table = Published.of(rows, total_of(rows), naive)
    assert recoverable_cells(table, below=BELOW, publish=naive_secondary) == {"a", "b"}


def test_an_attacker_who_knows_the_rule_bounds_a_secondary_row_by_the_rows_shown() -> None:
    # The naive rule hides the first 5 (a) beside the small 4 (c); knowing that it would have
    # taken the 5 before it (b) had a been smaller, the reader pins a to 5 and c to 4.
    rows = [count("a", 5), count("b", 5), count("c", 4), count("d", 100)]
    naive = naive_secondary(rows, below=BELOW, total=None)
    assert naive.hidden == {"a", "c"}
    table = Published.of(rows, total_of(rows), naive)
    assert recoverable_cells(table, below=BELOW, publish=naive_secondary) == {"a", "c"}
    ours = Published.of(rows, total_of(rows), hidden(rows))
    assert recoverable_cells(ours, below=BELOW, truth=rows) == set()


# By brute force, on random tables

SMALLISH = st.one_of(st.integers(0, 12), st.integers(0, 12), st.integers(0, 12), st.integers(0, 60))


@st.composite
def tables(draw: st.DrawFn) -> tuple[list[Row], Row | None, int]:
    below = draw(st.integers(3, 10))
    size = draw(st.integers(1, 8))
    rows = []
    if draw(st.booleans()):  # rates
        for i in range(size):
            denominator = draw(SMALLISH)
            numerator = draw(st.integers(0, denominator))
            rows.append(rate(f"g{i}", numerator, denominator))
    else:
        rows = [count(f"g{i}", draw(SMALLISH)) for i in range(size)]
    total = total_of(rows) if draw(st.integers(0, 4)) else None
    return rows, total, below


@settings(max_examples=400, deadline=None, derandomize=True)
@given(tables())
def test_no_hidden_number_can_be_worked_out_by_someone_who_knows_the_rule(
    table: tuple[list[Row], Row | None, int],
) -> None:
    rows, total, below = table
    shown = protect(rows, below=below, total=total)
    published = Published.of(rows, total, shown)
    assert recoverable_cells(published, below=below, truth=rows) == set()
    small = {row.key for row in rows if is_primary(row, below=below)}
    assert small <= shown.hidden
    zeros_hidden = any(row.key in shown.hidden for row in rows if row.empty)
    if zeros_hidden:  # only when nothing else will do
        assert {row.key for row in rows} <= shown.hidden


def test_the_attackers_guess_of_children_is_the_kpis() -> None:
    assert (children_of(7, None), children_of(3, 40)) == (7, 40)


def test_the_attacker_reads_tables_of_thousands_in_moments() -> None:
    rows = [count("a", 3), count("b", 1200), count("c", 2500), count("d", 800), count("e", 0)]
    ours = hidden(rows)
    assert ours == Protected(frozenset({"a", "d"}))
    assert recoverable_cells(Published.of(rows, total_of(rows), ours), below=BELOW, truth=rows) == (
        set()
    )
    old = Published.of(rows, total_of(rows), old_rule(rows, below=BELOW, total=None))
    assert recoverable_cells(old, below=BELOW, publish=old_rule) == {"a"}
