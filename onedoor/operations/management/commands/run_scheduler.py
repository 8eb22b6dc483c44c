from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from onedoor.operations.scheduler import run


class Command(BaseCommand):
    help = (
        "Run the periodic jobs (escalate_overdue, send_reminders, re-queueing tasks a dead "
        "worker left running) every SCHEDULER_TICK_SECONDS, for ever. The Procfile's scheduler."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        run(every=settings.SCHEDULER_TICK_SECONDS)
