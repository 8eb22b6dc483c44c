"""Professional referrer accounts: the emailed link that verifies a work email address, and
the registrations each address has attempted (for the rate limit)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class EmailVerification(models.Model):
    """A single-use link sent to the work email a professional registered with. Only the
    SHA-256 of its token is kept, so the table alone opens nothing; the account stays
    inactive until the link is used, before `expires_at`, to choose the password."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_verifications"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Email verification {self.uuid}"


class RegistrationAttempt(models.Model):
    """One registration sent from an address, for the rate limit (kept a day)."""

    address = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"Registration attempt at {self.at}"
