"""Clinical governance: monthly clinical supervision, and incidents with the learning from
them.

Supervision: a supervisor (a clinical lead, partner lead or care coordinator) meets a
practitioner or partner lead, discusses cases (referrals, by reference), agrees actions and
may write reflective notes, which only the pair and the clinical lead may read (enforced in
the query: `governance.access`).

Incidents and near misses: reported by anyone on staff, reviewed by the clinical lead, who
records findings, lessons and the practice changes made (each with an owner and a date),
closes them and shares the lessons on the learning log every member of staff can read.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class Supervision(models.Model):
    """One clinical supervision session between a supervisor and a practitioner."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    alliance = models.ForeignKey("alliance.Alliance", on_delete=models.PROTECT, related_name="+")
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="supervisions_given"
    )
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="supervisions_received",
        help_text="The person supervised: a practitioner or a partner lead.",
    )  # fmt: skip
    held_on = models.DateField()
    cases = models.ManyToManyField("referrals.Referral", related_name="+", blank=True)
    actions = models.TextField(blank=True, help_text="What was agreed, and by whom.")
    reflections = models.TextField(
        blank=True,
        help_text="Reflective notes: only the supervisor, the practitioner and the clinical "
        "lead may read them.",
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-held_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(supervisor=models.F("practitioner")),
                name="supervision_not_of_oneself",
            )
        ]
        indexes = [models.Index(fields=["practitioner", "held_on"])]

    def __str__(self) -> str:
        return f"Supervision {self.uuid}"


class Severity(models.TextChoices):
    NO_HARM = "no_harm", "No harm"
    LOW = "low", "Low harm"
    MODERATE = "moderate", "Moderate harm"
    SEVERE = "severe", "Severe harm"
    DEATH = "death", "Death"


class IncidentKind(models.TextChoices):
    INCIDENT = "incident", "Incident"
    NEAR_MISS = "near_miss", "Near miss"


class IncidentStatus(models.TextChoices):
    REPORTED = "reported", "Reported"
    UNDER_REVIEW = "under_review", "Under review"
    CLOSED = "closed", "Closed"


# The moves each status allows, enforced in `actions._move`.
TRANSITIONS: dict[str, frozenset[str]] = {
    IncidentStatus.REPORTED: frozenset({IncidentStatus.UNDER_REVIEW}),
    IncidentStatus.UNDER_REVIEW: frozenset({IncidentStatus.UNDER_REVIEW, IncidentStatus.CLOSED}),
    IncidentStatus.CLOSED: frozenset(),
}


class Incident(models.Model):
    """An incident or near miss, its review, and the lessons learned from it."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    alliance = models.ForeignKey("alliance.Alliance", on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(
        "alliance.Organisation", on_delete=models.PROTECT, related_name="+",
        help_text="The reporter's organisation: its partner lead sees the incident.",
    )  # fmt: skip
    kind = models.CharField(max_length=20, choices=IncidentKind.choices)
    severity = models.CharField(max_length=20, choices=Severity.choices)
    title = models.CharField(max_length=200, help_text="No child's name.")
    what_happened = models.TextField()
    occurred_on = models.DateField()
    referral = models.ForeignKey(
        "referrals.Referral", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        max_length=20, choices=IncidentStatus.choices, default=IncidentStatus.REPORTED
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reported_at = models.DateTimeField()
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    findings = models.TextField(blank=True)
    lessons = models.TextField(
        blank=True, help_text="Lessons learned: shared on the learning log without child detail."
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    shared_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(shared_at__isnull=True) | ~models.Q(lessons=""),
                name="shared_incident_has_lessons",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=IncidentStatus.CLOSED)
                | models.Q(closed_at__isnull=False),
                name="closed_incident_has_a_date",
            ),
        ]

    def __str__(self) -> str:
        return f"Incident {self.uuid}"


class PracticeChange(models.Model):
    """A change to practice made because of an incident, with an owner and a date."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="changes")
    change = models.TextField()
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField(help_text="When the change is made by.")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return f"Practice change {self.pk}"
