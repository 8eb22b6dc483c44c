"""SQLite's writers take turns (ADR 0031): processes writing at once to one database file all
finish, none sees "database is locked", and every row each wrote is there."""

from __future__ import annotations

import multiprocessing
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, connections, transaction
from django.db.utils import ConnectionHandler

from onedoor.sqlite.base import DatabaseWrapper

PROCESSES = 8
WRITES = 5
# Some work inside each transaction, so that the writers' transactions overlap.
COUNTING = (
    "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 20000)"
    " SELECT sum(x) FROM n"
)


def _settings(path: Path) -> dict[str, Any]:
    return {
        "ENGINE": "onedoor.sqlite",
        "NAME": str(path),
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            # Far shorter than any wait for a turn here: a writer that reached SQLite's busy
            # handler instead of waiting its turn would fail with "database is locked".
            "timeout": 0.001,
            "init_command": "PRAGMA journal_mode=WAL;PRAGMA synchronous=FULL;",
        },
    }


def _database(path: Path) -> DatabaseWrapper:
    database = ConnectionHandler({"default": _settings(path)})["default"]
    assert isinstance(database, DatabaseWrapper)
    return database


def _write(path: Path, number: int, errors: Any) -> None:
    database = _database(path)
    connections["writers"] = database  # this forked process's own connection, for `atomic`
    database.alias = "writers"
    try:
        for write in range(WRITES):
            with transaction.atomic(using="writers"), database.cursor() as cursor:
                # Read, then write after a pause: a transaction holding the write lock a while.
                cursor.execute("SELECT count(*) FROM written")
                cursor.execute(COUNTING)
                cursor.execute("INSERT INTO written (writer, n) VALUES (%s, %s)", [number, write])
    except Exception as error:  # reported to the test, which fails on it
        errors.put(f"{number}: {error}")
    finally:
        database.close()


def test_eight_processes_writing_at_once_all_finish_with_no_database_locked(
    tmp_path: Path, django_db_blocker: Any
) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's single writer; PostgreSQL locks rows")
    with django_db_blocker.unblock():
        _write_at_once(tmp_path)


def _write_at_once(tmp_path: Path) -> None:
    path = tmp_path / "writers.sqlite3"
    setup = _database(path)
    with setup.cursor() as cursor:
        cursor.execute("CREATE TABLE written (writer integer, n integer)")
    setup.close()
    forking = multiprocessing.get_context("fork")
    errors = forking.Queue()
    processes = [
        forking.Process(target=_write, args=(path, number, errors)) for number in range(PROCESSES)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
    assert [process.exitcode for process in processes] == [0] * PROCESSES
    assert errors.empty(), errors.get()
    check = _database(path)
    with check.cursor() as cursor:
        cursor.execute("SELECT writer, count(*) FROM written GROUP BY writer ORDER BY writer")
        written = cursor.fetchall()
    check.close()
    assert written == [(number, WRITES) for number in range(PROCESSES)]
