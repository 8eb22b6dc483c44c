"""A referral's status as its referrer is told it, in plain words.

ONE function, so that the public tracking page's words (`tracking/status.py`, built beside
this) can replace it at merge. While the triage team has marked the referral "do not share
status with the family" (`status_sharing.status_shared`), only that it was received.
"""

from __future__ import annotations

from onedoor.referrals.models import Referral
from onedoor.referrals.status_sharing import status_shared

WITHHELD_WORDS = "Received. We will be in touch"


def referral_status_words(referral: Referral) -> str:
    """What the referrer may know of how the referral is going, asked now."""
    if not status_shared(referral):
        return WITHHELD_WORDS
    words = referral.get_status_display()
    organisation = referral.allocated_organisation
    if referral.consent_to_share and organisation is not None:
        return f"{words}: {organisation.name}"
    return words
