"""Event notifications to partners' systems (ADR 24): a client's subscription to the kinds of
event about its organisation's children, each event that happened (identifiers only), and its
delivery to each subscription, once."""

from __future__ import annotations

import uuid

from django.db import models


class Kind(models.TextChoices):
    """What happened, named as the partner's system receives it in `type`."""

    REFERRAL_ALLOCATED = "referral.allocated", "A child allocated to your organisation"
    HANDOVER_REQUESTED = "handover.requested", "A child handed over to your organisation"
    CONCERN_RAISED = "safeguarding.concern_raised", "A safeguarding concern about your child"
    REFERRAL_DISCHARGED = "referral.discharged", "Your child discharged"


class Subscription(models.Model):
    """A client's endpoint for the events it chose about its own organisation's children."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey(
        "integrations.ApiClient", on_delete=models.CASCADE, related_name="webhook_subscriptions"
    )
    url = models.URLField(max_length=500)
    events = models.JSONField(default=list)
    # The signing secret, sealed with Fernet (`DRAFTS_KEY`); shown to the client once.
    sealed_secret = models.TextField()
    created_at = models.DateTimeField()
    # Turned off after WEBHOOK_MAX_FAILURES failed deliveries in a row; the client turns it
    # back on. A success sets the count back to 0.
    disabled_at = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.client} {self.uuid}"

    @property
    def active(self) -> bool:
        return self.disabled_at is None


class Event(models.Model):
    """Something a partner's system is told of: no personal data, identifiers only."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=40, choices=Kind.choices)
    organisation = models.ForeignKey(
        "alliance.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    referral = models.ForeignKey("referrals.Referral", on_delete=models.PROTECT, related_name="+")
    occurred_at = models.DateTimeField()

    class Meta:
        ordering = ["occurred_at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.uuid}"


class Delivery(models.Model):
    """One event to one subscription: sent until the endpoint answers 2xx, once."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(db_index=True)
    # The lease of whoever is sending it now (`delivery.py`).
    claimed_until = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    # The endpoint's last answer (0: none, it could not be reached) and why it failed.
    last_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=100, blank=True)
    # No more attempts: the subscription was turned off while it waited.
    given_up = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["event", "subscription"], name="one_delivery_per_event_and_subscription"
            )
        ]

    def __str__(self) -> str:
        return f"{self.event} to {self.subscription}"
