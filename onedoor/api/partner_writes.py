"""A partner's system writes through the same actions as the pages, with the client's account
as the user: the action decides, exactly as for a person at the organisation, and audits what
it does. A record outside the organisation is a 404 (the access layer's); a refusal of the
action's own is a 403 (`PermissionDenied`) or a 422 (`ValidationError`, in its words); a stale
`version` is a 409.

An allocation or a handover accepted by a system names a person: `practitioner` is required,
one of the organisation's practitioners or partner leads (`care.practitioners.practising_at`),
never the system's own account (hazard H46)."""

from __future__ import annotations

from uuid import UUID

from django.http import HttpRequest
from ninja import Router
from ninja import Status as Answer

from onedoor.access.policy import Do
from onedoor.access.records import get_referral_for_user
from onedoor.accounts.models import User
from onedoor.api.partner_reads import account_of, measure_out, person
from onedoor.api.partner_schemas import (
    AcceptIn,
    AnsweredOut,
    ContactCreated,
    ContactIn,
    DeclineIn,
    DischargeCreated,
    DischargeIn,
    HandoverAnsweredOut,
    MeasureCreated,
    MeasureIn,
    Moved,
    RiskReviewCreated,
    RiskReviewIn,
)
from onedoor.api.problems import Problem
from onedoor.api.schemas import ProblemOut, answers
from onedoor.care.actions import discharge, record_contact, record_risk_review
from onedoor.care.handovers import accept_handover, decline_handover
from onedoor.care.practitioners import practising_at
from onedoor.care.records import get_handover_for_user
from onedoor.clock import today
from onedoor.integrations.scopes import Scope
from onedoor.outcomes.actions import record_response
from onedoor.outcomes.measures import get_measure
from onedoor.outcomes.scoring import AnswerError, score
from onedoor.referrals.models import Referral, Status
from onedoor.referrals.states import Conflict
from onedoor.triage.actions import accept_allocation, decline_allocation

router = Router(tags=["partner: writes"])

NOT_WAITING = "This child is no longer waiting for your organisation's answer"


def changes(ok: dict[int, object]) -> dict[int, object]:
    """A write's responses: its own, every refusal, and the conflict of a stale version."""
    return {**answers(ok), 409: ProblemOut}


def moved(referral: Referral) -> Moved:
    referral.refresh_from_db(fields=["status", "version"])
    return Moved(uuid=referral.uuid, status=referral.status, version=referral.version)


def named(account: User, practitioner: UUID) -> User:
    """The person the system names: a practitioner or partner lead of its organisation now.
    Anyone else (another organisation's, a closed account, the system's own account, no such
    person) is the same refusal, which reveals nothing about who exists elsewhere."""
    chosen = practising_at(account.organisation_id).filter(uuid=practitioner).first()
    if chosen is None:
        message = (
            f"Name one of {account.organisation}'s practitioners or partner leads: a person, "
            "never the system's own account"
        )
        raise Problem(422, message, errors=[{"field": "practitioner", "message": message}])
    return chosen


def current(referral: Referral, version: int) -> None:
    """A change made on a stale copy of the referral is refused before anything is written."""
    if referral.version != version:
        raise Conflict(referral)


def _allocation(request: HttpRequest, uuid: UUID) -> tuple[User, Referral]:
    account = account_of(request, Scope.ANSWER_ALLOCATIONS)
    referral = get_referral_for_user(account, uuid, Do.CHANGE)
    if (
        referral.status != Status.ALLOCATED
        or referral.allocated_organisation_id != account.organisation_id
    ):
        raise Problem(409, NOT_WAITING)
    return account, referral


@router.post(
    "/referrals/{uuid}/accept",
    response=changes({200: AnsweredOut}),
    summary="Accept an allocation, naming the practitioner",
    url_name="partner-accept",
)
def accept(request: HttpRequest, uuid: UUID, payload: AcceptIn) -> AnsweredOut:
    """The child joins your organisation's waiting list, held by the practitioner you name
    (scope `allocations:answer`)."""
    account, referral = _allocation(request, uuid)
    practitioner = named(account, payload.practitioner)
    accept_allocation(
        user=account, referral=referral, version=payload.version, practitioner=practitioner
    )
    return AnsweredOut(referral=moved(referral), named_practitioner=person(practitioner))


@router.post(
    "/referrals/{uuid}/decline",
    response=changes({200: AnsweredOut}),
    summary="Decline an allocation, saying why",
    url_name="partner-decline",
)
def decline(request: HttpRequest, uuid: UUID, payload: DeclineIn) -> AnsweredOut:
    """The child goes back to triage with your reason (scope `allocations:answer`); your
    organisation no longer sees the referral."""
    account, referral = _allocation(request, uuid)
    decline_allocation(
        user=account, referral=referral, version=payload.version, reason=payload.reason
    )
    return AnsweredOut(referral=moved(referral), named_practitioner=None)


@router.post(
    "/handovers/{uuid}/accept",
    response=changes({200: HandoverAnsweredOut}),
    summary="Accept a handover from another partner, naming the practitioner",
    url_name="partner-accept-a-handover",
)
def accept_a_handover(request: HttpRequest, uuid: UUID, payload: AcceptIn) -> HandoverAnsweredOut:
    """The child moves to your organisation's waiting list, held by the practitioner you
    name; `version` is the referral's (scope `allocations:answer`)."""
    account = account_of(request, Scope.ANSWER_ALLOCATIONS)
    transition = get_handover_for_user(account, uuid, Do.CHANGE)
    practitioner = named(account, payload.practitioner)
    accept_handover(
        user=account, transition=transition, version=payload.version, practitioner=practitioner
    )
    return HandoverAnsweredOut(
        uuid=transition.uuid,
        referral=moved(transition.referral),
        named_practitioner=person(practitioner),
    )


@router.post(
    "/handovers/{uuid}/decline",
    response=changes({200: HandoverAnsweredOut}),
    summary="Decline a handover from another partner, saying why",
    url_name="partner-decline-a-handover",
)
def decline_a_handover(request: HttpRequest, uuid: UUID, payload: DeclineIn) -> HandoverAnsweredOut:
    """The child stays with the sending partner as they were (scope `allocations:answer`)."""
    account = account_of(request, Scope.ANSWER_ALLOCATIONS)
    transition = get_handover_for_user(account, uuid, Do.CHANGE)
    decline_handover(
        user=account, transition=transition, version=payload.version, reason=payload.reason
    )
    return HandoverAnsweredOut(
        uuid=transition.uuid, referral=moved(transition.referral), named_practitioner=None
    )


def _caring(request: HttpRequest, uuid: UUID, scope: Scope) -> tuple[User, Referral]:
    """The referral to record care for, as the care record's pages find it: seen through the
    access layer (else 404); whether the organisation may write is the action's to say."""
    account = account_of(request, scope)
    return account, get_referral_for_user(account, uuid)


@router.post(
    "/referrals/{uuid}/contacts",
    response=changes({201: ContactCreated}),
    summary="Record a contact",
    url_name="partner-contact",
)
def contact(request: HttpRequest, uuid: UUID, payload: ContactIn) -> Answer[ContactCreated]:
    """A contact with the child; the first attended one starts the intervention (scope
    `contacts:write`)."""
    account, referral = _caring(request, uuid, Scope.WRITE_CONTACTS)
    made = record_contact(
        user=account,
        referral=referral,
        happened_at=payload.happened_at,
        outcome=payload.outcome,
        mode=payload.mode,
        duration_minutes=payload.duration_minutes,
    )
    return Answer(201, ContactCreated(uuid=made.uuid, referral=moved(referral)))


def _answers_fit(referral: Referral, payload: MeasureIn) -> None:
    """Each answer checked by the product's own scoring, so that a bad one names its
    question (`answers.<key>`)."""
    measure = get_measure(payload.measure)
    if measure is None:
        raise Problem(
            422,
            f"There is no measure called {payload.measure}",
            errors=[{"field": "measure", "message": "Choose a measure by its slug"}],
        )
    age, gender = referral.child.age_on(today()), referral.child.gender
    errors = []
    for key, value in payload.answers.items():
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            errors.append({"field": f"answers.{key}", "message": "Give a number, or null"})
            continue
        try:
            score(measure, {key: value}, age, gender)
        except AnswerError as error:
            errors.append({"field": f"answers.{key}", "message": str(error)})
    if errors:
        raise Problem(422, errors[0]["message"], errors=errors)


@router.post(
    "/referrals/{uuid}/measures",
    response=changes({201: MeasureCreated}),
    summary="Record an outcome measure response",
    url_name="partner-measure",
)
def measure(request: HttpRequest, uuid: UUID, payload: MeasureIn) -> Answer[MeasureCreated]:
    """Answers to one outcome measure, scored by OneDoor's own scoring; the scores are in
    the answer (scope `measures:write`)."""
    account, referral = _caring(request, uuid, Scope.WRITE_MEASURES)
    _answers_fit(referral, payload)
    response = record_response(
        user=account,
        referral=referral,
        measure=payload.measure,
        answers=payload.answers,
        completed_by=payload.respondent,
        risk_declined=payload.risk_declined,
    )
    return Answer(
        201,
        MeasureCreated(**measure_out(response).model_dump(), referral=moved(referral)),
    )


@router.post(
    "/referrals/{uuid}/risk-reviews",
    response=changes({201: RiskReviewCreated}),
    summary="Record a risk review",
    url_name="partner-risk-review",
)
def risk_review(
    request: HttpRequest, uuid: UUID, payload: RiskReviewIn
) -> Answer[RiskReviewCreated]:
    """A risk rating with its rationale; the referral's rating changes with it (scope
    `risk-reviews:write`)."""
    account, referral = _caring(request, uuid, Scope.WRITE_RISK_REVIEWS)
    review = record_risk_review(
        user=account, referral=referral, rating=payload.rating, rationale=payload.rationale
    )
    return Answer(
        201,
        RiskReviewCreated(
            uuid=review.uuid,
            referral=moved(referral),
            rating=review.rating,
            next_due=review.next_due,
        ),
    )


@router.post(
    "/referrals/{uuid}/discharge",
    response=changes({201: DischargeCreated}),
    summary="Discharge the child",
    url_name="partner-discharge-child",
)
def discharge_child(
    request: HttpRequest, uuid: UUID, payload: DischargeIn
) -> Answer[DischargeCreated]:
    """The end of the work, with a reason and a closing summary; the family is invited to
    give feedback (scope `discharges:write`)."""
    account, referral = _caring(request, uuid, Scope.WRITE_DISCHARGES)
    current(referral, payload.version)
    ended = discharge(
        user=account, referral=referral, reason=payload.reason, summary=payload.summary
    )
    return Answer(201, DischargeCreated(uuid=ended.uuid, referral=moved(referral)))
