"""Tasks: work that is someone's to do by a time, so nothing waits unseen."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils import timezone

from onedoor.accounts.roles import Role

if TYPE_CHECKING:
    from onedoor.accounts.models import User
    from onedoor.referrals.models import Referral


class Task(models.Model):
    class Kind(models.TextChoices):
        RED_REVIEW = "red_review", "Review a red referral today"
        SIGN_OFF = "sign_off", "Sign off a triage decision"
        INFORMATION_DUE = "information_due", "Information requested for triage"
        HANDOVER = "handover", "Handover waiting for the receiving side"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    role = models.CharField(max_length=40, choices=Role.choices, help_text="Whose work it is.")
    referral = models.ForeignKey(
        "referrals.Referral", on_delete=models.CASCADE, related_name="tasks"
    )
    due_at = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [models.Index(fields=["role", "done_at", "due_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["referral", "kind"],
                condition=models.Q(done_at__isnull=True),
                name="one_open_task_per_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.uuid})"


def open_task(*, referral: Referral, kind: str, role: Role, due_at: datetime) -> Task:
    """Open a task unless one of that kind is already open for the referral."""
    task, _ = Task.objects.get_or_create(
        referral=referral,
        kind=kind,
        done_at__isnull=True,
        defaults={"role": role, "due_at": due_at},
    )
    return task


def complete_tasks(*, referral: Referral, kind: str, user: User) -> int:
    return Task.objects.filter(referral=referral, kind=kind, done_at__isnull=True).update(
        done_at=timezone.now(), done_by=user
    )
