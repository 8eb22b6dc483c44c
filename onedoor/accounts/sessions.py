"""The session engine (`SESSION_ENGINE`): Django's database sessions, read by one plain
statement.

Every signed-in request reads its session before anything else. Through the ORM the read
cost 180-250 µs, nearly all of it building and compiling the query; the statement below, the
same query written once, costs about 20 µs (measured for B2 in `make bench`, docs/scaling.md).
Only the read changes: creating, saving, rotating and deleting a session are Django's own, so
signing out still deletes the row and ends the session in every worker at once, and a session
past its `expire_date` still reads as empty.
"""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import connections, router

from onedoor import clock


class SessionStore(DatabaseSessionStore):
    def load(self) -> dict[str, Any]:
        model = self.model
        connection = connections[router.db_for_read(model)]
        quote = connection.ops.quote_name
        read = (
            f"SELECT {quote('session_data')} FROM {quote(model._meta.db_table)} "  # noqa: S608
            f"WHERE {quote('session_key')} = %s AND {quote('expire_date')} > %s"
        )
        now = connection.ops.adapt_datetimefield_value(clock.now())
        with connection.cursor() as cursor:
            cursor.execute(read, [self.session_key, now])
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return {}
        return self.decode(row[0])
