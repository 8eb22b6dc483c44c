"""B7: SQLite, 16 writer processes submitting referrals beside one writer alone.

Each writer is a process of its own (forked, its own connection), submitting public referrals
through `submit_referral` (the rate-limit attempt and the referral, one transaction) for a
fixed time. Reported: "database is locked" errors (goal 0), the 16 writers' referrals per
second over one writer's (goal >= 0.4), whether every writer finished a referral in every
10-second window (1 or 0, goal 1), and the longest any writer waited between two referrals.
PostgreSQL has no single writer's lock to queue on: skipped there with a note.
"""

from __future__ import annotations

import itertools
import multiprocessing
import random
import string
import time
import uuid
from dataclasses import dataclass
from datetime import date
from multiprocessing.queues import Queue
from typing import TYPE_CHECKING

from onedoor.bench.harness import Context
from onedoor.bench.measure import Row

if TYPE_CHECKING:
    from onedoor.referrals.answers import ReferralAnswers

WRITERS = 16
WINDOW_S = 10.0
# Each measurement's length: two windows for the 16 writers, one for the writer alone.
MANY_S = 2 * WINDOW_S
ALONE_S = WINDOW_S


@dataclass
class Writer:
    """What one writer process did: when each referral was finished (seconds from the common
    start), and how many attempts failed on a locked database or otherwise."""

    finished: list[float]
    locked: int
    failed: int


def _name(chooser: random.Random) -> str:
    return "".join(chooser.choices(string.ascii_lowercase, k=9)).title()


def referral_answers(chooser: random.Random) -> ReferralAnswers:
    """A parent's public referral for a child with a made-up name (B7's writers, B8's
    submissions)."""
    from onedoor.referrals.answers import CarerAnswers, ReferralAnswers
    from onedoor.referrals.models import Route, Source

    family = _name(chooser)
    return ReferralAnswers(
        route=Route.PARENT,
        source=Source.PARENT,
        given_name=_name(chooser),
        family_name=family,
        date_of_birth=date(2012, 1, 1 + chooser.randrange(28)),
        gender="female",
        ethnicity="A",
        postcode="ME4 4AB",
        referrer_name=f"Sam {family}",
        referrer_relationship="Parent",
        referrer_email="parent@example.org",
        carers=(CarerAnswers(f"Sam {family}", "Parent", email="parent@example.org"),),
        reasons="Worries a lot.",
        needs=("anxiety",),
        risk_indicators=(),
        priority_groups=(),
        consent_to_refer=True,
        consent_given_by="parent_carer",
        consent_to_share=True,
    )


def _write(
    number: int, start_at: float, seconds: float, results: Queue[tuple[int, Writer]]
) -> None:
    from django.db import OperationalError, connections

    from onedoor.referrals.actions import submit_referral

    connections.close_all()  # a connection of this process's own, not the parent's
    chooser = random.Random(number)
    writer = Writer(finished=[], locked=0, failed=0)
    time.sleep(max(0.0, start_at - time.monotonic()))
    sent = 0
    while time.monotonic() - start_at < seconds:
        sent += 1
        try:
            submit_referral(
                answers=referral_answers(chooser),
                submission_key=uuid.uuid4(),
                address=f"10.{number}.{sent // 256 % 256}.{sent % 256}",
            )
        except OperationalError as error:
            if "locked" in str(error):
                writer.locked += 1
            else:
                writer.failed += 1
            continue
        writer.finished.append(time.monotonic() - start_at)
    connections.close_all()
    results.put((number, writer))


def _writers(count: int, seconds: float) -> list[Writer]:
    from django.db import connections

    connections.close_all()
    forking = multiprocessing.get_context("fork")
    results: Queue[tuple[int, Writer]] = forking.Queue()
    # The machine's monotonic clock, the same in every forked process, not the wall clock.
    start_at = time.monotonic() + 1.0  # every process forked and connected before the start
    processes = [
        forking.Process(target=_write, args=(number, start_at, seconds, results))
        for number in range(count)
    ]
    for process in processes:
        process.start()
    done = dict(results.get(timeout=seconds + 120) for _ in processes)
    for process in processes:
        process.join(timeout=30)
    return [done[number] for number in range(count)]


def _every_window(writers: list[Writer], seconds: float) -> bool:
    windows = int(seconds // WINDOW_S)
    return all(
        any(w * WINDOW_S <= at < (w + 1) * WINDOW_S for at in writer.finished)
        for writer in writers
        for w in range(windows)
    )


def _worst_wait_s(writers: list[Writer], seconds: float) -> float:
    worst = 0.0
    for writer in writers:
        moments = [0.0, *writer.finished, seconds]
        worst = max(worst, *(b - a for a, b in itertools.pairwise(moments)))
    return worst


def run(context: Context) -> list[Row]:
    if context.vendor != "sqlite":
        print("B7 writers: SQLite only (PostgreSQL has no single writer's lock); skipped")
        return []
    rounds = max(1, min(2, context.repeat))
    alone_rates: list[float] = []
    many_rates: list[float] = []
    locked = 0
    fair = True
    worst = 0.0
    with context.writing_to_a_copy():
        for _ in range(rounds):  # alone and together in turn, so that load falls on both alike
            (alone,) = _writers(1, ALONE_S)
            alone_rates.append(len(alone.finished) / ALONE_S)
            many = _writers(WRITERS, MANY_S)
            many_rates.append(sum(len(writer.finished) for writer in many) / MANY_S)
            locked += alone.locked + sum(writer.locked for writer in many)
            fair = fair and _every_window(many, MANY_S)
            worst = max(worst, _worst_wait_s(many, MANY_S))
    alone_rate = sum(alone_rates) / rounds
    many_rate = sum(many_rates) / rounds
    return [
        Row("B7", '"database is locked" errors, 16 writers', locked, "count", ("==", 0)),
        Row(
            "B7",
            "16 writers' referrals/s / 1 writer's",
            many_rate / alone_rate,
            "ratio",
            (">=", 0.4),
        ),
        Row(
            "B7",
            "every writer finishes a referral in every 10 s",
            1 if fair else 0,
            "count",
            ("==", 1),
        ),
        Row("B7", "worst wait between a writer's referrals", worst * 1000, "ms"),
        Row("B7", "1 writer, referrals/s", alone_rate, "req/s"),
        Row("B7", "16 writers, referrals/s", many_rate, "req/s"),
    ]
