"""What retention leaves behind: the approved runs, and a tombstone for each record gone."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class RetentionRun(models.Model):
    """One run of `manage.py apply_retention`, approved by a named clinical lead: what it
    disposed of, by record type and class (`counts`)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    alliance = models.ForeignKey("alliance.Alliance", on_delete=models.PROTECT)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    ran_at = models.DateTimeField()
    counts = models.JSONField(default=dict)

    class Meta:
        ordering = ["-ran_at"]

    def __str__(self) -> str:
        return f"Retention run {self.ran_at:%Y-%m-%d}"


class Tombstone(models.Model):
    """A record disposed of under retention: its type, its id, the day its retention ended
    and the rule that ended it. Nothing else of it is kept."""

    run = models.ForeignKey(RetentionRun, on_delete=models.PROTECT, related_name="tombstones")
    record_type = models.CharField(max_length=100)
    record_id = models.CharField(max_length=64)
    kept_until = models.DateField()
    rule = models.CharField(max_length=200)

    class Meta:
        indexes = [models.Index(fields=["record_id"])]

    def __str__(self) -> str:
        return f"{self.record_type} {self.record_id}"
