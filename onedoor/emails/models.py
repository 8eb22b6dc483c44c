"""The ledger of emails that must go once: one row per message, claimed before it is sent."""

from __future__ import annotations

from django.db import models


class Delivery(models.Model):
    """One message, named by its key (what, about which record, to whom: never personal data).

    A row with `sent_at` set has gone; a row without it is waiting for a first or another
    attempt. `claimed_until` stops two workers sending the same message at once, and lapses so
    that a worker that died mid-send does not hold the message for ever.
    """

    key = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField()
    claimed_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name_plural = "deliveries"

    def __str__(self) -> str:
        return self.key
