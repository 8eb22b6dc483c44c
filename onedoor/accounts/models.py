"""Staff and professional users: each belongs to one organisation and has one role."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models

from onedoor.accounts.roles import ADVICE_POINT, TRIAGE_TEAM, Role

# Administrators edit the alliance's configuration and its users in the product (the admin
# site), and nothing clinical.
ADMINISTERED_APPS = frozenset({"alliance", "accounts"})


class User(AbstractUser):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        "alliance.Organisation",
        on_delete=models.PROTECT,
        related_name="users",
        null=True,
        blank=True,
        help_text="Every person who signs in belongs to one organisation.",
    )
    role = models.CharField(max_length=40, choices=Role.choices, blank=True)
    is_demo = models.BooleanField(
        default=False, editable=False, help_text="Created by the synthetic demo data."
    )
    # Absence: escalations that would reach this person go to their deputy instead.
    away_until = models.DateField(
        null=True, blank=True, help_text="Away (on leave) up to and including this date."
    )
    deputy = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        help_text="Who is told in this person's place while they are away.",
    )  # fmt: skip

    class Meta:
        ordering = ["username"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(is_superuser=True)
                | (models.Q(organisation__isnull=False) & ~models.Q(role="")),
                name="user_has_organisation_and_role",
            )
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Only administrators (and superusers) reach the configuration screens.
        self.is_staff = self.is_superuser or self.role == Role.ADMINISTRATOR
        super().save(*args, **kwargs)

    def away_on(self, day: date) -> bool:
        return self.away_until is not None and day <= self.away_until

    @property
    def role_label(self) -> str:
        return Role(self.role).label if self.role else "Superuser"

    @property
    def in_triage_team(self) -> bool:
        return self.role in TRIAGE_TEAM

    @property
    def at_advice_point(self) -> bool:
        return self.role in ADVICE_POINT

    @property
    def needs_second_factor(self) -> bool:
        """Everyone who signs in, staff and professional referrers alike (hazard H45), unless
        OTP_REQUIRED is off (demo mode)."""
        return bool(settings.OTP_REQUIRED) and (self.is_superuser or bool(self.role))

    def has_perm(self, perm: str, obj: Any = None) -> bool:
        if self.is_active and self.role == Role.ADMINISTRATOR:
            return perm.split(".", 1)[0] in ADMINISTERED_APPS
        return super().has_perm(perm, obj)

    def has_module_perms(self, app_label: str) -> bool:
        if self.is_active and self.role == Role.ADMINISTRATOR:
            return app_label in ADMINISTERED_APPS
        return super().has_module_perms(app_label)


class Draft(models.Model):
    """What a member of staff was writing in a form, kept for its author alone so that a
    session timeout loses nothing (hazard H37): encrypted at rest (`accounts/drafts.py`),
    restored into the form after signing in again, deleted once the form is sent and
    forgotten after `DRAFT_KEPT_FOR`."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    author = models.ForeignKey(User, on_delete=models.CASCADE, related_name="drafts")
    # The form's address (path and query): the page that shows the form again.
    action = models.CharField(max_length=500)
    # Which of the page's draftable forms posting to that address (almost always the first).
    slot = models.PositiveSmallIntegerField(default=0)
    # The fields as JSON, encrypted with DRAFTS_KEY (a Fernet token): never plain text.
    content = models.TextField()
    saved_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["author", "action", "slot"], name="one_draft_per_form_and_author"
            )
        ]

    def __str__(self) -> str:
        return f"Draft {self.uuid}"


class ReferrerDetails(models.Model):
    """A professional referrer's work details, given when they registered: what the referral
    form starts with when they refer (they can change them there)."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="referrer_details")
    job_title = models.CharField(max_length=100)
    workplace = models.CharField(
        max_length=200, help_text="Their practice, school or team, as they wrote it."
    )
    # Where they work, as the referral form asks it (`referrals.models.Source`: gp, school...).
    works_in = models.CharField(max_length=20)
    work_phone = models.CharField(max_length=40, blank=True)

    class Meta:
        verbose_name_plural = "referrer details"

    def __str__(self) -> str:
        return f"Referrer details {self.user_id}"
