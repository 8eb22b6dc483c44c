"""Referrals: each request for help for a child, from whoever made it."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from onedoor.referrals.reference import display


class Source(models.TextChoices):
    SELF = "self", "Self (the young person)"
    PARENT = "parent", "Parent or carer"
    GP = "gp", "GP"
    SCHOOL = "school", "School"
    SOCIAL_CARE = "social_care", "Social care"
    HEALTH = "health", "Health"
    YOUTH_JUSTICE = "youth_justice", "Youth justice"
    OTHER = "other", "Other"


class Status(models.TextChoices):
    """Where a referral is on the journey (the allowed moves arrive with triage)."""

    AWAITING_TRIAGE = "awaiting_triage", "Awaiting triage"
    MORE_INFORMATION = "more_information", "More information needed"
    AWAITING_SIGN_OFF = "awaiting_sign_off", "Awaiting clinical lead sign-off"
    ALLOCATED = "allocated", "Allocated to a partner"
    WAITING = "waiting", "Waiting (Waiting Well)"
    IN_INTERVENTION = "in_intervention", "In intervention"
    IN_TRANSITION = "in_transition", "In transition"
    SIGNPOSTED = "signposted", "Advice and signposting"
    STEPPED_UP = "stepped_up", "Stepped up"
    NOT_ACCEPTED = "not_accepted", "Not accepted"
    DISCHARGED = "discharged", "Discharged"


class RiskRating(models.TextChoices):
    RED = "red", "Red"
    AMBER = "amber", "Amber"
    GREEN = "green", "Green"


class Referral(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reference = models.CharField(max_length=8, unique=True)
    child = models.ForeignKey("children.Child", on_delete=models.PROTECT, related_name="referrals")
    received_at = models.DateTimeField(db_index=True)
    source = models.CharField(max_length=20, choices=Source.choices)
    status = models.CharField(
        max_length=30, choices=Status.choices, default=Status.AWAITING_TRIAGE, db_index=True
    )
    risk_rating = models.CharField(max_length=10, choices=RiskRating.choices, blank=True)
    allocated_organisation = models.ForeignKey(
        "alliance.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="allocated_referrals",
    )
    allocated_offer = models.ForeignKey(
        "alliance.Offer", on_delete=models.PROTECT, null=True, blank=True, related_name="referrals"
    )
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals_made",
        help_text="The professional referrer's account, when they referred online.",
    )

    class Meta:
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["allocated_organisation", "status"])]

    def __str__(self) -> str:
        return display(self.reference)

    @property
    def reference_display(self) -> str:
        return display(self.reference)
