from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onedoor.accounts.models import User
from onedoor.alliance.models import Alliance
from onedoor.privacy.retention import NotApproved, Plan, due, run


class Command(BaseCommand):
    help = (
        "Records past their retention (privacy.retention): --dry-run lists what is due, "
        "counted by class and record type; --approved-by USERNAME (an active clinical lead) "
        "disposes of it, leaving a tombstone for each record."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        how = parser.add_mutually_exclusive_group(required=True)
        how.add_argument("--dry-run", action="store_true", help="list what is due; change nothing")
        how.add_argument("--approved-by", metavar="USERNAME", help="the clinical lead approving")
        parser.add_argument("--alliance", metavar="SLUG", help="needed when there are several")

    def handle(self, *args: Any, **options: Any) -> None:
        plan = due(_alliance(options["alliance"]))
        self._show(plan)
        if options["dry_run"]:
            self.stdout.write("Dry run: nothing was changed.")
            return
        approver = User.objects.filter(username=options["approved_by"]).first()
        if approver is None:
            raise CommandError("No account has that username.")
        if not plan.counts:
            self.stdout.write("Nothing is due: no run was recorded.")
            return
        try:
            done = run(plan, approved_by=approver)
        except NotApproved as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Disposed of {sum(plan.counts.values())} records, approved by "
            f"{approver.get_full_name() or approver.username}: run {done.uuid}."
        )

    def _show(self, plan: Plan) -> None:
        children, incidents = len(plan.children), len(plan.incidents)
        self.stdout.write(
            f"Due on {plan.today.isoformat()} in {plan.alliance.name}: the records of "
            f"{children} {'child' if children == 1 else 'children'}, "
            f"{incidents} {'incident' if incidents == 1 else 'incidents'}."
        )
        for retention, n in plan.by_class().items():
            self.stdout.write(f"  {retention}: {n}")
            for (of_class, record_type), count in sorted(plan.counts.items()):
                if of_class == retention:
                    self.stdout.write(f"    {record_type}: {count}")


def _alliance(slug: str | None) -> Alliance:
    alliances = Alliance.objects.order_by("slug")
    if slug:
        alliances = alliances.filter(slug=slug)
    found = list(alliances[:2])
    if len(found) != 1:
        raise CommandError(
            "No alliance has that slug." if slug else "Name the alliance with --alliance."
        )
    return found[0]
