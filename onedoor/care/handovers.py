"""A child handed from one partner to another: the receiving partner answers the handover.

While it waits, the receiving partner reads the child's record (the access policy's
`HANDOVER_BETWEEN_PARTNERS`), sees it on "Incoming" and its partner lead's tasks, and it
escalates past its due time. Then one of two answers, from those who answer an allocation
(`PARTNER_ANSWERS`: the receiving partner's practitioners and partner lead):

- accepted: the allocation moves to the receiving partner's offer and the child joins its
  waiting list (the first attended contact starts the intervention, as after any
  acceptance), held by the practitioner the receiving partner names as it accepts; the
  sending partner no longer sees the child;
- declined, with a reason: the child goes back to the sending partner as they were (waiting
  or in intervention), the reason on the timeline, and the decline is work for whoever sent
  the handover and the sending partner's lead until someone there has read it.

Each answer is one transaction: the handover claimed by a conditional update (answered
once), the referral moved through the state machine (which refuses a stale copy), the
timeline and the audit trail written.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from onedoor import clock
from onedoor.access.records import can_change_care
from onedoor.accounts.models import User
from onedoor.accounts.roles import PARTNER_ANSWERS
from onedoor.audit.trail import Action, record
from onedoor.care import practitioners
from onedoor.care.models import Contact, Transition
from onedoor.care.young_adults import require_named_coordinator
from onedoor.children.sharing import require_sharing
from onedoor.referrals.models import Status
from onedoor.referrals.states import move

BETWEEN_PARTNERS = Transition.Kind.BETWEEN_PARTNERS
# Where a declined handover sends the child back to: where they were before it.
RETURNS_TO = frozenset({Status.WAITING, Status.IN_INTERVENTION})


def may_answer(user: User, transition: Transition) -> bool:
    """Whether `user` may accept or decline this handover: it is between partners, still
    waiting, and they answer for the receiving partner."""
    return (
        transition.kind == BETWEEN_PARTNERS
        and transition.acknowledged_at is None
        and user.is_active
        and user.role in PARTNER_ANSWERS
        and user.organisation_id == transition.receiving_organisation_id
    )


def _answering(user: User, transition: Transition) -> None:
    if (
        transition.kind != BETWEEN_PARTNERS
        or user.role not in PARTNER_ANSWERS
        or user.organisation_id != transition.receiving_organisation_id
    ):
        raise PermissionDenied(
            "Only the receiving partner's practitioners and partner lead answer a handover."
        )
    if transition.acknowledged_at is not None:
        raise ValidationError("This handover has already been answered")
    if transition.referral.status != Status.IN_TRANSITION:
        raise ValidationError("This child is no longer in transition")


def _claim(transition: Transition, **answer: object) -> None:
    """Answer the handover once: a second answer, even a moment later, is refused."""
    claimed = Transition.objects.filter(pk=transition.pk, acknowledged_at__isnull=True).update(
        **answer
    )
    if claimed != 1:
        raise ValidationError("This handover has already been answered")


def _audit(user: User, transition: Transition, answer: str) -> None:
    record(
        Action.CHANGE,
        actor=user,
        record_type="transition",
        record_id=transition.uuid,
        child_uuid=transition.referral.child.uuid,
        detail={"answer": answer},
    )


def accept_handover(
    *, user: User, transition: Transition, version: int, practitioner: User | None = None
) -> Transition:
    """The receiving partner takes the child: the allocation moves to its offer, and the
    child joins its waiting list, held by its named practitioner: `practitioner`, or whoever
    accepts (`care/practitioners.py`); `version` is the referral's, as the page showed it."""
    _answering(user, transition)
    referral = transition.referral
    require_named_coordinator(referral)
    receiving = transition.receiving_organisation
    require_sharing(referral.child, receiving, "accepting the handover")
    offer = transition.receiving_offer
    named = practitioners.choose(user=user, organisation=receiving, practitioner=practitioner)
    previous = referral.named_practitioner
    now = clock.now()
    with transaction.atomic():
        _claim(transition, acknowledged_by=user, acknowledged_at=now)
        move(
            user=user,
            referral=referral,
            to=Status.WAITING,
            version=version,
            summary=f"Handover accepted by {receiving}"
            + (f": waiting for {offer.name}." if offer else "."),
            changes={
                "allocated_organisation": receiving,
                "allocated_offer": offer,
                "allocated_at": now,
                "accepted_at": now,
                "named_practitioner": named,
            },
        )
        _audit(user, transition, "accepted")
        practitioners.record_naming(user, referral, named, previous)
    transition.refresh_from_db()
    return transition


def returns_to(transition: Transition) -> Status:
    """The status a declined handover returns the child to: the one they had before it (or,
    for a handover sent before that was recorded, in intervention once a contact was
    attended, else waiting)."""
    if transition.returns_to in RETURNS_TO:
        return Status(transition.returns_to)
    attended = Contact.objects.filter(
        referral=transition.referral, outcome=Contact.Outcome.ATTENDED
    ).exists()
    return Status.IN_INTERVENTION if attended else Status.WAITING


def decline_handover(
    *, user: User, transition: Transition, version: int, reason: str
) -> Transition:
    """The receiving partner declines, with a reason for the sender: the child goes back to
    the sending partner as they were, and the sender is told (their tasks)."""
    _answering(user, transition)
    if not reason.strip():
        raise ValidationError("Say why you are declining, for the sending partner")
    referral = transition.referral
    back = returns_to(transition)
    said = reason.strip().rstrip(".")
    now = clock.now()
    with transaction.atomic():
        _claim(
            transition, acknowledged_by=user, acknowledged_at=now, declined_at=now,
            decline_reason=reason.strip(),
        )  # fmt: skip
        move(
            user=user,
            referral=referral,
            to=back,
            version=version,
            summary=f"Handover declined by {transition.receiving_organisation}: {said}. "
            f"Back with {referral.allocated_organisation} ({back.label.lower()}).",
        )
        _audit(user, transition, "declined")
    transition.refresh_from_db()
    return transition


def read_decline(*, user: User, transition: Transition) -> Transition:
    """Someone at the sending partner (or a care coordinator) has read why the handover was
    declined: it leaves the sender's tasks."""
    if transition.declined_at is None or not can_change_care(user, transition.referral):
        raise PermissionDenied("Only the sending partner reads a declined handover.")
    now = clock.now()
    with transaction.atomic():
        read = Transition.objects.filter(pk=transition.pk, decline_read_at__isnull=True).update(
            decline_read_by=user, decline_read_at=now
        )
        if read != 1:
            raise ValidationError("Someone has already read this decline")
        _audit(user, transition, "decline read")
    transition.refresh_from_db()
    return transition
