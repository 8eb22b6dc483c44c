"""Overdue items climb the alliance's escalation framework: never silent.

These items escalate: a referral that discloses a risk to life and that no triage lead has
screened within the alliance's `urgent_screening_hours` working hours of arriving, a red
referral that no clinician has reviewed by its triage deadline, any other referral not
triaged by its deadline (its clock not paused), a handover that the receiving side has not
acknowledged by its due time, and a safeguarding follow-up action not done by its day. Each
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
from django.db.models import Q
from django.utils import timezone

from onedoor import clock
from onedoor.access.records import referrals_visible_to
from onedoor.accounts.models import User
from onedoor.alliance.clocks import screening_deadline
from onedoor.alliance.models import EscalationLevel
from onedoor.audit.trail import Action, record
from onedoor.care.models import Transition
from onedoor.clock.calendar import LONDON, end_of
from onedoor.referrals.bands import RED_UNREVIEWED, URGENT_UNSCREENED
from onedoor.referrals.models import Referral, Status
from onedoor.referrals.timeline import on_timeline
from onedoor.safeguarding.models import FollowUp
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
    """An item past its due time."""

    kind: Escalation.Kind
    referral: Referral
    due: datetime
    transition: Transition | None = None
    follow_up: FollowUp | None = None

    @property
    def what(self) -> str:
        return self.kind.label


def still_overdue(kind: str) -> Q:
    """Escalations whose item is still overdue (on `Escalation`): the urgent disclosure still
    not screened, the red referral still not reviewed, the referral still waiting for triage,
    the handover still not acknowledged."""
    return {
        Escalation.Kind.URGENT_DISCLOSURE: Q(
            referral__queue_band=URGENT_UNSCREENED, referral__status__in=TRIAGE_STATES
        ),
        Escalation.Kind.RED_REVIEW: Q(
            referral__queue_band=RED_UNREVIEWED, referral__status__in=TRIAGE_STATES
        ),
        Escalation.Kind.TRIAGE_CLOCK: Q(
            referral__status=Status.AWAITING_TRIAGE, referral__clock_paused_at__isnull=True
        ),
        Escalation.Kind.HANDOVER: Q(transition__acknowledged_at__isnull=True),
        Escalation.Kind.SAFEGUARDING_ACTION: Q(follow_up__done_at__isnull=True),
    }[Escalation.Kind(kind)] & Q(kind=kind)


def _overdue(now: datetime) -> Iterable[Overdue]:
    unscreened = Referral.objects.filter(
        queue_band=URGENT_UNSCREENED, status__in=TRIAGE_STATES, received_at__lte=now
    ).select_related("child__alliance")
    for referral in unscreened.iterator(chunk_size=500):
        # Due a number of working hours after arrival (`urgent_screening_hours`), which the
        # database cannot count: these are few, each is checked here.
        due = screening_deadline(referral.child.alliance, received_at=referral.triage_clock_from)
        if due <= now:
            yield Overdue(Escalation.Kind.URGENT_DISCLOSURE, referral, due)
    reds = Referral.objects.filter(
        queue_band=RED_UNREVIEWED, status__in=TRIAGE_STATES, triage_due_at__lte=now
    ).select_related("child__alliance")
    for referral in reds.iterator(chunk_size=500):
        assert referral.triage_due_at is not None
        yield Overdue(Escalation.Kind.RED_REVIEW, referral, referral.triage_due_at)
    late = (
        Referral.objects.filter(
            status=Status.AWAITING_TRIAGE, clock_paused_at__isnull=True, triage_due_at__lte=now
        )
        .exclude(queue_band=RED_UNREVIEWED)  # a red one escalates as a red review
        .select_related("child__alliance")
    )
    for referral in late.iterator(chunk_size=500):
        assert referral.triage_due_at is not None
        yield Overdue(Escalation.Kind.TRIAGE_CLOCK, referral, referral.triage_due_at)
    handovers = Transition.objects.filter(
        acknowledged_at__isnull=True, due_at__lte=now
    ).select_related("referral__child__alliance")
    for handover in handovers.iterator(chunk_size=500):
        yield Overdue(Escalation.Kind.HANDOVER, handover.referral, handover.due_at, handover)
    actions = FollowUp.objects.filter(
        done_at__isnull=True, due__lte=timezone.localdate(now, LONDON)
    ).select_related("concern__referral__child__alliance")
    for action in actions.iterator(chunk_size=500):
        # Due by the end of its day: overdue from the working day's end.
        yield Overdue(
            Escalation.Kind.SAFEGUARDING_ACTION, action.concern.referral, end_of(action.due),
            follow_up=action,
        )  # fmt: skip


def escalate_overdue(now: datetime | None = None) -> int:
    """Raise every level now due for every overdue item; returns how many."""
    now = now or clock.now()
    raised = 0
    for item in _overdue(now):
        referral = item.referral
        levels = list(EscalationLevel.objects.filter(alliance=referral.child.alliance))
        reached = level_reached(
            due=item.due, now=now, hours_to_next=[level.hours_to_next_level for level in levels]
        )
        done = set(
            Escalation.objects.filter(
                referral=referral,
                kind=item.kind,
                transition=item.transition,
                follow_up=item.follow_up,
            ).values_list("level", flat=True)
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
        referral=referral, kind=item.kind, transition=item.transition,
        follow_up=item.follow_up, level=level.level, raised_at=now,
    )  # fmt: skip
    on_timeline(
        referral, f"{item.what}: escalated to level {level.level} ({level.name}).", actor=None,
        at=now,
    )  # fmt: skip
    detail: dict[str, object] = {"escalated_to": level.level, "kind": item.kind.value}
    if item.transition is not None:
        detail["transition"] = str(item.transition.uuid)
    if item.follow_up is not None:
        detail["follow_up"] = str(item.follow_up.uuid)
    record(
        Action.CHANGE, actor=None, record_type="referral", record_id=referral.uuid,
        child_uuid=referral.child.uuid, detail=detail,
    )  # fmt: skip
    from onedoor.triage.tasks import notify_escalation

    about = item.transition or item.follow_up
    notify_escalation.enqueue(
        str(referral.uuid), level.level, str(about.uuid) if about else "", item.kind.value
    )


@dataclass(frozen=True)
class OpenEscalation:
    """An item still overdue, at the highest level it has reached."""

    kind: Escalation.Kind
    referral: Referral
    transition: Transition | None
    follow_up: FollowUp | None
    level: int
    since: datetime  # when it first escalated (level 1): its age
    raised_at: datetime  # when it reached its current level

    @property
    def owner(self) -> str:
        """Who must act: the clinical leads review reds, the triage team triages, the
        receiving organisation acknowledges a handover."""
        if self.kind is Escalation.Kind.HANDOVER and self.transition is not None:
            return self.transition.receiving_organisation.name
        if self.kind is Escalation.Kind.SAFEGUARDING_ACTION and self.follow_up is not None:
            return str(self.follow_up.owner)
        return "Clinical leads" if self.kind is Escalation.Kind.RED_REVIEW else "Triage team"


def open_escalations(user: User) -> list[OpenEscalation]:
    """Every escalation whose item is still overdue, on the referrals the user may see (the
    access layer), one per item at its highest level, oldest first: one query."""
    still = Q()
    for kind in Escalation.Kind:
        still |= still_overdue(kind)
    raised = (
        Escalation.objects.filter(still, referral__in=referrals_visible_to(user))
        .select_related("referral__child", "transition__receiving_organisation", "follow_up__owner")
        .order_by("raised_at", "pk")
    )
    items: dict[tuple[str, int, int | None, int | None], list[Escalation]] = {}
    for escalation in raised:
        key = (
            escalation.kind,
            escalation.referral_id,
            escalation.transition_id,
            escalation.follow_up_id,
        )
        items.setdefault(key, []).append(escalation)
    found = [
        OpenEscalation(
            kind=Escalation.Kind(levels[0].kind),
            referral=levels[0].referral,
            transition=levels[0].transition,
            follow_up=levels[0].follow_up,
            level=max(e.level for e in levels),
            since=min(e.raised_at for e in levels),
            raised_at=max(levels, key=lambda e: e.level).raised_at,
        )
        for levels in items.values()
    ]
    return sorted(found, key=lambda item: (item.since, item.referral.pk))
