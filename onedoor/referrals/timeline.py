"""Writing to a child's timeline: one event per step, and, for a record made in that step,
its audit entry with it. Every action that writes a timeline event uses these."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from onedoor import clock
from onedoor.accounts.models import User
from onedoor.audit.trail import Action, record
from onedoor.children.models import TimelineEvent
from onedoor.referrals.models import Referral


def on_timeline(
    referral: Referral,
    summary: str,
    *,
    actor: User | None,
    kind: str = TimelineEvent.Kind.STATUS_CHANGED,
    at: datetime | None = None,
) -> TimelineEvent:
    return TimelineEvent.objects.create(
        child=referral.child,
        at=at or clock.now(),
        kind=kind,
        actor=actor,
        referral=referral,
        summary=summary,
    )


def written(
    user: User,
    referral: Referral,
    summary: str,
    *,
    record_type: str,
    record_id: object,
    detail: dict[str, Any] | None = None,
    action: str = Action.CREATE,
    kind: str = TimelineEvent.Kind.STATUS_CHANGED,
    at: datetime | None = None,
    reason: str = "",
) -> None:
    """A record made (or, with `action`, changed) for the child: on the timeline, and in
    the audit trail."""
    on_timeline(referral, summary, actor=user, kind=kind, at=at)
    record(
        action,
        actor=user,
        record_type=record_type,
        record_id=record_id,
        child_uuid=referral.child.uuid,
        reason=reason,
        detail=detail,
    )
