"""The task worker that keeps going (`manage.py run_worker`).

It is django-tasks-db's worker with its own loop: each poll records the worker's heartbeat,
then claims and runs the next ready task. A database error in a poll (a lock, a dropped
connection, an outage) is logged with its type and the poll is tried again after a pause
that doubles up to 30 s, where `db_worker` would have exited. A task whose result could not
be recorded is handed back to the queue once the database answers. A task left RUNNING by
a worker that died is the scheduler's to re-queue (`lost_tasks.py`).
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from types import FrameType
from uuid import UUID

from django.db import DatabaseError, close_old_connections
from django.utils.crypto import get_random_string
from django_tasks import TaskResultStatus
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction

from onedoor import clock
from onedoor.operations.heartbeats import beat
from onedoor.operations.models import Process

logger = logging.getLogger(__name__)

BEAT_EVERY = timedelta(seconds=10)  # well inside HEALTH_WORKER_STALE_SECONDS
FIRST_PAUSE = 1.0  # seconds after a database error; doubling to LONGEST_PAUSE
LONGEST_PAUSE = 30.0


def new_worker_id() -> str:
    """Unique to this process: the host, the process id and a random part (at most 64)."""
    return f"{socket.gethostname()[:40]}-{os.getpid()}-{get_random_string(8)}"


def pause_after(failures: int) -> float:
    """The pause before polling again after `failures` database errors in a row."""
    return min(FIRST_PAUSE * 2 ** (failures - 1), LONGEST_PAUSE)


class Worker(db_worker.Worker):
    def __init__(
        self,
        *,
        worker_id: str,
        interval: float = 1.0,
        queue_names: tuple[str, ...] = ("default",),
        backend_name: str = "default",
        max_tasks: int | None = None,
        sleep: Callable[[float], object] = time.sleep,
    ) -> None:
        super().__init__(
            queue_names=list(queue_names),
            interval=interval,
            batch=False,
            backend_name=backend_name,
            startup_delay=False,
            max_tasks=max_tasks,
            worker_id=worker_id,
            excluded_queue_names=[],
        )
        self.sleep = sleep
        self.last_beat: datetime | None = None
        self.unfinished: list[tuple[UUID, datetime | None]] = []  # (task id, started at)

    def run(self) -> None:
        logger.info("Worker %s started", self.worker_id)
        failures = 0
        while self.running:
            try:
                close_old_connections()
                ran = self.poll()
            except DatabaseError as error:
                failures += 1
                pause = pause_after(failures)
                logger.warning(
                    "Worker %s: the database failed (%s); polling again in %g s",
                    self.worker_id, type(error).__name__, pause,
                )  # fmt: skip
                self.sleep(pause)
                continue
            failures = 0
            if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
                return
            if self.running and not ran:
                self.sleep(self.interval)

    def poll(self) -> bool:
        """Beat, hand back what could not be recorded, then claim the next ready task and
        run it. Whether it ran one."""
        if self.last_beat is None or clock.now() - self.last_beat >= BEAT_EVERY:
            beat(Process.WORKER, self.worker_id)
            self.last_beat = clock.now()
        self._hand_back()
        ready = DBTaskResult.objects.ready().filter(
            backend_name=self.backend_name, queue_name__in=self.queue_names
        )
        with exclusive_transaction(ready.db):
            task = ready.get_locked()
            if task is not None:
                task.claim(self.worker_id)  # RUNNING, so no other worker takes it
        if task is None:
            return False
        try:
            self.run_task(task)
        except DatabaseError:
            self.unfinished.append((task.pk, task.started_at))
            raise
        return True

    def _hand_back(self) -> None:
        """Put back on the queue the tasks this worker ran but could not mark finished
        (unless someone has claimed them since). The tasks are idempotent (ADR 8)."""
        while self.unfinished:
            pk, started_at = self.unfinished[-1]
            DBTaskResult.objects.filter(
                pk=pk, status=TaskResultStatus.RUNNING, started_at=started_at
            ).update(status=TaskResultStatus.READY)
            self.unfinished.pop()

    def shutdown(self, signum: int, frame: FrameType | None) -> None:
        # A stop arrives twice under the supervisor (`keep_running` passes on what the
        # process group already had): a second SIGTERM is the same request, so the task in
        # hand is still finished. A second Ctrl-C still forces the stop.
        if not self.running and signum == signal.SIGTERM:
            return
        super().shutdown(signum, frame)
