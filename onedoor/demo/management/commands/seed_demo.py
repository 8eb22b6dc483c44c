import os
import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from onedoor import clock
from onedoor.alliance.models import Alliance
from onedoor.audit.trail import Action, record
from onedoor.demo.audits import seed_audit_rounds
from onedoor.demo.history import seed_snapshot_history
from onedoor.demo.population import (
    DemoAccountClash,
    ensure_demo_accounts,
    refer_as_the_demo_gp,
    seed_population,
)


def progress_bar(done: int, total: int, width: int = 30) -> None:
    filled = width * done // max(total, 1)
    sys.stderr.write(f"\r  children [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
    if done >= total:
        sys.stderr.write("\n")
    sys.stderr.flush()


class Command(BaseCommand):
    help = "Load the synthetic demo alliance: demo accounts (one per role) and children."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--children", type=int, default=500, help="How many children.")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--no-progress", action="store_true")
        parser.add_argument(
            "--outside-demo-mode",
            action="store_true",
            help="Load demo data although DEMO_MODE is off (for benchmarks on a scratch database).",
        )

    def handle(
        self, *args: Any, children: int, seed: int, no_progress: bool, **options: Any
    ) -> None:
        if not (settings.DEMO_MODE or options["outside_demo_mode"]):
            raise CommandError(
                "Demo data is loaded only in demo mode: set DEMO_MODE=true "
                "(or pass --outside-demo-mode on a scratch database)"
            )
        if children < 0:
            raise CommandError("--children must be 0 or more")
        alliance = Alliance.objects.filter(slug=settings.ALLIANCE_SLUG).first()
        if alliance is None:
            raise CommandError(
                f"No alliance '{settings.ALLIANCE_SLUG}' is loaded: run load_alliance first"
            )
        try:
            accounts = ensure_demo_accounts(alliance, os.environ.get("DEMO_PASSWORD") or None)
        except DemoAccountClash as error:
            raise CommandError(str(error)) from error
        new = seed_population(
            alliance, children, seed=seed, progress=None if no_progress else progress_bar
        )
        seed_audit_rounds(alliance, clock.today())
        seed_snapshot_history(alliance)
        refer_as_the_demo_gp(alliance)
        record(
            Action.DEMO_DATA_LOADED,
            actor=None,
            record_type="alliance",
            record_id=alliance.slug,
            detail={"children": children, "new_children": new, "seed": seed},
        )
        self.stdout.write(f"Demo data: {new} new children ({children} in the demo population).")
        if accounts.created:
            self.stdout.write(f"Created {len(accounts.created)} demo accounts.")
        if accounts.password:
            self.stdout.write(
                "Demo password (shown once; set DEMO_PASSWORD to choose your own): "
                f"{accounts.password}"
            )
