"""B6: analysts' extracts. For the records and the care contacts (MHS201) extracts, rows a
second of the CSV the view sends (`insights.views.extract_csv`) against rows a second of the
same statement written by the database itself (`extracts.copy_rows`: `COPY ... TO STDOUT` on
PostgreSQL, the cursor's rows through the csv module on SQLite), medians of runs interleaved
in one run; and how much memory an export's peak adds (tracemalloc), which the batches bound
whatever the alliance's size."""

from __future__ import annotations

import tracemalloc
from functools import partial

from onedoor.alliance.models import Alliance
from onedoor.bench.harness import Context, interleaved, p50
from onedoor.bench.measure import Row
from onedoor.insights.extracts import copy_rows
from onedoor.insights.views import extract_csv

MIB = 1024 * 1024
# The extracts measured, by name, and what the table calls them.
MEASURED = {"records": "records extract", "mhsds-care-contacts": "contacts extract (MHS201)"}


def send(name: str, alliance: Alliance) -> int:
    """The extract as the view sends it, thrown away; how many characters."""
    return sum(len(text) for text in extract_csv(name, alliance))


def peak_growth(name: str, alliance: Alliance) -> float:
    """How far above what was allocated before it an export's peak went, in MiB."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before, _ = tracemalloc.get_traced_memory()
        send(name, alliance)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return (peak - before) / MIB


def run(context: Context) -> list[Row]:
    alliance = context.alliance
    assert alliance is not None
    rows: list[Row] = []
    for name, label in MEASURED.items():
        count = copy_rows(name, alliance)
        medians = interleaved(
            {
                "product": partial(send, name, alliance),
                "yardstick": partial(copy_rows, name, alliance),
            },
            context.times(3),
            p50,
        )
        product = count / (medians["product"] / 1000)
        yardstick = count / (medians["yardstick"] / 1000)
        yardstick_name = "COPY" if context.vendor == "postgresql" else "cursor + csv"
        rows += [
            Row(
                "B6",
                f"{label} rows/s / {yardstick_name} rows/s",
                product / yardstick,
                "ratio",
                (">=", 0.3),
            ),
            Row(
                "B6",
                f"{label}, export peak memory growth",
                peak_growth(name, alliance),
                "MiB",
                ("<=", 64.0),
            ),
            Row("B6", f"{label} rows/s, as the view sends it", product, "rows/s"),
            Row("B6", f"{label} rows/s, {yardstick_name}", yardstick, "rows/s"),
            Row("B6", f"{label} rows", count, "count"),
        ]
    return rows
