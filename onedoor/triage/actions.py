"""Triage journeys: screening risk, deciding, the clinical lead's sign-off, allocation and
the partner's answer. Each is one transaction that moves the referral through the state
machine (`referrals/states.py`, which refuses stale copies), writes the timeline and the
audit, and queues any notification in the same database."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from onedoor import clock
from onedoor.accounts.models import User
from onedoor.accounts.roles import PARTNER_ANSWERS, TRIAGE_TEAM, Role
from onedoor.alliance.clocks import triage_deadline
from onedoor.alliance.models import DirectoryService, IThriveGrouping, Offer, Organisation
from onedoor.audit.trail import Action, record
from onedoor.care import practitioners
from onedoor.care.young_adults import require_named_coordinator
from onedoor.children.models import TimelineEvent
from onedoor.children.sharing import require_sharing
from onedoor.clock.calendar import ENGLAND_AND_WALES, Pause, days_lost
from onedoor.referrals.bands import EVERYTHING_ELSE, queue_band
from onedoor.referrals.milestones import Milestone, passed
from onedoor.referrals.models import RISK_INDICATORS, Referral, RiskRating, Status
from onedoor.referrals.places import OneWaitingPlace, place_held, require_one_waiting_place
from onedoor.referrals.states import Conflict, change, move
from onedoor.referrals.timeline import on_timeline
from onedoor.safeguarding.actions import open_from_triage
from onedoor.triage.consent_reviews import require_settled_consent
from onedoor.triage.models import Outcome, RiskScreening, TriageDecision
from onedoor.triage.offers import capacity_words, in_work, over_capacity
from onedoor.webhooks.events import publish
from onedoor.webhooks.models import Kind as EventKind

CLINICIANS = frozenset({Role.CLINICAL_LEAD})
SCREENABLE = frozenset({Status.AWAITING_TRIAGE, Status.MORE_INFORMATION})

# What each outcome does to the referral once it takes effect.
OUTCOME_STATUS = {
    Outcome.ADVICE: Status.SIGNPOSTED,
    Outcome.ALLOCATE: Status.ALLOCATED,
    Outcome.STEP_UP: Status.STEPPED_UP,
    Outcome.SAFEGUARDING: Status.SAFEGUARDING_REFERRAL,
    Outcome.MORE_INFORMATION: Status.MORE_INFORMATION,
    Outcome.NOT_ACCEPTED: Status.NOT_ACCEPTED,
}

# The outcomes that are the "triaged" milestone the family and the referrer are told of
# (`referrals/milestones.py`). Not a safeguarding referral (children's social care decides
# what the family hears), not a request for more information (nothing is decided yet), and
# not "not accepted" (which has its own letter, with the reason).
TRIAGED = frozenset({Outcome.ALLOCATE, Outcome.STEP_UP, Outcome.ADVICE})


def _require(user: User, roles: frozenset[Role], what: str) -> None:
    if user.role not in roles:
        raise PermissionDenied(f"Your role cannot {what}.")


def _event(referral: Referral, user: User, kind: str, summary: str) -> None:
    on_timeline(referral, summary, actor=user, kind=kind)


def _audit(user: User, referral: Referral, detail: dict[str, object]) -> None:
    record(
        Action.CHANGE,
        actor=user,
        record_type="referral",
        record_id=referral.uuid,
        child_uuid=referral.child.uuid,
        detail=detail,
    )


def require_current(referral: Referral, version: int) -> None:
    """Refuse, first of all, a change made on a page loaded before someone else changed the
    referral (`Conflict`, which says what changed), rather than whatever the change now
    finds wrong with its state: so a stale page always explains itself. Nothing is written.
    (`states.change` checks again as it writes, for a change that races this one.)"""
    current = Referral.objects.filter(pk=referral.pk).values_list("version", flat=True).first()
    if current != version:
        referral.refresh_from_db()
        raise Conflict(referral)


def _tell_about_red(referral: Referral) -> None:
    """A red rating no clinician has reviewed: the clinical leads are told at once (it is
    on their tasks from the records, and escalates when overdue)."""
    from onedoor.referrals.tasks import notify_red_referral

    notify_red_referral.enqueue(str(referral.uuid))


def screen_risk(
    *,
    user: User,
    referral: Referral,
    version: int,
    rating: str,
    indicators: set[str],
    other_indicators: str = "",
    rationale: str,
) -> RiskScreening:
    """Record a RAG rating with its indicators and rationale. It takes an urgent disclosure
    off the very top of the queue (its task and escalation end). Red goes to the top of the
    queue until a clinician has reviewed it (a clinician screening it has), its clock
    becomes the same working day, and the clinical leads are told."""
    _require(user, TRIAGE_TEAM, "screen risk")
    require_current(referral, version)
    if referral.status not in SCREENABLE:
        raise ValidationError("Only a referral awaiting triage can be screened")
    if rating not in RiskRating.values:
        raise ValidationError("Choose a risk rating: red, amber or green")
    if not rationale.strip():
        raise ValidationError("Write why you gave this rating")
    unknown = indicators - set(RISK_INDICATORS)
    if unknown:
        raise ValidationError(f"Unknown risk indicators: {', '.join(sorted(unknown))}")
    now = clock.now()
    reviewed = rating == RiskRating.RED and user.role in CLINICIANS
    with transaction.atomic():
        change(
            referral=referral,
            version=version,
            risk_rating=rating,
            queue_band=queue_band(risk_rating=rating, red_reviewed=reviewed),
            red_reviewed_at=now if reviewed else None,
            triage_due_at=triage_deadline(
                referral.child.alliance,
                received_at=referral.triage_clock_from,  # receipt, or an overrule
                risk_rating=rating,
                priority_group=referral.child.priority_groups.filter(
                    shortens_triage_clock=True
                ).exists(),
            ),
            **{field: field in indicators for field in RISK_INDICATORS},
        )
        screening = RiskScreening.objects.create(
            referral=referral,
            rating=rating,
            indicators=sorted(indicators),
            other_indicators=other_indicators.strip(),
            rationale=rationale.strip(),
            screened_by=user,
            screened_at=now,
        )
        _event(
            referral,
            user,
            TimelineEvent.Kind.STATUS_CHANGED,
            # The rationale stays on the screening (triage page): the timeline is seen by
            # everyone who may see the child, so it carries no clinical detail.
            f"Risk screened {RiskRating(rating).label.lower()}.",
        )
        _audit(user, referral, {"risk_rating": rating})
        if rating == RiskRating.RED and not reviewed:
            _tell_about_red(referral)
    return screening


def review_red(*, user: User, referral: Referral, version: int, note: str) -> Referral:
    """A clinician has reviewed a red referral: it leaves the top band of the queue."""
    _require(user, CLINICIANS, "review red referrals")
    require_current(referral, version)
    if referral.risk_rating != RiskRating.RED or referral.red_reviewed_at is not None:
        raise ValidationError("This referral has no red rating waiting for review")
    if not note.strip():
        raise ValidationError("Write what you found on review")
    with transaction.atomic():
        change(
            referral=referral,
            version=version,
            red_reviewed_at=clock.now(),
            queue_band=EVERYTHING_ELSE,
        )
        _event(
            referral,
            user,
            TimelineEvent.Kind.STATUS_CHANGED,
            f"Red rating reviewed by a clinician: {note.strip()}",
        )
        _audit(user, referral, {"red_reviewed": True})
    return referral


def _validate_decision(
    referral: Referral,
    *,
    grouping: str,
    outcome: str,
    offer: Offer | None,
    receiving_service: Organisation | None,
    reason: str,
    materials_sent: str,
    information_requested: str,
    information_due: date | None,
) -> None:
    if referral.status == Status.JOINED:
        raise ValidationError(
            "This referral joined the child's open referral: it is never decided on its own"
        )
    if referral.status != Status.AWAITING_TRIAGE:
        raise ValidationError("Only a referral awaiting triage can be decided")
    if not referral.risk_rating:
        raise ValidationError("Screen the risk before deciding")
    if grouping not in IThriveGrouping.values:
        raise ValidationError("Choose an i-THRIVE grouping")
    if outcome not in Outcome.values:
        raise ValidationError("Choose an outcome")
    if outcome == Outcome.ALLOCATE:
        if offer is None:
            raise ValidationError("Choose the offer to allocate to")
        if not referral.consent_to_share:
            raise ValidationError(
                "There is no consent to share with alliance partners: record it before allocating"
            )
        require_sharing(referral.child, offer.organisation, "allocating the child")
        require_settled_consent(referral)
        require_named_coordinator(referral)
        held = place_held(referral.child_id, besides=referral)
        if held is not None:  # checked again, with the child locked, as it takes effect
            raise OneWaitingPlace(held)
        working = in_work(offer)
        if over_capacity(working, offer.capacity) and not reason.strip():
            raise ValidationError(
                f"{offer.name} is {capacity_words(working, offer.capacity).lower()}: "
                "say why you are allocating to it, or choose another offer"
            )
    if outcome == Outcome.ADVICE and not materials_sent.strip():
        raise ValidationError("Record the advice and what was sent")
    if outcome == Outcome.STEP_UP and (receiving_service is None or not reason.strip()):
        raise ValidationError("Choose the receiving service and write the handover")
    if outcome == Outcome.MORE_INFORMATION and (
        not information_requested.strip() or information_due is None
    ):
        raise ValidationError("Say what information is needed and by when")
    if outcome in {Outcome.NOT_ACCEPTED, Outcome.SAFEGUARDING} and not reason.strip():
        raise ValidationError("Write the reason (the referrer is told it when not accepted)")


def record_decision(
    *,
    user: User,
    referral: Referral,
    version: int,
    grouping: str,
    outcome: str,
    offer: Offer | None = None,
    receiving_service: Organisation | None = None,
    reason: str = "",
    materials_sent: str = "",
    information_requested: str = "",
    information_due: date | None = None,
    complex: bool = False,
    signposted: Sequence[DirectoryService] = (),
) -> TriageDecision:
    """The triage decision. Red or complex decisions wait for the clinical lead; others take
    effect at once. Advice and signposting may name the wider services the family was
    pointed to: each must fit the child's age today."""
    _require(user, TRIAGE_TEAM, "make triage decisions")
    require_current(referral, version)
    _validate_decision(
        referral,
        grouping=grouping,
        outcome=outcome,
        offer=offer,
        receiving_service=receiving_service,
        reason=reason,
        materials_sent=materials_sent,
        information_requested=information_requested,
        information_due=information_due,
    )
    signposted = list(signposted) if outcome == Outcome.ADVICE else []
    _check_fits_age(referral, signposted)
    needs_sign_off = (referral.risk_rating == RiskRating.RED or complex) and (
        user.role not in CLINICIANS
    )
    with transaction.atomic():
        decision = TriageDecision.objects.create(
            referral=referral,
            grouping=grouping,
            outcome=outcome,
            offer=offer,
            receiving_service=receiving_service,
            reason=reason.strip(),
            materials_sent=materials_sent.strip(),
            information_requested=information_requested.strip(),
            information_due=information_due,
            complex=complex,
            decided_by=user,
            decided_at=clock.now(),
            sign_off=TriageDecision.SignOff.WAITING
            if needs_sign_off
            else TriageDecision.SignOff.NOT_NEEDED,
        )
        decision.signposted_to.set(signposted)
        if needs_sign_off:
            move(
                user=user,
                referral=referral,
                to=Status.AWAITING_SIGN_OFF,
                version=version,
                summary=f"Decision waiting for sign-off: {decision.get_outcome_display()}.",
            )
        else:
            _apply(user, referral, decision, version)
    return decision


def _check_fits_age(referral: Referral, services: list[DirectoryService]) -> None:
    age = referral.child.age_on(clock.today())
    fits = set(DirectoryService.objects.fitting_age(age).values_list("pk", flat=True))
    for service in services:
        if service.pk not in fits or service.alliance_id != referral.child.alliance_id:
            raise ValidationError(f"{service.name} is not for someone aged {age}")


def _apply(
    user: User,
    referral: Referral,
    decision: TriageDecision,
    version: int,
    changes: dict[str, object] | None = None,
) -> None:
    """The decision takes effect: the referral moves on, with `changes` in the same write."""
    now = clock.now()
    changes = dict(changes or {})
    if decision.outcome == Outcome.MORE_INFORMATION:
        changes["clock_paused_at"] = now  # THE pause rule (clock/calendar.py)
    if decision.outcome == Outcome.ALLOCATE and decision.offer is not None:
        # Consent to share may have been withdrawn since the decision (its sign-off).
        require_sharing(referral.child, decision.offer.organisation, "allocating the child")
        require_one_waiting_place(referral)
        changes.update(
            allocated_offer=decision.offer,
            allocated_organisation=decision.offer.organisation,
            allocated_at=now,
            named_practitioner=None,  # named when the partner accepts
        )
        publish(EventKind.REFERRAL_ALLOCATED, decision.offer.organisation, referral)
    move(
        user=user,
        referral=referral,
        to=OUTCOME_STATUS[Outcome(decision.outcome)],
        version=version,
        summary=f"Triage decision: {decision.get_outcome_display()}"
        f" ({decision.get_grouping_display()}).",
        changes=changes,
    )
    if decision.outcome == Outcome.ADVICE:
        referral.signposted_to.set(decision.signposted_to.all())
    if decision.outcome in TRIAGED:
        passed(referral, Milestone.TRIAGED)
    if decision.outcome == Outcome.SAFEGUARDING:
        open_from_triage(user=user, referral=referral, reason=decision.reason)
    if decision.outcome == Outcome.NOT_ACCEPTED:
        from onedoor.triage.tasks import tell_referrer_not_accepted

        tell_referrer_not_accepted.enqueue(str(decision.uuid))


def sign_off(
    *, user: User, decision: TriageDecision, version: int, approve: bool, note: str = ""
) -> TriageDecision:
    """The clinical lead signs a waiting decision off (it takes effect) or returns it."""
    _require(user, CLINICIANS, "sign off triage decisions")
    require_current(decision.referral, version)
    if not approve and not note.strip():
        raise ValidationError("Say why the decision goes back to triage")
    with transaction.atomic():
        claimed = TriageDecision.objects.filter(
            pk=decision.pk, sign_off=TriageDecision.SignOff.WAITING
        ).update(
            sign_off=TriageDecision.SignOff.APPROVED
            if approve
            else TriageDecision.SignOff.RETURNED,
            signed_off_by=user,
            signed_off_at=clock.now(),
            sign_off_note=note.strip(),
        )
        if claimed != 1:
            raise ValidationError("This decision has already been signed off or returned")
        decision.refresh_from_db()
        referral = decision.referral
        if approve:
            if decision.outcome == Outcome.ALLOCATE and not referral.consent_to_share:
                raise ValidationError("There is no consent to share: it cannot be allocated")
            if decision.outcome == Outcome.ALLOCATE:
                require_settled_consent(referral)
                require_named_coordinator(referral)
            # Signing off a red referral's decision is a clinician's review of it.
            reviewed: dict[str, object] = (
                {"red_reviewed_at": clock.now(), "queue_band": EVERYTHING_ELSE}
                if referral.risk_rating == RiskRating.RED and referral.red_reviewed_at is None
                else {}
            )
            _apply(user, referral, decision, version, reviewed)
        else:
            move(
                user=user,
                referral=referral,
                to=Status.AWAITING_TRIAGE,
                version=version,
                summary="Decision returned to triage by the clinical lead.",
            )
    return decision


def _partner_of(user: User, referral: Referral) -> None:
    if user.role not in PARTNER_ANSWERS or (
        referral.allocated_organisation_id != user.organisation_id
    ):
        raise PermissionDenied("Only the partner the child is allocated to can answer.")


def accept_allocation(
    *, user: User, referral: Referral, version: int, practitioner: User | None = None
) -> Referral:
    """The partner takes the child: they join the offer's waiting list (Waiting Well), held
    by its named practitioner: `practitioner`, or whoever accepts (`care/practitioners.py`)."""
    _partner_of(user, referral)
    require_named_coordinator(referral)
    assert referral.allocated_organisation is not None  # _partner_of
    require_sharing(referral.child, referral.allocated_organisation, "accepting the child")
    named = practitioners.choose(
        user=user, organisation=referral.allocated_organisation, practitioner=practitioner
    )
    previous = referral.named_practitioner
    with transaction.atomic():
        move(
            user=user,
            referral=referral,
            to=Status.WAITING,
            version=version,
            summary=f"Accepted by {user.organisation}.",
            changes={"accepted_at": clock.now(), "named_practitioner": named},
        )
        practitioners.record_naming(user, referral, named, previous)
        passed(referral, Milestone.ALLOCATED)
    return referral


def decline_allocation(*, user: User, referral: Referral, version: int, reason: str) -> Referral:
    """The partner declines: back to triage with its clock as it was, and the reason."""
    _partner_of(user, referral)
    if not reason.strip():
        raise ValidationError("Say why you are declining, for the triage team")
    organisation = referral.allocated_organisation
    return move(
        user=user,
        referral=referral,
        to=Status.AWAITING_TRIAGE,
        version=version,
        summary=f"Declined by {organisation}: {reason.strip()}",
        changes={
            "allocated_offer": None,
            "allocated_organisation": None,
            "allocated_at": None,
            "named_practitioner": None,
            "last_declined_by": organisation,
        },
    )


def information_received(*, user: User, referral: Referral, version: int, note: str) -> Referral:
    """The information asked for has arrived: back to triage, the clock restarted and its
    deadline pushed back by the working days it was paused."""
    _require(user, TRIAGE_TEAM, "record information received")
    require_current(referral, version)
    if referral.status != Status.MORE_INFORMATION or referral.clock_paused_at is None:
        raise ValidationError("This referral is not waiting for information")
    if not note.strip():
        raise ValidationError("Say what information arrived")
    now = clock.now()
    assert referral.triage_due_at is not None
    lost = days_lost(
        [Pause(started=referral.clock_paused_at, ended=now)],
        referral.received_at,
        ENGLAND_AND_WALES,
    )
    due = timezone.localtime(referral.triage_due_at)
    return move(
        user=user,
        referral=referral,
        to=Status.AWAITING_TRIAGE,
        version=version,
        summary=f"Information received: {note.strip()}",
        changes={
            "clock_paused_at": None,
            "triage_due_at": datetime.combine(
                ENGLAND_AND_WALES.add_working_days(due.date(), lost), due.timetz()
            ),
        },
    )
