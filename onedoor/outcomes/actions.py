"""Collecting outcome measures: recorded by the practitioner, or completed by the young person
or a parent through a single-use link; each scored on save, compared with the first response
to the same measure, and marked for review when it needs one.

Every action checks access, writes its timeline event (the measure's name, never the scores
or answers) and its audit record, in one transaction.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from onedoor import clock
from onedoor.access.records import can_change_care
from onedoor.accounts.models import User
from onedoor.alliance.models import Organisation
from onedoor.audit.trail import Action, record
from onedoor.care.actions import WORKING_STATES
from onedoor.care.young_adults import require_named_coordinator
from onedoor.outcomes.measures import Measure, get_measure
from onedoor.outcomes.models import Invitation, MeasureResponse, Respondent
from onedoor.outcomes.scoring import (
    AnswerError,
    Result,
    in_severe_range,
    review_reasons,
    score,
    unanswered_risk_items,
)
from onedoor.referrals.models import Referral
from onedoor.referrals.timeline import on_timeline

INVITATION_DAYS = 14


def _check(user: User, referral: Referral) -> Organisation:
    """The user's organisation, if they may record care for this referral now (as the care
    actions: the allocated partner, a child waiting or in intervention, a young adult's named
    care coordinator first)."""
    if not can_change_care(user, referral) or user.organisation is None:
        raise PermissionDenied("This child is not on your organisation's caseload.")
    if referral.status not in WORKING_STATES:
        raise ValidationError("Measures are recorded for children waiting or in intervention")
    require_named_coordinator(referral)
    return user.organisation


def _measure(slug: str) -> Measure:
    measure = get_measure(slug)
    if measure is None:
        raise ValidationError("Choose a measure")
    return measure


def _save(
    *,
    referral: Referral,
    organisation: Organisation,
    measure: Measure,
    answers: Mapping[str, int | float | None],
    completed_by: str,
    recorded_by: User | None,
    invitation: Invitation | None = None,
) -> MeasureResponse:
    """Score the answers for the child's age and gender today, compare with the first
    response to the same measure, and save."""
    now = clock.now()
    child = referral.child
    given = {key: value for key, value in answers.items() if value is not None}
    try:
        result = score(measure, given, child.age_on(timezone.localdate(now)), child.gender)
    except AnswerError as error:
        raise ValidationError(str(error)) from error
    first = (
        MeasureResponse.objects.filter(referral=referral, measure=measure.slug)
        .order_by("recorded_at", "pk")
        .values_list("scores", flat=True)
        .first()
    )
    reasons = review_reasons(measure, Result.from_json(first) if first else None, result)
    return MeasureResponse.objects.create(
        referral=referral,
        organisation=organisation,
        recorded_by=recorded_by,
        recorded_at=now,
        measure=measure.slug,
        measure_version=measure.version,
        completed_by=completed_by,
        invitation=invitation,
        answers=given,
        scores=result.to_json(),
        review_reasons=[str(reason) for reason in reasons],
        needs_review=bool(reasons),
        severe=bool(in_severe_range(measure, result)),
    )


def record_response(
    *,
    user: User,
    referral: Referral,
    measure: str,
    answers: Mapping[str, int | float | None],
    completed_by: str,
    risk_declined: bool = False,
) -> MeasureResponse:
    """A measure completed with, or on paper by, the young person or a parent, entered by
    the practitioner. A question about risk is answered, or the practitioner records that
    the young person chose not to answer it (`risk_declined`): then it is saved and flagged
    for review, "risk question not answered"."""
    organisation = _check(user, referral)
    chosen = _measure(measure)
    if completed_by not in Respondent.values:
        raise ValidationError("Choose who completed the measure")
    unanswered = unanswered_risk_items(chosen, answers)
    if unanswered and not risk_declined:
        raise ValidationError(
            f"Answer {chosen.question_words(unanswered)}, about risk, or say that the young "
            "person chose not to answer it"
        )
    if risk_declined and not unanswered:
        raise ValidationError(f"Every question about risk in {chosen.short_name} has an answer")
    with transaction.atomic():
        response = _save(
            referral=referral,
            organisation=organisation,
            measure=chosen,
            answers=answers,
            completed_by=completed_by,
            recorded_by=user,
        )
        on_timeline(referral, f"Outcome measure recorded: {chosen.short_name}.", actor=user)
        record(
            Action.CREATE,
            actor=user,
            record_type="measure_response",
            record_id=response.uuid,
            child_uuid=referral.child.uuid,
            detail={"measure": chosen.slug, "needs_review": response.needs_review},
        )
    return response


def invite(
    *, user: User, referral: Referral, measure: str, respondent: str, email: str
) -> Invitation:
    """Send the young person or a parent a single-use link to complete one measure. The
    email goes with the change (a task in the same transaction) and never names the child."""
    organisation = _check(user, referral)
    chosen = _measure(measure)
    if respondent not in (Respondent.YOUNG_PERSON, Respondent.PARENT):
        raise ValidationError("Choose who to send the link to")
    if respondent not in chosen.respondents or chosen.scores_only:
        raise ValidationError(f"{chosen.short_name} cannot be completed through a link by them")
    if not email:
        raise ValidationError("There is no email address to send the link to")
    now = clock.now()
    with transaction.atomic():
        invitation = Invitation.objects.create(
            referral=referral,
            organisation=organisation,
            measure=chosen.slug,
            respondent=respondent,
            email=email,
            sent_by=user,
            sent_at=now,
            token=secrets.token_urlsafe(32),
            expires_at=now + timedelta(days=INVITATION_DAYS),
        )
        on_timeline(
            referral, f"Link sent to complete an outcome measure: {chosen.short_name}.", actor=user
        )
        record(
            Action.CREATE,
            actor=user,
            record_type="measure_invitation",
            record_id=invitation.uuid,
            child_uuid=referral.child.uuid,
            detail={"measure": chosen.slug, "respondent": respondent},
        )
        from onedoor.outcomes.tasks import send_invitation

        send_invitation.enqueue(str(invitation.uuid))
    return invitation


def usable_invitation(token: str) -> Invitation | None:
    """The invitation a link names, if it can still be used."""
    return (
        Invitation.objects.select_related("referral__child")
        .filter(token=token, used_at__isnull=True, expires_at__gt=clock.now())
        .first()
    )


def complete_by_link(*, token: str, answers: Mapping[str, int | float | None]) -> MeasureResponse:
    """The measure completed through the link: no account; the link works once. A question
    about risk left out is not refused (a link cannot ask the young person why): it is saved
    and flagged for review, "risk question not answered"."""
    now = clock.now()
    with transaction.atomic():
        claimed = Invitation.objects.filter(
            token=token, used_at__isnull=True, expires_at__gt=now
        ).update(used_at=now)
        if claimed != 1:
            raise ValidationError("This link has already been used or has expired")
        invitation = Invitation.objects.select_related("referral__child", "organisation").get(
            token=token
        )
        measure = _measure(invitation.measure)
        response = _save(
            referral=invitation.referral,
            organisation=invitation.organisation,
            measure=measure,
            answers=answers,
            completed_by=invitation.respondent,
            recorded_by=None,
            invitation=invitation,
        )
        on_timeline(
            invitation.referral,
            f"Outcome measure completed through a link: {measure.short_name}.",
            actor=None,
        )
        record(
            Action.CREATE,
            actor=None,
            record_type="measure_response",
            record_id=response.uuid,
            child_uuid=invitation.referral.child.uuid,
            detail={
                "measure": measure.slug,
                "invitation": str(invitation.uuid),
                "needs_review": response.needs_review,
            },
        )
    return response


def review_response(*, user: User, response: MeasureResponse) -> MeasureResponse:
    """The practitioner has looked at a response that needed a review: the task goes."""
    referral = response.referral
    if not can_change_care(user, referral):
        raise PermissionDenied("This child is not on your organisation's caseload.")
    now = clock.now()
    with transaction.atomic():
        done = MeasureResponse.objects.filter(
            pk=response.pk, needs_review=True, reviewed_at__isnull=True
        ).update(reviewed_at=now, reviewed_by=user)
        if done != 1:
            raise ValidationError("This measure does not need a review, or has had one")
        measure = get_measure(response.measure)
        name = measure.short_name if measure else response.measure
        on_timeline(referral, f"Outcome measure reviewed: {name}.", actor=user)
        record(
            Action.CHANGE,
            actor=user,
            record_type="measure_response",
            record_id=response.uuid,
            child_uuid=referral.child.uuid,
            detail={"reviewed": True},
        )
    response.refresh_from_db()
    return response
