"""The referral's state machine: every allowed move works, every other one is refused, and
two people moving the same referral cannot overwrite each other."""

from __future__ import annotations

import itertools

import pytest

from onedoor.alliance.models import Alliance
from onedoor.audit.models import AuditEvent
from onedoor.children.models import TimelineEvent
from onedoor.referrals.models import Referral, Status
from onedoor.referrals.states import ENDS, INITIAL, TRANSITIONS, Conflict, MoveRefused, move
from tests.personas import People, make_child

ALLOWED = sorted((a, b) for a, targets in TRANSITIONS.items() for b in targets)
REFUSED = sorted((a, b) for a, b in itertools.product(Status, Status) if b not in TRANSITIONS[a])


def _referral(alliance: Alliance, status: Status) -> Referral:
    child = make_child(alliance, "Remy", status=status)
    return child.referrals.get()


def test_the_table_names_every_state() -> None:
    assert set(TRANSITIONS) == set(Status)
    assert set(Status) >= INITIAL
    # every state can be reached from a starting state
    reachable = set(INITIAL)
    frontier = list(INITIAL)
    while frontier:
        for nxt in TRANSITIONS[frontier.pop()]:
            if nxt not in reachable:
                reachable.add(nxt)
                frontier.append(nxt)
    assert reachable == set(Status)


def test_the_ends_of_a_journey_lead_nowhere() -> None:
    ends = {Status.STEPPED_UP, Status.SAFEGUARDING_REFERRAL, Status.NOT_ACCEPTED,
            Status.DISCHARGED, Status.JOINED}  # fmt: skip
    assert {state for state, targets in TRANSITIONS.items() if not targets} == ends
    # Signposted is an end too, unless a triage lead overrules eligibility (back to triage).
    assert {*ends, Status.SIGNPOSTED} == ENDS
    assert TRANSITIONS[Status.SIGNPOSTED] == {Status.AWAITING_TRIAGE}


@pytest.mark.parametrize(("current", "to"), ALLOWED, ids=lambda s: str(s))
def test_every_allowed_move_is_made_with_its_timeline_and_audit(
    alliance: Alliance, people: People, current: Status, to: Status
) -> None:
    referral = _referral(alliance, current)
    moved = move(user=people.triage, referral=referral, to=to, version=referral.version)
    assert (moved.status, moved.version) == (to, 2)
    event = TimelineEvent.objects.get(referral=referral, kind="status_changed")
    assert (event.actor, event.summary) == (people.triage, f"{current.label} → {to.label}.")
    audit = AuditEvent.objects.get(record_type="referral", action="change")
    assert audit.detail == {"from": str(current), "to": str(to)}


@pytest.mark.parametrize(("current", "to"), REFUSED, ids=lambda s: str(s))
def test_every_other_move_is_refused_and_nothing_is_written(
    alliance: Alliance, people: People, current: Status, to: Status
) -> None:
    referral = _referral(alliance, current)
    with pytest.raises(MoveRefused) as refused:
        move(user=people.triage, referral=referral, to=to, version=referral.version)
    assert str(refused.value) == (
        f"A referral that is '{current.label}' cannot move to '{to.label}'."
    )
    referral.refresh_from_db()
    assert (referral.status, referral.version) == (current, 1)
    assert TimelineEvent.objects.filter(referral=referral).count() == 0
    assert AuditEvent.objects.count() == 0


def test_two_decisions_on_one_referral_one_applies_and_one_is_refused_with_a_conflict(
    alliance: Alliance, people: People
) -> None:
    # Both triage leads opened the referral at version 1.
    referral = _referral(alliance, Status.AWAITING_TRIAGE)
    first_copy = Referral.objects.get(pk=referral.pk)
    second_copy = Referral.objects.get(pk=referral.pk)
    move(user=people.triage, referral=first_copy, to=Status.MORE_INFORMATION, version=1)
    with pytest.raises(Conflict) as conflict:
        move(user=people.clinical_lead, referral=second_copy, to=Status.SIGNPOSTED, version=1)
    assert str(conflict.value).startswith(
        "This referral changed while you were working on it: it is now "
        "'More information needed' by Tina-Triage at "
    )
    assert str(conflict.value).endswith(
        "Your change was not saved; check what changed and decide again."
    )
    assert conflict.value.latest is not None and conflict.value.latest.actor == people.triage
    referral.refresh_from_db()
    assert (referral.status, referral.version) == (Status.MORE_INFORMATION, 2)
    assert TimelineEvent.objects.filter(referral=referral).count() == 1
