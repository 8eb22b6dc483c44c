"""Triage notifications, queued in the same transaction as the change that causes them."""

from __future__ import annotations

from django_tasks import task

from onedoor.accounts.models import User
from onedoor.accounts.roles import Role
from onedoor.emails import templated
from onedoor.referrals.models import Referral


@task()
def notify_red_referral(referral_uuid: str) -> int:
    """Tell the alliance's clinical leads that a red referral needs a same-day review. The
    email names the reference only: details are in OneDoor, not in email."""
    referral = Referral.objects.select_related("child").filter(uuid=referral_uuid).first()
    if referral is None or referral.red_reviewed_at is not None:
        return 0  # gone, or already reviewed: nothing to say
    leads = list(
        User.objects.filter(
            role=Role.CLINICAL_LEAD, is_active=True, organisation__alliance=referral.child.alliance
        ).exclude(email="")
    )
    for lead in leads:
        templated("red-referral", lead.email, {"referral": referral}).send()
    return len(leads)


@task()
def notify_escalation(referral_uuid: str, level: int) -> int:
    """Tell the roles at an escalation level that a red review is overdue."""
    from onedoor.alliance.models import EscalationLevel

    referral = Referral.objects.select_related("child").filter(uuid=referral_uuid).first()
    if referral is None:
        return 0
    framework = EscalationLevel.objects.filter(
        alliance=referral.child.alliance, level=level
    ).first()
    if framework is None:
        return 0
    people = list(
        User.objects.filter(
            role__in=framework.roles, is_active=True, organisation__alliance=referral.child.alliance
        ).exclude(email="")
    )
    context = {"referral": referral, "level": framework}
    for person in people:
        templated("escalation", person.email, context).send()
    return len(people)


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
    context = {"referral": referral, "reason": decision.reason, "alliance": referral.child.alliance}
    templated("not-accepted", referral.referrer_email, context).send()
    return 1
