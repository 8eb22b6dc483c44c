"""Django's SQLite backend, with each write transaction's start waiting its turn on a lock
file beside the database (ADR 0031).

SQLite lets one transaction write at a time. Every transaction here begins `IMMEDIATE` (the
settings' `transaction_mode`), so it takes the write lock at `BEGIN`; a second writer then
waits in SQLite's busy handler, which sleeps and polls. The writer that just committed comes
back at once and usually wins, so under load some writers wait many seconds for a turn (B7).
Here a writer first takes an exclusive `flock` on `<database>-writers`: the kernel wakes the
waiters as soon as the lock is free, and the write lock is then always free at `BEGIN`. The
turn ends when the transaction commits, rolls back or its connection closes. An in-memory
database (the tests' own) has one process and takes no turns.
"""

from __future__ import annotations

import fcntl
import os
from typing import Any

from django.db.backends.sqlite3 import base


class DatabaseWrapper(base.DatabaseWrapper):
    _turns: int | None = None  # the lock file, open while the connection is
    _in_turn = False

    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        connection = super().get_new_connection(conn_params)
        if not self.is_in_memory_db():
            self._turns = os.open(f"{self.settings_dict['NAME']}-writers", os.O_RDWR | os.O_CREAT)
        return connection

    def _start_transaction_under_autocommit(self) -> None:
        self._take_turn()
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]  # private in django-stubs
        except BaseException:
            self._end_turn()
            raise

    def _commit(self) -> None:
        try:
            super()._commit()  # type: ignore[misc]  # private in django-stubs
        finally:
            self._end_turn()

    def _rollback(self) -> None:
        try:
            super()._rollback()  # type: ignore[misc]  # private in django-stubs
        finally:
            self._end_turn()

    def _close(self) -> None:
        try:
            super()._close()  # type: ignore[misc]  # private in django-stubs
        finally:
            self._end_turn()
            if self._turns is not None:
                os.close(self._turns)
                self._turns = None

    def _take_turn(self) -> None:
        if self._turns is not None and not self._in_turn:
            fcntl.flock(self._turns, fcntl.LOCK_EX)
            self._in_turn = True

    def _end_turn(self) -> None:
        if self._turns is not None and self._in_turn:
            fcntl.flock(self._turns, fcntl.LOCK_UN)
            self._in_turn = False
