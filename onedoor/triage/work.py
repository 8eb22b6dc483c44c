"""My tasks from triage: a referral that discloses a risk to life (suicidal thoughts,
self-harm or harm to others) and that no triage lead has screened is work for the triage
team and the clinical leads from the moment it arrives until it is screened, due the
alliance's `urgent_screening_hours` working hours after it arrived. Derived from the
referral itself, like every task (`worklist/items.py`)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import QuerySet

from onedoor.alliance.clocks import screening_deadline
from onedoor.referrals.bands import URGENT_UNSCREENED
from onedoor.referrals.models import Referral
from onedoor.triage.queue import TRIAGE_STATES
from onedoor.work import Item

if TYPE_CHECKING:
    from onedoor.accounts.models import User

SHOWN = 200
SCREEN_NOW = "Urgent disclosure: screen now"


def urgent_disclosures(user: User, visible: QuerySet[Referral], now: datetime) -> list[Item]:
    """Each unscreened urgent disclosure the user may see, by arrival: one query."""
    referrals = (
        visible.filter(queue_band=URGENT_UNSCREENED, status__in=TRIAGE_STATES)
        .select_related("child__alliance")
        .order_by("received_at", "pk")[:SHOWN]
    )
    return [
        Item(
            SCREEN_NOW,
            referral,
            screening_deadline(referral.child.alliance, received_at=referral.triage_clock_from),
            "triage:referral",
        )
        for referral in referrals
    ]
