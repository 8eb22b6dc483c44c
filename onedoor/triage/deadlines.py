"""When triage is due for a referral, from the alliance's configured clocks."""

from __future__ import annotations

from datetime import datetime

from onedoor.alliance.models import Alliance, TriageClock
from onedoor.triage.clock import ENGLAND_AND_WALES, clock_kind, due_at

# The queue's bands: red referrals a clinician has not yet reviewed stay on top.
RED_UNREVIEWED, EVERYTHING_ELSE = 0, 1


def triage_deadline(
    alliance: Alliance,
    *,
    received_at: datetime,
    risk_rating: str,
    priority_group: bool,
    disclosed_risk: bool = False,
) -> datetime:
    kind = clock_kind(
        risk_rating=risk_rating, priority_group=priority_group, disclosed_risk=disclosed_risk
    )
    clock = TriageClock.objects.get(alliance=alliance, kind=kind)
    return due_at(
        received_at=received_at, working_days=clock.working_days, calendar=ENGLAND_AND_WALES
    )


def queue_band(*, risk_rating: str, red_reviewed: bool) -> int:
    return RED_UNREVIEWED if risk_rating == "red" and not red_reviewed else EVERYTHING_ELSE
