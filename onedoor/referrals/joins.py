"""One child, one referral in triage: joining a referral to the child's open referral, and
undoing a mistaken match.

When a triage lead confirms that a referral is about a child already known
(`actions.confirm_match`) and that child has another open referral (in triage, or holding
the waiting place: `places.open_referral`), the later of the two still in triage joins the
other (`Status.JOINED`, `joined_to`). It leaves the triage queue, can never be allocated on its
own, and what it says is shown on the open referral's page and, in outline, on its timeline.

A mistaken match is undone by the triage team with a reason (`undo_match`): the child record
the match retired comes back as it was (`RetiredChild`), with its carers, timeline and
priority groups, and the referral returns to triage on its own, its clock as it was: the time
it spent joined is not a pause (only waiting for information pauses a triage clock).
"""

from __future__ import annotations

import json
from datetime import datetime

from django.core import serializers
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from onedoor import clock
from onedoor.accounts.models import User
from onedoor.accounts.roles import TRIAGE_TEAM
from onedoor.audit.trail import Action
from onedoor.children.models import CarerContact, Child, Journey, TimelineEvent
from onedoor.clock.calendar import ENGLAND_AND_WALES, Pause, days_lost
from onedoor.referrals.models import MatchCandidate, MatchStatus, Referral, RetiredChild, Status
from onedoor.referrals.places import HOLDS_A_PLACE, JOINABLE, OPEN, open_referral, where_it_waits
from onedoor.referrals.states import Conflict, change, move
from onedoor.referrals.timeline import written

Kind = TimelineEvent.Kind
# A match can be undone while the referral is joined, or still in triage.
UNDOABLE = JOINABLE | {Status.JOINED}


def _who_joins(referral: Referral, other: Referral) -> tuple[Referral, Referral] | None:
    """(the referral that joins, the one it joins): the later received of two in triage joins
    the earlier; one in triage joins one waiting for sign-off or holding the place."""
    if referral.status in JOINABLE and other.status in JOINABLE:
        later = (referral.received_at, referral.pk) > (other.received_at, other.pk)
        return (referral, other) if later else (other, referral)
    if referral.status in JOINABLE:
        return referral, other
    if other.status in JOINABLE:
        return other, referral
    return None


def _ready_to_join(joining: Referral) -> None:
    """A referral leaves the queue only once what makes it urgent has been seen to."""
    if joining.awaits_urgent_screening:
        raise ValidationError(
            f"Referral {joining.reference_display} discloses a risk to life and nobody has "
            "screened it yet: screen its risk on its triage page first (it stays at the top "
            "of the triage queue until then), then confirm the match."
        )
    if joining.awaits_red_review:
        raise ValidationError(
            f"Referral {joining.reference_display} is rated red and no clinician has reviewed "
            "it yet: the clinical lead reviews it first, then the match can be confirmed."
        )


def pair_for(referral: Referral, child: Child) -> tuple[Referral, Referral] | None:
    """Which referral joins which when `referral` is confirmed to be about `child`; None when
    it simply attaches to the child's journey (the child has no other open referral, or this
    one is already over). Refuses a match that would leave the child with two waiting
    places, or take an unscreened urgent referral out of the queue. Locks the child's row."""
    Child.objects.select_for_update().filter(pk=child.pk).values_list("pk").first()
    if referral.status not in OPEN:
        return None
    other = open_referral(child.pk, besides=referral)
    if other is None:
        return None
    if referral.status in HOLDS_A_PLACE and other.status in HOLDS_A_PLACE:
        raise ValidationError(
            f"Both referrals hold a waiting place: this one ({where_it_waits(referral)}) and "
            f"{where_it_waits(other)}. A child holds one waiting place at a time: end one of "
            "them before confirming the match."
        )
    pair = _who_joins(referral, other)
    if pair is None:
        waiting = referral if referral.status == Status.AWAITING_SIGN_OFF else other
        raise ValidationError(
            f"A decision on referral {waiting.reference_display} is waiting for the clinical "
            "lead's sign-off: confirm the match once it is signed off or returned to triage."
        )
    _ready_to_join(pair[0])
    return pair


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def what_it_adds(referral: Referral) -> str:
    """What a joining referral brings, in outline (no clinical detail: the timeline is seen
    by everyone who may see the child; the detail is on the open referral's page)."""
    adds = [f"its referrer ({referral.get_source_display()})"]
    if referral.reasons.strip():
        adds.append("the reasons for referral")
    needs = referral.needs.count()
    if needs:
        adds.append(_plural(needs, "need"))
    if referral.what_tried.strip():
        adds.append("what has been tried")
    if referral.risk_indicators:
        adds.append(_plural(len(referral.risk_indicators), "risk indicator"))
    if referral.risk_details.strip():
        adds.append("risk details")
    if referral.language or referral.interpreter_needed or referral.accessibility_needs.strip():
        adds.append("communication needs")
    listed = adds[0] if len(adds) == 1 else ", ".join(adds[:-1]) + " and " + adds[-1]
    return f"It adds {listed}: read them on this referral's page."


def _clock_resumed(referral: Referral, now: datetime) -> dict[str, object]:
    """A referral that joins while information is awaited: its pause ends (THE pause rule,
    as when the information arrives), so its deadline is as it was if the match is undone."""
    if referral.clock_paused_at is None or referral.triage_due_at is None:
        return {}
    lost = days_lost(
        [Pause(started=referral.clock_paused_at, ended=now)],
        referral.received_at,
        ENGLAND_AND_WALES,
    )
    due = timezone.localtime(referral.triage_due_at)
    return {
        "clock_paused_at": None,
        "triage_due_at": datetime.combine(
            ENGLAND_AND_WALES.add_working_days(due.date(), lost), due.timetz()
        ),
    }


def join(*, user: User, joining: Referral, into: Referral) -> None:
    """`joining` joins `into`, inside the caller's transaction (the confirmed match): it
    leaves the queue, and `into` changes version, so a page loaded before the join is stale
    (its next decision is a conflict that says what changed)."""
    now = clock.now()
    move(
        user=user,
        referral=joining,
        to=Status.JOINED,
        version=joining.version,
        summary=f"Joined referral {into.reference_display}: the same child, so one referral "
        "goes on.",
        changes={"joined_to": into, **_clock_resumed(joining, now)},
    )
    change(referral=into, version=into.version)
    _noted(
        user,
        into,
        f"Referral {joining.reference_display} joined this referral. {what_it_adds(joining)}",
        kind=Kind.MATCH_CONFIRMED,
        at=now,
        detail={"joined_by": str(joining.uuid)},
    )


def _noted(
    user: User,
    referral: Referral,
    summary: str,
    *,
    detail: dict[str, object],
    kind: str = Kind.STATUS_CHANGED,
    at: datetime | None = None,
    reason: str = "",
) -> None:
    """A change to `referral` this module made: on its child's timeline, and in the audit
    trail (`timeline.written`)."""
    written(
        user, referral, summary, record_type="referral", record_id=referral.uuid,
        action=Action.CHANGE, detail=detail, kind=kind, at=at, reason=reason,
    )  # fmt: skip


def retire(
    *, user: User, referral: Referral, provisional: Child, known: Child, at: datetime
) -> RetiredChild:
    """Keep the record opened for `referral`'s child as it is, before the match (at `at`)
    moves what it holds to `known` (and perhaps deletes it), so that it can be undone."""
    kept = RetiredChild.objects.create(
        referral=referral,
        child_uuid=provisional.uuid,
        record=json.loads(serializers.serialize("json", [provisional]))[0],
        confirmed_by=user,
        confirmed_at=at,
    )
    kept.carers.set(CarerContact.objects.filter(child=provisional))
    kept.events.set(TimelineEvent.objects.filter(child=provisional))
    kept.groups_added.set(
        provisional.priority_groups.exclude(pk__in=known.priority_groups.values("pk"))
    )
    return kept


def _restored(kept: RetiredChild) -> Child:
    """The retired child record, as it was (its own id and UUID), or the record itself when
    the match did not remove it (it had other referrals or advice)."""
    existing = Child.objects.filter(uuid=kept.child_uuid).first()
    if existing is not None:
        return existing
    restored = next(
        serializers.deserialize("json", json.dumps([kept.record]), ignorenonexistent=True)
    )
    restored.save()  # the row, and its priority groups
    child = restored.object
    assert isinstance(child, Child)
    return child


def may_undo(referral: Referral) -> bool:
    """Whether the referral's match can still be undone (for the pages' buttons)."""
    return (
        referral.match_status == MatchStatus.CONFIRMED
        and referral.status in UNDOABLE
        and RetiredChild.objects.filter(referral=referral).exists()
    )


def undo_match(*, user: User, referral: Referral, version: int, reason: str) -> Referral:
    """The triage team finds a confirmed match was wrong: the referral is about another
    child. That child's record comes back, the referral returns to triage on its own (its
    clock as it was), the known child loses what came with the match, the candidate is
    ruled out, and referrals that had joined this one go back to triage as the known child's.
    The reason is on the timeline and in the audit trail."""
    if user.role not in TRIAGE_TEAM:
        raise PermissionDenied("Only the triage team undoes a match.")
    if not reason.strip():
        raise ValidationError("Write why this referral is not about this child")
    now = clock.now()
    with transaction.atomic():
        locked = Referral.objects.select_for_update().select_related("child").get(pk=referral.pk)
        if locked.version != version:
            raise Conflict(locked)
        kept = RetiredChild.objects.filter(referral=locked).first()
        if locked.match_status != MatchStatus.CONFIRMED or kept is None:
            raise ValidationError("This referral has no confirmed match to undo")
        if locked.status not in UNDOABLE:
            raise ValidationError(
                f"This referral has moved on since the match (it is now "
                f"'{locked.get_status_display()}'): the match can no longer be undone here."
            )
        known = locked.child
        into = locked.joined_to
        child = _restored(kept)
        known.priority_groups.remove(*kept.groups_added.all())
        CarerContact.objects.filter(pk__in=kept.carers.values("pk")).update(child=child)
        TimelineEvent.objects.filter(
            Q(referral=locked) | Q(pk__in=kept.events.values("pk"))
        ).update(child=child)
        journey = Journey.objects.filter(child=child, closed_at__isnull=True).first()
        if journey is None and locked.eligible:
            journey = Journey.objects.create(child=child, opened_at=locked.received_at)
        change(
            referral=locked,
            version=version,
            child=child,
            journey=journey,
            joined_to=None,
            match_status=_candidates_again(locked, known, kept, user, now),
            **({"status": Status.AWAITING_TRIAGE} if locked.status == Status.JOINED else {}),
        )
        for other in Referral.objects.select_for_update().filter(joined_to=locked):
            _back_on_its_own(user, other, locked)
        if into is not None:
            change(referral=into, version=into.version)
            _noted(
                user,
                into,
                f"Referral {locked.reference_display} is about another child: the match was "
                "undone, and what it added is no longer part of this referral.",
                kind=Kind.MATCH_REJECTED,
                at=now,
                detail={"join_undone": str(locked.uuid)},
            )
        _noted(
            user,
            locked,  # now its own child's (`change` reloaded it)
            f"Match undone: this referral is not about the child it was matched to. "
            f"Reason: {reason.strip()}",
            kind=Kind.MATCH_REJECTED,
            at=now,
            reason=reason.strip(),
            detail={
                "match": "undone",
                "matched_child": str(known.uuid),
                "had_joined": str(into.uuid) if into else "",
            },
        )
        kept.delete()
    return locked


def _candidates_again(
    referral: Referral, known: Child, kept: RetiredChild, user: User, now: datetime
) -> str:
    """The known child is ruled out; those ruled out only because the match was confirmed
    are to check again. The referral's match status follows."""
    referral.candidates.filter(child=known).update(
        decision=MatchCandidate.Decision.REJECTED, decided_by=user, decided_at=now
    )
    referral.candidates.filter(
        decision=MatchCandidate.Decision.REJECTED, decided_at=kept.confirmed_at
    ).exclude(child=known).update(
        decision=MatchCandidate.Decision.PENDING, decided_by=None, decided_at=None
    )
    pending = referral.candidates.filter(decision=MatchCandidate.Decision.PENDING).exists()
    return MatchStatus.POSSIBLE if pending else MatchStatus.REJECTED


def _back_on_its_own(user: User, other: Referral, undone: Referral) -> None:
    """A referral of the known child that had joined `undone`: back to triage, on its own."""
    change(referral=other, version=other.version, status=Status.AWAITING_TRIAGE, joined_to=None)
    _noted(
        user,
        other,
        f"Back in triage on its own: referral {undone.reference_display}, which it had "
        "joined, is about another child.",
        detail={"from": Status.JOINED.value, "to": Status.AWAITING_TRIAGE.value},
    )
