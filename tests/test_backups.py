"""Backups you can restore (`manage.py backup`, onedoor/backups/).

The first tests copy plain SQLite files with `back_up`. The rest run the real command in
subprocesses against a real file database, migrated once for the module: the restore drill
takes a backup while another process keeps writing the audit trail, restores it by copying the
file into place (`cp -p`, as docs/deploy.md says), and checks the copy as an operator would.
Nothing here asserts how long anything takes; the timeouts only stop a hung test.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from onedoor.backups.management.commands.backup import ON_POSTGRESQL
from onedoor.backups.sqlite import BackupRefused, back_up

ROOT = Path(__file__).resolve().parents[1]
PRIVATE = 0o600


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _rows(database: Path) -> list[tuple[int, str]]:
    with sqlite3.connect(database) as connection:
        return connection.execute("SELECT sequence, hash FROM chain ORDER BY sequence").fetchall()


class WatchedSource(sqlite3.Connection):
    """A source database that notes what the backup's folder holds as the copy begins, and
    can do something then (`meanwhile`), as another process might."""

    folder: Path
    seen: dict[str, int]
    meanwhile: Callable[[], object] | None = None

    def backup(
        self,
        target: sqlite3.Connection,
        *,
        pages: int = -1,
        progress: Callable[[int, int, int], object] | None = None,
        name: str = "main",
        sleep: float = 0.25,
    ) -> None:
        self.seen = {path.name: _mode(path) for path in self.folder.iterdir()}
        if self.meanwhile is not None:
            self.meanwhile()
        super().backup(target, pages=pages, progress=progress, name=name, sleep=sleep)


@pytest.fixture
def source(tmp_path: Path) -> Iterator[WatchedSource]:
    """A live database in WAL mode with a little chain in it, the last rows still in the WAL."""
    connection = sqlite3.connect(
        tmp_path / "live.sqlite3", factory=WatchedSource, isolation_level=None
    )
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("CREATE TABLE chain (sequence INTEGER PRIMARY KEY, hash TEXT NOT NULL)")
    connection.executemany("INSERT INTO chain VALUES (?, ?)", [(n, f"h{n}") for n in range(1, 6)])
    (tmp_path / "backups").mkdir()
    connection.folder = tmp_path / "backups"
    yield connection
    connection.close()


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    previous = os.umask(0)
    try:
        yield
    finally:
        os.umask(previous)


@pytest.mark.usefixtures("permissive_umask")
def test_a_backup_is_private_before_a_byte_is_copied_whatever_the_umask(
    source: WatchedSource,
) -> None:
    destination = source.folder / "onedoor.sqlite3"
    size = back_up(source, destination)

    [(temporary, mode_as_the_copy_began)] = source.seen.items()
    assert temporary.startswith(".onedoor.sqlite3.")
    assert temporary.endswith(".partial")
    assert mode_as_the_copy_began == PRIVATE
    assert sorted(path.name for path in source.folder.iterdir()) == ["onedoor.sqlite3"]
    assert (_mode(destination), size) == (PRIVATE, destination.stat().st_size)
    assert _rows(destination) == [(n, f"h{n}") for n in range(1, 6)]
    with sqlite3.connect(destination) as copy:  # one self-contained file: no -wal needed
        assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)


def test_it_refuses_to_replace_an_existing_file_and_leaves_it_as_it_was(
    source: WatchedSource,
) -> None:
    destination = source.folder / "onedoor.sqlite3"
    destination.write_bytes(b"yesterday's backup")

    with pytest.raises(BackupRefused) as refused:
        back_up(source, destination)

    assert str(refused.value) == (
        f"{destination} already exists. Choose another name, or use --force to replace it."
    )
    assert destination.read_bytes() == b"yesterday's backup"
    assert sorted(path.name for path in source.folder.iterdir()) == ["onedoor.sqlite3"]


def test_a_file_that_appears_while_the_copy_is_made_is_not_replaced(
    source: WatchedSource,
) -> None:
    destination = source.folder / "onedoor.sqlite3"
    source.meanwhile = lambda: destination.write_bytes(b"another operator's backup")

    with pytest.raises(BackupRefused):
        back_up(source, destination)

    assert destination.read_bytes() == b"another operator's backup"
    assert sorted(path.name for path in source.folder.iterdir()) == ["onedoor.sqlite3"]


def test_with_overwrite_the_file_is_replaced_by_a_new_private_one(source: WatchedSource) -> None:
    destination = source.folder / "onedoor.sqlite3"
    destination.write_bytes(b"yesterday's backup")
    destination.chmod(0o644)

    back_up(source, destination, overwrite=True)

    assert _mode(destination) == PRIVATE
    assert _rows(destination) == [(n, f"h{n}") for n in range(1, 6)]
    assert sorted(path.name for path in source.folder.iterdir()) == ["onedoor.sqlite3"]


def test_a_failed_backup_leaves_nothing_behind(source: WatchedSource) -> None:
    folder = source.folder
    source.close()

    with pytest.raises(sqlite3.ProgrammingError):
        back_up(source, folder / "onedoor.sqlite3")

    assert list(folder.iterdir()) == []


# The command, in subprocesses, on a real file database ------------------------------------


def _env(database: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "ONEDOOR_TESTING": "1",
        "DATABASE_URL": "",
        "SQLITE_PATH": str(database),
        "DJANGO_SETTINGS_MODULE": "onedoor.settings",
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


def _manage(database: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=_env(database, **extra),
        capture_output=True,
        text=True,
        timeout=300,
    )


def _chain(database: Path) -> list[tuple[int, str, str]]:
    with sqlite3.connect(database) as connection:
        return connection.execute(
            "SELECT sequence, prev_hash, hash FROM audit_auditevent ORDER BY sequence"
        ).fetchall()


def _head(database: Path) -> tuple[int, str]:
    with sqlite3.connect(database) as connection:
        return connection.execute(
            "SELECT last_sequence, last_hash FROM audit_audithead WHERE id = 1"
        ).fetchone()


def _count(database: Path) -> int:
    with sqlite3.connect(database) as connection:
        count: int = connection.execute("SELECT count(*) FROM audit_auditevent").fetchone()[0]
        return count


def _wait_until(what: str, done: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 120  # a hang guard, not a measurement
    while not done():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.05)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real, migrated SQLite database file (WAL mode, as the settings make it)."""
    database = tmp_path_factory.mktemp("live") / "onedoor.sqlite3"
    migrated = _manage(database, "migrate", "--noinput", "-v0")
    assert migrated.returncode == 0, migrated.stderr
    return database


# Appends audit rows through the one writer, audit.trail.record, one transaction each, until
# told to stop; says "writing" once it has written 50, and prints how many it wrote.
WRITER = """
import sys
from pathlib import Path

import django

django.setup()
from onedoor.audit.trail import Action, record

stop = Path(sys.argv[1])
written = 0
while not stop.exists():
    written += 1
    record(Action.CHANGE, actor=None, record_type="restore-drill", record_id=written)
    if written == 50:
        print("writing", flush=True)
print(written, flush=True)
"""


def test_the_restore_drill_a_backup_taken_during_writes_restores_to_a_verified_current_database(
    live: Path, tmp_path: Path
) -> None:
    rows_at_start = _count(live)
    stop = tmp_path / "stop-writing"
    backup = tmp_path / "backups" / "onedoor-backup.sqlite3"
    backup.parent.mkdir()
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(stop)],
        cwd=ROOT,
        env=_env(live),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout is not None
        assert writer.stdout.readline() == "writing\n"
        rows_before_the_backup = _count(live)
        made = _manage(live, "backup", str(backup))
        writing_throughout = writer.poll() is None
        copied = _chain(backup)
        # Let the writer get past the moment the copy was taken before stopping it.
        _wait_until("rows after the copy", lambda: _count(live) > len(copied))
    finally:
        stop.touch()
        written_text, writer_errors = writer.communicate(timeout=120)
    assert writer.returncode == 0, writer_errors
    assert (made.returncode, made.stderr) == (0, "")
    size = backup.stat().st_size
    assert made.stdout == f"Backed up {live.resolve()} to {backup} ({size} bytes, mode 0600).\n"
    assert writing_throughout

    # The copy is the chain as it stood at one moment during the writes: a prefix of the
    # live chain, gap-free from 1, its head at its last row.
    everything = _chain(live)
    assert len(everything) == rows_at_start + int(written_text)
    assert rows_before_the_backup <= len(copied) < len(everything)
    assert copied == everything[: len(copied)]
    assert [sequence for sequence, _prev, _hash in copied] == list(range(1, len(copied) + 1))
    assert _head(backup) == (copied[-1][0], copied[-1][2])
    assert _mode(backup) == PRIVATE
    assert sorted(path.name for path in backup.parent.iterdir()) == ["onedoor-backup.sqlite3"]

    # Restore: copy the file into place with its mode (cp -p), then check it as docs/deploy.md
    # says: the audit chain verifies and no migration is waiting.
    restored = tmp_path / "restored" / "onedoor.sqlite3"
    restored.parent.mkdir()
    shutil.copy2(backup, restored)
    verified = _manage(restored, "verify_audit")
    assert (verified.returncode, verified.stdout, verified.stderr) == (
        0,
        f"Audit trail intact: {len(copied)} rows verified.\n",
        "",
    )
    current = _manage(restored, "migrate", "--check")
    assert (current.returncode, current.stdout, current.stderr) == (0, "", "")
    assert _chain(restored) == copied
    assert _mode(restored) == PRIVATE


def test_the_command_refuses_to_overwrite_a_file_unless_forced(live: Path, tmp_path: Path) -> None:
    existing = tmp_path / "onedoor.sqlite3"
    existing.write_bytes(b"yesterday's backup")
    existing.chmod(0o644)

    refused = _manage(live, "backup", str(existing))

    assert (refused.returncode, refused.stdout, refused.stderr) == (
        1,
        "",
        f"CommandError: {existing} already exists. "
        "Choose another name, or use --force to replace it.\n",
    )
    assert existing.read_bytes() == b"yesterday's backup"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["onedoor.sqlite3"]

    forced = _manage(live, "backup", str(existing), "--force")

    assert (forced.returncode, forced.stderr) == (0, "")
    assert _mode(existing) == PRIVATE
    assert _chain(existing) == _chain(live)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["onedoor.sqlite3"]


def test_on_postgresql_the_command_says_to_use_pg_dump_and_writes_nothing(tmp_path: Path) -> None:
    destination = tmp_path / "onedoor.sqlite3"

    # Nothing listens on port 9: the command must refuse before it connects.
    refused = _manage(
        tmp_path / "unused.sqlite3",
        "backup",
        str(destination),
        DATABASE_URL="postgres://onedoor@127.0.0.1:9/onedoor",
    )

    assert (refused.returncode, refused.stdout, refused.stderr) == (
        1,
        "",
        f"CommandError: {ON_POSTGRESQL}\n",
    )
    assert ON_POSTGRESQL == (
        "manage.py backup copies SQLite databases only, and this deployment uses PostgreSQL. "
        "Back it up with pg_dump -Fc (restore with pg_restore), or with continuous archiving "
        "for point-in-time recovery: see docs/deploy.md, section Backups."
    )
    assert list(tmp_path.iterdir()) == []
