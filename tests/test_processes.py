"""The service keeps itself running (ADR 0009): the periodic jobs go on after a failure, the
task worker survives a locked database, a task left RUNNING by a dead worker runs exactly
once, `/health` names a stale worker or scheduler, and the Procfile's supervisor starts a
killed worker again.

The worker and scheduler loops are run in the test process with their sleep replaced, so
nothing here waits on a timer; only the last test starts real processes.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.core import mail
from django.db import OperationalError
from django.test import Client
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult, DBTaskResultQuerySet

from onedoor.alliance.models import Alliance
from onedoor.operations import scheduler
from onedoor.operations.heartbeats import SCHEDULER, beat
from onedoor.operations.keep_running import next_pause
from onedoor.operations.lost_tasks import requeue_lost_tasks
from onedoor.operations.models import Heartbeat, Process
from onedoor.operations.scheduler import Job, tick
from onedoor.operations.worker import Worker
from onedoor.referrals.models import Referral
from onedoor.worklist.reminders import Sent, send_reminders
from tests.personas import NOW, People, make_child

ROOT = Path(__file__).resolve().parent.parent

RUNS: list[str] = []  # every run of `count_a_run`, in this process


@task()
def count_a_run(label: str) -> None:
    """A task whose every run is counted: idempotence would hide a second run of a real one."""
    RUNS.append(label)


@pytest.fixture(autouse=True)
def _no_runs_yet() -> None:
    RUNS.clear()


class _Stop(Exception):
    """Raised by a test's sleep to end a loop that would otherwise run for ever."""


def _sleeps(stop_after: int) -> tuple[list[float], Callable[[float], None]]:
    """A sleep that records each pause and ends the loop at the `stop_after`th."""
    pauses: list[float] = []

    def sleep(seconds: float) -> None:
        pauses.append(seconds)
        if len(pauses) == stop_after:
            raise _Stop

    return pauses, sleep


def _never(seconds: float) -> None:
    raise AssertionError(f"the worker had a task ready, yet waited {seconds} s")


def _messages(caplog: pytest.LogCaptureFixture, logger: str) -> list[tuple[int, str]]:
    return [(r.levelno, r.getMessage()) for r in caplog.records if r.name == logger]


# The periodic jobs


@pytest.mark.django_db(transaction=True)
def test_a_periodic_job_that_fails_once_runs_again_at_its_next_tick(
    alliance: Alliance,
    people: People,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    people.clinical_lead.email = "cal@example.org"
    people.clinical_lead.save(update_fields=["email"])
    red = make_child(alliance, "Rory").referrals.get()
    Referral.objects.filter(pk=red.pk).update(
        risk_rating="red", queue_band=1, triage_due_at=NOW + timedelta(hours=5)
    )
    results: list[Sent] = []

    def fails_the_first_time() -> Sent:
        if not results:
            results.append(Sent(0, 0, 0))
            raise OperationalError("database is locked")
        results.append(send_reminders())
        return results[-1]

    monkeypatch.setattr(scheduler, "send_reminders", fails_the_first_time)
    beaten: list[bool] = []
    pauses: list[float] = []

    def sleep(seconds: float) -> None:
        pauses.append(seconds)
        beaten.append(Heartbeat.objects.filter(process=Process.SCHEDULER).exists())
        if len(pauses) == 2:
            raise _Stop

    caplog.set_level(logging.INFO, logger="onedoor.operations")
    with pytest.raises(_Stop):
        scheduler.run(every=300, sleep=sleep)

    assert pauses == [300, 300]
    assert results[1] == Sent(red=1, acknowledgements=0, digests=1)
    assert sorted((m.to[0], str(m.subject)) for m in mail.outbox) == [
        ("cal@example.org", "OneDoor: 1 task due today or overdue"),
        ("cal@example.org", f"Red referral {red.reference_display}: clinical review needed today"),
    ]
    assert beaten == [False, True]  # the heartbeat waits for a tick in which every job ran
    assert _messages(caplog, "onedoor.operations.scheduler") == [
        (logging.INFO, "Scheduler started: the periodic jobs run every 300 s"),
        (logging.ERROR, "Periodic job send_reminders failed: OperationalError"),
    ]  # the exception's type only: never its message


def test_one_failing_job_does_not_stop_the_others_in_its_tick(db: None) -> None:
    ran: list[str] = []

    def fails() -> None:
        ran.append("first")
        raise RuntimeError("no personal data here, but never logged anyway")

    assert tick([Job("first", fails), Job("second", lambda: ran.append("second"))]) == ["first"]
    assert ran == ["first", "second"]
    assert Heartbeat.objects.count() == 0
    assert tick([Job("second", lambda: ran.append("second"))]) == []
    assert list(Heartbeat.objects.values_list("process", "name")) == [("scheduler", SCHEDULER)]


# The task worker


@pytest.mark.django_db(transaction=True)
def test_the_worker_carries_on_after_the_database_is_locked_and_then_runs_the_task(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    result = count_a_run.enqueue("after the lock")
    get_locked = DBTaskResultQuerySet.get_locked
    polls: list[str] = []

    def locked_once(queryset: DBTaskResultQuerySet) -> DBTaskResult | None:
        polls.append("poll")
        if len(polls) == 1:
            raise OperationalError("database is locked")
        return get_locked(queryset)

    monkeypatch.setattr(DBTaskResultQuerySet, "get_locked", locked_once)
    pauses: list[float] = []
    caplog.set_level(logging.INFO, logger="onedoor.operations")
    Worker(worker_id="w-1", max_tasks=1, sleep=pauses.append).run()

    assert (polls, pauses, RUNS) == (["poll", "poll"], [1.0], ["after the lock"])
    done = DBTaskResult.objects.get(pk=result.id)
    assert (done.status, done.worker_ids) == (TaskResultStatus.SUCCESSFUL, ["w-1"])
    assert _messages(caplog, "onedoor.operations.worker") == [
        (logging.INFO, "Worker w-1 started"),
        (
            logging.WARNING,
            "Worker w-1: the database failed (OperationalError); polling again in 1 s",
        ),
    ]
    assert list(Heartbeat.objects.values_list("process", "name")) == [("worker", "w-1")]


def _failing_once(method: Callable[[DBTaskResult, object], None]) -> Callable[..., None]:
    failed: list[bool] = []

    def fails_the_first_time(self: DBTaskResult, value: object) -> None:
        if not failed:
            failed.append(True)
            raise OperationalError("database is locked")
        method(self, value)

    return fails_the_first_time


@pytest.mark.django_db(transaction=True)
def test_a_task_whose_end_could_not_be_recorded_goes_back_on_the_queue(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The database failed as the task finished: the worker hands it back, and it runs again
    (at least once, never lost: the project's tasks are idempotent)."""
    result = count_a_run.enqueue("unrecorded")
    for name in ("set_successful", "set_failed"):
        monkeypatch.setattr(DBTaskResult, name, _failing_once(getattr(DBTaskResult, name)))
    pauses: list[float] = []
    Worker(worker_id="w-1", max_tasks=1, sleep=pauses.append).run()

    assert (RUNS, pauses) == (["unrecorded", "unrecorded"], [1.0])
    done = DBTaskResult.objects.get(pk=result.id)
    assert (done.status, done.worker_ids) == (TaskResultStatus.SUCCESSFUL, ["w-1", "w-1"])


@pytest.mark.django_db(transaction=True)
def test_a_task_left_running_by_a_dead_worker_is_requeued_once_and_runs_exactly_once(
    time_machine: time_machine.TimeMachineFixture,
    settings,  # type: ignore[no-untyped-def]
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings.HEALTH_WORKER_STALE_SECONDS = 120
    lost = DBTaskResult.objects.get(pk=count_a_run.enqueue("lost").id)
    busy = DBTaskResult.objects.get(pk=count_a_run.enqueue("busy").id)
    time_machine.move_to(NOW - timedelta(minutes=10), tick=False)
    lost.claim("gone-worker")  # then the worker was killed
    beat(Process.WORKER, "gone-worker")
    busy.claim("busy-worker")  # a long task: its worker is still alive
    time_machine.move_to(NOW, tick=True)
    beat(Process.WORKER, "busy-worker")

    caplog.set_level(logging.INFO, logger="onedoor.operations")
    assert tick() == []
    assert requeue_lost_tasks() == 0  # a second run finds nothing more to do
    lost.refresh_from_db()
    busy.refresh_from_db()
    assert (lost.status, busy.status) == (TaskResultStatus.READY, TaskResultStatus.RUNNING)
    assert _messages(caplog, "onedoor.operations.lost_tasks") == [
        (logging.WARNING, "Re-queued 1 task(s) left running by a worker that is gone")
    ]

    Worker(worker_id="new-worker", max_tasks=1, sleep=_never).run()
    pauses, sleep = _sleeps(stop_after=1)
    with pytest.raises(_Stop):  # polls again, finds nothing ready, and waits
        Worker(worker_id="new-worker", sleep=sleep).run()

    assert RUNS == ["lost"]
    lost.refresh_from_db()
    busy.refresh_from_db()
    assert (lost.status, lost.worker_ids) == (
        TaskResultStatus.SUCCESSFUL, ["gone-worker", "new-worker"],
    )  # fmt: skip
    assert (busy.status, busy.worker_ids) == (TaskResultStatus.RUNNING, ["busy-worker"])
    assert pauses == [1.0]


# /health


def _beats(time_machine: time_machine.TimeMachineFixture, *, worker: int, scheduler: int) -> None:
    """The worker's heartbeat `worker` seconds before NOW, the scheduler's `scheduler`."""
    for process, name, ago in (
        (Process.WORKER, "w-1", worker),
        (Process.SCHEDULER, SCHEDULER, scheduler),
    ):
        time_machine.move_to(NOW - timedelta(seconds=ago), tick=False)
        beat(process, name)
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def _limits(settings) -> None:  # type: ignore[no-untyped-def]
    settings.HEALTH_WORKER_STALE_SECONDS = 120
    settings.HEALTH_SCHEDULER_STALE_SECONDS = 900


@pytest.mark.usefixtures("_limits")
def test_health_answers_200_when_the_worker_and_the_scheduler_are_fresh(
    client: Client, db: None, time_machine: time_machine.TimeMachineFixture
) -> None:
    _beats(time_machine, worker=120, scheduler=900)  # each exactly at its limit
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "worker": "2026-11-20T11:58:00+00:00",
        "scheduler": "2026-11-20T11:45:00+00:00",
        "reasons": [],
    }


@pytest.mark.usefixtures("_limits")
def test_health_answers_503_naming_a_stale_worker(
    client: Client, db: None, time_machine: time_machine.TimeMachineFixture
) -> None:
    _beats(time_machine, worker=121, scheduler=10)
    response = client.get("/health")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "database": "ok",
        "worker": "2026-11-20T11:57:59+00:00",
        "scheduler": "2026-11-20T11:59:50+00:00",
        "reasons": ["worker: last heartbeat more than 120 s ago"],
    }


@pytest.mark.usefixtures("_limits")
def test_health_answers_503_naming_a_stale_scheduler_and_a_worker_never_seen(
    client: Client, db: None, time_machine: time_machine.TimeMachineFixture
) -> None:
    time_machine.move_to(NOW - timedelta(seconds=901), tick=False)
    beat(Process.SCHEDULER, SCHEDULER)
    time_machine.move_to(NOW, tick=False)
    response = client.get("/health")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "database": "ok",
        "worker": None,
        "scheduler": "2026-11-20T11:44:59+00:00",
        "reasons": [
            "worker: no heartbeat",
            "scheduler: last heartbeat more than 900 s ago",
        ],
    }


# The supervisor


def test_the_pause_before_a_restart_doubles_to_a_minute_and_resets_after_a_steady_run() -> None:
    pauses = [next_pause(None, 0.5)]
    for _ in range(7):
        pauses.append(next_pause(pauses[-1], 0.5))
    assert pauses == [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0]
    assert next_pause(60.0, 60.0) == 1.0  # it had been running for a minute


def _workers(database: Path) -> list[int]:
    """The process ids of the workers that have beaten, from their worker ids."""
    try:
        with sqlite3.connect(database, timeout=5) as connection:
            rows = connection.execute(
                "SELECT name FROM operations_heartbeat WHERE process = 'worker'"
            ).fetchall()
    except sqlite3.OperationalError:  # not migrated yet, or busy
        return []
    return [int(name.rsplit("-", 2)[1]) for (name,) in rows]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat").read_text()
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie is dead too


def _wait_for(what: str, found: Callable[[], object], deadline: float, log: Path) -> None:
    while not found():
        if time.monotonic() > deadline:
            pytest.fail(f"No {what} in time. The formation's log:\n{log.read_text()[-3000:]}")
        time.sleep(0.2)


def test_a_killed_worker_is_started_again_by_the_procfile_under_honcho(tmp_path: Path) -> None:
    """`honcho start worker`, as `make run` starts it (without the web and the scheduler),
    on a throwaway SQLite database: SIGKILL the worker, and a new one beats."""
    database = tmp_path / "onedoor.sqlite3"
    bin_dir = Path(sys.executable).parent
    env = {
        **os.environ,
        "ONEDOOR_TESTING": "1",
        "DATABASE_URL": "",
        "SQLITE_PATH": str(database),
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        "PYTHONUNBUFFERED": "1",
        "DJANGO_SETTINGS_MODULE": "onedoor.settings",
    }
    migrate = (
        "import django; django.setup(); from django.core.management import call_command; "
        "call_command('migrate', 'django_tasks_database', verbosity=0); "
        "call_command('migrate', 'operations', verbosity=0)"
    )
    subprocess.run([sys.executable, "-c", migrate], cwd=ROOT, env=env, check=True, timeout=30)
    # Bounds for a busy machine (it takes some 20 s in all); nothing asserts a duration.
    deadline = time.monotonic() + 45
    log = tmp_path / "honcho.log"
    groups: list[int] = []
    with log.open("wb") as output:
        honcho = subprocess.Popen(
            [str(bin_dir / "honcho"), "start", "--no-colour", "worker"],
            cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    groups.append(honcho.pid)
    try:
        _wait_for("worker heartbeat", lambda: _workers(database), deadline, log)
        [first] = _workers(database)
        groups.append(os.getpgid(first))  # the worker line's own group (honcho makes one)
        os.kill(first, signal.SIGKILL)
        _wait_for(
            "new worker",
            lambda: [pid for pid in _workers(database) if pid != first and _alive(pid)],
            deadline,
            log,
        )
        assert honcho.poll() is None  # the formation did not stop
        assert not _alive(first)
        assert "keep_running: python manage.py run_worker" in log.read_text()
    finally:
        for group in groups:  # honcho stops the worker's group; this is a backstop
            with contextlib.suppress(ProcessLookupError):
                os.killpg(group, signal.SIGTERM)
        try:
            honcho.wait(timeout=15)
        finally:
            for group in groups:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(group, signal.SIGKILL)
            honcho.wait(timeout=5)
