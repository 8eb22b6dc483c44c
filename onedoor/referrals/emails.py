"""Referral emails: one function per email, three templates each (subject, text, HTML).

Emails carry the reference number and what happens next, never clinical details or the
child's name: email is not a secure channel.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from onedoor.referrals.models import Referral, Route


def _email(template: str, to: str, context: Mapping[str, object]) -> EmailMultiAlternatives:
    subject = render_to_string(f"emails/{template}-subject.txt", context).strip()
    text = render_to_string(f"emails/{template}-body-text.txt", context)
    html = render_to_string(f"emails/{template}-body-html.html", context)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [to])
    message.attach_alternative(html, "text/html")
    return message


def referral_acknowledgements(referral: Referral) -> list[EmailMultiAlternatives]:
    """To the referrer; to the family too when a professional referred and they agreed."""
    context = {"referral": referral, "alliance": referral.child.alliance}
    recipients = [referral.referrer_email]  # the young person's own on the self route
    if referral.route == Route.PROFESSIONAL and referral.family_may_be_contacted:
        recipients.extend(carer.email for carer in referral.child.carers.all())
        if referral.child.age_on(referral.received_at.date()) >= 16:
            recipients.append(referral.child.email)
    unique = list(dict.fromkeys(address for address in recipients if address))
    return [_email("referral-acknowledgement", address, dict(context)) for address in unique]
