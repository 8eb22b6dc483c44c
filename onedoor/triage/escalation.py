"""Overdue items climb the alliance's escalation framework: never silent.

Two kinds of item escalate: a red referral that no clinician has reviewed by its triage
deadline, and a handover that the receiving side has not acknowledged by its due time. Each
reaches level 1 of the framework when it falls due, and each next level
`hours_to_next_level` later. The rule is pure (`level_reached`); `escalate_overdue` applies it
and can run any number of times: each (item, level) is raised once, and its people are told
once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from onedoor.alliance.models import EscalationLevel
from onedoor.audit.trail import Action, record
from onedoor.care.models import Transition
from onedoor.children.models import TimelineEvent
from onedoor.referrals.models import Referral
from onedoor.triage.models import Escalation
from onedoor.triage.queue import TRIAGE_STATES


def level_reached(*, due: datetime, now: datetime, hours_to_next: Sequence[int | None]) -> int:
    """The highest level reached at `now` (0: not overdue). `hours_to_next[i]` is level
    i+1's hours before the next level (None at the top)."""
    if now < due:
        return 0
    level, threshold = 1, due
    for hours in hours_to_next:
        if hours is None or level >= len(hours_to_next):
            break
        threshold += timedelta(hours=hours)
        if now < threshold:
            break
        level += 1
    return level


@dataclass(frozen=True)
class Overdue:
    """An item past its due time: a red review (no transition) or a handover."""

    referral: Referral
    due: datetime
    transition: Transition | None = None

    @property
    def what(self) -> str:
        return "Handover not acknowledged" if self.transition else "Red review overdue"


def _overdue(now: datetime) -> Iterable[Overdue]:
    reds = Referral.objects.filter(
        queue_band=0, status__in=TRIAGE_STATES, triage_due_at__lte=now
    ).select_related("child__alliance")
    for referral in reds.iterator(chunk_size=500):
        assert referral.triage_due_at is not None
        yield Overdue(referral, referral.triage_due_at)
    handovers = Transition.objects.filter(
        acknowledged_at__isnull=True, due_at__lte=now
    ).select_related("referral__child__alliance")
    for handover in handovers.iterator(chunk_size=500):
        yield Overdue(handover.referral, handover.due_at, handover)


def escalate_overdue(now: datetime | None = None) -> int:
    """Raise every level now due for overdue red reviews and handovers; returns how many."""
    now = now or timezone.now()
    raised = 0
    for item in _overdue(now):
        referral = item.referral
        levels = list(EscalationLevel.objects.filter(alliance=referral.child.alliance))
        reached = level_reached(
            due=item.due, now=now, hours_to_next=[level.hours_to_next_level for level in levels]
        )
        done = set(
            Escalation.objects.filter(referral=referral, transition=item.transition).values_list(
                "level", flat=True
            )
        )
        for level in levels[:reached]:
            if level.level in done:
                continue
            try:
                with transaction.atomic():
                    _raise(item, level, now)
                raised += 1
            except IntegrityError:
                continue  # another run raised it first
    return raised


def _raise(item: Overdue, level: EscalationLevel, now: datetime) -> None:
    referral = item.referral
    Escalation.objects.create(
        referral=referral, transition=item.transition, level=level.level, raised_at=now
    )
    TimelineEvent.objects.create(
        child=referral.child, at=now, kind=TimelineEvent.Kind.STATUS_CHANGED, referral=referral,
        summary=f"{item.what}: escalated to level {level.level} ({level.name}).",
    )  # fmt: skip
    detail: dict[str, object] = {"escalated_to": level.level}
    if item.transition is not None:
        detail["transition"] = str(item.transition.uuid)
    record(
        Action.CHANGE, actor=None, record_type="referral", record_id=referral.uuid,
        child_uuid=referral.child.uuid, detail=detail,
    )  # fmt: skip
    from onedoor.triage.tasks import notify_escalation

    handover = str(item.transition.uuid) if item.transition else ""
    notify_escalation.enqueue(str(referral.uuid), level.level, handover)
