"""The database tier really runs on the database DATABASE_URL names.

SQLite (no DATABASE_URL) must run in WAL mode with durable commits (synchronous=FULL);
under `python -m onedoor.testing.postgres -- pytest ...` the same tests run on PostgreSQL.
"""

import copy
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.db.backends.sqlite3.base import DatabaseWrapper as SQLiteDatabaseWrapper
from django.db.backends.sqlite3.creation import DatabaseCreation as SQLiteDatabaseCreation

SYNCHRONOUS_FULL = 2


def _pragma(cursor: object, name: str) -> object:
    cursor.execute(f"PRAGMA {name}")  # type: ignore[attr-defined]
    return cursor.fetchone()[0]  # type: ignore[attr-defined]


@pytest.mark.django_db
def test_the_tests_run_on_the_database_that_database_url_names(tmp_path: Path) -> None:
    database_url = os.environ.get("DATABASE_URL", "")
    expected = "postgresql" if database_url.startswith("postgres") else "sqlite"
    assert connection.vendor == expected

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_database(), version()")
            database, version = cursor.fetchone()
        assert database.startswith("test_")  # the test runner's own database
        assert version.startswith("PostgreSQL")
        return

    # SQLite: the project's settings ask for WAL and synchronous=FULL on every connection.
    options = settings.DATABASES["default"]["OPTIONS"]
    init_command = options["init_command"].replace(" ", "").lower()
    assert "pragmajournal_mode=wal;" in init_command
    assert "pragmasynchronous=full;" in init_command

    # The test database itself: pytest-django's SQLite test database is usually in
    # memory, where SQLite reports journal_mode "memory" (WAL needs a file).
    with connection.cursor() as cursor:
        journal_mode = _pragma(cursor, "journal_mode")
        synchronous = _pragma(cursor, "synchronous")
    in_memory = SQLiteDatabaseCreation.is_in_memory_db(connection.settings_dict["NAME"])
    assert journal_mode == ("memory" if in_memory else "wal")
    assert synchronous == SYNCHRONOUS_FULL

    # A fresh file database opened with the project's own OPTIONS really is WAL + FULL.
    probe_settings = copy.deepcopy(connection.settings_dict)
    probe_settings["NAME"] = str(tmp_path / "probe.sqlite3")
    probe = SQLiteDatabaseWrapper(probe_settings, alias="probe")
    try:
        with probe.cursor() as cursor:
            assert _pragma(cursor, "journal_mode") == "wal"
            assert _pragma(cursor, "synchronous") == SYNCHRONOUS_FULL
            assert _pragma(cursor, "foreign_keys") == 1
    finally:
        probe.close()
