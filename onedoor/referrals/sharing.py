"""Consent to share with the alliance's partners withdrawn, and given again, for a child.

Consent to share is recorded on each referral when it is made (`Referral.consent_to_share`).
A family can withdraw it later, for the child as a whole (all the child's referrals): the
Referral and Advice Point (the triage team and the care coordinators) records the withdrawal
with the reason, and whether the partner already working with the child keeps them
(`working_partner`: the partner of the referral holding the child's waiting place). The
family is asked, and the person recording it chooses; there is no alliance-wide default,
because whether a family wants the partner who is seeing their child to stop is theirs to say
(ADR 37). From that moment `children.sharing.shared_with` refuses every other partner:
allocation, handovers and their reading of the child's records.

Consent given again is another decision, kept in the same history (`SharingDecision`), and
lifts the restriction. Each decision is one transaction: the child's state changed by a
conditional update (so two people recording at once cannot both succeed), the decision kept,
the timeline (who, and which partner keeps the child; not the reason, which the triage team
reads on the decision's page) and the audit trail (identifiers only) written.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from onedoor import clock
from onedoor.accounts.models import User
from onedoor.accounts.roles import ADVICE_POINT
from onedoor.alliance.models import Organisation
from onedoor.audit.trail import Action, record
from onedoor.checks import checked_text
from onedoor.children.models import Child, SharingDecision, TimelineEvent
from onedoor.children.sharing import WITHDRAWN
from onedoor.referrals.models import Referral, Status
from onedoor.referrals.places import place_held
from onedoor.referrals.states import move

REASON_LIMIT = 2000


def may_decide_sharing(user: User) -> bool:
    return user.is_active and user.role in ADVICE_POINT


def working_partner(child: Child) -> Organisation | None:
    """The partner already working with the child: the one their waiting place is with (a
    partner, not the lead provider, which always keeps the child)."""
    held = place_held(child.pk)
    organisation = held.allocated_organisation if held is not None else None
    if organisation is None or organisation.kind != Organisation.Kind.PARTNER:
        return None
    return organisation


def withdraw_consent_to_share(
    *, user: User, child: Child, reason: str, keep_working_partner: bool
) -> SharingDecision:
    """Consent to share withdrawn: from now, no partner but the one already working with the
    child (when `keep_working_partner`) is allocated the child, handed them or reads their
    records."""
    _check(user)
    reason = checked_text(
        reason, "the reason", REASON_LIMIT, required="Say why consent to share is withdrawn"
    )
    kept = working_partner(child) if keep_working_partner else None
    if keep_working_partner and kept is None:
        raise ValidationError("No partner is working with this child: choose that none keeps them")
    now = clock.now()
    with transaction.atomic():
        changed = Child.objects.filter(pk=child.pk, sharing_withdrawn_at__isnull=True).update(
            sharing_withdrawn_at=now, sharing_kept_by=kept
        )
        if changed != 1:
            raise ValidationError("Consent to share is already withdrawn for this child")
        decision = SharingDecision.objects.create(
            child=child,
            withdrawn=True,
            kept_by=kept,
            reason=reason,
            decided_by=user,
            decided_at=now,
        )
        keeps = f"{kept} keeps working with the child." if kept else "No partner keeps the child."
        _written(user, child, decision, f"{WITHDRAWN}: recorded by {user}. {keeps}")
        _back_to_triage(user, child, kept)
    child.sharing_withdrawn_at, child.sharing_kept_by = now, kept
    return decision


# Where a partner the withdrawal did not keep holds the child, and the work has not begun:
# the place goes back to triage, as a declined allocation does (the triage clock as it was).
# Once the work has begun (in intervention, or a handover under way) the partner's place
# stays, and the care coordinators and triage leads have the task of agreeing what follows
# (`care.work.sharing_withdrawn`): no child is left with a partner who can no longer see them
# and nobody told.
NOT_BEGUN = (Status.ALLOCATED, Status.WAITING)


def _back_to_triage(user: User, child: Child, kept: Organisation | None) -> None:
    held = Referral.objects.filter(
        child=child,
        status__in=NOT_BEGUN,
        allocated_organisation__kind=Organisation.Kind.PARTNER,
    ).exclude(allocated_organisation=kept)
    # Locked, so that no one moves them between this read and the move (`states.Conflict`).
    locked = held.select_for_update(of=("self",)).select_related("allocated_organisation", "child")
    for referral in locked:
        move(
            user=user,
            referral=referral,
            to=Status.AWAITING_TRIAGE,
            version=referral.version,
            summary=f"{WITHDRAWN}: back to triage from {referral.allocated_organisation}.",
            changes={
                "allocated_offer": None,
                "allocated_organisation": None,
                "allocated_at": None,
                "named_practitioner": None,
            },
        )


def give_consent_to_share_again(*, user: User, child: Child, reason: str) -> SharingDecision:
    """Consent to share given again: the restriction is lifted from now."""
    _check(user)
    reason = checked_text(
        reason, "the reason", REASON_LIMIT, required="Say how consent to share was given again"
    )
    now = clock.now()
    with transaction.atomic():
        changed = Child.objects.filter(pk=child.pk, sharing_withdrawn_at__isnull=False).update(
            sharing_withdrawn_at=None, sharing_kept_by=None
        )
        if changed != 1:
            raise ValidationError("Consent to share is not withdrawn for this child")
        decision = SharingDecision.objects.create(
            child=child, withdrawn=False, reason=reason, decided_by=user, decided_at=now
        )
        _written(user, child, decision, f"Consent to share given again: recorded by {user}.")
    child.sharing_withdrawn_at, child.sharing_kept_by = None, None
    return decision


def _check(user: User) -> None:
    if not may_decide_sharing(user):
        raise PermissionDenied(
            "Only the Referral and Advice Point records consent to share withdrawn or given."
        )


def _written(user: User, child: Child, decision: SharingDecision, summary: str) -> None:
    TimelineEvent.objects.create(
        child=child,
        at=decision.decided_at,
        kind=(
            TimelineEvent.Kind.SHARING_WITHDRAWN
            if decision.withdrawn
            else TimelineEvent.Kind.SHARING_GIVEN_AGAIN
        ),
        actor=user,
        summary=summary,
    )
    record(
        Action.CHANGE,
        actor=user,
        record_type="child",
        record_id=child.uuid,
        child_uuid=child.uuid,
        detail={
            "consent_to_share": "withdrawn" if decision.withdrawn else "given again",
            "sharing_decision": str(decision.uuid),
            "kept_by": decision.kept_by.slug if decision.kept_by else "",
        },
    )
