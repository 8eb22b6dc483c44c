"""Background work for referrals. Each task is idempotent: it may run twice safely."""

from __future__ import annotations

from django_tasks import task

from onedoor import clock
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
