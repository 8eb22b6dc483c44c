from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from onedoor.operations.worker import Worker, new_worker_id


class Command(BaseCommand):
    help = (
        "Run background tasks (django-tasks-db) with a heartbeat, surviving a database error "
        "in one poll. The Procfile's worker."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--interval", type=float, default=1.0, help="Seconds between polls when idle."
        )
        parser.add_argument("--worker-id", default="", help="Default: host, pid and random.")

    def handle(self, *args: Any, interval: float, worker_id: str, **options: Any) -> None:
        worker = Worker(worker_id=worker_id or new_worker_id(), interval=interval)
        worker.configure_signals()
        worker.run()
