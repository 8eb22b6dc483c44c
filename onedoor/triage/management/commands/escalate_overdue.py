from typing import Any

from django.core.management.base import BaseCommand

from onedoor.triage.escalation import escalate_overdue_reds


class Command(BaseCommand):
    help = "Escalate overdue red reviews up the framework. Idempotent: run it every few minutes."

    def handle(self, *args: Any, **options: Any) -> None:
        raised = escalate_overdue_reds()
        self.stdout.write(f"Escalations raised: {raised}")
