"""Keyset pages for long lists: never OFFSET or a COUNT, so a page costs the same at any
depth (ARCHITECTURE.md, "Database habits"). A list names its order (`Keyset`, a field
starting with "-" for newest or highest first); the "next page" link carries the last
row's values as an opaque cursor. A cursor that is not one of the list's own (hand-edited, or
from another list) is a bad request (400), never a crash or a silent first page."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Generic, TypeVar

from django.core.exceptions import BadRequest, ValidationError
from django.db.models import CharField, F, Field, Func, Model, QuerySet, Value
from django.db.models.lookups import GreaterThan, In, LessThan, Lookup
from django.http import HttpRequest

Row = TypeVar("Row", bound=Model)
Item = TypeVar("Item")
Key = int | date  # a keyset field's value (a datetime is a date too)
# The widest integer a database column holds (a signed 64-bit BIGINT).
BIGGEST = 2**63 - 1


class NotACursor(BadRequest):
    """`?after=` is not a cursor of this list: Django answers 400."""


def _encode(value: Key) -> str:
    if isinstance(value, datetime):
        return f"t{int(value.timestamp() * 1_000_000)}"
    if isinstance(value, date):
        return f"d{value.toordinal()}"
    return str(int(value))


def _decode(part: str) -> Key:
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


@CharField.register_lookup
class Among(In):
    """`field__among=(...)`: one of a fixed list of the code's own constants, written into the
    SQL rather than bound, so the database can match it to a partial index on the same list
    (SQLite never matches a bound list). On SQLite the column is written `+column`, its
    documented way to keep the column's own index (`status`, say) out of a plan: without
    statistics the planner would take it, then read and sort every row it finds. A partial
    index for such a list declares its condition with this lookup too (`triage_queue_order`)."""

    lookup_name = "among"

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        column, params = self.process_lhs(compiler, connection)
        constants = ", ".join(_constant(value) for value in self.rhs)
        plus = "+" if connection.vendor == "sqlite" else ""
        return f"{plus}{column} IN ({constants})", list(params)


def _constant(value: object) -> str:
    """A constant as an SQL literal: only lower-case letters and underscores, never quoted
    text, so nothing typed can reach the SQL this way."""
    text = str(value)
    if not re.fullmatch("[a-z_]+", text):
        raise ValueError(f"{text!r} is not one of the code's constants")
    return f"'{text}'"


class _Row(Func):
    """A row value, `(a, b, c)`: compared with another as a whole, column by column from the
    left (SQLite 3.15 and later, PostgreSQL), so an index on those columns answers "after this
    row" as one range, where a chain of ORs would make the database read and sort them all."""

    function = ""
    output_field = Field()


@dataclass(frozen=True)
class Keyset:
    """An order to page through: fields, the last unique (the primary key), all in the same
    direction (all rising, or all starting with "-"), so "after the cursor's row" is one
    row-value comparison."""

    fields: tuple[str, ...]
    size: int = 50

    def __post_init__(self) -> None:
        falling = {field.startswith("-") for field in self.fields}
        assert len(falling) == 1, f"{self.fields}: a keyset's fields go in one direction"

    def _values(self, cursor: str) -> list[Key]:
        """The cursor's row, field by field; `NotACursor` when it is not one of ours."""
        try:
            values: list[Key] = [_decode(part) for part in cursor.split("_")]
        except (ValueError, OverflowError, OSError) as error:
            raise NotACursor("Not a cursor of this list") from error
        if len(values) != len(self.fields):
            raise NotACursor("Not a cursor of this list")
        return values

    def after(self, rows: QuerySet[Row], cursor: str) -> Lookup:
        """The condition for the rows of `rows` after the cursor's row: `(a, b, id) > (x, y, z)`
        (`<` newest first), each value typed by its field; `NotACursor` when the cursor is not
        one of ours, or a value is of the wrong kind for its field (a number for a date)."""
        names = [_name(field) for field in self.fields]
        try:
            values = [
                Value(field.get_prep_value(value), output_field=field)
                for field, value in zip(
                    (_field(rows, name) for name in names), self._values(cursor), strict=True
                )
            ]
        except (ValidationError, TypeError, ValueError) as error:
            raise NotACursor("Not a cursor of this list") from error
        beyond = LessThan if self.fields[0].startswith("-") else GreaterThan
        return beyond(_Row(*(F(name) for name in names)), _Row(*values))

    def query(self, rows: QuerySet[Row], cursor: str, size: int) -> QuerySet[Row]:
        """The query of a page: `size` rows of `rows` in this order after `cursor` ("" for the
        first), and one more, which tells whether there is a next page."""
        if cursor:
            rows = rows.filter(self.after(rows, cursor))
        return rows.order_by(*self.fields)[: size + 1]

    def page(self, rows: QuerySet[Row], cursor: str, size: int | None = None) -> Page[Row]:
        """One page of `rows` in this order, after `cursor` ("" for the first)."""
        size = size or self.size
        found = list(self.query(rows, cursor, size))
        if len(found) <= size:
            return Page(found, "", first=not cursor)
        last = found[size - 1]
        following = "_".join(_encode(_value(last, field)) for field in self.fields)
        return Page(found[:size], following, first=not cursor)


def _field(rows: QuerySet[Any], name: str) -> Field[Any, Any]:
    """The field (or annotation's output field) a keyset's `name` orders `rows` by."""
    if name in rows.query.annotations:
        return rows.query.annotations[name].output_field  # type: ignore[no-any-return]
    meta = rows.model._meta
    return meta.pk if name == "pk" else meta.get_field(name)  # type: ignore[return-value]


def _value(row: Any, field: str) -> Key:
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
