"""Tracking a referral: the one-time codes and the rate limiter's attempts (see `codes.py`)."""

from __future__ import annotations

import uuid

from django.db import models


class TrackingCode(models.Model):
    """A one-time code asked for from one browser about one referral.

    The code itself is never stored: only its keyed hash (`code_hash`), written by the task
    that makes and emails it. `browser` is the SHA-256 of a random token kept in the asking
    browser's session, so only that browser may use the code and then see the status."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    referral = models.ForeignKey(
        "referrals.Referral", on_delete=models.CASCADE, related_name="tracking_codes"
    )
    browser = models.CharField(max_length=64, db_index=True)
    code_hash = models.CharField(max_length=64, blank=True)
    asked_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    wrong_tries = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)
    # Void: asked for again, or too many wrong tries.
    voided_at = models.DateTimeField(null=True, blank=True)
    # After the right code: the browser may see the referral's status until then.
    shows_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["referral", "asked_at"])]

    def __str__(self) -> str:
        return f"Tracking code {self.uuid}"


class TrackingAttempt(models.Model):
    """A lookup on the tracking page, for the rate limits only: by client address, and by
    reference (a keyed hash of it, never the reference typed). Rows older than a day are
    removed by the rate limiter itself."""

    class Kind(models.TextChoices):
        ADDRESS = "address", "From a client address"
        REFERENCE = "reference", "For a reference"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    key = models.CharField(max_length=64)
    at = models.DateTimeField(db_index=True)

    class Meta:
        indexes = [models.Index(fields=["kind", "key", "at"])]

    def __str__(self) -> str:
        return f"{self.kind} at {self.at:%Y-%m-%d %H:%M}"
