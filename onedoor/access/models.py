"""Emergency ("break-glass") access: written reason, limited time, reviewed."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from onedoor import clock
from onedoor.accounts.roles import Role


class BreakGlassGrantQuerySet(models.QuerySet["BreakGlassGrant"]):
    def active(self) -> BreakGlassGrantQuerySet:
        return self.filter(expires_at__gt=clock.now())

    def awaiting_review(self) -> BreakGlassGrantQuerySet:
        return self.filter(reviewed_at__isnull=True)


class BreakGlassGrant(models.Model):
    class Outcome(models.TextChoices):
        APPROPRIATE = "appropriate", "Appropriate"
        INAPPROPRIATE = "inappropriate", "Not appropriate: followed up"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="break_glass_grants"
    )
    child = models.ForeignKey(
        "children.Child", on_delete=models.PROTECT, related_name="break_glass_grants"
    )
    reason = models.TextField()
    granted_at = models.DateTimeField(default=clock.now)
    expires_at = models.DateTimeField()
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="break_glass_reviews",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    review_note = models.TextField(blank=True)

    objects = BreakGlassGrantQuerySet.as_manager()

    class Meta:
        ordering = ["-granted_at"]
        indexes = [models.Index(fields=["user", "expires_at"])]

    def __str__(self) -> str:
        return f"Emergency access {self.uuid}"

    @property
    def is_active(self) -> bool:
        return self.expires_at > clock.now()


class RoleRequest(models.Model):
    """An administrator's request that someone hold a role that sees other people's case
    data (`policy.SEES_CASE_DATA`), or hold it again, or in another organisation: the change
    waits here until a clinical lead other than the requester, and other than the person
    concerned, approves it (`roles.decide_role_request`). Refused, nothing changes."""

    class Outcome(models.TextChoices):
        APPROVED = "approved", "Approved"
        REFUSED = "refused", "Refused"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="role_requests"
    )
    role = models.CharField(max_length=40, choices=Role.choices)
    organisation = models.ForeignKey("alliance.Organisation", on_delete=models.PROTECT)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(decided_at__isnull=True),
                name="one_open_role_request_per_user",
            )
        ]

    def __str__(self) -> str:
        return f"{self.role} for user {self.user_id}"
