"""Correcting a referral's GP practice, which assesses its eligibility again.

The Referral and Advice Point corrects the practice a referrer chose or typed (a Medway
practice typed as "not in the list", say). The rules then run again, at the referral's date,
with the child's postcode and the corrected practice. A referral the rules turned away that
they now accept comes into triage, its triage clock starting at the correction (as when a
triage lead overrules the rules, `triage/signposted.py`: it could not start before). A
correction never turns a referral away: one already past the door stays where it is, and the
timeline says what the rules would now say, for the triage lead to decide.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from onedoor import clock
from onedoor.accounts.models import User
from onedoor.accounts.roles import ADVICE_POINT
from onedoor.alliance.models import GpPractice
from onedoor.audit.trail import Action, record
from onedoor.children.models import Child, TimelineEvent
from onedoor.clock import LONDON
from onedoor.referrals.actions import eligibility_rules, entering_triage
from onedoor.referrals.eligibility import Eligibility, assess
from onedoor.referrals.models import Referral, Status
from onedoor.referrals.states import Conflict, change, move
from onedoor.referrals.timeline import on_timeline

NAME_LIMIT = 200
NONE_GIVEN = "none given"


@dataclass(frozen=True)
class Correction:
    referral: Referral
    summary: str  # as the timeline says it
    into_triage: bool


def described(practice: GpPractice | None, not_listed: str) -> str:
    """The practice in words, for the timeline: "Priory Surgery (G82001)"."""
    if practice is not None:
        return f"{practice.name} ({practice.ods_code})"
    if not_listed:
        return f"'{not_listed}' (not in the list)"
    return NONE_GIVEN


def reassess(referral: Referral, practice: GpPractice | None, not_listed: str) -> Eligibility:
    """The eligibility rules at the referral's date, with this practice."""
    child = referral.child
    return assess(
        date_of_birth=child.date_of_birth,
        referral_date=timezone.localdate(referral.received_at, LONDON),
        extends_age=child.priority_groups.filter(extends_eligibility=True).exists(),
        postcode=child.postcode,
        gp_ods_code=practice.ods_code if practice else "",
        gp_not_listed=not_listed,
        rules=eligibility_rules(child.alliance),
    )


def turned_away_by_the_rules(referral: Referral) -> bool:
    return referral.status == Status.SIGNPOSTED and not referral.eligible


def _check(user: User, referral: Referral, practice: GpPractice | None, not_listed: str) -> None:
    if user.role not in ADVICE_POINT:
        raise PermissionDenied("Only the Referral and Advice Point corrects a GP practice.")
    if practice is not None:
        if practice.alliance_id != referral.child.alliance_id:
            raise ValidationError("Choose the GP practice from the list")
        if practice.status != GpPractice.Status.ACTIVE:
            raise ValidationError(f"{practice.name} is {practice.get_status_display().lower()}")
        if not_listed:
            raise ValidationError("Leave the name empty when you choose a practice from the list")
    if len(not_listed) > NAME_LIMIT:
        raise ValidationError(f"GP practice must be {NAME_LIMIT} characters or less")
    if (practice, not_listed) == (referral.gp_practice, referral.gp_practice_not_listed):
        raise ValidationError("This is already the referral's GP practice")


def correct_gp_practice(
    *,
    user: User,
    referral: Referral,
    version: int,
    practice: GpPractice | None,
    not_listed: str = "",
) -> Correction:
    """Set the referral's GP practice (one on the list, or a name typed), assess eligibility
    again and say what changed on the timeline and in the audit trail."""
    not_listed = " ".join(not_listed.split())
    _check(user, referral, practice, not_listed)
    if referral.version != version:
        raise Conflict(referral)
    child = referral.child
    before = described(referral.gp_practice, referral.gp_practice_not_listed)
    before_code = _code(referral.gp_practice, referral.gp_practice_not_listed)
    after = described(practice, not_listed)
    eligibility = reassess(referral, practice, not_listed)
    turned_away = turned_away_by_the_rules(referral)
    into_triage = turned_away and eligibility.eligible
    fields: dict[str, object] = {"gp_practice": practice, "gp_practice_not_listed": not_listed}
    summary = f"GP practice changed from {before} to {after}; eligibility: "
    now = clock.now()
    with transaction.atomic():
        if into_triage:
            summary += "now eligible. The referral is in triage, its clock from now."
            move(
                user=user,
                referral=referral,
                to=Status.AWAITING_TRIAGE,
                version=version,
                summary=summary,
                changes={
                    **fields,
                    **entering_triage(referral, at=now),
                    "corrected_into_triage_at": now,
                },
            )
        else:
            summary += _still(referral, turned_away, eligibility)
            if turned_away:
                fields["ineligibility_reason"] = " ".join(eligibility.reasons)
            change(referral=referral, version=version, **fields)
            on_timeline(
                referral, summary, actor=user, kind=TimelineEvent.Kind.REFERRAL_CORRECTED, at=now
            )
        # The child's record names their GP practice too (in words).
        Child.objects.filter(pk=child.pk).update(
            gp_practice=practice.name if practice else not_listed
        )
        record(
            Action.CHANGE,
            actor=user,
            record_type="referral",
            record_id=referral.uuid,
            child_uuid=child.uuid,
            detail={
                "gp_practice": {"from": before_code, "to": _code(practice, not_listed)},
                "eligible": eligibility.eligible,
                "into_triage": into_triage,
            },
        )
    referral.refresh_from_db()
    return Correction(referral, summary, into_triage)


def _code(practice: GpPractice | None, not_listed: str) -> str:
    """The practice as the audit trail names it: its code, "not listed" or "" (no name)."""
    if practice is not None:
        return practice.ods_code
    return "not listed" if not_listed else ""


def _still(referral: Referral, turned_away: bool, eligibility: Eligibility) -> str:
    """What the rules say, when the correction does not bring the referral into triage."""
    if turned_away:
        return "still not eligible. " + " ".join(eligibility.reasons)
    if eligibility.eligible:
        return "still eligible."
    return (
        "the rules would not take it now (" + " ".join(eligibility.reasons) + "). It stays "
        f"{referral.get_status_display().lower()}: the triage lead decides."
    )
