"""Completed outcome measures and the single-use links that invite a young person or parent
to complete one. The measures themselves are data (`measures.py`), not tables."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from onedoor.care.models import CareRecord


class Respondent(models.TextChoices):
    PRACTITIONER = "practitioner", "The practitioner"
    YOUNG_PERSON = "young_person", "The young person"
    PARENT = "parent", "A parent or carer"


class Invitation(models.Model):
    """A link to complete one measure, sent to the young person or a parent: it works once,
    until it expires."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    referral = models.ForeignKey("referrals.Referral", on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(
        "alliance.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    measure = models.CharField(max_length=50)
    respondent = models.CharField(max_length=20, choices=Respondent.choices)
    email = models.EmailField()
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField()
    token = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-sent_at", "-id"]

    def __str__(self) -> str:
        return f"Measure invitation {self.uuid}"


class MeasureResponse(CareRecord):
    """One completed measure: the answers as given and the scores computed when it was
    saved (by the action, with the measure's version), so a later change to the measure's
    file never rewrites history."""

    recorded_by = models.ForeignKey(  # type: ignore[assignment]  # empty when completed by link
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    measure = models.CharField(max_length=50)
    measure_version = models.CharField(max_length=20)
    completed_by = models.CharField(max_length=20, choices=Respondent.choices)
    invitation = models.OneToOneField(
        Invitation, on_delete=models.PROTECT, null=True, blank=True, related_name="response"
    )
    answers = models.JSONField()
    scores = models.JSONField()
    review_reasons = models.JSONField(default=list, blank=True)
    needs_review = models.BooleanField(default=False)
    # A score in a band the measure marks severe (`scoring.in_severe_range`), kept on save
    # like the scores: what the severe-score task reads (`outcomes/severe.py`).
    severe = models.BooleanField(default=False)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["recorded_at", "id"]
        indexes = [
            models.Index(fields=["referral", "measure", "recorded_at"]),
            models.Index(
                fields=["referral", "recorded_at"],
                condition=models.Q(needs_review=True, reviewed_at__isnull=True),
                name="measure_responses_to_review",
            ),
        ]

    def __str__(self) -> str:
        return f"Measure response {self.uuid}"
