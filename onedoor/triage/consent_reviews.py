"""The triage team's review of a young person's own consent to a referral, under 16.

A young person of 12 to 15 who referred themselves without a parent or carer's agreement,
and said they understand what support means, what will happen and who may be told, is
referred on their own consent with their competence "to be confirmed". The triage team
(a triage lead or the clinical lead) contacts them and records what they found, with a note:
competence confirmed; revisit (contact the young person, or involve a parent or carer); or a
parent or carer with parental responsibility has now agreed. Each is one guarded write
(`referrals.states.change`, so a stale page is a conflict), a `ConsentReview`, a timeline
event without the note (the timeline is read by everyone who may see the child) and an
audit record.

Until competence is confirmed (or a parent or carer's consent recorded) the referral is not
allocated to a partner (`require_settled_consent`, in the triage decision and its sign-off).
Nothing else waits for it: risk is screened, reviewed and acted on (a step up, a safeguarding
referral, advice) as for any referral.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from onedoor import clock
from onedoor.accounts.models import User
from onedoor.accounts.roles import TRIAGE_TEAM
from onedoor.audit.trail import Action, record
from onedoor.referrals import consent
from onedoor.referrals.models import Competence, ConsentGivenBy, Referral, Status
from onedoor.referrals.states import change
from onedoor.referrals.timeline import on_timeline
from onedoor.triage.models import ConsentReview

Result = ConsentReview.Result
IN_TRIAGE = frozenset({Status.AWAITING_TRIAGE, Status.MORE_INFORMATION, Status.AWAITING_SIGN_OFF})

# What each result sets on the referral, and says on the child's timeline (no note there).
CHANGES: dict[str, dict[str, object]] = {
    Result.CONFIRMED: {"competence": Competence.CONFIRMED, "judged_competent": True},
    Result.REVISIT: {"competence": Competence.REVISIT},
    Result.PARENT_AGREED: {
        "consent_given_by": ConsentGivenBy.PARENT_CARER,
        "consent_parental_responsibility": consent.HAS_PR,
        "competence": "",
        "judged_competent": None,
    },
}
SUMMARIES: dict[str, str] = {
    Result.CONFIRMED: "The young person's competence to consent to the referral was confirmed "
    "by the triage team.",
    Result.REVISIT: "The young person's consent to the referral is to be revisited: contact "
    "the young person or involve a parent or carer.",
    Result.PARENT_AGREED: "Consent to the referral is now given by a parent or carer with "
    "parental responsibility.",
}


def may_review(user: User) -> bool:
    return user.role in TRIAGE_TEAM


def review_consent(
    *, user: User, referral: Referral, version: int, result: str, note: str
) -> ConsentReview:
    """Record the triage team's review of a young person's own consent (see the module)."""
    if not may_review(user):
        raise PermissionDenied("Only the triage team reviews a young person's consent.")
    if not consent.reviewable(referral.competence):
        raise ValidationError(
            "This referral has no young person's consent waiting to be confirmed or revisited"
        )
    if referral.status not in IN_TRIAGE:
        raise ValidationError("Only a referral in triage can have its consent reviewed")
    if result not in Result.values:
        raise ValidationError(
            "Choose what you found: competence confirmed, revisit, or a parent or carer has agreed"
        )
    if not note.strip():
        raise ValidationError("Write a note: who you spoke to, and what you found")
    now = clock.now()
    with transaction.atomic():
        change(referral=referral, version=version, **CHANGES[result])
        review = ConsentReview.objects.create(
            referral=referral, result=result, note=note.strip(), reviewed_by=user, reviewed_at=now
        )
        on_timeline(referral, SUMMARIES[result], actor=user, at=now)
        record(
            Action.CHANGE,
            actor=user,
            record_type="referral",
            record_id=referral.uuid,
            child_uuid=referral.child.uuid,
            detail={"consent_review": result},
        )
    return review


def require_settled_consent(referral: Referral) -> None:
    """The allocation gate: a young person's own consent, under 16, with competence not yet
    confirmed, is not allocated to a partner."""
    problem = consent.allocation_problem(referral.competence)
    if problem is not None:
        raise ValidationError(problem)
