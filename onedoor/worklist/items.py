"""My tasks, derived from the records themselves (never from a stored flag that can go
stale): whatever is waiting on someone, and by when, for the referrals they may see.

- a red referral no clinician has reviewed (clinical lead), due by its triage deadline;
- a triage decision waiting for sign-off (clinical lead), due by the triage deadline;
- information requested for triage (triage lead), due by the date asked for;
- a handover not yet acknowledged (care coordinator), due by its acknowledgement time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from onedoor.access.records import referrals_visible_to
from onedoor.accounts.models import User
from onedoor.accounts.roles import Role
from onedoor.care.models import Transition
from onedoor.referrals.models import Referral, Status
from onedoor.triage.clock import END_OF_WORKING_DAY, LONDON
from onedoor.triage.models import Outcome, TriageDecision
from onedoor.triage.queue import TRIAGE_STATES

SHOWN = 200


@dataclass(frozen=True)
class Item:
    what: str
    referral: Referral
    due: datetime
    url_name: str  # the page where the work is done


def _red_reviews(visible: object) -> list[Item]:
    referrals = (
        visible.filter(queue_band=0, status__in=TRIAGE_STATES)  # type: ignore[attr-defined]
        .select_related("child")
        .order_by("triage_due_at", "pk")[:SHOWN]
    )
    return [
        Item("Review a red referral today", r, r.triage_due_at, "triage:referral")
        for r in referrals
    ]


def _sign_offs(visible: object) -> list[Item]:
    decisions = (
        TriageDecision.objects.filter(sign_off=TriageDecision.SignOff.WAITING, referral__in=visible)
        .select_related("referral__child")
        .order_by("decided_at", "pk")[:SHOWN]
    )
    return [
        Item(
            "Sign off a triage decision",
            d.referral,
            d.referral.triage_due_at or d.decided_at,
            "triage:referral",
        )
        for d in decisions
    ]


def _information_requested(visible: object) -> list[Item]:
    waiting = visible.filter(status=Status.MORE_INFORMATION)  # type: ignore[attr-defined]
    decisions = (
        TriageDecision.objects.filter(outcome=Outcome.MORE_INFORMATION, referral__in=waiting)
        .select_related("referral__child")
        .order_by("referral_id", "-decided_at")
    )
    latest: dict[int, TriageDecision] = {}
    for decision in decisions:
        latest.setdefault(decision.referral_id, decision)
    return [
        Item(
            "Information requested for triage",
            d.referral,
            datetime.combine(d.information_due, END_OF_WORKING_DAY, tzinfo=LONDON),
            "triage:referral",
        )
        for d in latest.values()
        if d.information_due is not None
    ][:SHOWN]


def _handovers(visible: object) -> list[Item]:
    transitions = (
        Transition.objects.filter(acknowledged_at__isnull=True, referral__in=visible)
        .select_related("referral__child")
        .order_by("due_at", "pk")[:SHOWN]
    )
    return [
        Item("Handover waiting for the receiving side", t.referral, t.due_at, "care:record")
        for t in transitions
    ]


SOURCES = {
    Role.CLINICAL_LEAD: (_red_reviews, _sign_offs),
    Role.TRIAGE_LEAD: (_information_requested,),
    Role.CARE_COORDINATOR: (_handovers,),
}


def due_items_for(user: User) -> list[Item]:
    """The user's open work, soonest due first: one query per kind of work."""
    sources = SOURCES.get(Role(user.role), ()) if user.role else ()
    if not sources:
        return []
    visible = referrals_visible_to(user)
    items = [item for source in sources for item in source(visible)]
    return sorted(items, key=lambda item: (item.due, item.referral.pk))[:SHOWN]
