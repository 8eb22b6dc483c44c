"""Newest-first keyset pages for the governance lists: ordered by a date or time field, then
the highest id, with the last row's values as the cursor (never OFFSET or a count)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TypeVar

from django.db.models import Model, Q, QuerySet

from onedoor.paging import Page

Row = TypeVar("Row", bound=Model)
PAGE_SIZE = 25


def _encode(value: date | datetime) -> str:
    if isinstance(value, datetime):
        return f"t{int(value.timestamp() * 1_000_000)}"
    return f"d{value.toordinal()}"


def _decode(part: str) -> date | datetime:
    if part.startswith("t"):
        return datetime.fromtimestamp(int(part[1:]) / 1_000_000, tz=UTC)
    if part.startswith("d"):
        return date.fromordinal(int(part[1:]))
    raise ValueError(part)


def newest_first(
    rows: QuerySet[Row], cursor: str, *, field: str, size: int = PAGE_SIZE
) -> Page[Row]:
    """One page of `rows`, the newest `field` first, then the highest id; `cursor` is ""
    for the first page (or when it is not one of ours)."""
    after: Q | None = None
    if cursor:
        try:
            value, pk = cursor.split("_")
            at = _decode(value)
            after = Q(**{f"{field}__lt": at}) | Q(**{field: at, "pk__lt": int(pk)})
        except (ValueError, OverflowError, OSError):
            after = None
    if after is not None:
        rows = rows.filter(after)
    found = list(rows.order_by(f"-{field}", "-pk")[: size + 1])
    if len(found) <= size:
        return Page(found, "", first=after is None)
    last = found[size - 1]
    following = f"{_encode(getattr(last, field))}_{last.pk}"
    return Page(found[:size], following, first=after is None)
