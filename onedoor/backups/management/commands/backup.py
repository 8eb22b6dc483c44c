import sqlite3
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from onedoor.backups.sqlite import BackupRefused, back_up

ON_POSTGRESQL = (
    "manage.py backup copies SQLite databases only, and this deployment uses PostgreSQL. "
    "Back it up with pg_dump -Fc (restore with pg_restore), or with continuous archiving "
    "for point-in-time recovery: see docs/deploy.md, section Backups."
)


class Command(BaseCommand):
    help = (
        "Copy the live SQLite database to a new file, readable only by its owner (0600), with "
        "SQLite's online backup API: a consistent copy while OneDoor keeps running. Restore "
        "by copying the file back into place (docs/deploy.md). Not for PostgreSQL: use pg_dump."
    )
    # A backup must work when the rest of the project does not (say after a bad release,
    # before rolling back), so it does not wait on the system checks of URLs and templates.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "destination", type=Path, help="the backup file to write, in an existing folder"
        )
        parser.add_argument(
            "--force", action="store_true", help="replace the destination if it already exists"
        )

    def handle(self, *args: Any, destination: Path, force: bool, **options: Any) -> None:
        if connection.vendor == "postgresql":
            raise CommandError(ON_POSTGRESQL)
        if connection.vendor != "sqlite":
            raise CommandError(
                f"manage.py backup copies SQLite databases only; this one is {connection.vendor}."
            )
        name = str(connection.settings_dict["NAME"])
        if connection.is_in_memory_db():  # type: ignore[attr-defined]
            raise CommandError("The database is in memory: there is no file to back up.")
        live = Path(name).resolve()
        beside_live = {live, *(live.with_name(live.name + end) for end in ("-wal", "-shm"))}
        if destination.resolve() in beside_live:
            raise CommandError(f"{destination} is the live database. Write the backup elsewhere.")

        connection.ensure_connection()
        source: sqlite3.Connection = connection.connection  # type: ignore[assignment]
        try:
            size = back_up(source, destination, overwrite=force)
        except BackupRefused as exc:
            raise CommandError(str(exc)) from None
        except (OSError, sqlite3.Error) as exc:
            raise CommandError(f"The backup was not written: {exc}") from None
        self.stdout.write(f"Backed up {live} to {destination} ({size} bytes, mode 0600).")
