"""Case audits: a round samples records at random from each organisation, the clinical lead
scores each against the alliance's criteria, records the actions that follow, and the
compliance figures (met / (met + not met), per organisation and criterion) are compared
round by round.

A round keeps its seed, its size and its criteria, so its sample can be drawn again and
its figures never change when the configuration does.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class AuditRound(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    alliance = models.ForeignKey("alliance.Alliance", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=200)
    # The records the round samples from: allocated to an organisation in these dates.
    allocated_from = models.DateField()
    allocated_to = models.DateField()
    sample_size = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(50)],
        help_text="Records sampled from each organisation (fewer where it has fewer).",
    )
    seed = models.PositiveIntegerField(help_text="The same seed draws the same sample.")
    organisations = models.ManyToManyField("alliance.Organisation", related_name="audit_rounds")
    criteria = models.ManyToManyField("alliance.AuditCriterion", related_name="audit_rounds")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(allocated_from__lte=models.F("allocated_to")),
                name="audit_round_dates_ordered",
            )
        ]

    def __str__(self) -> str:
        return f"Audit round {self.uuid}"


class AuditCase(models.Model):
    """One sampled record in a round, scored once every criterion has a result."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    round = models.ForeignKey(AuditRound, on_delete=models.PROTECT, related_name="cases")
    referral = models.ForeignKey("referrals.Referral", on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(
        "alliance.Organisation", on_delete=models.PROTECT, related_name="+",
        help_text="The organisation the record was sampled for.",
    )  # fmt: skip
    comment = models.TextField(blank=True)
    scored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    scored_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["organisation__name", "referral__reference"]
        constraints = [
            models.UniqueConstraint(fields=["round", "referral"], name="audit_case_once")
        ]

    def __str__(self) -> str:
        return f"Audit case {self.uuid}"


class Result(models.TextChoices):
    MET = "met", "Met"
    NOT_MET = "not_met", "Not met"
    NOT_APPLICABLE = "not_applicable", "Not applicable"


class AuditScore(models.Model):
    case = models.ForeignKey(AuditCase, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(
        "alliance.AuditCriterion", on_delete=models.PROTECT, related_name="+"
    )
    result = models.CharField(max_length=20, choices=Result.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "criterion"], name="audit_score_once")
        ]

    def __str__(self) -> str:
        return f"{self.criterion_id}: {self.result}"


class AuditAction(models.Model):
    """What a round found needs doing, by whom and by when."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    round = models.ForeignKey(AuditRound, on_delete=models.PROTECT, related_name="actions")
    organisation = models.ForeignKey(
        "alliance.Organisation", on_delete=models.PROTECT, related_name="+",
        null=True, blank=True, help_text="Empty when the action is for the whole alliance.",
    )  # fmt: skip
    action = models.TextField()
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["owner", "done_at"])]

    def __str__(self) -> str:
        return f"Audit action {self.uuid}"
