"""The periodic jobs (`manage.py run_scheduler`): every `SCHEDULER_TICK_SECONDS` (300), a
tick runs each job once. The jobs are idempotent, so a tick may run late, twice or not at
all without harm; what matters is that the ticks go on.

A job that fails is logged with its exception's type only (a message could carry personal
data) and runs again at the next tick: one failure never stops the scheduler, nor the other
jobs in its tick. The scheduler's heartbeat is recorded only after a tick in which every job
ran, so `/health` turns unavailable when the jobs keep failing as surely as when the
scheduler has stopped.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NoReturn

from django.db import DatabaseError, close_old_connections

from onedoor.accounts.drafts import delete_expired_drafts
from onedoor.insights.series_cache import warm_series
from onedoor.insights.snapshots import take_snapshots
from onedoor.operations.heartbeats import SCHEDULER, beat
from onedoor.operations.lost_tasks import requeue_lost_tasks
from onedoor.operations.models import Process
from onedoor.referrals.saved_answers import delete_expired_answers
from onedoor.triage.escalation import escalate_overdue
from onedoor.webhooks.delivery import retry_due
from onedoor.worklist.reminders import send_reminders

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[], object]


# Looked up when each job runs (not bound here), so a test can replace one.
JOBS = (
    # Overdue red reviews, triage clocks and unacknowledged handovers climb the framework.
    Job("escalate_overdue", lambda: escalate_overdue()),
    # Red notifications, acknowledgements retried and the daily digest, each sent once.
    Job("send_reminders", lambda: send_reminders()),
    # Tasks a dead worker left RUNNING go back on the queue.
    Job("requeue_lost_tasks", lambda: requeue_lost_tasks()),
    # Drafts older than DRAFT_KEPT_FOR (what staff were writing at a timeout) are deleted.
    Job("delete_expired_drafts", lambda: delete_expired_drafts()),
    # The public referral form's answers not saved to for REFERRAL_ANSWERS_KEPT_FOR are deleted
    # (those saved for later, once their link has expired).
    Job("delete_expired_answers", lambda: delete_expired_answers()),
    # Event notifications to partners' systems due again after a failure (or whose task was
    # lost), and the administrators told of a subscription turned off (ADR 24).
    Job("retry_webhooks", lambda: retry_due()),
    # Once a London day, the month's snapshot of open referrals: the history of the KPIs that
    # describe things as they stand now (waiting, check-ins, reviews overdue).
    Job("take_kpi_snapshots", lambda: take_snapshots()),
    # Once a London day, every KPI's 24 months for the whole alliance, so that the
    # dashboard's first reader does not wait for them (`insights.series_cache`).
    Job("warm_kpi_series", lambda: warm_series()),
)


def tick(jobs: Sequence[Job] = JOBS) -> list[str]:
    """Run each job once, whatever the others do. The names of those that failed."""
    failed = []
    for job in jobs:
        try:
            job.run()
        except Exception as error:
            logger.error("Periodic job %s failed: %s", job.name, type(error).__name__)
            failed.append(job.name)
    if not failed:
        try:
            beat(Process.SCHEDULER, SCHEDULER)
        except DatabaseError as error:
            logger.error("The scheduler's heartbeat failed: %s", type(error).__name__)
            failed.append("heartbeat")
    return failed


def run(*, every: float, sleep: Callable[[float], object] = time.sleep) -> NoReturn:
    """Tick, then wait `every` seconds, for ever."""
    logger.info("Scheduler started: the periodic jobs run every %g s", every)
    while True:
        close_old_connections()  # as between requests: drop a broken or expired connection
        tick()
        sleep(every)
