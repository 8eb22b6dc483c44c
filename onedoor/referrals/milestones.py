"""Milestone updates: the family and the referrer hear, by reference only, when a referral
passes each milestone of its journey.

- triaged: a triage decision to allocate, to step up, or to give advice and signposting takes
  effect (at once, or when the clinical lead signs it off; never when it is only proposed).
  A safeguarding referral is not a milestone (what the family hears is children's social
  care's to decide), a request for more information is not a decision, and a referral not
  accepted has its own letter (`triage/tasks.tell_referrer_not_accepted`);
- allocated: the partner accepts the child, who now waits with them (the partner is named
  only when the referral has consent to share);
- first appointment offered: the partner records the first appointment offered
  (`care/appointments.py`);
- discharged: the partner discharges the child.

The action that passes a milestone calls `passed` inside its transaction: the task is queued
in the same database transaction as the change, so it exists exactly when the change does.
The task (`send_milestone`) sends one email to each of the referral's `recipients` (the
referrer and, only when the referral says the family may be contacted, the family: exactly
those the acknowledgement went to), each through the delivery ledger under the key
`milestone:<name>:<referral uuid>:<n>`, so each goes once however often the task runs or the
milestone is passed again (a referral declined and allocated afresh, a second appointment).

A send that fails is tried again by the reminder job (`retry_unsent`, from
`worklist/reminders.py`), from the ledger's unsent rows of the last `RETRY_WITHIN`: the
ledger is what says a milestone is owed, so nothing passed is lost to a mail server that was
down.

"Do not share status with the family" is asked when the task runs, not when it was queued: a
referral marked in between is told nothing, and nothing is marked sent. A milestone passed
while the mark stands is not sent when the mark is lifted later: nothing re-derives it, and
the family then hears the next milestone (or asks, with the reference).

No email names the child or says anything clinical: the reference, what happened in a
sentence, the address to follow the referral (`/track/`) and the service's contacts.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from functools import partial

from django.conf import settings
from django_tasks import task

from onedoor.alliance import identity
from onedoor.emails import templated
from onedoor.emails.delivery import MAX_ATTEMPTS, deliver
from onedoor.emails.models import Delivery
from onedoor.referrals.emails import recipients
from onedoor.referrals.models import Referral, Status
from onedoor.referrals.status_sharing import status_shared

TRACK_PATH = "/track/"  # the tracking page (`tracking:start`)
RETRY_WITHIN = timedelta(days=3)


class Milestone(StrEnum):
    TRIAGED = "triaged"
    ALLOCATED = "allocated"
    FIRST_APPOINTMENT = "first-appointment"
    DISCHARGED = "discharged"


def passed(referral: Referral, milestone: Milestone) -> None:
    """The referral has just passed `milestone`: queue its update, in the caller's
    transaction."""
    send_milestone.enqueue(str(referral.uuid), milestone.value)


def key(milestone: Milestone, referral: Referral, n: int) -> str:
    """The delivery ledger's key for the update to the referral's `n`th recipient."""
    return f"milestone:{milestone.value}:{referral.uuid}:{n}"


def partner_named(referral: Referral) -> str:
    """The partner the child waits with, as the family may be told it: only with consent to
    share the referral with them; otherwise nothing (the email says "a partner service")."""
    organisation = referral.allocated_organisation
    return organisation.name if organisation is not None and referral.consent_to_share else ""


@task()
def send_milestone(referral_uuid: str, milestone: str) -> int:
    """Send the milestone's update to each recipient once; returns how many went now. None
    while the referral is marked "do not share status with the family"."""
    if milestone not in {each.value for each in Milestone}:
        return 0
    passing = Milestone(milestone)
    referral = (
        Referral.objects.select_related("child__alliance", "allocated_organisation")
        .filter(uuid=referral_uuid)
        .first()
    )
    if referral is None or not status_shared(referral):
        return 0
    context = {
        "referral": referral,
        "service": identity.of(referral.child.alliance),
        "link": settings.SITE_URL + TRACK_PATH,
        "advice": referral.status == Status.SIGNPOSTED,
        "allocating": referral.allocated_organisation is not None,
        "partner": partner_named(referral) if passing == Milestone.ALLOCATED else "",
    }
    message = partial(templated, f"milestone-{passing.value}", context=context)
    return sum(
        deliver(key(passing, referral, n), partial(message, to=address))
        for n, address in enumerate(recipients(referral))
    )


def retry_unsent(now: datetime) -> int:
    """Run again each milestone with an update not yet sent (a failed send) in the ledger
    since `now - RETRY_WITHIN`; returns how many went now. Each is asked again whether the
    status may be shared."""
    owed = Delivery.objects.filter(
        key__startswith="milestone:",
        sent_at__isnull=True,
        attempts__lt=MAX_ATTEMPTS,
        created_at__gte=now - RETRY_WITHIN,
    ).values_list("key", flat=True)
    milestones = dict.fromkeys(tuple(key.split(":")[1:3]) for key in owed)
    return sum(send_milestone.call(uuid, name) for name, uuid in milestones)
