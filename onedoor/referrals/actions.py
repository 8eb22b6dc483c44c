"""Journeys through the Referral and Advice Point: each a transaction with its timeline
event, its audit record and its follow-up work (the acknowledgement is a task in the same
database, so it commits or rolls back with the referral)."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from onedoor import clock
from onedoor.accounts.models import User
from onedoor.accounts.roles import ADVICE_POINT, TRIAGE_TEAM
from onedoor.alliance.clocks import triage_deadline
from onedoor.alliance.models import Alliance, DirectoryService, GpPractice, Need, PriorityGroup
from onedoor.audit.trail import Action, record
from onedoor.children import nhs_number
from onedoor.children.models import CarerContact, Child, Journey, TimelineEvent
from onedoor.rate_limits import attempt_allowed
from onedoor.referrals import joins
from onedoor.referrals.answers import ReferralAnswers
from onedoor.referrals.bands import queue_band
from onedoor.referrals.candidates import Candidate, find_candidates, person_of
from onedoor.referrals.eligibility import EligibilityRules, assess
from onedoor.referrals.matching import Match, Person, compare
from onedoor.referrals.models import (
    RISK_INDICATORS,
    URGENT_INDICATORS,
    AdviceContact,
    Channel,
    ConsentGivenBy,
    MatchCandidate,
    MatchStatus,
    Referral,
    Route,
    Status,
    SubmissionAttempt,
)
from onedoor.referrals.reference import new_reference

PUBLIC_SUBMISSIONS_PER_HOUR = 10
Kind = TimelineEvent.Kind


class RateLimited(Exception):
    """Too many referrals sent from one address in the last hour."""


def entering_triage(referral: Referral, *, at: datetime) -> dict[str, object]:
    """The fields a referral the eligibility rules turned away takes on as it comes into
    triage at `at` (an overrule, or a corrected GP practice): eligible, the child's open
    journey (opened if there is none; call inside the move's transaction), its triage clock
    from `at`, since triage could not start before, and its queue band."""
    child = referral.child
    journey = Journey.objects.filter(child=child, closed_at__isnull=True).first()
    return {
        "eligible": True,
        "journey": journey or Journey.objects.create(child=child, opened_at=at),
        "triage_due_at": triage_deadline(
            child.alliance,
            received_at=at,
            risk_rating=referral.risk_rating,
            priority_group=child.priority_groups.filter(shortens_triage_clock=True).exists(),
            disclosed_risk=referral.discloses_risk_to_life,
        ),
        "queue_band": queue_band(
            risk_rating=referral.risk_rating,
            red_reviewed=referral.red_reviewed_at is not None,
            discloses_risk_to_life=referral.discloses_risk_to_life,
        ),
    }


def eligibility_rules(alliance: Alliance) -> EligibilityRules:
    return EligibilityRules(
        min_age=alliance.min_age,
        max_age=alliance.max_age,
        extended_max_age=alliance.extended_max_age,
        area_districts=frozenset(alliance.postcodes.values_list("district", flat=True)),
        gp_practices=frozenset(alliance.gp_practices.offered().values_list("ods_code", flat=True)),
        area_name=alliance.area_name,
    )


def listed_practice(alliance: Alliance, ods_code: str) -> GpPractice | None:
    """The practice on the alliance's list with this code, if it is still offered."""
    if not ods_code:
        return None
    return GpPractice.objects.offered().filter(alliance=alliance, ods_code=ods_code).first()


def _check_rate(address: str, now: datetime) -> None:
    """Count this attempt from `address`, or refuse it (`RateLimited`): inside the
    submission's transaction, so the attempt commits with its referral, in one write."""
    if not attempt_allowed(SubmissionAttempt, address, now, PUBLIC_SUBMISSIONS_PER_HOUR):
        raise RateLimited(address)


def _new_child(alliance: Alliance, answers: ReferralAnswers) -> Child:
    child = Child(
        alliance=alliance,
        given_name=answers.given_name,
        family_name=answers.family_name,
        date_of_birth=answers.date_of_birth,
        gender=answers.gender,
        ethnicity=answers.ethnicity or "Z",
        address_line_1=answers.address_line_1,
        address_line_2=answers.address_line_2,
        town=answers.town,
        postcode=answers.postcode,
        nhs_number=answers.nhs_number,
        school=answers.school,
        gp_practice=answers.gp_practice,
        phone=answers.young_person_phone,
        email=answers.young_person_email,
    )
    child.set_match_names()
    child.save()
    return child


def _known_by_nhs_number(alliance: Alliance, number: str) -> Child | None:
    if not number or not nhs_number.is_valid(number):
        return None
    return Child.objects.filter(alliance=alliance, nhs_number=nhs_number.normalise(number)).first()


def _the_same_child(same_number: Child | None, date_of_birth: date) -> Child | None:
    """The NHS number decides only with the same date of birth: a brother's or sister's
    number, or one mistyped into another valid number, is never a join on its own (for a
    referral it is a candidate for the triage lead to confirm or rule out)."""
    if same_number is None or same_number.date_of_birth != date_of_birth:
        return None
    return same_number


def _same_number_candidate(answers: ReferralAnswers, child: Child) -> Candidate:
    """The child already known by this NHS number, with a different date of birth."""
    found = compare(_person(answers), person_of(child))
    reasons = found.reasons if found is not None else ("Same NHS number",)
    warning = "A different date of birth: check before confirming"
    return Candidate(child, Match(score=100, reasons=(*reasons, warning)))


def _open_journey(child: Child, at: datetime) -> Journey:
    journey = Journey.objects.filter(child=child, closed_at__isnull=True).first()
    return journey or Journey.objects.create(child=child, opened_at=at)


def _unique_reference() -> str:
    while True:
        reference = new_reference()
        if not Referral.objects.filter(reference=reference).exists():
            return reference


def submit_referral(
    *,
    answers: ReferralAnswers,
    submission_key: UUID,
    address: str | None = None,
    alliance: Alliance | None = None,
    received_at: datetime | None = None,
    referred_by: User | None = None,
    taken_by: User | None = None,
) -> Referral:
    """Receive one referral, exactly once per `submission_key`.

    Matches the child against those already known (the same NHS number and date of birth
    attach it to the child's open journey; possible matches wait for the triage lead),
    computes eligibility (an ineligible referral is kept and signposted), writes the
    timeline and the audit, and queues the acknowledgement, all in one transaction: one
    write per submission, the public form's rate-limit attempt included (ADR 0031).
    """
    existing = Referral.objects.filter(submission_key=submission_key).first()
    if existing is not None:
        return existing
    alliance = alliance or Alliance.objects.get(slug=settings.ALLIANCE_SLUG)
    now = received_at or clock.now()
    try:
        with transaction.atomic():
            if address and taken_by is None:
                _check_rate(address, now)
            return _receive(answers, submission_key, alliance, now, referred_by, taken_by)
    except IntegrityError:
        # The same form sent twice at once: the other request's referral won.
        existing = Referral.objects.filter(submission_key=submission_key).first()
        if existing is None:
            raise
        return existing


def _receive(
    answers: ReferralAnswers,
    submission_key: UUID,
    alliance: Alliance,
    now: datetime,
    referred_by: User | None,
    taken_by: User | None,
) -> Referral:
    groups = list(PriorityGroup.objects.filter(alliance=alliance, slug__in=answers.priority_groups))
    urgent = bool(URGENT_INDICATORS & set(answers.risk_indicators))
    eligibility = assess(
        date_of_birth=answers.date_of_birth,
        referral_date=timezone.localdate(now),
        extends_age=any(group.extends_eligibility for group in groups),
        postcode=answers.postcode,
        gp_ods_code=answers.gp_ods_code,
        gp_not_listed="" if answers.gp_ods_code else answers.gp_practice,
        rules=eligibility_rules(alliance),
    )
    practice = listed_practice(alliance, answers.gp_ods_code)
    same_number = _known_by_nhs_number(alliance, answers.nhs_number)
    known = _the_same_child(same_number, answers.date_of_birth)
    child = known or _new_child(alliance, answers)
    child.priority_groups.add(*groups)
    for carer in answers.carers:
        CarerContact.objects.create(
            child=child,
            name=carer.name,
            relationship=carer.relationship,
            phone=carer.phone,
            email=carer.email,
            parental_responsibility=carer.parental_responsibility,
        )
    referral = Referral.objects.create(
        reference=_unique_reference(),
        child=child,
        journey=_open_journey(child, now) if eligibility.eligible else None,
        received_at=now,
        source=answers.source,
        route=answers.route,
        channel=Channel.PHONE if taken_by else Channel.ONLINE,
        taken_by=taken_by,
        referred_by=referred_by,
        submission_key=submission_key,
        status=Status.AWAITING_TRIAGE if eligibility.eligible else Status.SIGNPOSTED,
        **_referrer(answers),
        reasons=answers.reasons,
        what_tried=answers.what_tried,
        risk_details=answers.risk_details,
        language=answers.language,
        interpreter_needed=answers.interpreter_needed,
        accessibility_needs=answers.accessibility_needs,
        consent_to_refer=answers.consent_to_refer,
        consent_given_by=answers.consent_given_by,
        judged_competent=answers.judged_competent,
        competence=answers.competence,
        consent_parental_responsibility=answers.consent_parental_responsibility,
        consent_to_share=answers.consent_to_share,
        family_may_be_contacted=answers.family_may_be_contacted,
        eligible=eligibility.eligible,
        ineligibility_reason=" ".join(eligibility.reasons),
        gp_practice=practice,
        gp_practice_not_listed="" if practice else answers.gp_practice,
        signposted_at=None if eligibility.eligible else now,
        match_status=MatchStatus.EXACT if known else MatchStatus.NEW,
        triage_due_at=triage_deadline(
            alliance,
            received_at=now,
            risk_rating="",
            priority_group=any(group.shortens_triage_clock for group in groups),
            disclosed_risk=urgent,
        )
        if eligibility.eligible
        else None,
        queue_band=queue_band(risk_rating="", red_reviewed=False, discloses_risk_to_life=urgent),
        **{field: field in answers.risk_indicators for field in RISK_INDICATORS},
    )
    referral.needs.set(Need.objects.filter(alliance=alliance, slug__in=answers.needs))
    if not eligibility.eligible:
        referral.signposted_to.set(signposting_for(alliance, child.age_on(timezone.localdate(now))))
    if known is None:
        candidates = find_candidates(alliance, _person(answers), exclude=child)
        if same_number is not None:  # first, and with the warning, however it was found
            candidates = [
                _same_number_candidate(answers, same_number),
                *(c for c in candidates if c.child.pk != same_number.pk),
            ]
        MatchCandidate.objects.bulk_create(
            MatchCandidate(
                referral=referral,
                child=candidate.child,
                score=candidate.match.score,
                reasons=list(candidate.match.reasons),
            )
            for candidate in candidates
        )
        if candidates:
            referral.match_status = MatchStatus.POSSIBLE
            referral.save(update_fields=["match_status"])
    TimelineEvent.objects.create(
        child=child,
        at=now,
        kind=Kind.REFERRAL_BY_PHONE if taken_by else Kind.REFERRAL_RECEIVED,
        summary=f"Referral {referral.reference_display}: {referral.get_route_display().lower()}.",
        actor=taken_by,
        referral=referral,
    )
    if not eligibility.eligible:
        TimelineEvent.objects.create(
            child=child,
            at=now,
            kind=Kind.SIGNPOSTED,
            summary=referral.ineligibility_reason,
            referral=referral,
        )
    record(
        Action.CREATE,
        actor=taken_by or referred_by,
        record_type="referral",
        record_id=referral.uuid,
        child_uuid=child.uuid,
        detail={
            "channel": referral.channel,
            "eligible": eligibility.eligible,
            "match": referral.match_status,
        },
    )
    from onedoor.referrals.tasks import notify_urgent_disclosure, send_referral_acknowledgement

    send_referral_acknowledgement.enqueue(str(referral.uuid))
    if referral.awaits_urgent_screening and referral.status == Status.AWAITING_TRIAGE:
        # The triage team and the clinical leads are told at once, by reference only.
        notify_urgent_disclosure.enqueue(str(referral.uuid))
    return referral


def _referrer(answers: ReferralAnswers) -> dict[str, str]:
    """Who to reply to: on the self route, the young person."""
    if answers.route == Route.SELF:
        return {
            "referrer_name": f"{answers.given_name} {answers.family_name}",
            "referrer_relationship": "Self",
            "referrer_email": answers.young_person_email,
            "referrer_phone": answers.young_person_phone,
        }
    return {
        "referrer_name": answers.referrer_name,
        "referrer_relationship": answers.referrer_relationship,
        "referrer_role": answers.referrer_role,
        "referrer_organisation": answers.referrer_organisation,
        "referrer_email": answers.referrer_email,
        "referrer_phone": answers.referrer_phone,
    }


def _person(answers: ReferralAnswers) -> Person:
    return Person(
        given_name=answers.given_name,
        family_name=answers.family_name,
        date_of_birth=answers.date_of_birth,
        postcode=answers.postcode,
        nhs_number=answers.nhs_number,
    )


def signposting_for(alliance: Alliance, age: int) -> list[DirectoryService]:
    """Wider services that fit a child's age (for a child under 5, the services for under-5s
    and their parents): where an ineligible referral is sent."""
    return list(DirectoryService.objects.fitting_age(age).filter(alliance=alliance))


def _require_triage_lead(user: User) -> None:
    if user.role not in TRIAGE_TEAM:
        raise PermissionDenied("Only the triage team confirms or rules out matches.")


def confirm_match(*, user: User, candidate: MatchCandidate) -> Referral:
    """The referral is about a child already known: attach it to that child's open journey
    (no second place on any list) and retire the record opened for it (kept, so that the
    match can be undone: `joins.undo_match`). When the child has another open referral, the
    later of the two in triage joins the other (`joins.pair_for`, `joins.join`)."""
    _require_triage_lead(user)
    now = clock.now()
    with transaction.atomic():
        referral = Referral.objects.select_for_update().get(pk=candidate.referral_id)
        claimed = MatchCandidate.objects.filter(
            pk=candidate.pk, decision=MatchCandidate.Decision.PENDING
        ).update(decision=MatchCandidate.Decision.CONFIRMED, decided_by=user, decided_at=now)
        if claimed != 1 or referral.match_status != MatchStatus.POSSIBLE:
            raise ValidationError("This match has already been decided")
        provisional = referral.child
        known = candidate.child
        pair = joins.pair_for(referral, known)
        joins.retire(user=user, referral=referral, provisional=provisional, known=known, at=now)
        provisional_journey = referral.journey
        referral.child = known
        referral.journey = _open_journey(known, now) if referral.eligible else None
        referral.match_status = MatchStatus.CONFIRMED
        referral.save(update_fields=["child", "journey", "match_status"])
        MatchCandidate.objects.filter(referral=referral, decision="pending").update(
            decision=MatchCandidate.Decision.REJECTED, decided_by=user, decided_at=now
        )
        known.priority_groups.add(*provisional.priority_groups.all())
        CarerContact.objects.filter(child=provisional).update(child=known)
        TimelineEvent.objects.filter(child=provisional).update(child=known)
        if provisional_journey is not None and not provisional_journey.referrals.exists():
            provisional_journey.delete()
        retired = provisional.uuid
        if not provisional.referrals.exists() and not provisional.advice.exists():
            provisional.priority_groups.clear()
            provisional.delete()
        TimelineEvent.objects.create(
            child=known,
            at=now,
            kind=Kind.MATCH_CONFIRMED,
            actor=user,
            referral=referral,
            summary=f"Referral {referral.reference_display} is about this child.",
        )
        record(
            Action.CHANGE,
            actor=user,
            record_type="referral",
            record_id=referral.uuid,
            child_uuid=known.uuid,
            detail={"match": "confirmed", "retired_child": str(retired)},
        )
        if pair is not None:
            joins.join(user=user, joining=pair[0], into=pair[1])
    referral.refresh_from_db()
    return referral


def reject_match(*, user: User, candidate: MatchCandidate) -> Referral:
    _require_triage_lead(user)
    now = clock.now()
    with transaction.atomic():
        referral = Referral.objects.select_for_update().get(pk=candidate.referral_id)
        claimed = MatchCandidate.objects.filter(
            pk=candidate.pk, decision=MatchCandidate.Decision.PENDING
        ).update(decision=MatchCandidate.Decision.REJECTED, decided_by=user, decided_at=now)
        if claimed != 1:
            raise ValidationError("This match has already been decided")
        if not referral.candidates.filter(decision=MatchCandidate.Decision.PENDING).exists():
            referral.match_status = MatchStatus.REJECTED
            referral.save(update_fields=["match_status"])
        TimelineEvent.objects.create(
            child=referral.child,
            at=now,
            kind=Kind.MATCH_REJECTED,
            actor=user,
            referral=referral,
            summary="A possible match with another child was ruled out.",
        )
        record(
            Action.CHANGE,
            actor=user,
            record_type="referral",
            record_id=referral.uuid,
            child_uuid=referral.child.uuid,
            detail={"match": "rejected", "candidate": str(candidate.child.uuid)},
        )
    return referral


def record_advice_contact(
    *,
    user: User,
    alliance: Alliance,
    given_name: str,
    family_name: str,
    date_of_birth: date,
    postcode: str,
    nhs_number_value: str,
    caller_name: str,
    caller_relationship: str,
    advice_given: str,
    signposted: list[DirectoryService],
) -> AdviceContact:
    """Advice given with no referral, on the child's timeline (found by NHS number or exact
    name, date of birth and postcode; otherwise a new record)."""
    if user.role not in ADVICE_POINT:
        raise PermissionDenied("Only the Referral and Advice Point records advice.")
    now = clock.now()
    with transaction.atomic():
        child = _the_same_child(_known_by_nhs_number(alliance, nhs_number_value), date_of_birth)
        if child is None:
            probe = Child(given_name=given_name, family_name=family_name)
            probe.set_match_names()
            child = Child.objects.filter(
                alliance=alliance,
                date_of_birth=date_of_birth,
                postcode=postcode,
                match_given_name=probe.match_given_name,
                match_family_name=probe.match_family_name,
            ).first()
        if child is None:
            child = Child(
                alliance=alliance,
                given_name=given_name,
                family_name=family_name,
                date_of_birth=date_of_birth,
                postcode=postcode,
                nhs_number=nhs_number.normalise(nhs_number_value),
            )
            child.set_match_names()
            child.save()
        contact = AdviceContact.objects.create(
            child=child,
            at=now,
            caller_name=caller_name,
            caller_relationship=caller_relationship,
            advice_given=advice_given,
            recorded_by=user,
        )
        contact.signposted_to.set(signposted)
        names = ", ".join(service.name for service in signposted)
        TimelineEvent.objects.create(
            child=child,
            at=now,
            kind=Kind.ADVICE_GIVEN,
            actor=user,
            summary=advice_given + (f" Signposted to: {names}." if names else ""),
        )
        record(
            Action.CREATE,
            actor=user,
            record_type="advice_contact",
            record_id=contact.uuid,
            child_uuid=child.uuid,
        )
    return contact


def record_consent_to_share(*, user: User, referral: Referral, given_by: str) -> Referral:
    """Consent to share with alliance partners, obtained after the referral (without it a
    referral cannot be allocated to a partner)."""
    if user.role not in ADVICE_POINT:
        raise PermissionDenied("Only the Referral and Advice Point records consent.")
    if given_by not in ConsentGivenBy.values:
        raise ValidationError("Choose who gave consent to share")
    now = clock.now()
    with transaction.atomic():
        updated = Referral.objects.filter(pk=referral.pk, consent_to_share=False).update(
            consent_to_share=True
        )
        if updated != 1:
            raise ValidationError("Consent to share is already recorded")
        label = ConsentGivenBy(given_by).label.lower()
        TimelineEvent.objects.create(
            child=referral.child,
            at=now,
            kind=Kind.CONSENT_TO_SHARE,
            actor=user,
            referral=referral,
            summary=f"Consent to share with alliance partners given by {label}.",
        )
        record(
            Action.CHANGE,
            actor=user,
            record_type="referral",
            record_id=referral.uuid,
            child_uuid=referral.child.uuid,
            detail={"consent_to_share": given_by},
        )
    referral.refresh_from_db()
    return referral
