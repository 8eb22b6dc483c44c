"""The one thing the insights app stores: the service manager's narrative for a review pack.
Every figure is computed from the records when asked for (`kpis.py`)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class PackNarrative(models.Model):
    """What the service manager writes for the commissioners about one period."""

    alliance = models.ForeignKey("alliance.Alliance", on_delete=models.PROTECT, related_name="+")
    period_start = models.DateField()
    period_end = models.DateField()
    text = models.TextField()
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    written_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["alliance", "period_start", "period_end"], name="one_narrative_per_period"
            )
        ]

    def __str__(self) -> str:
        return f"Narrative for {self.period_start} to {self.period_end}"
