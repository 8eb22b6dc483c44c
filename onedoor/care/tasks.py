"""Care emails, queued in the same transaction as the change that causes them."""

from __future__ import annotations

from functools import partial

from django.conf import settings
from django.urls import reverse
from django_tasks import task

from onedoor.alliance import identity
from onedoor.care.models import Discharge
from onedoor.emails import templated
from onedoor.emails.delivery import deliver
from onedoor.referrals.status_sharing import status_shared


@task()
def invite_feedback(discharge_uuid: str) -> int:
    """Invite the referrer (the young person on the self route) to say how it went, once."""
    ended = (
        Discharge.objects.select_related("referral__child__alliance")
        .filter(uuid=discharge_uuid)
        .first()
    )
    if ended is None or ended.feedback_used_at is not None or not ended.referral.referrer_email:
        return 0
    if not status_shared(ended.referral):
        return 0  # "do not share status with the family": a discharge is news of the referral
    link = settings.SITE_URL + reverse("care:feedback", args=[ended.feedback_token])
    context = {
        "referral": ended.referral,
        "link": link,
        "service": identity.of(ended.referral.child.alliance),
    }
    message = partial(templated, "feedback-invitation", ended.referral.referrer_email, context)
    return int(deliver(f"feedback-invitation:{ended.uuid}", message))
