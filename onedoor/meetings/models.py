"""Multi-agency and professionals' meetings: when, who came and from which agency, the
children discussed (by referral, each with the decisions about them), the decisions about
the meeting as a whole, and the actions agreed, each with an owner on the alliance's staff
and a due date, which stay on the owner's task list until marked done.

Who may see a meeting, and which of its children, is decided in the query
(`meetings.records`); the writes are `meetings.actions`.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models

if TYPE_CHECKING:
    from onedoor.referrals.models import Referral


class Kind(models.TextChoices):
    MULTI_AGENCY = "multi_agency", "Multi-agency meeting"
    PROFESSIONALS = "professionals", "Professionals' meeting"


class Meeting(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    alliance = models.ForeignKey("alliance.Alliance", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    held_on = models.DateField()
    title = models.CharField(
        max_length=200,
        help_text="What the meeting was for, in a few words. Do not include a child's name.",
    )
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", help_text="The chair, when they are on the alliance's staff.",
    )  # fmt: skip
    chair_name = models.CharField(
        max_length=200, blank=True, help_text="The chair's name and agency, when not on staff."
    )
    decisions = models.TextField(
        blank=True,
        help_text="Decisions about the meeting as a whole. Decisions about one child are "
        "kept with that child (`Discussion`), for those who may see the child.",
    )
    children: models.ManyToManyField[Referral, Discussion] = models.ManyToManyField(
        "referrals.Referral", through="Discussion", related_name="+", blank=True
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["alliance", "held_on"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(chair__isnull=False) | ~models.Q(chair_name=""),
                name="meeting_has_a_chair",
            )
        ]

    def __str__(self) -> str:
        return f"Meeting {self.uuid}"

    @property
    def timeline_summary(self) -> str:
        """What a child's timeline says of the meeting: its kind and date, nothing said."""
        kind = self.get_kind_display().lower()
        return f"Discussed at a {kind} on {self.held_on.day} {self.held_on:%B %Y}."


class Attendee(models.Model):
    """Someone at the meeting: a name and an agency, and the staff account when they have
    one (which lets them see the meeting)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendees")
    name = models.CharField(max_length=200)
    agency = models.CharField(
        max_length=200, help_text="For example: Children's social care, School, Kooth."
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "user"],
                condition=models.Q(user__isnull=False),
                name="attendee_listed_once",
            )
        ]

    def __str__(self) -> str:
        return f"Attendee {self.pk}"


class Discussion(models.Model):
    """A child discussed at the meeting (by referral), and the decisions about them."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="discussions")
    referral = models.ForeignKey("referrals.Referral", on_delete=models.PROTECT, related_name="+")
    decisions = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "referral"], name="child_discussed_once")
        ]

    def __str__(self) -> str:
        return f"Discussion {self.pk}"


class MeetingAction(models.Model):
    """An action agreed at the meeting: what, who, by when; about one of the children
    discussed, or none; and when it was done, and by whom."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="actions")
    text = models.CharField(max_length=500)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField()
    referral = models.ForeignKey(
        "referrals.Referral", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["owner", "completed_at", "due_on"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(completed_at__isnull=True, completed_by__isnull=True)
                | models.Q(completed_at__isnull=False, completed_by__isnull=False),
                name="meeting_action_done_by_someone",
            )
        ]

    def __str__(self) -> str:
        return f"Meeting action {self.uuid}"
