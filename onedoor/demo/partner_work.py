"""The demo's work with a child once a partner has them (`activity.Records`): accepted, with
a named practitioner, Waiting Well check-ins at the cadence for the risk (most up to date; a
few due, overdue or missed), contacts from the first attended one, care plans reviewed every
twelve weeks, risk reviews and a safety plan after a disclosed risk to life, outcome
measures, a handover sent (in transition) and a discharge with its summary and feedback."""

from __future__ import annotations

import random
import secrets
import uuid
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, TypeVar

from django.utils import timezone

from onedoor.accounts.models import User
from onedoor.alliance.models import Organisation
from onedoor.care.actions import FEEDBACK_DAYS, handover_due
from onedoor.care.models import (
    CarePlan,
    CheckIn,
    Contact,
    Discharge,
    Feedback,
    RiskReview,
    SafetyPlan,
    Transition,
)
from onedoor.clock.calendar import end_of
from onedoor.demo import texts
from onedoor.demo.stories import DAY, HOUR, Story, in_hours
from onedoor.outcomes.measures import Measure
from onedoor.outcomes.models import MeasureResponse, Respondent
from onedoor.outcomes.scoring import Result, review_reasons, score
from onedoor.referrals.eligibility import age_on
from onedoor.referrals.models import Referral, RiskRating, Status

if TYPE_CHECKING:
    from onedoor.demo.activity import Records

CONTACT_OUTCOMES = (
    (Contact.Outcome.ATTENDED, 80), (Contact.Outcome.DID_NOT_ATTEND, 12),
    (Contact.Outcome.CANCELLED_BY_YOUNG_PERSON, 5), (Contact.Outcome.CANCELLED_BY_SERVICE, 3),
)  # fmt: skip
MODES = (
    (Contact.Mode.FACE_TO_FACE, 45), (Contact.Mode.VIDEO, 20), (Contact.Mode.PHONE, 20),
    (Contact.Mode.ONLINE, 10), (Contact.Mode.TEXT, 5),
)  # fmt: skip
REASONS = (
    (Discharge.Reason.GOALS_MET, 60), (Discharge.Reason.DISENGAGED, 15),
    (Discharge.Reason.DECLINED, 10), (Discharge.Reason.MOVED_AWAY, 5),
    (Discharge.Reason.TRANSFERRED, 5), (Discharge.Reason.OTHER, 5),
)  # fmt: skip
LEFT_WHILE_WAITING = (
    (Discharge.Reason.DECLINED, 50), (Discharge.Reason.DISENGAGED, 35),
    (Discharge.Reason.MOVED_AWAY, 15),
)  # fmt: skip
HELPFUL = ((5, 40), (4, 30), (3, 15), (2, 10), (1, 5))
CARE_PLAN_WEEKS = 12
# Waiting Well: a few children's next check-in has fallen due, a few were not reached.
OVERDUE_SHARE, MISSED_SHARE = 0.08, 0.06

T = TypeVar("T")


def _pick(rng: random.Random, pairs: Sequence[tuple[T, int]]) -> T:
    return rng.choices([v for v, _ in pairs], weights=[w for _, w in pairs])[0]


def _answers(rng: random.Random, measure: Measure, severity: float) -> dict[str, int]:
    values = [option.value for option in measure.options]
    top = max(values)
    answers = {}
    for item in measure.items:
        level = min(1.0, max(0.0, severity + rng.uniform(-0.2, 0.2)))
        raw = round(level * top)
        answers[item.key] = top - raw if item.reverse else raw
    return answers


def _organisation(referral: Referral) -> int:
    """The partner the child is with, who writes its care records."""
    assert referral.allocated_organisation_id is not None, referral.reference
    return referral.allocated_organisation_id


def with_the_partner(
    records: Records, referral: Referral, story: Story, rng: random.Random
) -> None:
    assert story.accepted is not None
    worker = records.worker(referral)
    organisation = referral.allocated_organisation
    records.event(referral, story.accepted, f"Accepted by {organisation}.", worker)
    records.name_practitioner(referral, story.accepted, worker)
    waited_until = story.started or story.ended or records.now
    _check_ins(records, referral, story, rng, worker, waited_until)
    if story.started is None:
        if story.status == Status.DISCHARGED:
            _discharge(records, referral, story, rng, worker, LEFT_WHILE_WAITING)
        return
    seen_until = story.ended or records.now
    attended = _contacts(records, referral, story.started, seen_until, rng, worker)
    _care_plans(records, referral, story, seen_until, rng, worker)
    if referral.discloses_risk_to_life:
        _risk_reviews(records, referral, story.started, seen_until, rng, worker)
    _measures(records, referral, attended, rng, worker)
    if story.status == Status.IN_TRANSITION:
        _transition(records, referral, story, rng, worker)
    elif story.status == Status.DISCHARGED:
        _discharge(records, referral, story, rng, worker, REASONS)


def _cadence(records: Records, referral: Referral) -> timedelta:
    return timedelta(days=records.cadences.get(referral.risk_rating or RiskRating.GREEN, 28))


def _check_ins(
    records: Records,
    referral: Referral,
    story: Story,
    rng: random.Random,
    worker: User,
    until: datetime,
) -> None:
    """At the cadence for the risk, each on or a little before its day, from acceptance
    while the child waits: the next is never due yet, but for a few still waiting whose
    latest is missing (due or overdue) or who were not reached (to follow up)."""
    assert story.accepted is not None
    cadence, moments, at = _cadence(records, referral), [], story.accepted
    while at + cadence <= until:  # it fell due: made that day or the day before
        at = min(max(in_hours(at + cadence - rng.randrange(2) * DAY, rng), at), until)
        moments.append(at)
    waiting = story.status == Status.WAITING
    recent = waiting and bool(moments) and moments[-1] > records.now - 5 * DAY
    if recent and rng.random() < OVERDUE_SHARE:
        moments.pop()
    missed = waiting and bool(moments) and moments[-1] > records.now - 3 * DAY
    missed = missed and rng.random() < MISSED_SHARE * 3
    for index, moment in enumerate(moments):
        made = not (missed and index == len(moments) - 1)
        records.check_ins.append(
            CheckIn(
                uuid=uuid.uuid5(referral.uuid, f"check-in-{index}"), referral_id=referral.pk,
                organisation_id=_organisation(referral), recorded_by_id=worker.pk,
                recorded_at=moment, contact_made=made,
                rating=referral.risk_rating if made else "",
                materials_sent=rng.choice(texts.CHECK_IN_MATERIALS) if made else "",
            )
        )  # fmt: skip
        records.event(
            referral, moment,
            "Waiting Well check-in: " + ("contact made." if made else "no contact."), worker,
        )  # fmt: skip


def _contacts(
    records: Records, referral: Referral, started: datetime, until: datetime, rng: random.Random,
    worker: User,
) -> list[datetime]:  # fmt: skip
    """The first attended contact starts the intervention; then every one to three weeks."""
    attended, at, index = [], started, 0
    while at <= until:
        result = Contact.Outcome.ATTENDED if index == 0 else _pick(rng, CONTACT_OUTCOMES)
        contact = Contact(
            uuid=uuid.uuid5(referral.uuid, f"contact-{index}"), referral_id=referral.pk,
            organisation_id=_organisation(referral), recorded_by_id=worker.pk,
            recorded_at=at + rng.uniform(1, 4) * HOUR if index else at + HOUR,
            happened_at=at, outcome=result, mode=_pick(rng, MODES),
            duration_minutes=rng.choice((30, 45, 50, 60)),
        )  # fmt: skip
        contact.recorded_at = min(contact.recorded_at, records.now)
        records.contacts.append(contact)
        records.event(
            referral, contact.recorded_at,
            f"Contact: {contact.get_outcome_display().lower()}, "
            f"{contact.get_mode_display().lower()}.",
            worker,
        )  # fmt: skip
        if index == 0:
            records.event(
                referral, contact.recorded_at,
                "Intervention started: first attended contact.", worker,
            )  # fmt: skip
        if result == Contact.Outcome.ATTENDED:
            attended.append(at)
        at = in_hours(at + rng.randrange(7, 22) * DAY, rng)
        index += 1
    return attended


def _care_plans(
    records: Records, referral: Referral, story: Story, until: datetime, rng: random.Random,
    worker: User,
) -> None:  # fmt: skip
    """Made in the first week of being seen; reviewed (a new plan) every twelve weeks.
    Still being seen, a few are past their review date."""
    assert story.started is not None
    at, index = max(in_hours(story.started + rng.randrange(0, 7) * DAY, rng), story.started), 0
    plans: list[tuple[datetime, date]] = []
    while at <= until:
        due = timezone.localdate(at) + timedelta(weeks=CARE_PLAN_WEEKS)
        plans.append((at, due))
        at = in_hours(end_of(due) - rng.randrange(0, 5) * DAY, rng)
    open_now = story.status == Status.IN_INTERVENTION
    recent = open_now and len(plans) > 1 and plans[-1][0] > records.now - 10 * DAY
    if recent and rng.random() < 0.08:
        plans.pop()  # the review fell due and is not done yet
    for index, (at, due) in enumerate(plans):
        goals = rng.sample(texts.GOALS, rng.choice((2, 3)))
        plan = CarePlan(
            uuid=uuid.uuid5(referral.uuid, f"care-plan-{index}"), referral_id=referral.pk,
            organisation_id=_organisation(referral), recorded_by_id=worker.pk,
            recorded_at=at, summary=rng.choice(texts.CARE_PLANS), review_due=due,
        )  # fmt: skip
        records.plans.append((plan, goals))
        records.event(
            referral, at,
            f"Care plan with {len(goals)} goals, review by {due:%d %B %Y}.", worker,
        )  # fmt: skip


def _risk_reviews(
    records: Records, referral: Referral, started: datetime, until: datetime, rng: random.Random,
    worker: User,
) -> None:  # fmt: skip
    """After a disclosed risk to life: a safety plan at once, and risk reviews at the
    cadence for the risk (`care.actions.risk_review_due`), the next never due yet."""
    rating = referral.risk_rating or RiskRating.GREEN
    planned = min(started + rng.uniform(1, 48) * HOUR, until)
    records.safety_plans.append(
        SafetyPlan(
            uuid=uuid.uuid5(referral.uuid, "safety-plan"), referral_id=referral.pk,
            organisation_id=_organisation(referral), recorded_by_id=worker.pk,
            recorded_at=planned, **rng.choice(texts.SAFETY_PLANS),
        )
    )  # fmt: skip
    records.event(referral, planned, "Safety plan recorded.", worker)
    cadence = _cadence(records, referral)
    at, index = planned, 0
    while at <= until:
        due = timezone.localdate(at) + cadence
        records.reviews.append(
            RiskReview(
                uuid=uuid.uuid5(referral.uuid, f"risk-review-{index}"), referral_id=referral.pk,
                organisation_id=_organisation(referral), recorded_by_id=worker.pk,
                recorded_at=at, rating=rating, rationale=rng.choice(texts.RATIONALES[rating]),
                next_due=due,
            )
        )  # fmt: skip
        records.event(
            referral, at,
            f"Risk review: {RiskRating(rating).label.lower()}, next by {due:%d %B %Y}.",
            worker,
        )  # fmt: skip
        at = in_hours(end_of(due) - rng.randrange(0, 2) * DAY, rng)
        index += 1


def _measures(
    records: Records, referral: Referral, attended: list[datetime], rng: random.Random, worker: User
) -> None:
    """The first and the latest, from the second attended contact, for 60%: scored, and
    flagged for review by the product's rule (reviewed two days later, once past)."""
    age = age_on(referral.child.date_of_birth, timezone.localdate(referral.received_at))
    measure = (
        records.measures["gad-7"]
        if age >= 16
        else records.measures["yp-core"]
        if age >= 11
        else None
    )
    if measure is None or len(attended) < 2 or rng.random() >= 0.6:
        return
    severity = rng.uniform(0.35, 0.85)
    later = severity - rng.uniform(-0.1, 0.45)
    first: Result | None = None
    for when, level in ((attended[0], severity), (attended[-1], later)):
        answers = _answers(rng, measure, level)
        result = score(measure, answers, age, referral.child.gender)
        reasons = review_reasons(measure, first, result)
        reviewed = when + 2 * DAY if when + 2 * DAY <= records.now and reasons else None
        records.responses.append(
            MeasureResponse(
                uuid=uuid.uuid5(referral.uuid, f"measure-{when.isoformat()}"),
                referral_id=referral.pk, organisation_id=_organisation(referral),
                recorded_by_id=worker.pk, recorded_at=when, measure=measure.slug,
                measure_version=measure.version, completed_by=Respondent.YOUNG_PERSON,
                answers=answers, scores=result.to_json(),
                review_reasons=[str(reason) for reason in reasons],
                needs_review=bool(reasons), reviewed_at=reviewed,
                reviewed_by=worker if reviewed else None,
            )
        )  # fmt: skip
        first = first or result


def _transition(
    records: Records, referral: Referral, story: Story, rng: random.Random, worker: User
) -> None:
    """A handover sent to another partner, to specialist services or to adult services,
    waiting for the receiving side (due two working days after it was sent)."""
    sent = story.ended
    assert sent is not None
    age = referral.child.age_on(timezone.localdate(records.now))
    others = [
        o for o in records.offers
        if o.organisation_id != referral.allocated_organisation_id
        and o.organisation.kind == Organisation.Kind.PARTNER and o.min_age <= age <= o.max_age
    ]  # fmt: skip
    kind = rng.choice(
        [Transition.Kind.STEP_UP]
        + ([Transition.Kind.BETWEEN_PARTNERS] * 2 if others else [])
        + ([Transition.Kind.ADULT_SERVICES] if age >= 17 else [])
    )
    offer = rng.choice(others) if kind == Transition.Kind.BETWEEN_PARTNERS else None
    receiving = (
        offer.organisation
        if offer is not None
        else records.services["adult-mental-health"]
        if kind == Transition.Kind.ADULT_SERVICES
        else records.services[rng.choice(("specialist-camhs", "crisis-support"))]
    )
    reason = rng.choice(texts.TRANSITION_REASONS[kind])
    due = handover_due(sent)
    records.transitions.append(
        Transition(
            uuid=uuid.uuid5(referral.uuid, "transition"), referral_id=referral.pk, kind=kind,
            reason=reason, receiving_organisation=receiving, receiving_offer=offer,
            handover=rng.choice(texts.HANDOVERS), due_at=due, sent_by=worker, sent_at=sent,
        )
    )  # fmt: skip
    records.event(referral, sent, f"Handover sent to {receiving}: {reason}", worker)


def _discharge(
    records: Records, referral: Referral, story: Story, rng: random.Random, worker: User,
    reasons: Sequence[tuple[str, int]],
) -> None:  # fmt: skip
    ended = story.ended
    assert ended is not None
    reason = Discharge.Reason(_pick(rng, reasons))
    discharge = Discharge(
        uuid=uuid.uuid5(referral.uuid, "discharge"), referral_id=referral.pk, reason=reason,
        summary=rng.choice(texts.DISCHARGE_SUMMARIES[reason]), discharged_by=worker,
        discharged_at=ended, feedback_token=secrets.token_urlsafe(32),
        feedback_expires_at=ended + timedelta(days=FEEDBACK_DAYS),
    )  # fmt: skip
    feedback = None
    given = ended + rng.uniform(1, 10) * DAY
    if rng.random() < 0.35 and given <= records.now:
        feedback = Feedback(helpful=_pick(rng, HELPFUL), submitted_at=given)
        discharge.feedback_used_at = given
    records.discharges.append((discharge, feedback))
    records.event(referral, ended, f"Discharged: {reason.label.lower()}.", worker)
