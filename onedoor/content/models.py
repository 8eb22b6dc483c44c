"""The clinical content library: Waiting Well materials, videos, workshops and leaflets, each
with an owner, an audience, the clinical lead's sign-off and a review date.

An item may be sent to a family only while it is signed off, not retired and not past its
review date (`sendable`). A change to what the item says clears its sign-off.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q


class ContentItemQuerySet(models.QuerySet["ContentItem"]):
    def sendable(self, today: date) -> ContentItemQuerySet:
        """The rows `sendable(item, today)` is true of."""
        return self.filter(
            signed_off_at__isnull=False, retired_at__isnull=True, review_by__gte=today
        )

    def for_age(self, age: int) -> ContentItemQuerySet:
        return self.filter(min_age__lte=age, max_age__gte=age)


class ContentItem(models.Model):
    class Kind(models.TextChoices):
        LEAFLET = "leaflet", "Leaflet"
        VIDEO = "video", "Video"
        WORKSHOP = "workshop", "Workshop"
        WEB_PAGE = "web_page", "Web page"
        OTHER = "other", "Other"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    alliance = models.ForeignKey(
        "alliance.Alliance", on_delete=models.PROTECT, related_name="content_items"
    )
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    description = models.TextField(blank=True)
    link = models.URLField(max_length=500, blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The audience: ages inclusive, and the needs it speaks to (none: any need).
    min_age = models.PositiveSmallIntegerField()
    max_age = models.PositiveSmallIntegerField()
    needs = models.ManyToManyField("alliance.Need", blank=True, related_name="+")
    # Bumped by every change to what the item says; a sign-off is of one version.
    version = models.PositiveIntegerField(default=1)
    changed_at = models.DateTimeField()
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    signed_off_at = models.DateTimeField(null=True)
    review_by = models.DateField(null=True)
    retired_at = models.DateTimeField(null=True)
    # The check-ins (`care.CheckIn`, named by its label: care is above the library).
    sent_in: models.ManyToManyField[models.Model, SentMaterial] = models.ManyToManyField(
        "care.CheckIn", through="SentMaterial", related_name="content_items"
    )

    objects = ContentItemQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_age__lte=F("max_age")), name="content_ages_in_order"
            ),
            models.CheckConstraint(
                condition=Q(
                    signed_off_by__isnull=True, signed_off_at__isnull=True, review_by__isnull=True
                )
                | Q(
                    signed_off_by__isnull=False,
                    signed_off_at__isnull=False,
                    review_by__isnull=False,
                ),
                name="content_sign_off_whole",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def status(self, today: date) -> ItemStatus:
        """Where the item stands, in words and a tag colour."""
        if self.retired_at is not None:
            return ItemStatus(f"Retired on {self.retired_at:%-d %b %Y}", "grey")
        if self.review_by is None:
            return ItemStatus("Not signed off", "orange")
        if self.review_by < today:
            overdue = self.review_by + timedelta(days=1)
            return ItemStatus(f"Review overdue since {overdue:%-d %b %Y}", "red")
        return ItemStatus(f"Signed off until {self.review_by:%-d %b %Y}", "green")


@dataclass(frozen=True)
class ItemStatus:
    words: str
    colour: str


def sendable(item: ContentItem, today: date) -> bool:
    """May this item be sent to a family today? Signed off, not retired, and its review date
    not passed (it is still sendable on the review date itself)."""
    return (
        item.signed_off_at is not None
        and item.retired_at is None
        and item.review_by is not None
        and item.review_by >= today
    )


class SentMaterial(models.Model):
    """A library item sent to a family at a Waiting Well check-in, and which version."""

    check_in = models.ForeignKey("care.CheckIn", on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(ContentItem, on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["check_in", "item"], name="sent_material_once")
        ]

    def __str__(self) -> str:
        return f"Sent material {self.pk}"
