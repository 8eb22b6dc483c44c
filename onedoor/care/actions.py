"""The partner's work with the child: each write checks access, writes its timeline event
and audit record, and moves the referral on where the work says so."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from onedoor import clock
from onedoor.access.records import can_change_care, referrals_visible_to
from onedoor.accounts.models import User
from onedoor.accounts.roles import Role
from onedoor.alliance.models import CheckInCadence, Offer, Organisation
from onedoor.audit.trail import Action, record
from onedoor.care.check_ins import back_to_triage, record_sent
from onedoor.care.handovers import may_answer
from onedoor.care.models import (
    CarePlan,
    CheckIn,
    ClinicalNote,
    Contact,
    Discharge,
    Feedback,
    Goal,
    RiskRating,
    RiskReview,
    SafetyPlan,
    Transition,
)
from onedoor.care.young_adults import require_named_coordinator
from onedoor.children.models import Journey
from onedoor.children.sharing import require_sharing
from onedoor.clock.calendar import ENGLAND_AND_WALES, end_of
from onedoor.content.actions import check_sendable
from onedoor.content.models import ContentItem
from onedoor.referrals.milestones import Milestone, passed
from onedoor.referrals.models import Referral, Status
from onedoor.referrals.states import ENDS, change, move
from onedoor.referrals.timeline import written
from onedoor.webhooks.events import publish
from onedoor.webhooks.models import Kind as EventKind

WORKING_STATES = frozenset({Status.WAITING, Status.IN_INTERVENTION})
RISK_ORDER = {RiskRating.GREEN: 0, RiskRating.AMBER: 1, RiskRating.RED: 2}


def _check(user: User, referral: Referral, *, safety: bool = False) -> Organisation:
    """The user's organisation, if they may record care for this referral now. A young adult
    needs a named care coordinator first, except for `safety`, which is never held back:
    check-ins (they re-screen risk), risk reviews, safety plans and a step-up."""
    if not can_change_care(user, referral) or user.organisation is None:
        raise PermissionDenied("This child is not on your organisation's caseload.")
    if referral.status not in WORKING_STATES:
        raise ValidationError("Care is recorded for children waiting or in intervention")
    if not safety:
        require_named_coordinator(referral)
    return user.organisation


def _written(user: User, referral: Referral, kind: str, record_id: object, summary: str) -> None:
    written(user, referral, summary, record_type=kind, record_id=record_id)


def record_contact(
    *,
    user: User,
    referral: Referral,
    happened_at: datetime,
    outcome: str,
    mode: str,
    duration_minutes: int | None,
) -> Contact:
    """A contact; the first attended one starts the intervention."""
    organisation = _check(user, referral)
    if happened_at > clock.now():
        raise ValidationError("A contact cannot be in the future")
    if outcome not in Contact.Outcome.values or mode not in Contact.Mode.values:
        raise ValidationError("Choose what happened and how")
    with transaction.atomic():
        contact = Contact.objects.create(
            referral=referral,
            organisation=organisation,
            recorded_by=user,
            recorded_at=clock.now(),
            happened_at=happened_at,
            outcome=outcome,
            mode=mode,
            duration_minutes=duration_minutes,
        )
        _written(
            user,
            referral,
            "contact",
            contact.uuid,
            f"Contact: {contact.get_outcome_display().lower()}, "
            f"{contact.get_mode_display().lower()}.",
        )
        if outcome == Contact.Outcome.ATTENDED and referral.status == Status.WAITING:
            move(
                user=user,
                referral=referral,
                to=Status.IN_INTERVENTION,
                version=referral.version,
                summary="Intervention started: first attended contact.",
            )
    return contact


def record_note(*, user: User, referral: Referral, text: str, sharing: str) -> ClinicalNote:
    organisation = _check(user, referral)
    if not text.strip():
        raise ValidationError("Write the note")
    if sharing not in ClinicalNote.Sharing.values:
        raise ValidationError("Choose who can read the note")
    with transaction.atomic():
        note = ClinicalNote.objects.create(
            referral=referral,
            organisation=organisation,
            recorded_by=user,
            recorded_at=clock.now(),
            text=text.strip(),
            sharing=sharing,
        )
        record(
            Action.CREATE,
            actor=user,
            record_type="clinical_note",
            record_id=note.uuid,
            child_uuid=referral.child.uuid,
            detail={"sharing": sharing},
        )
    return note


def record_check_in(
    *,
    user: User,
    referral: Referral,
    contact_made: bool,
    rating: str,
    notes: str,
    materials_sent: str,
    content_items: Sequence[ContentItem] = (),
) -> CheckIn:
    """A Waiting Well check-in. A risk worse than the referral's sends the child back to
    triage, with its history. Library materials sent must be sendable now, or nothing is
    written."""
    organisation = _check(user, referral, safety=True)  # it re-screens risk
    if referral.status != Status.WAITING:
        raise ValidationError("Check-ins are for children waiting")
    if contact_made and rating not in RiskRating.values:
        raise ValidationError("Re-screen the risk: choose red, amber or green")
    with transaction.atomic():
        sent = check_sendable(alliance=referral.child.alliance, items=content_items)
        check_in = CheckIn.objects.create(
            referral=referral,
            organisation=organisation,
            recorded_by=user,
            recorded_at=clock.now(),
            contact_made=contact_made,
            rating=rating if contact_made else "",
            notes=notes.strip(),
            materials_sent=materials_sent.strip(),
        )
        _written(
            user,
            referral,
            "check_in",
            check_in.uuid,
            "Waiting Well check-in: " + ("contact made." if contact_made else "no contact.")
            + (f" Materials sent: {', '.join(item.title for item in sent)}." if sent else ""),
        )  # fmt: skip
        record_sent(user=user, check_in=check_in, child_uuid=referral.child.uuid, items=sent)
        worse = contact_made and RISK_ORDER[RiskRating(rating)] > RISK_ORDER.get(
            RiskRating(referral.risk_rating) if referral.risk_rating else RiskRating.GREEN, 0
        )
        if worse:
            back_to_triage(
                user=user,
                referral=referral,
                rating=rating,
                summary=f"Risk worse at a Waiting Well check-in ({rating}): back to triage.",
            )
    return check_in


# Risk reviews fall due by rating: the alliance's Waiting Well cadences are the default.
def risk_review_due(referral: Referral, rating: str, today: date) -> date:
    cadence = CheckInCadence.objects.filter(alliance=referral.child.alliance, rating=rating).first()
    return today + timedelta(days=cadence.interval_days if cadence else 28)


def record_care_plan(
    *, user: User, referral: Referral, summary: str, goals: list[str], review_due: date
) -> CarePlan:
    organisation = _check(user, referral)
    goals = [goal.strip() for goal in goals if goal.strip()]
    if not summary.strip() or not goals:
        raise ValidationError("Write the plan and at least one goal")
    if review_due <= clock.today():
        raise ValidationError("The review date must be in the future")
    with transaction.atomic():
        plan = CarePlan.objects.create(
            referral=referral,
            organisation=organisation,
            recorded_by=user,
            recorded_at=clock.now(),
            summary=summary.strip(),
            review_due=review_due,
        )
        Goal.objects.bulk_create(Goal(care_plan=plan, text=text) for text in goals)
        _written(
            user,
            referral,
            "care_plan",
            plan.uuid,
            f"Care plan with {len(goals)} goal{'s' if len(goals) != 1 else ''}, "
            f"review by {review_due:%d %B %Y}.",
        )
    return plan


def record_risk_review(
    *, user: User, referral: Referral, rating: str, rationale: str
) -> RiskReview:
    organisation = _check(user, referral, safety=True)
    if rating not in RiskRating.values:
        raise ValidationError("Choose a risk rating: red, amber or green")
    if not rationale.strip():
        raise ValidationError("Write why you gave this rating")
    with transaction.atomic():
        review = RiskReview.objects.create(
            referral=referral,
            organisation=organisation,
            recorded_by=user,
            recorded_at=clock.now(),
            rating=rating,
            rationale=rationale.strip(),
            next_due=risk_review_due(referral, rating, clock.today()),
        )
        change(referral=referral, version=referral.version, risk_rating=rating)
        _written(
            user,
            referral,
            "risk_review",
            review.uuid,
            f"Risk review: {RiskRating(rating).label.lower()}, next by {review.next_due:%d %B %Y}.",
        )
    return review


FEEDBACK_DAYS = 30


def discharge(*, user: User, referral: Referral, reason: str, summary: str) -> Discharge:
    """Discharge with a reason and a closing summary; the journey closes when nothing else is
    open in it; the young person or family is invited to give feedback (a single-use link)."""
    _check(user, referral)
    if reason not in Discharge.Reason.values:
        raise ValidationError("Choose the reason for discharge")
    if not summary.strip():
        raise ValidationError("Write a closing summary")
    now = clock.now()
    with transaction.atomic():
        move(
            user=user,
            referral=referral,
            to=Status.DISCHARGED,
            version=referral.version,
            summary=f"Discharged: {Discharge.Reason(reason).label.lower()}.",
        )
        ended = Discharge.objects.create(
            referral=referral,
            reason=reason,
            summary=summary.strip(),
            discharged_by=user,
            discharged_at=now,
            feedback_token=secrets.token_urlsafe(32),
            feedback_expires_at=now + timedelta(days=FEEDBACK_DAYS),
        )
        journey = referral.journey
        if journey is not None and not journey.referrals.exclude(status__in=ENDS).exists():
            Journey.objects.filter(pk=journey.pk, closed_at__isnull=True).update(closed_at=now)
        from onedoor.care.tasks import invite_feedback

        invite_feedback.enqueue(str(ended.uuid))
        passed(referral, Milestone.DISCHARGED)
        publish(EventKind.REFERRAL_DISCHARGED, referral.allocated_organisation, referral)
    return ended


def give_feedback(*, token: str, helpful: int, comments: str) -> Feedback:
    """Feedback through the single-use link; a used or expired link is refused."""
    if not 1 <= helpful <= 5:
        raise ValidationError("Choose how helpful the support was, from 1 to 5")
    now = clock.now()
    with transaction.atomic():
        claimed = Discharge.objects.filter(
            feedback_token=token, feedback_used_at__isnull=True, feedback_expires_at__gt=now
        ).update(feedback_used_at=now)
        if claimed != 1:
            raise ValidationError("This feedback link has already been used or has expired")
        ended = Discharge.objects.get(feedback_token=token)
        return Feedback.objects.create(
            discharge=ended, helpful=helpful, comments=comments.strip(), submitted_at=now
        )


HANDOVER_DAYS = 2  # working days the receiving side has to acknowledge (reminders escalate)
# Where an acknowledged handover leaves the child. A move between partners is answered
# instead: accepted or declined (`care/handovers.py`).
TRANSITION_ENDS = {
    Transition.Kind.STEP_UP: Status.STEPPED_UP,
    Transition.Kind.ADULT_SERVICES: Status.DISCHARGED,
}


def handover_due(now: datetime) -> datetime:
    """The receiving side has `HANDOVER_DAYS` working days, to the end of the last."""
    return end_of(ENGLAND_AND_WALES.add_working_days(timezone.localdate(now), HANDOVER_DAYS))


STEP_DOWN_STATES = frozenset({Status.ALLOCATED, Status.WAITING})


def record_step_down(
    *,
    user: User,
    referral: Referral,
    sending_organisation: Organisation,
    reason: str,
    handover: str,
) -> Transition:
    """A child stepping down into the alliance from a service outside it (specialist CAMHS,
    say): the Referral and Advice Point records that service's handover for the partner the
    child is allocated to, who acknowledges it. The referral's own path is unchanged; the
    handover stays on the lists, and escalates, until acknowledged."""
    if not user.at_advice_point or not referrals_visible_to(user).filter(pk=referral.pk).exists():
        raise PermissionDenied("The Referral and Advice Point records a step-down.")
    if referral.status not in STEP_DOWN_STATES or referral.allocated_organisation is None:
        raise ValidationError("Allocate the child to a partner first: the handover is for them")
    if sending_organisation.kind != Organisation.Kind.EXTERNAL or (
        sending_organisation.alliance_id != referral.child.alliance_id
    ):
        raise ValidationError("Choose the service the child is stepping down from")
    if not reason.strip() or not handover.strip():
        raise ValidationError("Write the reason and the handover")
    if Transition.objects.filter(referral=referral, acknowledged_at__isnull=True).exists():
        raise ValidationError("A handover for this child is already waiting to be acknowledged")
    now = clock.now()
    with transaction.atomic():
        transition = Transition.objects.create(
            referral=referral,
            kind=Transition.Kind.STEP_DOWN,
            reason=reason.strip(),
            sending_organisation=sending_organisation,
            receiving_organisation=referral.allocated_organisation,
            receiving_offer=referral.allocated_offer,
            handover=handover.strip(),
            due_at=handover_due(now),
            sent_by=user,
            sent_at=now,
        )
        _written(
            user, referral, "transition", transition.uuid,
            f"Step-down from {sending_organisation}: handover for "
            f"{referral.allocated_organisation} to acknowledge.",
        )  # fmt: skip
    return transition


def start_transition(
    *,
    user: User,
    referral: Referral,
    kind: str,
    reason: str,
    receiving_organisation: Organisation,
    receiving_offer: Offer | None,
    handover: str,
) -> Transition:
    """Send a handover. The child stays in transition, and on the care coordinator's list,
    until the receiving side acknowledges it (another partner accepts or declines it:
    `care/handovers.py`)."""
    _check(user, referral, safety=kind == Transition.Kind.STEP_UP)
    if kind not in Transition.Kind.values or kind == Transition.Kind.STEP_DOWN:
        raise ValidationError("Choose the kind of transition")
    if not reason.strip() or not handover.strip():
        raise ValidationError("Write the reason and the handover")
    if kind == Transition.Kind.BETWEEN_PARTNERS and (
        receiving_organisation.kind != Organisation.Kind.PARTNER
        or receiving_organisation.pk == referral.allocated_organisation_id
    ):
        raise ValidationError("Choose another partner to hand the child to")
    if kind == Transition.Kind.BETWEEN_PARTNERS and (
        receiving_offer is None or receiving_offer.organisation_id != receiving_organisation.pk
    ):
        raise ValidationError("Choose the receiving partner's offer")
    if kind == Transition.Kind.BETWEEN_PARTNERS:
        require_sharing(referral.child, receiving_organisation, "handing the child over")
    now = clock.now()
    due = handover_due(now)
    # A move between partners records who sends it, and where a decline returns the child.
    between = kind == Transition.Kind.BETWEEN_PARTNERS
    sender, before = referral.allocated_organisation, referral.status
    with transaction.atomic():
        move(
            user=user,
            referral=referral,
            to=Status.IN_TRANSITION,
            version=referral.version,
            summary=f"Handover sent to {receiving_organisation}: {reason.strip()}",
        )
        transition = Transition.objects.create(
            referral=referral,
            kind=kind,
            reason=reason.strip(),
            receiving_organisation=receiving_organisation,
            receiving_offer=receiving_offer,
            handover=handover.strip(),
            due_at=due,
            sent_by=user,
            sent_at=now,
            sending_organisation=sender if between else None,
            returns_to=before if between else "",
        )
        publish(EventKind.HANDOVER_REQUESTED, receiving_organisation if between else None, referral)
    return transition


def _on_behalf(user: User, transition: Transition) -> bool:
    """A care coordinator records the acknowledgement of a service outside the alliance."""
    return (
        user.role == Role.CARE_COORDINATOR
        and transition.receiving_organisation.kind == Organisation.Kind.EXTERNAL
    )


def may_acknowledge(user: User, transition: Transition) -> bool:
    """The receiving side: a user of the receiving organisation, or the care coordinator on
    behalf of a service outside the alliance. (Another partner answers a move between
    partners: `handovers.may_answer`.)"""
    if transition.kind == Transition.Kind.BETWEEN_PARTNERS:
        return may_answer(user, transition)
    return user.organisation_id == transition.receiving_organisation_id or _on_behalf(
        user, transition
    )


def acknowledge_handover(*, user: User, transition: Transition, note: str) -> Transition:
    """The receiving side acknowledges the handover (see `may_acknowledge`). A move between
    partners is not acknowledged but accepted or declined from the page the receiving
    partner loaded (`handovers.accept_handover`, `decline_handover`), so a stale page is
    refused."""
    if transition.kind == Transition.Kind.BETWEEN_PARTNERS:
        raise ValidationError(
            "A handover from another partner is accepted or declined on its own page"
        )
    if not may_acknowledge(user, transition):
        raise PermissionDenied("Only the receiving side acknowledges a handover.")
    receiving = transition.receiving_organisation
    on_behalf = _on_behalf(user, transition)
    if on_behalf and not note.strip():
        raise ValidationError("Say who at the receiving service acknowledged it, and how")
    referral = transition.referral
    now = clock.now()
    with transaction.atomic():
        claimed = Transition.objects.filter(pk=transition.pk, acknowledged_at__isnull=True).update(
            acknowledged_by=user, acknowledged_at=now, acknowledgement=note.strip()
        )
        if claimed != 1:
            raise ValidationError("This handover has already been acknowledged")
        summary = f"Handover acknowledged by {receiving}."
        to = TRANSITION_ENDS.get(Transition.Kind(transition.kind))
        if to is None:  # a step-down: the child's path carries on as it was
            written(user, referral, summary, record_type="transition",
                    record_id=transition.uuid, action=Action.CHANGE)  # fmt: skip
        else:
            move(user=user, referral=referral, to=to, version=referral.version, summary=summary)
    transition.refresh_from_db()
    return transition


def record_safety_plan(
    *,
    user: User,
    referral: Referral,
    warning_signs: str,
    coping_strategies: str,
    people_and_places: str,
    keeping_safe: str,
) -> SafetyPlan:
    """A safety plan, made with the young person: the newest one is the current one."""
    organisation = _check(user, referral, safety=True)
    if not warning_signs.strip() or not coping_strategies.strip():
        raise ValidationError("Write the warning signs and what helps")
    with transaction.atomic():
        plan = SafetyPlan.objects.create(
            referral=referral,
            organisation=organisation,
            recorded_by=user,
            recorded_at=clock.now(),
            warning_signs=warning_signs.strip(),
            coping_strategies=coping_strategies.strip(),
            people_and_places=people_and_places.strip(),
            keeping_safe=keeping_safe.strip(),
        )
        _written(user, referral, "safety_plan", plan.uuid, "Safety plan recorded.")
    return plan
