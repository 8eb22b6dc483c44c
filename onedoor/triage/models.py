"""Triage's records: each risk screening and each triage decision, kept as history."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from onedoor.alliance.models import IThriveGrouping, RiskRating


class RiskScreening(models.Model):
    """The triage lead's reading of the risk: a rating, the indicators, and why."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    referral = models.ForeignKey(
        "referrals.Referral", on_delete=models.PROTECT, related_name="screenings"
    )
    rating = models.CharField(max_length=10, choices=RiskRating.choices)
    indicators = models.JSONField(default=list, help_text="Keys of RISK_INDICATORS found.")
    other_indicators = models.TextField(blank=True)
    rationale = models.TextField()
    screened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    screened_at = models.DateTimeField()

    class Meta:
        ordering = ["-screened_at"]

    def __str__(self) -> str:
        return f"{self.get_rating_display()} screening {self.uuid}"


class Outcome(models.TextChoices):
    ADVICE = "advice", "Advice and signposting"
    ALLOCATE = "allocate", "Allocate to a partner offer"
    STEP_UP = "step_up", "Step up to specialist CAMHS or crisis support"
    SAFEGUARDING = "safeguarding", "Safeguarding referral"
    MORE_INFORMATION = "more_information", "More information needed"
    NOT_ACCEPTED = "not_accepted", "Not accepted"


class TriageDecision(models.Model):
    """One decision on a referral; red or complex ones wait for the clinical lead's sign-off."""

    class SignOff(models.TextChoices):
        NOT_NEEDED = "not_needed", "Not needed"
        WAITING = "waiting", "Waiting for the clinical lead"
        APPROVED = "approved", "Signed off"
        RETURNED = "returned", "Returned to triage"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    referral = models.ForeignKey(
        "referrals.Referral", on_delete=models.PROTECT, related_name="decisions"
    )
    grouping = models.CharField(max_length=30, choices=IThriveGrouping.choices)
    outcome = models.CharField(max_length=30, choices=Outcome.choices)
    offer = models.ForeignKey("alliance.Offer", on_delete=models.PROTECT, null=True, blank=True)
    receiving_service = models.ForeignKey(
        "alliance.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.TextField(
        blank=True, help_text="Why; for not accepted, what the referrer is told."
    )
    materials_sent = models.TextField(blank=True)
    signposted_to = models.ManyToManyField(
        "alliance.DirectoryService",
        blank=True,
        related_name="+",
        help_text="Advice and signposting: the wider services that fit the child's age.",
    )
    information_requested = models.TextField(blank=True)
    information_due = models.DateField(null=True, blank=True)
    complex = models.BooleanField(default=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField()
    sign_off = models.CharField(max_length=20, choices=SignOff.choices)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signed_off_at = models.DateTimeField(null=True, blank=True)
    sign_off_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-decided_at"]
        indexes = [models.Index(fields=["decided_at"], name="decisions_by_time")]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} ({self.uuid})"


class Escalation(models.Model):
    """One level of the escalation framework reached by an overdue item: a red review, a
    triage clock, or a handover the receiving side has not acknowledged (its transition)."""

    class Kind(models.TextChoices):
        RED_REVIEW = "red_review", "Red review overdue"
        TRIAGE_CLOCK = "triage_clock", "Triage clock overdue"
        HANDOVER = "handover", "Handover not acknowledged"
        SAFEGUARDING_ACTION = "safeguarding_action", "Safeguarding action overdue"
        URGENT_DISCLOSURE = "urgent_disclosure", "Urgent disclosure not screened"

    referral = models.ForeignKey(
        "referrals.Referral", on_delete=models.PROTECT, related_name="escalations"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.RED_REVIEW)
    transition = models.ForeignKey(
        "care.Transition", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    follow_up = models.ForeignKey(
        "safeguarding.FollowUp", on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    level = models.PositiveSmallIntegerField()
    raised_at = models.DateTimeField()

    class Meta:
        ordering = ["raised_at", "level"]
        constraints = [
            models.UniqueConstraint(
                fields=["referral", "kind", "level"],
                condition=models.Q(transition__isnull=True, follow_up__isnull=True),
                name="one_escalation_per_kind_and_level",
            ),
            models.UniqueConstraint(
                fields=["follow_up", "level"],
                condition=models.Q(follow_up__isnull=False),
                name="one_safeguarding_escalation_per_level",
            ),
            models.UniqueConstraint(
                fields=["transition", "level"],
                condition=models.Q(transition__isnull=False),
                name="one_handover_escalation_per_level",
            ),
        ]

    def __str__(self) -> str:
        return f"Level {self.level} for {self.referral_id}"


class ComplexDecision(models.Model):
    """The clinical lead's decision on a complex case, with the rationale, on the child's
    timeline."""

    class Kind(models.TextChoices):
        ESCALATION = "escalation", "Escalation"
        TRANSITION = "transition", "Transition"
        STEP_UP = "step_up", "Step up"
        STEP_DOWN = "step_down", "Step down"
        OTHER = "other", "Other"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    referral = models.ForeignKey(
        "referrals.Referral", on_delete=models.PROTECT, related_name="complex_decisions"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    decision = models.TextField()
    rationale = models.TextField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField()

    class Meta:
        ordering = ["-decided_at", "-id"]
        indexes = [models.Index(fields=["decided_at", "id"], name="complex_decisions_by_time")]

    def __str__(self) -> str:
        return f"Complex-case decision {self.uuid}"


class SignpostingReview(models.Model):
    """A triage lead read one working day's list of signposted referrals (the referrals
    signposted from that working day up to the next: `triage/signposted.py`)."""

    alliance = models.ForeignKey("alliance.Alliance", on_delete=models.PROTECT, related_name="+")
    day = models.DateField(help_text="The working day whose list was reviewed.")
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField()

    class Meta:
        ordering = ["-day"]
        constraints = [
            models.UniqueConstraint(fields=["alliance", "day"], name="one_review_per_day")
        ]

    def __str__(self) -> str:
        return f"Signposted referrals of {self.day} reviewed"


class ConsentReview(models.Model):
    """The triage team's review of a young person's own consent to a referral, under 16:
    competence confirmed, to revisit, or a parent or carer's consent obtained instead."""

    class Result(models.TextChoices):
        CONFIRMED = "confirmed", "Competence confirmed: the young person consents themselves"
        REVISIT = "revisit", "Revisit: contact the young person or involve a parent or carer"
        PARENT_AGREED = (
            "parent_agreed",
            "A parent or carer with parental responsibility has now agreed",
        )

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    referral = models.ForeignKey(
        "referrals.Referral", on_delete=models.PROTECT, related_name="consent_reviews"
    )
    result = models.CharField(max_length=20, choices=Result.choices)
    note = models.TextField()
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField()

    class Meta:
        ordering = ["-reviewed_at", "-id"]

    def __str__(self) -> str:
        return f"Consent review {self.uuid}"
