"""Tasks a dead worker left running: the scheduler hands them back to the queue.

django-tasks-db marks a task RUNNING when a worker claims it, and only that worker ever
marks it finished. A worker killed mid-task (or by a crash, or a lost machine) would leave it
RUNNING for ever. Each worker records a heartbeat under its worker id (the id the task
records in `worker_ids`), so a RUNNING task whose worker's heartbeat is stale, or missing, was
left by a worker that is gone.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from onedoor import clock
from onedoor.operations.heartbeats import stale_after
from onedoor.operations.models import Heartbeat, Process

logger = logging.getLogger(__name__)

# A worker's heartbeat row outlives the worker by this long, then goes.
FORGET_WORKERS_AFTER = timedelta(days=1)


def requeue_lost_tasks(now: datetime | None = None) -> int:
    """Put back on the queue every task left RUNNING by a worker that is gone: one whose
    heartbeat is older than `HEALTH_WORKER_STALE_SECONDS` (or missing), for a task that
    started before that too. Returns how many were re-queued.

    Each task moves with one conditional UPDATE (still RUNNING, the same start), so it is
    re-queued once however many schedulers run, and never after another worker has claimed
    it again. The tasks are idempotent (ADR 8): a worker that was only slow, not gone, does
    no harm by finishing too.
    """
    now = now or clock.now()
    since = now - stale_after(Process.WORKER)
    alive = set(
        Heartbeat.objects.filter(process=Process.WORKER, beat_at__gte=since).values_list(
            "name", flat=True
        )
    )
    requeued = 0
    running = DBTaskResult.objects.running().filter(started_at__lt=since)
    for task in running.only("id", "started_at", "worker_ids"):
        if task.worker_ids and task.worker_ids[-1] in alive:
            continue
        requeued += DBTaskResult.objects.filter(
            pk=task.pk, status=TaskResultStatus.RUNNING, started_at=task.started_at
        ).update(status=TaskResultStatus.READY)
    if requeued:
        logger.warning("Re-queued %d task(s) left running by a worker that is gone", requeued)
    Heartbeat.objects.filter(
        process=Process.WORKER, beat_at__lt=now - FORGET_WORKERS_AFTER
    ).delete()
    return requeued
