"""What waits on the triage team, as the home page counts it and the queue lists it
(`/triage/?waiting=`): one rule for the count and the list.

- an urgent disclosure no triage lead has screened (the queue's top band);
- a red referral no clinician has reviewed (the next band);
- a triage clock past its deadline: awaiting triage, the clock running (not paused for
  information), its deadline reached (`clock.calendar.time_left` says overdue from the
  deadline itself), as the escalation framework counts it.

A referral waiting for the clinical lead's sign-off is the queue's own state filter
(`?state=awaiting_sign_off`).
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q

from onedoor.referrals.bands import RED_UNREVIEWED, URGENT_UNSCREENED
from onedoor.referrals.models import Status

# `?waiting=` on the queue, and what it shows, in words.
WAITING = {
    "urgent": "Urgent disclosures not yet screened",
    "red_review": "Red referrals not yet reviewed",
    "overdue": "Triage clocks overdue",
}


def waiting_on_triage(waiting: str, now: datetime) -> Q:
    """The referrals (a `Q` on `Referral`) that wait on the triage team as `waiting` says."""
    from onedoor.triage.queue import TRIAGE_STATES  # the queue filters by these rules

    return {
        "urgent": Q(queue_band=URGENT_UNSCREENED, status__in=TRIAGE_STATES),
        "red_review": Q(queue_band=RED_UNREVIEWED, status__in=TRIAGE_STATES),
        "overdue": Q(
            status=Status.AWAITING_TRIAGE, clock_paused_at__isnull=True, triage_due_at__lte=now
        ),
    }[waiting]
