"""Outcome measure emails, queued in the same transaction as the invitation."""

from __future__ import annotations

from functools import partial

from django.conf import settings
from django.urls import reverse
from django_tasks import task

from onedoor.alliance import identity
from onedoor.emails import templated
from onedoor.emails.delivery import deliver
from onedoor.outcomes.measures import get_measure
from onedoor.outcomes.models import Invitation


@task()
def send_invitation(invitation_uuid: str) -> int:
    """Send the link to complete a measure, once. The email names the questionnaire and the
    referral's reference, never the child."""
    invitation = (
        Invitation.objects.select_related("referral__child__alliance")
        .filter(uuid=invitation_uuid)
        .first()
    )
    if invitation is None or invitation.used_at is not None:
        return 0
    measure = get_measure(invitation.measure)
    link = settings.SITE_URL + reverse("outcomes:complete", args=[invitation.token])
    context = {
        "referral": invitation.referral,
        "measure_name": measure.short_name if measure else "a short questionnaire",
        "link": link,
        "expires_at": invitation.expires_at,
        "service": identity.of(invitation.referral.child.alliance),
    }
    message = partial(templated, "measure-invitation", invitation.email, context)
    return int(deliver(f"measure-invitation:{invitation.uuid}", message))
