from typing import Any

from django.core.management.base import BaseCommand, CommandError

from onedoor.audit.models import AuditEvent
from onedoor.audit.trail import verify_chain


class Command(BaseCommand):
    help = "Check that no audit row has been edited, deleted or reordered. Exits 1 if any has."

    def handle(self, *args: Any, **options: Any) -> None:
        fault = next(verify_chain(), None)
        if fault is not None:
            raise CommandError(f"Audit trail broken at the first bad row: {fault}")
        count = AuditEvent.objects.count()
        self.stdout.write(f"Audit trail intact: {count} rows verified.")
