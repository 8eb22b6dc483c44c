"""My tasks from handovers between partners, derived from the handovers themselves like
every task (`worklist/items.py`):

- a handover from another partner waiting for an answer: work for the receiving partner's
  lead, due by the handover's due time (when it starts to escalate);
- a handover the receiving partner declined: work for whoever sent it and the sending
  partner's lead (the partner the child is back with), to read the reason and decide the
  next step, due by the end of the next working day, until someone there has read it;
- a child whose partner may no longer see them, consent to share withdrawn while the work was
  under way: work for the triage leads and the care coordinators (`sharing_withdrawn`).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.urls import reverse

from onedoor.accounts.roles import PARTNER_ANSWERS, Role
from onedoor.alliance.models import Organisation
from onedoor.care.models import Transition
from onedoor.care.records import handovers_to
from onedoor.clock.calendar import ENGLAND_AND_WALES, due_at
from onedoor.referrals.models import Referral, Status
from onedoor.work import Item

if TYPE_CHECKING:
    from onedoor.accounts.models import User

SHOWN = 200
# Who may have sent a handover between partners, and so hears of its decline.
SENDERS = PARTNER_ANSWERS | {Role.CARE_COORDINATOR}


def handovers_to_answer(user: User, visible: QuerySet[Referral], now: datetime) -> list[Item]:
    if user.role != Role.PARTNER_LEAD:
        return []
    waiting = handovers_to(user)[:SHOWN]  # the partner's "Incoming" handovers, within `visible`
    return [
        Item(
            "Answer a handover from another partner",
            t.referral,
            t.due_at,
            link=reverse("care:handover", args=[t.uuid]),
        )
        for t in waiting
    ]


def handovers_declined(user: User, visible: QuerySet[Referral], now: datetime) -> list[Item]:
    if user.role not in SENDERS:
        return []
    ours = Q(sent_by=user)
    if user.role == Role.PARTNER_LEAD:
        ours |= Q(referral__allocated_organisation_id=user.organisation_id)
    declined = (
        Transition.objects.filter(
            ours,
            kind=Transition.Kind.BETWEEN_PARTNERS,
            declined_at__isnull=False,
            decline_read_at__isnull=True,
            referral__in=visible,
        )
        .select_related("referral__child")
        .order_by("declined_at", "pk")[:SHOWN]
    )
    return [
        Item(
            "Read why a handover was declined",
            t.referral,
            due_at(received_at=t.declined_at, working_days=1, calendar=ENGLAND_AND_WALES),  # type: ignore[arg-type]
            "care:record",
        )
        for t in declined
    ]


# Who agrees what follows for a child whose partner may no longer see them.
SHARING_DECIDERS = frozenset({Role.TRIAGE_LEAD, Role.CARE_COORDINATOR})


def sharing_withdrawn(user: User, visible: QuerySet[Referral], now: datetime) -> list[Item]:
    """Consent to share withdrawn while a partner the withdrawal did not keep is working with
    the child (in intervention, or a handover under way), or is being handed the child (a
    handover between partners waiting for its answer, which it can no longer see or accept):
    the triage team and the care coordinators agree what follows (a discharge, or a handover
    to the lead provider), due by the end of the next working day after the withdrawal, until
    the child is no longer with or being handed to that partner (`referrals.sharing`)."""
    if user.role not in SHARING_DECIDERS:
        return []
    with_partner_not_kept = Q(allocated_organisation__kind=Organisation.Kind.PARTNER) & ~Q(
        child__sharing_kept_by=F("allocated_organisation")
    )
    handed_to_one_not_kept = Exists(
        Transition.objects.filter(
            referral=OuterRef("pk"),
            kind=Transition.Kind.BETWEEN_PARTNERS,
            acknowledged_at__isnull=True,
        ).exclude(receiving_organisation=OuterRef("child__sharing_kept_by"))
    )
    stranded = (
        visible.filter(
            with_partner_not_kept | Q(handed_to_one_not_kept),
            status__in=(Status.IN_INTERVENTION, Status.IN_TRANSITION),
            child__sharing_withdrawn_at__isnull=False,
        )
        .select_related("child")
        .order_by("child__sharing_withdrawn_at", "pk")[:SHOWN]
    )
    return [
        Item(
            "Consent to share withdrawn: agree the child's care",
            r,
            due_at(
                received_at=r.child.sharing_withdrawn_at,  # type: ignore[arg-type]
                working_days=1,
                calendar=ENGLAND_AND_WALES,
            ),
            "care:record",
        )
        for r in stranded
    ]
