"""The triage queue's bands, most urgent first: a referral that discloses a risk to life and
that no triage lead has yet screened (band 0), then red referrals a clinician has not yet
reviewed (band 1), then everything else (band 2)."""

from __future__ import annotations

URGENT_UNSCREENED, RED_UNREVIEWED, EVERYTHING_ELSE = 0, 1, 2


def queue_band(
    *, risk_rating: str, red_reviewed: bool, discloses_risk_to_life: bool = False
) -> int:
    """An unscreened referral (no rating yet) that discloses suicidal thoughts, self-harm or
    harm to others (`URGENT_INDICATORS`) goes above everything until it is screened; a red
    rating no clinician has reviewed comes next."""
    if not risk_rating and discloses_risk_to_life:
        return URGENT_UNSCREENED
    if risk_rating == "red" and not red_reviewed:
        return RED_UNREVIEWED
    return EVERYTHING_ELSE
