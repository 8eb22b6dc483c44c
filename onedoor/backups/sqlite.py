"""A consistent copy of a live SQLite database, made with SQLite's online backup API.

The copy is taken in one step of the backup API, inside one read transaction, so it is the
database as it stood at one moment, whatever other processes commit meanwhile (in WAL mode
they carry on writing; nobody waits for the backup). It is written into a temporary file in
the destination's folder, created readable and writable only by its owner (0600) before a
byte of data goes into it, turned into a single self-contained file (rollback journal, no
`-wal` beside it), checked with `PRAGMA integrity_check`, flushed to disk, and only then
given the destination's name in one step. So the destination is either absent or a whole,
checked copy: never half of one, and never readable by others, not even for a moment.

Restoring is copying the file back into place with its mode (`cp -p`): see docs/deploy.md.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import tempfile
from pathlib import Path

# Filesystems without hard links answer os.link with one of these.
NO_HARD_LINKS = {errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK}


class BackupRefused(Exception):
    """No backup was written, for a reason the person running it can act on."""


def back_up(source: sqlite3.Connection, destination: Path, *, overwrite: bool = False) -> int:
    """Copy the database open on `source` to the file `destination`; return its size in bytes.

    Refuses (`BackupRefused`) to replace an existing file unless `overwrite`. On any failure
    nothing is left behind: no temporary file, and the destination as it was.
    """
    folder = destination.parent
    if destination.is_dir():
        raise BackupRefused(
            f"{destination} is a folder. Name the backup file, for example "
            f"{destination / 'onedoor.sqlite3'}."
        )
    if not folder.is_dir():
        raise BackupRefused(f"There is no folder {folder} to write the backup into.")
    if destination.exists() and not overwrite:
        raise BackupRefused(_exists(destination))

    # mkstemp creates the file with mode 0600 whatever the umask: the copy is private from
    # its first byte, with no window before a chmod.
    handle, temp_name = tempfile.mkstemp(
        prefix=f".{destination.name}.", suffix=".partial", dir=folder
    )
    os.close(handle)
    temp = Path(temp_name)
    try:
        _copy(source, temp)
        _flush(temp)
        _move_into_place(temp, destination, overwrite=overwrite)
        _flush(folder)
    finally:
        temp.unlink(missing_ok=True)
    return destination.stat().st_size


def _exists(destination: Path) -> str:
    return f"{destination} already exists. Choose another name, or use --force to replace it."


def _copy(source: sqlite3.Connection, temp: Path) -> None:
    copy = sqlite3.connect(temp, isolation_level=None)
    try:
        # pages=-1: the whole database in one step, so one consistent snapshot.
        source.backup(copy, pages=-1)
        # The copy arrives in the source's WAL mode; a backup should be one file.
        copy.execute("PRAGMA journal_mode=DELETE")
        problems = [row[0] for row in copy.execute("PRAGMA integrity_check")]
        if problems != ["ok"]:
            raise BackupRefused(
                "The copy failed SQLite's integrity check, so it was not kept: "
                + "; ".join(problems[:3])
            )
    finally:
        copy.close()


def _flush(path: Path) -> None:
    """fsync a file or a folder, so the copy and its name survive a power cut."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _move_into_place(temp: Path, destination: Path, *, overwrite: bool) -> None:
    if overwrite:
        os.replace(temp, destination)
        return
    try:
        # A hard link never replaces an existing file, so a file that appeared since the
        # check above is kept, not overwritten. back_up removes the temporary name.
        os.link(temp, destination)
    except FileExistsError:
        raise BackupRefused(_exists(destination)) from None
    except OSError as exc:
        if exc.errno not in NO_HARD_LINKS:
            raise
        # No hard links here (some network filesystems): check, then rename.
        if destination.exists():
            raise BackupRefused(_exists(destination)) from None
        os.replace(temp, destination)
