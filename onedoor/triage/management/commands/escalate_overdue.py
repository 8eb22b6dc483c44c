from typing import Any

from django.core.management.base import BaseCommand

from onedoor.triage.escalation import escalate_overdue


class Command(BaseCommand):
    help = (
        "Escalate overdue red reviews and handovers up the framework. "
        "Idempotent: run it every few minutes."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        raised = escalate_overdue()
        self.stdout.write(f"Escalations raised: {raised}")
