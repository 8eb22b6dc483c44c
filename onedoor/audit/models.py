"""The audit trail: an append-only, hash-chained record of who did what to which record.

Rows are only ever inserted by `onedoor.audit.record`; the model and its queryset refuse
updates and deletes, and each row carries the hash of the one before it so that
`manage.py verify_audit` detects any row edited, deleted or reordered behind our back. The
hashes are keyed (HMAC-SHA256 with `settings.AUDIT_KEY`, which lives outside the database:
ADR 34), so someone who can write to the tables cannot recompute the chain after an edit.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any, ClassVar

from django.conf import settings
from django.db import models

GENESIS_HASH = "0" * 64


class AppendOnlyError(Exception):
    """Raised on any attempt to change or remove an audit row through the ORM."""


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("Audit events cannot be changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Audit events cannot be deleted.")


class AuditEvent(models.Model):
    class Action(models.TextChoices):
        VIEW = "view", "Viewed"
        CREATE = "create", "Created"
        CHANGE = "change", "Changed"
        DELETE = "delete", "Deleted"
        DENY = "deny", "Denied access"
        SIGN_IN = "sign_in", "Signed in"
        SIGN_IN_FAILED = "sign_in_failed", "Sign-in failed"
        SECOND_FACTOR = "second_factor", "Second factor verified"
        SECOND_FACTOR_FAILED = "second_factor_failed", "Second factor failed"
        SIGN_OUT = "sign_out", "Signed out"
        SESSION_EXPIRED = "session_expired", "Session expired"
        LOCKED_OUT = "locked_out", "Locked out"
        BREAK_GLASS = "break_glass", "Emergency access granted"
        BREAK_GLASS_REVIEW = "break_glass_review", "Emergency access reviewed"
        CONFIGURATION_LOADED = "configuration_loaded", "Configuration loaded"
        DEMO_DATA_LOADED = "demo_data_loaded", "Demo data loaded"
        SEARCH = "search", "Searched for a child"
        API_CALL = "api_call", "API call"
        API_REFUSED = "api_refused", "API call refused"

    sequence = models.PositiveBigIntegerField(unique=True)
    at = models.DateTimeField(db_index=True)
    actor_uuid = models.UUIDField(null=True, blank=True)
    actor_username = models.CharField(max_length=150, blank=True)
    actor_role = models.CharField(max_length=40, blank=True)
    actor_organisation = models.CharField(max_length=80, blank=True)
    action = models.CharField(max_length=40, choices=Action.choices)
    record_type = models.CharField(max_length=60, blank=True)
    record_id = models.CharField(max_length=64, blank=True)
    child_uuid = models.UUIDField(null=True, blank=True, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    reason = models.TextField(blank=True)
    detail = models.JSONField(default=dict, blank=True)
    # What a member of staff typed into the search (a name, a date of birth, an NHS number):
    # personal data, kept apart from `detail` and shown on no page, to anyone. Empty on
    # every other event (and then left out of `canonical`, so older rows hash as before).
    search_terms = models.CharField(max_length=100, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects: ClassVar[AuditEventQuerySet] = AuditEventQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ["sequence"]
        indexes = [models.Index(fields=["record_type", "record_id"])]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.action} {self.record_type} {self.record_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("Audit events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Audit events cannot be deleted.")

    def canonical(self) -> str:
        """The row's content as the hash covers it: every field but the hash itself (the
        search terms only when there are some, so rows written before they existed verify)."""
        content = {
            "sequence": self.sequence,
            "at": self.at.isoformat(),
            "actor_uuid": str(self.actor_uuid) if self.actor_uuid else "",
            "actor_username": self.actor_username,
            "actor_role": self.actor_role,
            "actor_organisation": self.actor_organisation,
            "action": self.action,
            "record_type": self.record_type,
            "record_id": self.record_id,
            "child_uuid": str(self.child_uuid) if self.child_uuid else "",
            "ip_address": self.ip_address or "",
            "reason": self.reason,
            "detail": self.detail,
            "prev_hash": self.prev_hash,
        }
        if self.search_terms:
            content["search_terms"] = self.search_terms
        return json.dumps(content, sort_keys=True, separators=(",", ":"))

    def compute_hash(self) -> str:
        return keyed_hash(self.canonical(), settings.AUDIT_KEY)


def keyed_hash(canonical: str, key: str) -> str:
    """A row's hash: HMAC-SHA256 of its canonical JSON under the audit key (ADR 34)."""
    return hmac.new(key.encode(), canonical.encode(), hashlib.sha256).hexdigest()


class AuditHead(models.Model):
    """The single row that points at the end of the chain.

    Writers lock it to append one at a time; `verify_audit` compares it with the last row so
    that deleting rows from the end of the chain is detected too.
    """

    last_sequence = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)

    def __str__(self) -> str:
        return f"audit head at #{self.last_sequence}"
