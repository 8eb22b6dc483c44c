"""Emergency access: asking for it, and the clinical lead's review of it."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from onedoor import clock
from onedoor.access.models import BreakGlassGrant
from onedoor.access.policy import AUDIT_REVIEWER_ROLES, BREAK_GLASS_ROLES
from onedoor.accounts.models import User
from onedoor.audit.trail import Action, record
from onedoor.children.models import Child

MINIMUM_REASON_LENGTH = 20


def break_glass(*, user: User, child: Child, reason: str) -> BreakGlassGrant:
    """Grant `user` time-limited view access to `child`, for a written reason."""
    if user.role not in BREAK_GLASS_ROLES:
        raise PermissionDenied("Your role cannot use emergency access.")
    reason = reason.strip()
    if len(reason) < MINIMUM_REASON_LENGTH:
        raise ValidationError(
            f"Explain why you need emergency access in at least {MINIMUM_REASON_LENGTH} characters"
        )
    now = clock.now()
    with transaction.atomic():
        grant = BreakGlassGrant.objects.create(
            user=user,
            child=child,
            reason=reason,
            granted_at=now,
            expires_at=now + timedelta(hours=child.alliance.break_glass_hours),
        )
        record(
            Action.BREAK_GLASS,
            actor=user,
            record_type="break_glass_grant",
            record_id=grant.uuid,
            child_uuid=child.uuid,
            reason=reason,
            detail={"expires_at": grant.expires_at.isoformat()},
        )
    return grant


def review_break_glass(
    *, reviewer: User, grant: BreakGlassGrant, outcome: str, note: str
) -> BreakGlassGrant:
    if reviewer.role not in AUDIT_REVIEWER_ROLES:
        raise PermissionDenied("Only the clinical lead reviews emergency access.")
    if outcome not in BreakGlassGrant.Outcome.values:
        raise ValidationError("Choose whether the access was appropriate")
    if outcome == BreakGlassGrant.Outcome.INAPPROPRIATE and not note.strip():
        raise ValidationError("Say what follow-up you have taken")
    with transaction.atomic():
        updated = BreakGlassGrant.objects.filter(pk=grant.pk, reviewed_at__isnull=True).update(
            reviewed_by=reviewer,
            reviewed_at=clock.now(),
            outcome=outcome,
            review_note=note.strip(),
        )
        if updated != 1:
            raise ValidationError("This emergency access has already been reviewed")
        record(
            Action.BREAK_GLASS_REVIEW,
            actor=reviewer,
            record_type="break_glass_grant",
            record_id=grant.uuid,
            child_uuid=grant.child.uuid,
            detail={"outcome": outcome},
        )
    grant.refresh_from_db()
    return grant
