from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from onedoor.access.models import RoleRequest
from onedoor.access.roles import approve_on_the_server


class Command(BaseCommand):
    help = (
        "Approve a waiting role request when no clinical lead can (the deployment's first "
        "clinical lead). Lists the waiting requests without an argument."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("request", nargs="?", help="the request's id, as listed")

    def handle(self, *args: Any, **options: Any) -> None:
        waiting = RoleRequest.objects.filter(decided_at__isnull=True).select_related(
            "user", "organisation"
        )
        if not options["request"]:
            for asked in waiting.order_by("requested_at"):
                self.stdout.write(
                    f"{asked.uuid}  {asked.user.username}: {asked.get_role_display()}, "
                    f"{asked.organisation.slug}"
                )
            return
        wanted = _uuid(options["request"])
        found = waiting.filter(uuid=wanted).first() if wanted else None
        if found is None:
            raise CommandError("No waiting role request has that id.")
        try:
            asked = approve_on_the_server(found)
        except (PermissionDenied, ValidationError) as error:
            raise CommandError(" ".join(getattr(error, "messages", [str(error)]))) from error
        self.stdout.write(f"Approved: {found.user.username} is a {asked.get_role_display()}.")


def _uuid(text: str) -> UUID | None:
    try:
        return UUID(text)
    except ValueError:
        return None
