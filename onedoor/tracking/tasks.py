"""Making and sending a tracking code. Idempotent: a code is made once; a second run sends
nothing (the person asks for a new code if an email failed)."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django_tasks import task

from onedoor import clock
from onedoor.alliance import identity
from onedoor.audit.trail import Action, record
from onedoor.emails import templated
from onedoor.emails.delivery import deliver
from onedoor.referrals.emails import recipients
from onedoor.tracking.codes import code_hash, code_minutes, new_code
from onedoor.tracking.models import TrackingCode


@task()
def send_tracking_code(code_uuid: str) -> int:
    """Make the code's 6 digits, keep only their hash, and email them to the referral's own
    addresses; returns how many emails were sent. The digits live only in this function and
    the emails."""
    with transaction.atomic():
        code = (
            TrackingCode.objects.select_for_update()
            .select_related("referral__child__alliance")
            .filter(uuid=code_uuid, code_hash="", used_at__isnull=True, voided_at__isnull=True)
            .first()
        )
        if code is None or code.expires_at <= clock.now():
            return 0
        digits = new_code()
        code.code_hash = code_hash(code, digits)
        code.save(update_fields=["code_hash"])
        referral = code.referral
        addresses = recipients(referral)
        record(
            Action.CREATE,
            actor=None,
            record_type="tracking_code",
            record_id=referral.uuid,
            child_uuid=referral.child.uuid,
            detail={"emails": len(addresses)},
        )
    context = {
        "code": digits,
        "minutes": code_minutes(),
        "link": settings.SITE_URL + reverse("tracking:code"),
        "service": identity.of(referral.child.alliance),
    }
    return sum(
        deliver(f"tracking-code:{code.uuid}:{n}", templated("tracking-code", address, context))
        for n, address in enumerate(addresses)
    )
