"""The signed-in user with their organisation, read on every request by one statement.

`User.objects.select_related("organisation").get(pk=...)` cost about 390-540 µs a request,
nearly all of it the ORM building and compiling the same query again; the statement runs in
a few microseconds. Here the statement is written once a process from the two models'
columns, and each row is turned into a `User` and its `Organisation` exactly as the ORM does:
every column through the database's and the field's own converters, then `Model.from_db`,
the organisation cached on the user as `select_related` leaves it. The user is still read
from the database on every request, so a deactivated account or a changed role or
organisation takes effect on the next request (ADR 32; B2 in `make bench`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, TypeVar, cast

from django.core.exceptions import ValidationError
from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model

from onedoor.accounts.models import User

M = TypeVar("M", bound=Model)
# The organisation's model as the user's key names it: `alliance` sits above `accounts`, which
# imports nothing of it.
Organisation = cast("type[Model]", User._meta.get_field("organisation").related_model)
Converter = Callable[[Any, Any, BaseDatabaseWrapper], Any]


class _Read:
    """The statement and each column's converters, for one database."""

    def __init__(self, connection: BaseDatabaseWrapper) -> None:
        quote = connection.ops.quote_name
        users, organisations = User._meta.db_table, Organisation._meta.db_table
        self.user_fields: Sequence[Field[Any, Any]] = User._meta.concrete_fields
        self.organisation_fields: Sequence[Field[Any, Any]] = Organisation._meta.concrete_fields
        columns = [(users, field) for field in self.user_fields] + [
            (organisations, field) for field in self.organisation_fields
        ]
        selected = ", ".join(f"{quote(table)}.{quote(field.column)}" for table, field in columns)
        self.sql = (
            f"SELECT {selected} FROM {quote(users)} "  # noqa: S608 (the models' own names)
            f"LEFT OUTER JOIN {quote(organisations)} ON {quote(organisations)}.{quote('id')} = "
            f"{quote(users)}.{quote(User.organisation.field.column)} "
            f"WHERE {quote(users)}.{quote(User._meta.pk.column)} = %s"
        )
        self.converters = [self._converters(connection, table, field) for table, field in columns]

    @staticmethod
    def _converters(
        connection: BaseDatabaseWrapper, table: str, field: Field[Any, Any]
    ) -> list[tuple[Converter, Any]]:
        column = field.get_col(table)
        found = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        return [(converter, column) for converter in found]

    def row_to_user(self, connection: BaseDatabaseWrapper, row: Sequence[Any]) -> User:
        values = []
        for value, converters in zip(row, self.converters, strict=True):
            for converter, column in converters:
                value = converter(value, column, connection)
            values.append(value)
        count = len(self.user_fields)
        user = _from_db(User, connection.alias, self.user_fields, values[:count])
        organisation = None
        if values[count] is not None:  # the organisation's primary key
            organisation = _from_db(
                Organisation, connection.alias, self.organisation_fields, values[count:]
            )
        User.organisation.field.set_cached_value(user, organisation)
        return user


def _from_db(model: type[M], alias: str, fields: Sequence[Field[Any, Any]], values: list[Any]) -> M:
    return model.from_db(alias, [field.attname for field in fields], values)


@functools.cache
def _read_for(alias: str) -> _Read:
    return _Read(connections[alias])


def read_user(user_id: object) -> User | None:
    """The user whose primary key the session holds, with their organisation; None if there
    is no such user (or the key is not one)."""
    try:
        pk = User._meta.pk.to_python(user_id)
    except ValidationError:
        return None
    connection = connections[router.db_for_read(User)]
    read = _read_for(connection.alias)
    with connection.cursor() as cursor:
        cursor.execute(read.sql, [pk])
        row = cursor.fetchone()
    return None if row is None else read.row_to_user(connection, row)
