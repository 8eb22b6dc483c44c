"""The referral's state machine: every state, every allowed move, in one table, enforced in
one place (`move`), which writes the timeline event and the audit record and refuses a move
made on a stale copy of the referral (optimistic locking on `Referral.version`)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from onedoor import clock
from onedoor.accounts.models import User
from onedoor.audit.trail import Action, record
from onedoor.children.models import TimelineEvent
from onedoor.referrals.models import Referral, Status

S = Status

# Where a referral can start: awaiting triage, or signposted at once when it is not eligible.
INITIAL = frozenset({S.AWAITING_TRIAGE, S.SIGNPOSTED})

# from -> the states it may move to. Anything not listed is refused.
TRANSITIONS: dict[Status, frozenset[Status]] = {
    # The triage decision's outcomes; red or complex decisions wait for sign-off first.
    # A confirmed match joins it to the child's open referral (`referrals/joins.py`).
    S.AWAITING_TRIAGE: frozenset({
        S.MORE_INFORMATION, S.AWAITING_SIGN_OFF, S.ALLOCATED, S.SIGNPOSTED, S.STEPPED_UP,
        S.SAFEGUARDING_REFERRAL, S.NOT_ACCEPTED, S.JOINED,
    }),
    # Information arrives (back to triage, its clock resumes) or never does.
    S.MORE_INFORMATION: frozenset({S.AWAITING_TRIAGE, S.NOT_ACCEPTED, S.JOINED}),
    # The clinical lead signs the decision off (it takes effect) or sends it back to triage.
    S.AWAITING_SIGN_OFF: frozenset({
        S.AWAITING_TRIAGE, S.MORE_INFORMATION, S.ALLOCATED, S.SIGNPOSTED, S.STEPPED_UP,
        S.SAFEGUARDING_REFERRAL, S.NOT_ACCEPTED,
    }),
    # The partner accepts (the child waits for the offer) or declines (back to triage).
    S.ALLOCATED: frozenset({S.WAITING, S.AWAITING_TRIAGE}),
    # Waiting Well: work starts, risk worsens (re-triage), or the child leaves or moves on.
    S.WAITING: frozenset({S.IN_INTERVENTION, S.AWAITING_TRIAGE, S.IN_TRANSITION, S.DISCHARGED}),
    S.IN_INTERVENTION: frozenset({S.IN_TRANSITION, S.DISCHARGED}),
    # A handover: to specialist services or adult services (discharge), or to another
    # partner, which accepts (onto its waiting list) or declines (back to the sender as it
    # was: waiting or in intervention).
    S.IN_TRANSITION: frozenset({S.WAITING, S.IN_INTERVENTION, S.STEPPED_UP, S.DISCHARGED}),
    # A triage lead overrules the eligibility rules: into triage, its clock starting then.
    S.SIGNPOSTED: frozenset({S.AWAITING_TRIAGE}),
    # Ends: a new request for help is a new referral.
    S.STEPPED_UP: frozenset(),
    S.SAFEGUARDING_REFERRAL: frozenset(),
    S.NOT_ACCEPTED: frozenset(),
    S.DISCHARGED: frozenset(),
    # Joined to the child's open referral: only undoing the mistaken match brings it back to
    # triage, as its own child's referral (`joins.undo_match`, not a move of this table).
    S.JOINED: frozenset(),
}  # fmt: skip


# Where journeys end: a new request for help is a new referral. A signposted referral ends
# there too, unless a triage lead overrules the eligibility rules (`triage/signposted.py`).
ENDS = frozenset({S.SIGNPOSTED, *(state for state, targets in TRANSITIONS.items() if not targets)})


class MoveRefused(Exception):
    """A move the table does not allow."""


class Conflict(Exception):
    """The referral changed since the person moving it loaded it: nothing was saved."""

    def __init__(self, referral: Referral) -> None:
        self.referral = referral
        latest = TimelineEvent.objects.filter(referral=referral).select_related("actor").first()
        self.latest = latest
        who = f" by {latest.actor}" if latest and latest.actor else ""
        when = f" at {timezone.localtime(latest.at):%H:%M}" if latest else ""
        super().__init__(
            "This referral changed while you were working on it: it is now "
            f"'{referral.get_status_display()}'{who}{when}. Your change was not saved; "
            "check what changed and decide again."
        )


def allowed(current: str, to: str) -> bool:
    return Status(to) in TRANSITIONS[Status(current)]


def change(*, referral: Referral, version: int, **fields: object) -> Referral:
    """Set fields on `referral` only if nobody changed it since `version` (else Conflict,
    and nothing is written): the one guarded write every move and edit goes through."""
    updated = Referral.objects.filter(pk=referral.pk, version=version).update(
        version=F("version") + 1, **fields
    )
    if updated != 1:
        referral.refresh_from_db()
        raise Conflict(referral)
    referral.refresh_from_db()
    return referral


def move(
    *,
    user: User | None,
    referral: Referral,
    to: Status,
    version: int,
    summary: str = "",
    changes: dict[str, object] | None = None,
) -> Referral:
    """Move `referral` to `to`, if the table allows it and nobody moved it since `version`;
    `changes` are other fields set in the same update (the allocated offer, say)."""
    if not allowed(referral.status, to):
        raise MoveRefused(
            f"A referral that is '{referral.get_status_display()}' cannot move to "
            f"'{Status(to).label}'."
        )
    now = clock.now()
    from_status = referral.status
    if to == S.SIGNPOSTED:  # for the triage lead's daily review of signposted referrals
        changes = {"signposted_at": now, "signposted_by": user, **(changes or {})}
    with transaction.atomic():
        change(referral=referral, version=version, status=to, **(changes or {}))
        TimelineEvent.objects.create(
            child=referral.child,
            at=now,
            kind=TimelineEvent.Kind.STATUS_CHANGED,
            actor=user,
            referral=referral,
            summary=summary or f"{Status(from_status).label} → {Status(to).label}.",
        )
        record(
            Action.CHANGE,
            actor=user,
            record_type="referral",
            record_id=referral.uuid,
            child_uuid=referral.child.uuid,
            detail={"from": from_status, "to": str(to)},
        )
    return referral
