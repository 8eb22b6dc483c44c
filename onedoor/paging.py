"""Keyset pages for long lists: never OFFSET or a COUNT, so a page costs the same at any
depth (ARCHITECTURE.md, "Database habits"). A list names its order (`Keyset`, a field
starting with "-" for newest or highest first); the "next page" link carries the last
row's values as an opaque cursor. A cursor that is not one of the list's own (hand-edited, or
from another list) is a bad request (400), never a crash or a silent first page."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Generic, TypeVar

from django.core.exceptions import BadRequest, ValidationError
from django.db.models import Model, Q, QuerySet
from django.http import HttpRequest

Row = TypeVar("Row", bound=Model)
Item = TypeVar("Item")
Value = int | date  # a datetime is a date too
# The widest integer a database column holds (a signed 64-bit BIGINT).
BIGGEST = 2**63 - 1


class NotACursor(BadRequest):
    """`?after=` is not a cursor of this list: Django answers 400."""


def _encode(value: Value) -> str:
    if isinstance(value, datetime):
        return f"t{int(value.timestamp() * 1_000_000)}"
    if isinstance(value, date):
        return f"d{value.toordinal()}"
    return str(int(value))


def _decode(part: str) -> Value:
    if part.startswith("t"):
        return datetime.fromtimestamp(int(part[1:]) / 1_000_000, tz=UTC)
    if part.startswith("d"):
        return date.fromordinal(int(part[1:]))
    number = int(part)
    if not -BIGGEST - 1 <= number <= BIGGEST:
        raise OverflowError(part)
    return number


def _name(field: str) -> str:
    return field.removeprefix("-")


@dataclass(frozen=True)
class Keyset:
    """An order to page through: fields, the last unique (the primary key)."""

    fields: tuple[str, ...]
    size: int = 50

    def after(self, cursor: str) -> Q:
        """Rows after the cursor's row; `NotACursor` when the cursor is not one of ours."""
        try:
            values: Sequence[Value] = [_decode(part) for part in cursor.split("_")]
        except (ValueError, OverflowError, OSError) as error:
            raise NotACursor("Not a cursor of this list") from error
        if len(values) != len(self.fields):
            raise NotACursor("Not a cursor of this list")
        names = [_name(field) for field in self.fields]
        condition = Q(pk__in=[])
        for i, field in enumerate(self.fields):
            equal = dict(zip(names[:i], values[:i], strict=True))
            beyond = "lt" if field.startswith("-") else "gt"
            condition |= Q(**equal, **{f"{names[i]}__{beyond}": values[i]})
        return condition

    def page(self, rows: QuerySet[Row], cursor: str, size: int | None = None) -> Page[Row]:
        """One page of `rows` in this order, after `cursor` ("" for the first)."""
        size = size or self.size
        after = self.after(cursor) if cursor else None
        if after is not None:
            try:  # a value of the wrong kind for its field (a number for a date)
                rows = rows.filter(after)
            except (ValidationError, TypeError, ValueError) as error:
                raise NotACursor("Not a cursor of this list") from error
        found = list(rows.order_by(*self.fields)[: size + 1])
        if len(found) <= size:
            return Page(found, "", first=after is None)
        last = found[size - 1]
        following = "_".join(_encode(_value(last, field)) for field in self.fields)
        return Page(found[:size], following, first=after is None)


def _value(row: Any, field: str) -> Value:
    value = getattr(row, _name(field))
    assert isinstance(value, int | date), f"{field} cannot be a keyset field"
    return value


@dataclass(frozen=True)
class Page(Generic[Item]):
    rows: list[Item]
    following: str  # the cursor of the next page, "" when this is the last
    first: bool

    def next_query(self, request: HttpRequest) -> str:
        """The query string of the next page, keeping the filters; "" on the last page."""
        if not self.following:
            return ""
        query = request.GET.copy()
        query["after"] = self.following
        return query.urlencode()
