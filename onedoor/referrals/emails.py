"""Referral emails (see onedoor/emails.py for the rules every email follows)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse

from onedoor.alliance import identity
from onedoor.emails import templated
from onedoor.referrals.models import Referral, Route


def recipients(referral: Referral) -> list[str]:
    """Who hears about a referral, each address once: the referrer (the young person
    themselves on the self route); and, when a professional referred and the referral says the
    family may be contacted, the child's carers and a young person of 16 or more. The
    acknowledgement and every milestone update go to exactly these."""
    addresses = [referral.referrer_email]
    if referral.route == Route.PROFESSIONAL and referral.family_may_be_contacted:
        addresses.extend(carer.email for carer in referral.child.carers.all())
        if referral.child.age_on(referral.received_at.date()) >= 16:
            addresses.append(referral.child.email)
    return list(dict.fromkeys(address for address in addresses if address))


def referral_acknowledgements(referral: Referral) -> list[EmailMultiAlternatives]:
    """To the referrer; to the family too when a professional referred and they agreed."""
    context = {
        "referral": referral,
        "service": identity.of(referral.child.alliance),
        "track_link": settings.SITE_URL + reverse("tracking:start"),
    }
    return [
        templated("referral-acknowledgement", address, context) for address in recipients(referral)
    ]
