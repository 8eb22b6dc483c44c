"""B8: 100 public submissions at once, 20 of them sent twice at the same moment (a double
click, a retry), through the public form's action: `submit_referral` with the form's
submission key and the sender's address, as `referrals/views.py::send` calls it, each from a
thread of its own with its own database connection (not over HTTP: the form's pages before
"Send" only fill the session's answers). Counted afterwards in the database: submissions
with no referral (lost, goal 0) and submissions with more than one (doubled, goal 0).
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter

from onedoor.bench.harness import Context
from onedoor.bench.measure import Row
from onedoor.bench.writers import referral_answers

SUBMISSIONS = 100
SENT_TWICE = 20
THREADS = 16


def run(context: Context) -> list[Row]:
    import random

    from django.db import connection

    from onedoor.referrals.actions import submit_referral
    from onedoor.referrals.models import Referral

    chooser = random.Random(8)
    keys = [uuid.uuid4() for _ in range(SUBMISSIONS)]
    answers = {key: referral_answers(chooser) for key in keys}
    # The twice-sent ones side by side, so that both sends are in flight together.
    sends = [key for key in keys for _ in range(2 if key in keys[:SENT_TWICE] else 1)]
    failed: list[str] = []
    turn = threading.Lock()
    start = threading.Barrier(THREADS)

    def sender(number: int) -> None:
        from django.db import connections

        start.wait()
        try:
            while True:
                with turn:
                    if not sends:
                        return
                    key = sends.pop(0)
                try:
                    submit_referral(
                        answers=answers[key],
                        submission_key=key,
                        address=f"10.88.{number}.{len(sends) % 256}",
                    )
                except Exception as error:  # counted as lost below, and named
                    failed.append(f"{type(error).__name__}: {error}")
        finally:
            connections.close_all()

    with context.writing_to_a_copy():
        connection.close()
        threads = [threading.Thread(target=sender, args=(n,)) for n in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        made = Counter(
            Referral.objects.filter(submission_key__in=keys).values_list(
                "submission_key", flat=True
            )
        )
    lost = sum(1 for key in keys if made[key] == 0)
    doubled = sum(1 for key in keys if made[key] > 1)
    if failed:
        print(f"B8: {len(failed)} sends failed, the first: {failed[0]}")
    return [
        Row(
            "B8",
            f"{SUBMISSIONS} submissions at once, {SENT_TWICE} twice: lost",
            lost,
            "count",
            ("==", 0),
        ),
        Row(
            "B8",
            f"{SUBMISSIONS} submissions at once, {SENT_TWICE} twice: doubled",
            doubled,
            "count",
            ("==", 0),
        ),
        Row("B8", "sends that failed (a lost one's cause)", len(failed), "count"),
    ]
