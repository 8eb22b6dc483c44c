"""The reminder job: what should have been said, said once. Run by the worker every few
minutes (`manage.py send_reminders`); every message goes through `emails.delivery.deliver`
with a key, so the job can run twice, or die halfway and run again, and each message still
goes once, and a failed send is tried again on the next run.

- Urgent disclosures not yet screened: each triage lead and clinical lead is told at once
  (the task queued with the referral usually has; this catches one that failed or was lost).
- Red referrals not yet reviewed: each clinical lead is told at once (the task queued with
  the rating usually has; this catches one that failed or was lost).
- Referral acknowledgements not yet all sent, for referrals received in the last
  `ACKNOWLEDGE_WITHIN`.
- Milestone updates to the family and the referrer whose send failed, in the last three days
  (`referrals.milestones.retry_unsent`).
- The owner of each open safeguarding concern raised in the last `ACKNOWLEDGE_WITHIN`, if
  not yet told (the task queued with the concern usually has).
- The daily digest: on a working day, from `DIGEST_FROM` (London), each member of staff with
  work due today or overdue (`worklist.items`) gets one email listing it, by reference.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import partial

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from onedoor import clock
from onedoor.accounts.models import User
from onedoor.accounts.roles import TASK_HOLDERS
from onedoor.clock.calendar import ENGLAND_AND_WALES, LONDON
from onedoor.emails import templated
from onedoor.emails.delivery import deliver, sent
from onedoor.referrals.bands import RED_UNREVIEWED, URGENT_UNSCREENED
from onedoor.referrals.milestones import retry_unsent
from onedoor.referrals.models import Referral
from onedoor.referrals.tasks import (
    send_referral_acknowledgement,
    tell_about_urgent_disclosure,
    tell_clinical_leads,
)
from onedoor.safeguarding.models import Concern
from onedoor.safeguarding.tasks import notify_concern_owner
from onedoor.triage.queue import TRIAGE_STATES
from onedoor.worklist.items import due_items_for, with_clocks

DIGEST_FROM = time(7, 0)
ACKNOWLEDGE_WITHIN = timedelta(days=3)


@dataclass(frozen=True)
class Sent:
    red: int
    acknowledgements: int
    digests: int
    concerns: int = 0
    urgent: int = 0
    milestones: int = 0


def send_reminders(now: datetime | None = None) -> Sent:
    now = now or clock.now()
    return Sent(
        red=_red(),
        acknowledgements=_acknowledgements(now),
        digests=_digests(now),
        concerns=_concerns(now),
        urgent=_urgent(),
        milestones=retry_unsent(now),
    )


def _concerns(now: datetime) -> int:
    recent = Concern.objects.filter(
        closed_at__isnull=True, raised_at__gte=now - ACKNOWLEDGE_WITHIN
    ).values_list("uuid", flat=True)
    return sum(notify_concern_owner.call(str(uuid)) for uuid in recent)


def _urgent() -> int:
    unscreened = Referral.objects.filter(
        queue_band=URGENT_UNSCREENED, status__in=TRIAGE_STATES
    ).select_related("child")
    return sum(
        tell_about_urgent_disclosure(referral) for referral in unscreened.iterator(chunk_size=200)
    )


def _red() -> int:
    unreviewed = Referral.objects.filter(
        queue_band=RED_UNREVIEWED, status__in=TRIAGE_STATES
    ).select_related("child")
    return sum(tell_clinical_leads(referral) for referral in unreviewed.iterator(chunk_size=200))


def _acknowledgements(now: datetime) -> int:
    waiting = Referral.objects.filter(
        acknowledged_at__isnull=True, received_at__gte=now - ACKNOWLEDGE_WITHIN
    ).values_list("uuid", flat=True)
    return sum(send_referral_acknowledgement.call(str(uuid)) for uuid in waiting)


def digest_key(user: User, now: datetime) -> str:
    return f"digest:{timezone.localdate(now, LONDON).isoformat()}:{user.pk}"


def _digests(now: datetime) -> int:
    local = timezone.localtime(now, LONDON)
    if local.time() < DIGEST_FROM or not ENGLAND_AND_WALES.is_working_day(local.date()):
        return 0
    staff = list(
        User.objects.filter(is_active=True, role__in=TASK_HOLDERS)
        .exclude(email="")
        .select_related("organisation")
        .order_by("pk")
    )
    done = sent([digest_key(user, now) for user in staff])
    link = settings.SITE_URL + reverse("web:tasks")
    count = 0
    for user in staff:
        key = digest_key(user, now)
        if key in done:
            continue
        rows = [r for r in with_clocks(due_items_for(user, now), now) if r.clock.state != "on_time"]
        if rows:
            context = {"rows": rows, "role": user.role_label, "link": link}
            count += deliver(key, partial(templated, "daily-digest", user.email, context))
    return count
