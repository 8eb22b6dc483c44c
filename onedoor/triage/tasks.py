"""Triage notifications, queued in the same transaction as the change that causes them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from functools import partial

from django.db.models import Q
from django_tasks import task

from onedoor import clock
from onedoor.accounts.models import User
from onedoor.alliance import identity
from onedoor.emails import templated
from onedoor.emails.delivery import deliver
from onedoor.referrals.models import Referral
from onedoor.referrals.status_sharing import status_shared

TEMPLATES = {
    "red_review": "escalation",
    "triage_clock": "triage-escalation",
    "handover": "handover-escalation",
    "safeguarding_action": "safeguarding-escalation",
    "urgent_disclosure": "urgent-disclosure-escalation",
}


@task()
def notify_escalation(referral_uuid: str, level: int, item: str = "", kind: str = "") -> int:
    """Tell the roles at an escalation level that an item is overdue: those at the lead
    provider, and those at the organisations involved (the one holding the child; the one
    receiving a handover), never every partner's. Someone away is stood in for by their
    deputy. `item` is the handover's or the safeguarding action's uuid, if it is one."""
    from onedoor.alliance.models import EscalationLevel, Organisation
    from onedoor.care.models import Transition

    kind = kind or ("handover" if item else "red_review")
    referral = Referral.objects.select_related("child").filter(uuid=referral_uuid).first()
    if referral is None or kind not in TEMPLATES:
        return 0
    framework = EscalationLevel.objects.filter(
        alliance=referral.child.alliance, level=level
    ).first()
    if framework is None:
        return 0
    involved = {referral.allocated_organisation_id}
    if kind == "handover" and item:
        involved |= set(
            Transition.objects.filter(uuid=item).values_list("receiving_organisation", flat=True)
        )
    people = (
        User.objects.filter(
            role__in=framework.roles, is_active=True, organisation__alliance=referral.child.alliance
        )
        .filter(
            Q(organisation__kind=Organisation.Kind.LEAD_PROVIDER) | Q(organisation__in=involved)
        )
        .select_related("deputy")
    )
    told = stand_ins(people, clock.today())
    name = TEMPLATES[kind]
    context = {"referral": referral, "level": framework}
    return sum(
        deliver(
            f"{name}:{item or referral.uuid}:{level}:{person.pk}",
            partial(templated, name, person.email, context),
        )
        for person in told
    )


def stand_ins(people: Iterable[User], today: date) -> list[User]:
    """Who is told in these people's place today: each one, or, while they are away, their
    deputy (if active and not away too; with no deputy to stand in, the person is still told:
    an escalation never goes nowhere). Each once, and only those with an email address."""
    told: dict[int, User] = {}
    for person in people:
        deputy = person.deputy
        if (
            person.away_on(today)
            and deputy is not None
            and deputy.is_active
            and not deputy.away_on(today)
        ):
            person = deputy
        if person.email:
            told.setdefault(person.pk, person)
    return list(told.values())


@task()
def tell_referrer_not_accepted(decision_uuid: str) -> int:
    """Tell the referrer that the referral was not accepted, and why (the reason the triage
    lead wrote for them). No child's name: the reference identifies it."""
    from onedoor.triage.models import TriageDecision

    decision = (
        TriageDecision.objects.select_related("referral__child__alliance")
        .filter(uuid=decision_uuid)
        .first()
    )
    if decision is None or not decision.referral.referrer_email:
        return 0
    referral = decision.referral
    if not status_shared(referral):
        return 0  # "do not share status with the family": the triage team tells them, if safe
    context = {
        "referral": referral,
        "reason": decision.reason,
        "service": identity.of(referral.child.alliance),
    }
    message = partial(templated, "not-accepted", referral.referrer_email, context)
    return int(deliver(f"not-accepted:{decision.uuid}", message))
