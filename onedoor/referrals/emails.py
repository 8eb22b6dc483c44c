"""Referral emails (see onedoor/emails.py for the rules every email follows)."""

from __future__ import annotations

from django.core.mail import EmailMultiAlternatives

from onedoor.alliance import identity
from onedoor.emails import templated
from onedoor.referrals.models import Referral, Route


def referral_acknowledgements(referral: Referral) -> list[EmailMultiAlternatives]:
    """To the referrer; to the family too when a professional referred and they agreed."""
    context = {"referral": referral, "service": identity.of(referral.child.alliance)}
    recipients = [referral.referrer_email]  # the young person's own on the self route
    if referral.route == Route.PROFESSIONAL and referral.family_may_be_contacted:
        recipients.extend(carer.email for carer in referral.child.carers.all())
        if referral.child.age_on(referral.received_at.date()) >= 16:
            recipients.append(referral.child.email)
    unique = list(dict.fromkeys(address for address in recipients if address))
    return [templated("referral-acknowledgement", address, context) for address in unique]
