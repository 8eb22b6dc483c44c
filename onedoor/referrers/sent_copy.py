"""What a professional sent, as its referral's page and its PDF copy list it.

Only what the referral itself holds, as it was sent: the referrer's details, why, the risks
they told us of, communication and consent. The child is named by initials and date of birth
alone: their record may since have been matched with one the referrer never saw, so nothing
else of it is shown (hazard H45).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from onedoor.referrals.models import Referral


@dataclass(frozen=True)
class Section:
    title: str
    rows: list[tuple[str, str]]


def _yes(value: bool) -> str:
    return "Yes" if value else "No"


def initials(referral: Referral) -> str:
    child = referral.child
    return f"{child.given_name[:1]}{child.family_name[:1]}".upper()


def sections(referral: Referral) -> list[Section]:
    child = referral.child
    needs = ", ".join(need.name for need in referral.needs.all())
    return [
        Section(
            "The referral",
            [
                ("Reference", referral.reference_display),
                ("Sent", timezone.localtime(referral.received_at).strftime("%-d %B %Y, %H:%M")),
            ],
        ),
        Section(
            "About you",
            [
                ("Name", referral.referrer_name),
                ("Job title or role", referral.referrer_role),
                ("Organisation", referral.referrer_organisation),
                ("Where you work", referral.get_source_display()),
                ("Email address", referral.referrer_email),
                ("Phone number", referral.referrer_phone),
            ],
        ),
        Section(
            "The child or young person",
            [
                ("Initials", initials(referral)),
                ("Date of birth", child.date_of_birth.strftime("%-d %B %Y")),
            ],
        ),
        Section(
            "Why you asked for help",
            [
                ("Reasons", referral.reasons),
                ("Needs", needs),
                ("What has been tried", referral.what_tried),
            ],
        ),
        Section(
            "Safety",
            [
                ("Risks you told us of", ", ".join(referral.risk_indicators) or "None"),
                ("About the risks", referral.risk_details),
            ],
        ),
        Section(
            "Communication needs",
            [
                ("Language", referral.language),
                ("Interpreter needed", _yes(referral.interpreter_needed)),
                ("Accessibility needs", referral.accessibility_needs),
            ],
        ),
        Section(
            "Consent",
            [
                ("Consent to refer", _yes(referral.consent_to_refer)),
                ("Consent given by", referral.get_consent_given_by_display()),
                ("Consent to share with the alliance's partners", _yes(referral.consent_to_share)),
            ],
        ),
    ]
