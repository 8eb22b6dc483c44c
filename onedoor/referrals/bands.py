"""The triage queue's bands: red referrals a clinician has not yet reviewed stay on top."""

from __future__ import annotations

RED_UNREVIEWED, EVERYTHING_ELSE = 0, 1


def queue_band(*, risk_rating: str, red_reviewed: bool) -> int:
    return RED_UNREVIEWED if risk_rating == "red" and not red_reviewed else EVERYTHING_ELSE
