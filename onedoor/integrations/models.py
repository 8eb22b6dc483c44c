"""API clients: a partner's or a referrer's own system, registered by an administrator for
one organisation, acting through its own account and holding tokens that are stored hashed."""

from __future__ import annotations

import uuid

from django.db import models


class ApiClient(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=120, help_text="What the system is, as staff know it.")
    organisation = models.ForeignKey(
        "alliance.Organisation", on_delete=models.PROTECT, related_name="api_clients"
    )
    # The account the client acts as: its role (a system role) is what the access policy
    # gives it; it never signs in.
    account = models.OneToOneField(
        "accounts.User", on_delete=models.PROTECT, related_name="api_client"
    )
    scopes = models.JSONField(default=list)
    registered_at = models.DateTimeField()
    registered_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    # The rate limit's current minute: when it began and the calls made in it.
    window_started_at = models.DateTimeField(null=True, blank=True)
    window_calls = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ApiToken(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="tokens")
    # Only the SHA-256 of the token is kept; the token itself is shown once.
    digest = models.CharField(max_length=64, unique=True)
    # The token's first characters, shown so people can tell tokens apart.
    prefix = models.CharField(max_length=12)
    issued_at = models.DateTimeField()
    issued_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-issued_at"]

    def __str__(self) -> str:
        return f"{self.prefix}…"


class ApiSubmission(models.Model):
    """A referral a client sent, by the key the client chose (`submissions.py`)."""

    client = models.ForeignKey(ApiClient, on_delete=models.PROTECT, related_name="submissions")
    key = models.CharField(max_length=100)
    # The SHA-256 of the answers sent with the key: the same key with other answers is refused.
    fingerprint = models.CharField(max_length=64)
    referral = models.OneToOneField(
        "referrals.Referral", on_delete=models.PROTECT, related_name="api_submission"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client", "key"], name="one_referral_per_client_key")
        ]

    def __str__(self) -> str:
        return f"{self.client} {self.key}"
