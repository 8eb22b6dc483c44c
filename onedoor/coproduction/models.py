"""Co-production: what young people and families tell us about the service, the themes staff
see in it, and the "you said, we did" log of the changes it caused.

Experience-of-service feedback comes from two places: the single-use invitation at discharge
(`care.Feedback`, kept where it is) and the public page open at any time (`ServiceFeedback`,
no account and no personal data asked). Both can carry themes and be linked to log entries.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models


class Source(models.TextChoices):
    """Where a piece of experience-of-service feedback came from."""

    DISCHARGE = "discharge", "Invitation at discharge"
    ANY_TIME = "any_time", "Feedback page, at any time"


class Theme(models.Model):
    """A theme staff tag feedback with ("Waiting times", "Being listened to"): configuration,
    edited in the admin site."""

    alliance = models.ForeignKey("alliance.Alliance", on_delete=models.PROTECT, related_name="+")
    slug = models.SlugField()
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True, help_text="What feedback belongs under it.")
    active = models.BooleanField(default=True, help_text="Offered when tagging new feedback.")
    discharge_feedback = models.ManyToManyField("care.Feedback", related_name="themes", blank=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["alliance", "slug"], name="theme_slug_unique")
        ]

    def __str__(self) -> str:
        return self.name


class ServiceFeedback(models.Model):
    """Feedback given at any time on the public page: how helpful the service was (the same
    1 to 5 scale as the discharge invitation), optionally which organisation, and comments."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    alliance = models.ForeignKey("alliance.Alliance", on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(
        "alliance.Organisation", on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", help_text="The organisation it is about, if they said.",
    )  # fmt: skip
    helpful = models.PositiveSmallIntegerField(help_text="1 (not at all) to 5 (very)")
    comments = models.TextField(blank=True)
    submitted_at = models.DateTimeField()
    themes = models.ManyToManyField(Theme, related_name="any_time_feedback", blank=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(helpful__gte=1, helpful__lte=5),
                name="service_feedback_helpful_1_to_5",
            )
        ]
        indexes = [models.Index(fields=["alliance", "submitted_at", "id"])]

    def __str__(self) -> str:
        return f"Feedback {self.uuid}"


def theme_tags(feedback: ServiceFeedback | Any) -> Any:
    """The themes on a piece of feedback from either source, as its related manager. (The
    type checker does not know the `themes` that `Theme.discharge_feedback` adds to
    `care.Feedback`.)"""
    return feedback.themes


class FeedbackAttempt(models.Model):
    """When the public feedback page was sent, and from which address: for the rate limit
    only. Rows older than a day are removed by the rate limiter itself."""

    address = models.GenericIPAddressField()
    at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.address} at {self.at}"


class YouSaidWeDid(models.Model):
    """One entry of the "you said, we did" log: a theme, what people told us (a summary staff
    write, never a child's own words), the change it caused, and the feedback it came from.
    Only published entries are shown on the public page."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    alliance = models.ForeignKey("alliance.Alliance", on_delete=models.PROTECT, related_name="+")
    theme = models.ForeignKey(Theme, on_delete=models.PROTECT, related_name="entries")
    you_said = models.TextField(help_text="What people told us, summarised by staff.")
    we_did = models.TextField(help_text="The change it caused.")
    changed_on = models.DateField(help_text="When the change was made.")
    any_time_feedback = models.ManyToManyField(ServiceFeedback, related_name="entries", blank=True)
    discharge_feedback = models.ManyToManyField(
        "care.Feedback", related_name="you_said_we_did", blank=True
    )
    published = models.BooleanField(default=False)
    published_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-changed_on", "-id"]
        verbose_name = "you said, we did entry"
        verbose_name_plural = "you said, we did entries"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(published=False) | models.Q(published_at__isnull=False),
                name="published_entry_has_a_date",
            )
        ]

    def __str__(self) -> str:
        return f"You said, we did {self.uuid}"
