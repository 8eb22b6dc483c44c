from typing import Any

from django.core.management.base import BaseCommand

from onedoor.worklist.reminders import send_reminders


class Command(BaseCommand):
    help = "Send red notifications, acknowledgements and daily digests. Idempotent: run it often."

    def handle(self, *args: Any, **options: Any) -> None:
        done = send_reminders()
        self.stdout.write(
            f"Sent: {done.red} red, {done.acknowledgements} acknowledgements, "
            f"{done.digests} digests"
        )
