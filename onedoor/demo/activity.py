"""The synthetic work behind each demo referral: what its state's page needs, and what the
product's actions would have written on the way there (`stories.py` gives the moments).

- every referral: its timeline (received; signposted at the door when not eligible);
- screened: the risk screening behind its rating, and a clinician's review of a red one;
- decided: the triage decision (waiting for the clinical lead's sign-off, or signed off when
  red or complex), with what it asked for (information, by when), the offer or the service;
- with a partner (`partner_work.py`): accepted, naming the practitioner who holds the child
  (the partner's practitioner for most, its partner lead for some), Waiting Well check-ins
  at the cadence for the risk while waiting (most up to date; a few due, overdue or missed),
  contacts from the first attended one, care plans reviewed every twelve weeks, risk reviews
  and a safety plan after a disclosed risk to life, a handover sent (in transition), a
  discharge with its summary and feedback, and outcome measures (YP-CORE at 11 to 15, GAD-7
  from 16) at the first and last contact, flagged for review by the product's rule;
- referred to children's social care: the safeguarding concern the decision opened, its
  follow-up actions and, once done, its outcome.

Deterministic but for the feedback links' tokens (never guessable): everything else follows
from the referral's uuid. `seed_population` calls this only for referrals it has just made.
Written in bulk, not through the actions (which read the clock): the demo history is made
at once, and the audit trail records the load itself (`seed_demo`).
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TypeVar

from django.utils import timezone

from onedoor.accounts.models import User
from onedoor.accounts.roles import Role
from onedoor.alliance.models import Alliance, IThriveGrouping, Offer, Organisation
from onedoor.care.lists import cadences_of
from onedoor.care.models import (
    CarePlan,
    CheckIn,
    Contact,
    Discharge,
    Feedback,
    Goal,
    RiskReview,
    SafetyPlan,
    Transition,
)
from onedoor.children.models import TimelineEvent
from onedoor.clock.calendar import end_of
from onedoor.demo import texts
from onedoor.demo.partner_work import with_the_partner
from onedoor.demo.stories import DAY, HOUR, WITH_A_PARTNER, SignOff, Story
from onedoor.outcomes.measures import get_measure
from onedoor.outcomes.models import MeasureResponse
from onedoor.referrals.actions import signposting_for
from onedoor.referrals.eligibility import age_on
from onedoor.referrals.models import RISK_INDICATORS, Referral, RiskRating, Status
from onedoor.safeguarding.models import Concern, FollowUp
from onedoor.triage import signposted
from onedoor.triage.models import Outcome, RiskScreening, SignpostingReview, TriageDecision

Kind = TimelineEvent.Kind
T = TypeVar("T")


class People:
    """The demo accounts who did the work: triage, the clinical lead, the safeguarding lead,
    the care coordinator, and a worker at each organisation (its practitioner)."""

    def __init__(self, alliance: Alliance) -> None:
        demo = {
            user.username: user
            for user in User.objects.filter(organisation__alliance=alliance, is_demo=True)
        }
        self.triage = demo.get("triage")
        self.clinical_lead = demo.get("clinical-lead")
        self.safeguarding = demo.get("safeguarding")
        self.coordinator = demo.get("coordinator")
        self.workers: dict[int, User] = {}
        # Who may be named to hold a child at each organisation: practitioners first.
        self.practising: dict[int, list[User]] = {}
        for user in sorted(demo.values(), key=lambda u: (u.role != Role.PRACTITIONER, u.pk)):
            if user.role in (Role.PRACTITIONER, Role.PARTNER_LEAD):
                self.workers.setdefault(user.organisation_id or 0, user)
                self.practising.setdefault(user.organisation_id or 0, []).append(user)

    @property
    def complete(self) -> bool:
        return None not in (self.triage, self.clinical_lead, self.safeguarding, self.coordinator)


class Records:
    """Everything written for a batch of referrals, saved together (`save`)."""

    def __init__(self, alliance: Alliance, people: People, now: datetime) -> None:
        self.alliance, self.people, self.now = alliance, people, now
        self.offers = list(
            Offer.objects.filter(organisation__alliance=alliance, active=True)
            .select_related("organisation")
            .order_by("pk")
        )
        self.services = {
            o.slug: o
            for o in Organisation.objects.filter(alliance=alliance, kind=Organisation.Kind.EXTERNAL)
        }
        self.cadences = cadences_of(alliance.pk)
        self.measures = {slug: get_measure(slug) for slug in ("yp-core", "gad-7")}
        self.signposting: dict[int, list[int]] = {}
        self.timeline: list[TimelineEvent] = []
        self.screenings: list[RiskScreening] = []
        self.decisions: list[TriageDecision] = []
        self.check_ins: list[CheckIn] = []
        self.contacts: list[Contact] = []
        self.plans: list[tuple[CarePlan, list[str]]] = []
        self.reviews: list[RiskReview] = []
        self.safety_plans: list[SafetyPlan] = []
        self.transitions: list[Transition] = []
        self.discharges: list[tuple[Discharge, Feedback | None]] = []
        self.concerns: list[tuple[Concern, list[FollowUp]]] = []
        self.responses: list[MeasureResponse] = []
        self.signposted: list[tuple[int, int]] = []  # (referral, directory service)
        self.decisions_signposting: list[tuple[TriageDecision, list[int]]] = []
        self.named: dict[int, list[int]] = {}  # named practitioner -> their referrals

    def event(self, referral: Referral, at: datetime, summary: str, actor: User | None,
              kind: str = Kind.STATUS_CHANGED) -> None:  # fmt: skip
        self.timeline.append(
            TimelineEvent(
                child_id=referral.child_id, referral_id=referral.pk, at=at, kind=kind,
                actor_id=actor.pk if actor else None, summary=summary,
            )
        )  # fmt: skip

    def worker(self, referral: Referral) -> User:
        found = self.people.workers.get(referral.allocated_organisation_id or 0)
        return found or self.people.coordinator  # type: ignore[return-value]

    def name_practitioner(self, referral: Referral, at: datetime, by: User) -> None:
        """The named practitioner, as the partner accepted the child: its practitioner for
        about three children in four, otherwise its partner lead (the lead provider has
        only its practitioner); the same for the same referral every time."""
        practising = self.people.practising.get(referral.allocated_organisation_id or 0, [])
        if not practising:
            return
        rng = random.Random(f"{referral.uuid}:named practitioner")
        others = practising[1:]
        named = rng.choice(others) if others and rng.random() >= 0.75 else practising[0]
        self.named.setdefault(named.pk, []).append(referral.pk)
        self.event(referral, at, f"Named practitioner: {named}.", by)

    # The Referral and Advice Point, and triage

    def add(self, referral: Referral, story: Story) -> None:
        rng = random.Random(f"{referral.uuid}:records")
        self.event(
            referral, story.received,
            f"Referral {referral.reference_display}: {referral.get_route_display().lower()}.",
            None, Kind.REFERRAL_RECEIVED,
        )  # fmt: skip
        if not story.eligible:
            self._at_the_door(referral, story)
            return
        if story.screened is not None:
            self._screening(referral, story, rng)
        if story.decided is not None:
            self._decision(referral, story, rng)
        if story.status in WITH_A_PARTNER and story.accepted is not None:
            with_the_partner(self, referral, story, rng)

    def _services_for(self, referral: Referral, on: datetime) -> list[int]:
        """The wider services that fit the child's age on the day (`signposting_for`)."""
        age = age_on(referral.child.date_of_birth, timezone.localdate(on))
        if age not in self.signposting:
            self.signposting[age] = [s.pk for s in signposting_for(self.alliance, age)]
        return self.signposting[age]

    def _at_the_door(self, referral: Referral, story: Story) -> None:
        services = self._services_for(referral, story.received)
        self.signposted += [(referral.pk, service) for service in services]
        self.event(referral, story.received, referral.ineligibility_reason, None, Kind.SIGNPOSTED)

    def _screening(self, referral: Referral, story: Story, rng: random.Random) -> None:
        assert story.screened is not None and self.people.triage is not None
        found = sorted(field for field in RISK_INDICATORS if getattr(referral, field))
        self.screenings.append(
            RiskScreening(
                uuid=uuid.uuid5(referral.uuid, "screening"), referral_id=referral.pk,
                rating=story.rating, indicators=found,
                rationale=rng.choice(texts.RATIONALES[story.rating]),
                screened_by=self.people.triage, screened_at=story.screened,
            )
        )  # fmt: skip
        self.event(
            referral, story.screened, f"Risk screened {RiskRating(story.rating).label.lower()}.",
            self.people.triage,
        )  # fmt: skip
        reviewed_on_its_own = story.red_reviewed is not None and story.red_reviewed != (
            story.signed_off
        )
        if reviewed_on_its_own:
            assert story.red_reviewed is not None
            self.event(
                referral, story.red_reviewed,
                f"Red rating reviewed by a clinician: {rng.choice(texts.RED_REVIEWS)}",
                self.people.clinical_lead,
            )  # fmt: skip

    def _decision(self, referral: Referral, story: Story, rng: random.Random) -> None:
        assert story.decided is not None and self.people.triage is not None
        outcome = Outcome(story.outcome)
        offer = referral.allocated_offer if outcome == Outcome.ALLOCATE else None
        if outcome == Outcome.ALLOCATE and offer is None:  # waiting for sign-off
            offer = self._fitting_offer(referral, rng)
        service = None
        if outcome == Outcome.STEP_UP:
            service = self.services.get(rng.choice(("specialist-camhs", "crisis-support")))
        decision = TriageDecision(
            uuid=uuid.uuid5(referral.uuid, "decision"), referral_id=referral.pk,
            grouping=IThriveGrouping.GETTING_ADVICE
            if outcome == Outcome.ADVICE
            else IThriveGrouping.GETTING_RISK_SUPPORT
            if outcome in (Outcome.STEP_UP, Outcome.SAFEGUARDING)
            else IThriveGrouping.GETTING_HELP,
            outcome=outcome, offer=offer, receiving_service=service,
            reason=rng.choice(texts.DECISION_REASONS[outcome]),
            materials_sent=rng.choice(texts.MATERIALS) if outcome == Outcome.ADVICE else "",
            information_requested=rng.choice(texts.INFORMATION)
            if outcome == Outcome.MORE_INFORMATION
            else "",
            information_due=story.information_due, complex=story.complex,
            decided_by=self.people.triage, decided_at=story.decided, sign_off=story.sign_off,
            signed_off_by=self.people.clinical_lead if story.signed_off else None,
            signed_off_at=story.signed_off,
            sign_off_note=rng.choice(texts.SIGN_OFF_NOTES) if story.signed_off else "",
        )  # fmt: skip
        self.decisions.append(decision)
        if outcome == Outcome.ADVICE:  # the services named, which the referral gets on effect
            fitting = self._services_for(referral, story.decided)
            named = sorted(rng.sample(fitting, min(len(fitting), rng.choice((1, 2)))))
            self.decisions_signposting.append((decision, named))
            if story.took_effect is not None:
                self.signposted += [(referral.pk, service) for service in named]
        words = f"{decision.get_outcome_display()} ({decision.get_grouping_display()})"
        if story.sign_off == SignOff.NOT_NEEDED:
            self.event(referral, story.decided, f"Triage decision: {words}.", self.people.triage)
        else:
            self.event(
                referral, story.decided,
                f"Decision waiting for sign-off: {decision.get_outcome_display()}.",
                self.people.triage,
            )  # fmt: skip
        if story.signed_off is not None:
            self.event(
                referral, story.signed_off, f"Triage decision: {words}.",
                self.people.clinical_lead,
            )  # fmt: skip
        if story.status == Status.SAFEGUARDING_REFERRAL and story.took_effect is not None:
            self._concern(referral, story, decision, rng)

    def _fitting_offer(self, referral: Referral, rng: random.Random) -> Offer | None:
        age = referral.child.age_on(timezone.localdate(self.now))
        fitting = [o for o in self.offers if o.min_age <= age <= o.max_age]
        return rng.choice(fitting) if fitting else None

    def _concern(
        self, referral: Referral, story: Story, decision: TriageDecision, rng: random.Random
    ) -> None:
        """The concern the decision opened (`safeguarding.actions.open_from_triage`), for the
        safeguarding lead: planned, followed up and, after a few weeks, closed."""
        raised = story.took_effect
        lead, raiser = self.people.safeguarding, self.people.clinical_lead
        assert raised is not None and lead is not None and raiser is not None
        if story.sign_off == SignOff.NOT_NEEDED:
            raiser = self.people.triage  # type: ignore[assignment]
        age = (self.now - raised) / DAY
        concern = Concern(
            uuid=uuid.uuid5(referral.uuid, "concern"), referral_id=referral.pk,
            category=Concern.Category.OTHER, seen_or_said=decision.reason,
            immediate_actions="Referred to children's social care at triage.",
            referred_to_social_care=True,
            social_care_reference=f"MCS-{rng.randrange(10000, 99999)}" if age > 2 else "",
            owner=lead, raised_by=raiser, raised_at=raised,
        )  # fmt: skip
        follow_ups = []
        today = timezone.localdate(self.now)
        if age >= 1:
            first_due = timezone.localdate(raised) + timedelta(days=5)
            follow_ups.append(
                FollowUp(
                    uuid=uuid.uuid5(referral.uuid, "follow-up-1"), text=texts.FOLLOW_UPS[0],
                    owner=lead, due=first_due,
                    done_at=min(end_of(first_due) - 3 * HOUR, self.now - HOUR)
                    if first_due < today or age > 30
                    else None,
                )
            )  # fmt: skip
            second_due = today + timedelta(days=rng.randrange(3, 15))
            if age > 30:
                second_due = timezone.localdate(raised) + timedelta(days=20)
            follow_ups.append(
                FollowUp(
                    uuid=uuid.uuid5(referral.uuid, "follow-up-2"), text=texts.FOLLOW_UPS[1],
                    owner=lead, due=second_due,
                    done_at=end_of(second_due) - 2 * HOUR if age > 30 else None,
                )
            )  # fmt: skip
        if age > 30:
            concern.outcome = rng.choice(texts.CONCERN_OUTCOMES)
            concern.closed_at = raised + timedelta(days=rng.uniform(22, 30))
        self.concerns.append((concern, follow_ups))
        self.event(referral, raised, f"Safeguarding concern raised; owned by {lead}.", raiser)

    def save(self) -> None:
        for practitioner, referrals in self.named.items():
            Referral.objects.filter(pk__in=referrals).update(named_practitioner_id=practitioner)
        RiskScreening.objects.bulk_create(self.screenings)
        TriageDecision.objects.bulk_create(self.decisions)
        CheckIn.objects.bulk_create(self.check_ins)
        Contact.objects.bulk_create(self.contacts)
        CarePlan.objects.bulk_create([plan for plan, _ in self.plans])
        Goal.objects.bulk_create(
            Goal(care_plan_id=plan.pk, text=text) for plan, goals in self.plans for text in goals
        )
        RiskReview.objects.bulk_create(self.reviews)
        SafetyPlan.objects.bulk_create(self.safety_plans)
        Transition.objects.bulk_create(self.transitions)
        MeasureResponse.objects.bulk_create(self.responses)
        Discharge.objects.bulk_create([discharge for discharge, _ in self.discharges])
        Feedback.objects.bulk_create(
            _with(feedback, discharge_id=discharge.pk)
            for discharge, feedback in self.discharges
            if feedback is not None
        )
        Concern.objects.bulk_create([concern for concern, _ in self.concerns])
        FollowUp.objects.bulk_create(
            _with(action, concern_id=concern.pk)
            for concern, actions in self.concerns
            for action in actions
        )
        TriageDecision.signposted_to.through.objects.bulk_create(
            TriageDecision.signposted_to.through(
                triagedecision_id=_key(decision), directoryservice_id=service
            )
            for decision, services in self.decisions_signposting
            for service in services
        )
        Referral.signposted_to.through.objects.bulk_create(
            Referral.signposted_to.through(referral_id=referral, directoryservice_id=service)
            for referral, service in self.signposted
        )
        TimelineEvent.objects.bulk_create(self.timeline, batch_size=2000)


def _key(row: TriageDecision) -> int:
    assert row.pk is not None, "bulk_create gives the rows their keys on SQLite and PostgreSQL"
    return row.pk


def _with(row: T, **ids: int | None) -> T:
    for name, value in ids.items():
        assert value is not None, "bulk_create gives the rows their keys on SQLite and PostgreSQL"
        setattr(row, name, value)
    return row


def seed_activity(
    alliance: Alliance, referrals: Sequence[Referral], stories: dict[uuid.UUID, Story],
    now: datetime,
) -> None:  # fmt: skip
    """The records behind `referrals` (saved, with their children loaded), by their stories;
    nothing when the demo accounts who would have done the work are missing."""
    people = People(alliance)
    if not people.complete:
        return
    records = Records(alliance, people, now)
    for referral in referrals:
        records.add(referral, stories[referral.uuid])
    records.save()


def review_past_signposting(alliance: Alliance, now: datetime) -> int:
    """The triage lead has read every past working day's list of signposted referrals (over
    the four weeks My tasks looks back), all but the one to read today; returns how many
    reviews were added (none again on a second run)."""
    triage = User.objects.filter(
        organisation__alliance=alliance, username="triage", is_demo=True
    ).first()
    if triage is None:
        return 0
    today = timezone.localdate(now)
    done = set(SignpostingReview.objects.filter(alliance=alliance).values_list("day", flat=True))
    day, reviews = signposted.previous_list_day(signposted.to_review(today)), []
    while day >= today - signposted.LOOK_BACK - 7 * DAY:
        read = end_of(signposted.next_list_day(day)) - 3 * HOUR
        if day not in done:
            reviews.append(
                SignpostingReview(alliance=alliance, day=day, reviewed_by=triage, reviewed_at=read)
            )
        day = signposted.previous_list_day(day)
    return len(SignpostingReview.objects.bulk_create(reviews))
