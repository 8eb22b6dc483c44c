"""The synthetic work behind the demo referrals, so that the KPIs, the equity view and the
review pack have something true to show: a triage decision for every referral past triage,
contacts for the children in intervention or discharged, discharges with their feedback, and
outcome measures (YP-CORE at 11 to 15, GAD-7 from 16) taken at the first and last contact.

Deterministic but for the feedback links' tokens (never guessable): everything else follows
from the referral's uuid. `seed_population` calls this only for referrals it has just made.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TypeVar

from onedoor.accounts.models import User
from onedoor.accounts.roles import Role
from onedoor.alliance.models import Alliance, IThriveGrouping
from onedoor.care.models import Contact, Discharge, Feedback
from onedoor.outcomes.measures import Measure, get_measure
from onedoor.outcomes.models import MeasureResponse, Respondent
from onedoor.outcomes.scoring import score
from onedoor.referrals.eligibility import age_on
from onedoor.referrals.models import Referral, Status
from onedoor.triage.models import Outcome, TriageDecision

DECISIONS = {
    Status.ALLOCATED: Outcome.ALLOCATE,
    Status.WAITING: Outcome.ALLOCATE,
    Status.IN_INTERVENTION: Outcome.ALLOCATE,
    Status.IN_TRANSITION: Outcome.ALLOCATE,
    Status.DISCHARGED: Outcome.ALLOCATE,
    Status.SIGNPOSTED: Outcome.ADVICE,
    Status.STEPPED_UP: Outcome.STEP_UP,
    Status.NOT_ACCEPTED: Outcome.NOT_ACCEPTED,
    Status.SAFEGUARDING_REFERRAL: Outcome.SAFEGUARDING,
}
WORKED = (Status.IN_INTERVENTION, Status.IN_TRANSITION, Status.DISCHARGED)
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
HELPFUL = ((5, 40), (4, 30), (3, 15), (2, 10), (1, 5))


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


def seed_activity(alliance: Alliance, referrals: Sequence[Referral], now: datetime) -> None:
    """The decisions, contacts, discharges, feedback and measures behind `referrals` (saved,
    with their children loaded), none later than `now`."""
    triage = User.objects.filter(
        organisation__alliance=alliance, role=Role.TRIAGE_LEAD, is_demo=True
    ).first()
    if triage is None:
        return  # no demo accounts: nobody to have done the work
    workers = {
        user.organisation_id: user
        for user in User.objects.filter(
            organisation__alliance=alliance, is_demo=True,
            role__in=[Role.PRACTITIONER, Role.PARTNER_LEAD],
        ).order_by("-role")
    }  # fmt: skip
    measures = {slug: get_measure(slug) for slug in ("yp-core", "gad-7")}
    decisions, contacts, discharges, responses = [], [], [], []
    feedback: list[tuple[int, Feedback]] = []
    for referral in referrals:
        outcome = DECISIONS.get(Status(referral.status))
        if outcome is None:
            continue
        rng = random.Random(str(referral.uuid))
        decided = min(referral.received_at + timedelta(hours=rng.uniform(2, 190)), now)
        decisions.append(
            TriageDecision(
                referral=referral, decided_by=triage, decided_at=decided, outcome=outcome,
                grouping=IThriveGrouping.GETTING_ADVICE
                if outcome == Outcome.ADVICE
                else IThriveGrouping.GETTING_HELP,
                offer=referral.allocated_offer, sign_off=TriageDecision.SignOff.NOT_NEEDED,
                reason="Synthetic demo decision.",
            )
        )  # fmt: skip
        if referral.status not in WORKED or referral.allocated_organisation_id is None:
            continue
        worker = workers.get(referral.allocated_organisation_id, triage)
        at: datetime = decided + timedelta(days=rng.uniform(5, 50))
        attended: list[datetime] = []
        for _ in range(rng.randrange(2, 9)):
            if at >= now:
                break
            result = _pick(rng, CONTACT_OUTCOMES)
            contacts.append(
                Contact(
                    referral=referral, organisation_id=referral.allocated_organisation_id,
                    recorded_by=worker, recorded_at=at, happened_at=at, outcome=result,
                    mode=_pick(rng, MODES), duration_minutes=rng.choice((30, 45, 50, 60)),
                )
            )  # fmt: skip
            if result == Contact.Outcome.ATTENDED:
                attended.append(at)
            at += timedelta(days=7)
        age = age_on(referral.child.date_of_birth, referral.received_at.date())
        measure = measures["gad-7"] if age >= 16 else measures["yp-core"] if age >= 11 else None
        if measure is not None and len(attended) >= 2 and rng.random() < 0.6:
            severity = rng.uniform(0.35, 0.85)
            later = severity - rng.uniform(-0.1, 0.45)
            for when, level in ((attended[0], severity), (attended[-1], later)):
                answers = _answers(rng, measure, level)
                responses.append(
                    MeasureResponse(
                        referral=referral, organisation_id=referral.allocated_organisation_id,
                        recorded_by=worker, recorded_at=when, measure=measure.slug,
                        measure_version=measure.version, completed_by=Respondent.YOUNG_PERSON,
                        answers=answers,
                        scores=score(measure, answers, age, referral.child.gender).to_json(),
                    )
                )  # fmt: skip
        if referral.status == Status.DISCHARGED:
            ended = min(at + timedelta(days=3), now)
            discharge = Discharge(
                referral=referral, reason=_pick(rng, REASONS),
                summary="Synthetic demo discharge.", discharged_by=worker, discharged_at=ended,
                feedback_token=secrets.token_urlsafe(32),
                feedback_expires_at=ended + timedelta(days=14),
            )  # fmt: skip
            discharges.append(discharge)
            if rng.random() < 0.35:
                given = min(ended + timedelta(days=2), now)
                feedback.append(
                    (len(discharges) - 1, Feedback(helpful=_pick(rng, HELPFUL), submitted_at=given))
                )
    TriageDecision.objects.bulk_create(decisions)
    Contact.objects.bulk_create(contacts)
    MeasureResponse.objects.bulk_create(responses)
    Discharge.objects.bulk_create(discharges)
    saved = dict(
        Discharge.objects.filter(referral__in=[d.referral for d in discharges]).values_list(
            "referral_id", "pk"
        )
    )
    for index, item in feedback:
        item.discharge_id = saved[discharges[index].referral.pk]
    Feedback.objects.bulk_create([item for _, item in feedback])
    Discharge.objects.filter(pk__in=[f.discharge_id for _, f in feedback]).update(
        feedback_used_at=now
    )
