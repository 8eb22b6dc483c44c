"""Whether the family may hear how a referral is going: "do not share status with the family".

Telling a family that a referral was made, or where it stands, can put a child at risk: a
young person who referred themselves away from a parent who harms them, say. The triage team
(triage leads and the clinical lead) marks such a referral, with the reason, and can lift the
mark again, with the reason; each decision is a `StatusSharing` row. While it is marked
(`Referral.status_withheld_at`):

- everyone who sees the referral in full is warned, in the child banner;
- nobody outside the alliance is told how the referral is going (`status_shared`): the letter
  saying it was not accepted and the feedback invitation at discharge are not sent (the triage
  team tells a referrer who must know themselves), and neither is any later update about
  its progress.

Who decided and why are shown to the triage team on the decision's page; the audit trail keeps
the decision (identifiers only); the timeline says that it was marked or lifted, and by whom,
but not why: the reason may itself be a safeguarding detail, and the timeline is read by every
partner who holds the child.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from onedoor import clock
from onedoor.accounts.models import User
from onedoor.accounts.roles import TRIAGE_TEAM
from onedoor.audit.trail import Action, record
from onedoor.referrals.models import Referral, StatusSharing
from onedoor.referrals.states import change
from onedoor.referrals.timeline import on_timeline

WITHHELD = "Do not share status with the family"


def status_shared(referral: Referral) -> bool:
    """Whether anyone outside the alliance (the family, the referrer) may be told how the
    referral is going: every message about its progress asks this when it is sent."""
    return referral.status_withheld_at is None


def may_change_sharing(user: User) -> bool:
    return user.is_active and user.role in TRIAGE_TEAM


def withhold_status(*, user: User, referral: Referral, version: int, reason: str) -> Referral:
    """Mark the referral "do not share status with the family", with the reason."""
    return _set(user=user, referral=referral, version=version, reason=reason, withhold=True)


def share_status_again(*, user: User, referral: Referral, version: int, reason: str) -> Referral:
    """Lift the mark: the family may hear how the referral is going again."""
    return _set(user=user, referral=referral, version=version, reason=reason, withhold=False)


def _set(*, user: User, referral: Referral, version: int, reason: str, withhold: bool) -> Referral:
    if not may_change_sharing(user):
        raise PermissionDenied("Only the triage team decides what the family is told.")
    reason = reason.strip()
    if not reason:
        raise ValidationError(
            "Say why the family should not be told"
            if withhold
            else "Say why the family may be told again"
        )
    withheld = referral.status_withheld_at is not None
    if withhold and withheld:
        raise ValidationError("The family is already not told how this referral is going")
    if not withhold and not withheld:
        raise ValidationError("The family can already be told how this referral is going")
    now = clock.now()
    with transaction.atomic():
        change(referral=referral, version=version, status_withheld_at=now if withhold else None)
        StatusSharing.objects.create(
            referral=referral, withheld=withhold, decided_by=user, decided_at=now, reason=reason
        )
        said = (
            f"{WITHHELD}: marked by {user}."
            if withhold
            else f"The family may be told how the referral is going again: decided by {user}."
        )
        on_timeline(referral, said, actor=user)
        record(
            Action.CHANGE,
            actor=user,
            record_type="referral",
            record_id=referral.uuid,
            child_uuid=referral.child.uuid,
            detail={"status_shared": not withhold},
        )
    return referral
