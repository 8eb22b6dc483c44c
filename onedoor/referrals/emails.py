"""Referral emails (see onedoor/emails.py for the rules every email follows)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse

from onedoor.alliance import identity
from onedoor.emails import templated
from onedoor.referrals.models import Referral, Route


def told(referral: Referral) -> list[str]:
    """Whom the referral tells, by email: the referrer (the young person on the self route);
    the family too when a professional referred and they agreed. Also where a tracking code
    goes (`tracking/tasks.py`)."""
    recipients = [referral.referrer_email]  # the young person's own on the self route
    if referral.route == Route.PROFESSIONAL and referral.family_may_be_contacted:
        recipients.extend(carer.email for carer in referral.child.carers.all())
        if referral.child.age_on(referral.received_at.date()) >= 16:
            recipients.append(referral.child.email)
    return list(dict.fromkeys(address for address in recipients if address))


def referral_acknowledgements(referral: Referral) -> list[EmailMultiAlternatives]:
    """To the referrer; to the family too when a professional referred and they agreed."""
    context = {
        "referral": referral,
        "service": identity.of(referral.child.alliance),
        "track_link": settings.SITE_URL + reverse("tracking:start"),
    }
    return [templated("referral-acknowledgement", address, context) for address in told(referral)]
