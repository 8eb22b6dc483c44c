from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from onedoor.alliance.models import Alliance
from onedoor.alliance.practices import PracticeFileError, load_file
from onedoor.audit.trail import Action, record


class Command(BaseCommand):
    help = (
        "Load the alliance's GP practices from the NHS's practice file (epraccur.csv): every "
        "line is checked first, and one bad line loads nothing. The practices in the "
        "alliance's postcode districts replace its list; one a referral names is kept, closed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="the practice file, e.g. epraccur.csv")
        parser.add_argument(
            "--alliance",
            default=settings.ALLIANCE_SLUG,
            help="the alliance's slug (default: %(default)s)",
        )

    def handle(self, *args: Any, path: Path, alliance: str, **options: Any) -> None:
        found = Alliance.objects.filter(slug=alliance).first()
        if found is None:
            raise CommandError(f"No alliance has the slug '{alliance}': load it first.")
        try:
            loaded = load_file(found, path)
        except PracticeFileError as error:
            raise CommandError(f"{path}: nothing was loaded.\n{error}") from error
        record(
            Action.CONFIGURATION_LOADED,
            actor=None,
            record_type="gp_practices",
            record_id=found.slug,
            detail={
                "file": path.name,
                "in_area": loaded.in_area,
                "added": loaded.added,
                "updated": loaded.updated,
                "closed": loaded.closed,
                "removed": loaded.removed,
            },
        )
        self.stdout.write(
            f"Loaded {loaded.in_area} GP practices in {found.area_name}: {loaded.added} added, "
            f"{loaded.updated} updated, {loaded.closed} closed (named by referrals), "
            f"{loaded.removed} removed."
        )
