"""Background work for referrals. Each task is idempotent: it may run twice safely."""

from __future__ import annotations

from functools import partial

from django_tasks import task

from onedoor import clock
from onedoor.accounts.models import User
from onedoor.accounts.roles import Role
from onedoor.emails import templated
from onedoor.emails.delivery import deliver, sent
from onedoor.referrals.emails import referral_acknowledgements
from onedoor.referrals.models import Referral


@task()
def send_referral_acknowledgement(referral_uuid: str) -> int:
    """Send the acknowledgement emails once; returns how many were sent this time. The
    referral counts as acknowledged once every one has gone; until then the reminder job
    (`worklist.reminders`) tries again."""
    referral = Referral.objects.filter(uuid=referral_uuid, acknowledged_at__isnull=True).first()
    if referral is None:
        return 0  # already acknowledged (or gone)
    messages = {
        f"acknowledgement:{referral.uuid}:{n}": message
        for n, message in enumerate(referral_acknowledgements(referral))
    }
    now_sent = sum(deliver(key, message) for key, message in messages.items())
    if len(sent(list(messages))) == len(messages):
        Referral.objects.filter(pk=referral.pk, acknowledged_at__isnull=True).update(
            acknowledged_at=clock.now()
        )
    return now_sent


@task()
def notify_urgent_disclosure(referral_uuid: str) -> int:
    """Tell the alliance's triage leads and clinical leads that a referral disclosing a risk
    to life has arrived and waits to be screened."""
    referral = Referral.objects.select_related("child").filter(uuid=referral_uuid).first()
    return tell_about_urgent_disclosure(referral) if referral is not None else 0


# Who is told at once of an urgent disclosure: the triage team that screens it, and the
# clinical leads.
URGENT_DISCLOSURE_TOLD = (Role.TRIAGE_LEAD, Role.CLINICAL_LEAD)


def tell_about_urgent_disclosure(referral: Referral) -> int:
    """Each triage lead and clinical lead of the alliance, once, while the referral waits to
    be screened; returns how many were told now. By reference only: no name, no detail."""
    if not referral.awaits_urgent_screening:
        return 0  # screened already: nothing to say
    staff = User.objects.filter(
        role__in=URGENT_DISCLOSURE_TOLD,
        is_active=True,
        organisation__alliance=referral.child.alliance,
    ).exclude(email="")
    message = partial(templated, "urgent-disclosure", context={"referral": referral})
    return sum(
        deliver(f"urgent-disclosure:{referral.uuid}:{person.pk}", partial(message, to=person.email))
        for person in staff.order_by("pk")
    )


@task()
def notify_red_referral(referral_uuid: str) -> int:
    """Tell the alliance's clinical leads that a red referral needs a same-day review."""
    referral = Referral.objects.select_related("child").filter(uuid=referral_uuid).first()
    return tell_clinical_leads(referral) if referral is not None else 0


def tell_clinical_leads(referral: Referral) -> int:
    """Each clinical lead of the alliance, once, while the red referral waits for its review;
    returns how many were told now. The email names the reference only: details are in
    OneDoor, not in email."""
    if referral.red_reviewed_at is not None:
        return 0  # already reviewed: nothing to say
    leads = User.objects.filter(
        role=Role.CLINICAL_LEAD, is_active=True, organisation__alliance=referral.child.alliance
    ).exclude(email="")
    message = partial(templated, "red-referral", context={"referral": referral})
    return sum(
        deliver(f"red-referral:{referral.uuid}:{lead.pk}", partial(message, to=lead.email))
        for lead in leads
    )
