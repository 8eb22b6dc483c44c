"""When triage is due for a referral, and when an urgent disclosure must be screened by,
from the alliance's configured clocks."""

from __future__ import annotations

from datetime import datetime

from onedoor.alliance.models import Alliance, TriageClock
from onedoor.clock.calendar import ENGLAND_AND_WALES, add_working_hours, clock_kind, due_at


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


def screening_deadline(alliance: Alliance, *, received_at: datetime) -> datetime:
    """When a referral that discloses a risk to life must have been screened by a triage
    lead: the alliance's `urgent_screening_hours` working hours after it arrived."""
    return add_working_hours(received_at, alliance.urgent_screening_hours, ENGLAND_AND_WALES)
