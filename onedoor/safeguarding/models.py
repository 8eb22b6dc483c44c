"""Safeguarding concerns: what was seen or said about a child, what was done at once, the
referral to children's social care, the safeguarding lead who owns it, the follow-up actions
(each with an owner and a due date) and the outcome."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class Concern(models.Model):
    class Category(models.TextChoices):
        PHYSICAL = "physical", "Physical abuse"
        EMOTIONAL = "emotional", "Emotional abuse"
        SEXUAL = "sexual", "Sexual abuse"
        NEGLECT = "neglect", "Neglect"
        EXPLOITATION = "exploitation", "Exploitation (criminal or sexual)"
        DOMESTIC_ABUSE = "domestic_abuse", "Domestic abuse"
        ONLINE = "online", "Online harm"
        SELF_HARM = "self_harm", "Risk to self"
        OTHER = "other", "Other"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    referral = models.ForeignKey(
        "referrals.Referral", on_delete=models.PROTECT, related_name="concerns"
    )
    category = models.CharField(max_length=20, choices=Category.choices)
    seen_or_said = models.TextField(help_text="What was seen or said, in the words used.")
    immediate_actions = models.TextField()
    referred_to_social_care = models.BooleanField()
    social_care_reference = models.CharField(max_length=60, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        help_text="The safeguarding lead who owns the concern.",
    )  # fmt: skip
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    raised_at = models.DateTimeField()
    outcome = models.TextField(blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-raised_at", "-id"]

    def __str__(self) -> str:
        return f"Safeguarding concern {self.uuid}"


class FollowUp(models.Model):
    """A follow-up action on a concern: who, by when, and when it was done."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="follow_ups")
    text = models.CharField(max_length=500)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    due = models.DateField()
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due", "id"]

    def __str__(self) -> str:
        return f"Follow-up {self.uuid}"
