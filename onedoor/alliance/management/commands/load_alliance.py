from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onedoor.alliance.loader import DEFAULT_FILE, ConfigurationError, load
from onedoor.audit.trail import Action, record


class Command(BaseCommand):
    help = "Load (or reload) an alliance's configuration from its data file. Idempotent."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", nargs="?", default=str(DEFAULT_FILE), type=Path)

    def handle(self, *args: Any, path: Path, **options: Any) -> None:
        try:
            alliance = load(path)
        except ConfigurationError as error:
            raise CommandError(str(error)) from error
        record(
            Action.CONFIGURATION_LOADED,
            actor=None,
            record_type="alliance",
            record_id=alliance.slug,
            detail={"file": path.name, "config_version": alliance.config_version},
        )
        self.stdout.write(f"Loaded {alliance.name} (version {alliance.config_version}).")
