"""The product's one clock: now and today come from `onedoor.clock`, and every test runs on
the personas' calendar whatever the machine's clock says (`make test` proves it 400 days
ahead)."""

from __future__ import annotations

import ast
from datetime import UTC, date, datetime
from pathlib import Path

import time_machine

from onedoor import clock

PRODUCT = Path(__file__).resolve().parent.parent / "onedoor"
TESTS = PRODUCT.parent / "tests"


def test_every_test_starts_on_the_personas_calendar() -> None:
    assert (clock.today(), clock.now().astimezone(clock.LONDON).hour) == (date(2026, 11, 20), 12)


def test_today_is_the_date_in_london_not_in_utc(
    time_machine: time_machine.TimeMachineFixture,
) -> None:
    time_machine.move_to(datetime(2026, 6, 30, 23, 30, tzinfo=UTC), tick=False)
    assert (clock.now(), clock.today()) == (
        datetime(2026, 6, 30, 23, 30, tzinfo=UTC),
        date(2026, 7, 1),  # 00:30 British Summer Time
    )
    time_machine.move_to(datetime(2026, 12, 31, 23, 30, tzinfo=UTC), tick=False)
    assert clock.today() == date(2026, 12, 31)  # Greenwich Mean Time: London is UTC


READS = {"timezone.now", "datetime.now", "datetime.utcnow", "date.today", "time.time"}


def _reads_of_the_time(path: Path) -> list[str]:
    """Calls that would read the machine's clock behind the product's back."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            name = owner.id if isinstance(owner, ast.Name) else getattr(owner, "attr", "")
            call = f"{name}.{node.func.attr}"
            no_arguments = not node.args and not node.keywords
            if call in READS or (
                call in {"timezone.localdate", "timezone.localtime"} and no_arguments
            ):
                found.append(f"{path.relative_to(PRODUCT.parent)}:{node.lineno} {call}")
    return found


def test_nothing_in_the_product_reads_the_time_but_the_clock() -> None:
    modules = [
        path
        for path in PRODUCT.rglob("*.py")
        if "migrations" not in path.parts and PRODUCT / "clock" not in path.parents
    ]
    assert len(modules) > 100  # the scan really looked at the product
    assert [read for path in modules for read in _reads_of_the_time(path)] == []


def test_no_test_reads_the_machines_clock_beside_the_pinned_one() -> None:
    """A test that read the machine's clock (at import, say, before the clock is pinned) would
    pass today and fail on some later day."""
    modules = [path for path in TESTS.rglob("*.py") if path.name != "test_clock.py"]
    assert len(modules) > 50  # the scan really looked at the tests
    assert [read for path in modules for read in _reads_of_the_time(path)] == []
