"""Overdue red reviews climb the alliance's escalation framework: never silent.

A red referral that no clinician has reviewed by its deadline reaches level 1 of the
framework at the deadline, and each next level `hours_to_next_level` later. The rule is
pure (`level_reached`); `escalate_overdue_reds` applies it and can run any number of times:
each (referral, level) is raised once, and its people are told once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from onedoor.alliance.models import EscalationLevel
from onedoor.audit.trail import Action, record
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


def escalate_overdue_reds(now: datetime | None = None) -> int:
    """Raise every level now due for red referrals nobody has reviewed; returns how many."""
    now = now or timezone.now()
    raised = 0
    overdue = Referral.objects.filter(
        queue_band=0, status__in=TRIAGE_STATES, triage_due_at__lte=now
    ).select_related("child__alliance")
    for referral in overdue.iterator(chunk_size=500):
        assert referral.triage_due_at is not None
        levels = list(EscalationLevel.objects.filter(alliance=referral.child.alliance))
        reached = level_reached(
            due=referral.triage_due_at,
            now=now,
            hours_to_next=[level.hours_to_next_level for level in levels],
        )
        done = set(Escalation.objects.filter(referral=referral).values_list("level", flat=True))
        for level in levels[:reached]:
            if level.level in done:
                continue
            try:
                with transaction.atomic():
                    Escalation.objects.create(referral=referral, level=level.level, raised_at=now)
                    TimelineEvent.objects.create(
                        child=referral.child, at=now, kind=TimelineEvent.Kind.STATUS_CHANGED,
                        referral=referral,
                        summary=f"Red review overdue: escalated to level {level.level} "
                        f"({level.name}).",
                    )  # fmt: skip
                    record(
                        Action.CHANGE, actor=None, record_type="referral",
                        record_id=referral.uuid, child_uuid=referral.child.uuid,
                        detail={"escalated_to": level.level},
                    )  # fmt: skip
                    from onedoor.triage.tasks import notify_escalation

                    notify_escalation.enqueue(str(referral.uuid), level.level)
                raised += 1
            except IntegrityError:
                continue  # another run raised it first
    return raised
