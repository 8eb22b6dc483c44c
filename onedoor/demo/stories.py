"""How each demo referral reached its state: the moments of its story (received, screened,
decided, signed off, accepted, first seen, ended), so that every record behind a state
(`activity.py`) falls between them, in the order the product's actions would have made them,
and none is later than the seeding moment.

A referral still being worked on is planned backwards from the seeding moment: one awaiting
triage arrived within its clock (a handful are late), a decision waits for sign-off or a
partner's answer for days, not months, and a child waits or is seen for weeks or months. A
referral that ended is placed wholly in the past. Pure: no database; the caller passes the
clock lengths and the calendar.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from onedoor.clock.calendar import ENGLAND_AND_WALES, Calendar, clock_kind
from onedoor.referrals.models import RiskRating, Status
from onedoor.triage.models import Outcome, TriageDecision

MINUTE, HOUR, DAY = timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)
SignOff = TriageDecision.SignOff

# The decision behind each state a decision leads to (awaiting sign-off draws its own).
OUTCOMES = {
    Status.MORE_INFORMATION: Outcome.MORE_INFORMATION,
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
# Where a referral is with a partner: it was allocated, and (but for `ALLOCATED`) accepted.
WITH_A_PARTNER = (
    Status.ALLOCATED, Status.WAITING, Status.IN_INTERVENTION, Status.IN_TRANSITION,
    Status.DISCHARGED,
)  # fmt: skip
SEEN = (Status.IN_INTERVENTION, Status.IN_TRANSITION, Status.DISCHARGED)
# A handful of open items are late, so that the lists show what late looks like.
LATE_SHARE = 0.1


@dataclass
class Story:
    """The moments of one referral's path (None: it has not happened)."""

    status: Status
    received: datetime
    rating: str = ""  # "" when no triage lead has screened it
    screened: datetime | None = None
    red_reviewed: datetime | None = None  # by a clinician: on review, or signing the decision off
    outcome: str = ""
    complex: bool = False
    decided: datetime | None = None
    sign_off: str = SignOff.NOT_NEEDED
    signed_off: datetime | None = None
    information_due: date | None = None
    accepted: datetime | None = None
    started: datetime | None = None  # the first attended contact
    ended: datetime | None = None  # handover sent (in transition), discharged, or decided
    eligible: bool = True

    @property
    def took_effect(self) -> datetime | None:
        """When the decision took effect: at once, or when the clinical lead signed it off."""
        if self.sign_off == SignOff.APPROVED:
            return self.signed_off
        return self.decided if self.sign_off == SignOff.NOT_NEEDED else None

    @property
    def closed(self) -> datetime | None:
        """When the journey ended, for a referral that ended."""
        if self.status in (Status.DISCHARGED,):
            return self.ended
        if self.status in (
            Status.SIGNPOSTED, Status.STEPPED_UP, Status.NOT_ACCEPTED,
            Status.SAFEGUARDING_REFERRAL,
        ):  # fmt: skip
            return self.took_effect or self.received
        return None


@dataclass(frozen=True)
class Setting:
    """What every story is planned against: the seeding moment and the alliance's clocks."""

    now: datetime
    clock_days: dict[str, int]  # triage clock kind -> working days
    calendar: Calendar = ENGLAND_AND_WALES

    @property
    def today(self) -> date:
        return timezone.localdate(self.now)

    def working_days_before(self, day: date, days: int) -> date:
        """The working day `days` working days before `day` (0: `day`, or the working day
        before it when it is not one)."""
        while not self.calendar.is_working_day(day):
            day -= DAY
        for _ in range(days):
            day -= DAY
            while not self.calendar.is_working_day(day):
                day -= DAY
        return day

    def clock_length(self, rating: str, priority: bool, urgent: bool) -> int:
        kind = clock_kind(risk_rating=rating, priority_group=priority, disclosed_risk=urgent)
        return self.clock_days[kind]


@dataclass(frozen=True)
class Referral:
    """What the plan needs to know of a referral (drawn by `population.py`)."""

    status: Status
    rating: str
    priority: bool  # in a priority group that shortens the triage clock
    urgent: bool  # discloses a risk to life
    may_allocate: bool  # consent to share, and no young adult waiting for a coordinator
    hour: time  # the time of day it arrived
    days_ago: int  # 0 to 399: how long ago an ended referral arrived, before its path


def _between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    if end <= start:
        return start
    return start + (end - start) * rng.random()


def _on(day: date, hour: time) -> datetime:
    return datetime.combine(day, hour, tzinfo=timezone.get_current_timezone())


def in_hours(moment: datetime, rng: random.Random) -> datetime:
    """The same day, in working hours (09:00 to 16:45): when a partner sees a child."""
    at = time(9 + rng.randrange(0, 8), rng.choice((0, 15, 30, 45)))
    return _on(timezone.localdate(moment), at)


def _rating(rng: random.Random, *, red: bool = True) -> str:
    pairs = ((RiskRating.GREEN, 50), (RiskRating.AMBER, 40), (RiskRating.RED, 10 if red else 0))
    return rng.choices([r for r, _ in pairs], weights=[w for _, w in pairs])[0]


def plan(referral: Referral, *, rng: random.Random, setting: Setting, latest: datetime) -> Story:
    """The story of one referral in `referral.status`, nothing later than `latest` (the
    seeding moment, or before a later referral for the same child)."""
    status = referral.status
    planner: Callable[[Story, Referral, random.Random, Setting, datetime], None]
    planner = PLANNERS.get(status, _ended)
    story = Story(status=status, received=latest, rating=_fitting_rating(referral, rng))
    planner(story, referral, rng, setting, latest)
    return story


def _fitting_rating(referral: Referral, rng: random.Random) -> str:
    """The rating its path allows: advice is not given to a red referral, and a step-up is
    never green; one awaiting triage that discloses a risk to life has mostly been screened."""
    rating = referral.rating
    if referral.status == Status.SIGNPOSTED and rating == RiskRating.RED:
        return RiskRating.AMBER
    if referral.status == Status.STEPPED_UP and rating == RiskRating.GREEN:
        return RiskRating.AMBER
    if referral.status == Status.AWAITING_TRIAGE and not rating and referral.urgent:
        return "" if rng.random() < 0.4 else _rating(rng)
    if referral.status != Status.AWAITING_TRIAGE and not rating:
        # Unscreened when drawn, then moved on by the shaping (one open referral a child):
        # every path past triage was screened. (Green draws nothing from `rng`, so the
        # seeding of every other referral stays as it was.)
        return RiskRating.GREEN
    return rating


# Decided on a referral still in triage, or waiting for the partner


def _arrived_within_clock(
    story: Story, referral: Referral, rng: random.Random, setting: Setting, latest: datetime
) -> None:
    """Arrived so that its clock (for its rating) mostly still runs; a few are late."""
    length = setting.clock_length(story.rating, referral.priority, referral.urgent)
    back = length + 1 + rng.randrange(2) if rng.random() < LATE_SHARE else rng.randrange(length + 1)
    received = _on(setting.working_days_before(timezone.localdate(latest), back), referral.hour)
    if received >= latest - 5 * MINUTE:
        received = latest - rng.uniform(5, 90) * MINUTE
    story.received = received


def _screen(story: Story, rng: random.Random, latest: datetime) -> None:
    story.screened = _between(
        rng, story.received + 5 * MINUTE, min(story.received + 6 * HOUR, latest)
    )


def _awaiting_triage(
    story: Story, referral: Referral, rng: random.Random, setting: Setting, latest: datetime
) -> None:
    if not story.rating and referral.urgent:  # it has just arrived: top of the queue
        story.received = latest - rng.uniform(5, 50) * MINUTE
        return
    _arrived_within_clock(story, referral, rng, setting, latest)
    if story.rating:
        _screen(story, rng, latest)
        if story.rating == RiskRating.RED and rng.random() < 0.5:
            assert story.screened is not None
            story.red_reviewed = _between(rng, story.screened, latest)


def _decide_forward(
    story: Story, rng: random.Random, setting: Setting, latest: datetime, *, sign_off: str
) -> None:
    """Screened and decided after arrival, by the end of the clock mostly; signed off after."""
    _screen(story, rng, latest)
    assert story.screened is not None
    length = setting.clock_days["routine"]
    by = story.received + length * 1.4 * DAY
    if rng.random() < LATE_SHARE:
        by += rng.uniform(1, 3) * DAY
    story.decided = min(_between(rng, story.screened + 10 * MINUTE, by), latest)
    story.sign_off = sign_off
    if sign_off == SignOff.APPROVED:
        story.signed_off = min(story.decided + rng.uniform(0.5, 6) * HOUR, latest)
        if story.rating == RiskRating.RED:
            story.red_reviewed = story.signed_off


def _decide_before(
    story: Story, rng: random.Random, setting: Setting, effect: datetime, *, sign_off: str
) -> None:
    """Received, screened and decided so that the decision took effect at `effect`."""
    length = setting.clock_days["routine"]
    story.received = effect - rng.uniform(3 * HOUR / DAY, length * 1.2) * DAY
    story.sign_off = sign_off
    if sign_off == SignOff.APPROVED:
        story.signed_off = effect
        story.decided = _between(rng, story.received + 20 * MINUTE, effect - 15 * MINUTE)
        if story.rating == RiskRating.RED:
            story.red_reviewed = effect
    else:
        story.decided = effect
    story.screened = _between(rng, story.received + 5 * MINUTE, story.decided - 5 * MINUTE)


def _approval(story: Story, rng: random.Random) -> str:
    """Red or complex decisions wait for the clinical lead; one that took effect had it."""
    story.complex = story.rating != RiskRating.RED and rng.random() < 0.05
    if story.rating == RiskRating.RED or story.complex:
        return SignOff.APPROVED
    return SignOff.NOT_NEEDED


def _more_information(
    story: Story, referral: Referral, rng: random.Random, setting: Setting, latest: datetime
) -> None:
    late = rng.random() < LATE_SHARE * 1.5
    back = rng.randrange(8, 12) if late else rng.randrange(1, 5)
    story.received = _on(setting.working_days_before(setting.today, back), referral.hour)
    story.received = min(story.received, latest - 2 * HOUR)
    story.outcome = Outcome.MORE_INFORMATION
    _decide_forward(story, rng, setting, latest, sign_off=_approval(story, rng))
    asked = story.took_effect
    assert asked is not None
    story.information_due = timezone.localdate(asked) + (
        rng.randrange(3, 6) * DAY if late else rng.randrange(5, 11) * DAY
    )


def _awaiting_sign_off(
    story: Story, referral: Referral, rng: random.Random, setting: Setting, latest: datetime
) -> None:
    _arrived_within_clock(story, referral, rng, setting, latest)
    _screen(story, rng, latest)
    assert story.screened is not None
    story.complex = story.rating != RiskRating.RED
    story.decided = _between(rng, story.screened, latest)
    story.sign_off = SignOff.WAITING
    red = story.rating == RiskRating.RED
    if red and rng.random() < 0.3:
        story.red_reviewed = _between(rng, story.screened, story.decided)
    choices = [
        (Outcome.ALLOCATE, 5 if referral.may_allocate else 0),
        (Outcome.STEP_UP, 3 if red else 1),
        (Outcome.SAFEGUARDING, 1),
        (Outcome.ADVICE, 0 if red else 1),
        (Outcome.NOT_ACCEPTED, 1),
    ]
    story.outcome = rng.choices([o for o, _ in choices], weights=[w for _, w in choices])[0]


def _allocated(
    story: Story, referral: Referral, rng: random.Random, setting: Setting, latest: datetime
) -> None:
    """Allocated within the last week: the partner has yet to answer."""
    day = setting.working_days_before(setting.today, rng.randrange(0, 5))
    effect = min(_on(day, referral.hour), latest - rng.uniform(5, 120) * MINUTE)
    story.outcome = Outcome.ALLOCATE
    _decide_before(story, rng, setting, effect, sign_off=_approval(story, rng))


# With a partner: waiting (Waiting Well), seen, handed over or discharged


def _taken_on(
    story: Story, referral: Referral, rng: random.Random, setting: Setting, accepted: datetime
) -> None:
    story.accepted = accepted = in_hours(accepted, rng)
    story.outcome = Outcome.ALLOCATE
    effect = accepted - rng.uniform(0.2, 4) * DAY
    _decide_before(story, rng, setting, effect, sign_off=_approval(story, rng))


def _waiting(
    story: Story, referral: Referral, rng: random.Random, setting: Setting, latest: datetime
) -> None:
    """Waiting from three days to five months."""
    waited = (3 + referral.days_ago * 147 / 400 + rng.random()) * DAY
    _taken_on(story, referral, rng, setting, latest - waited)


def _in_intervention(
    story: Story, referral: Referral, rng: random.Random, setting: Setting, latest: datetime
) -> None:
    """Seen for one week to seven months, after a wait of one week to three months."""
    story.started = in_hours(latest - (7 + referral.days_ago * 200 / 400 + rng.random()) * DAY, rng)
    _taken_on(story, referral, rng, setting, story.started - rng.uniform(7, 90) * DAY)


def _in_transition(
    story: Story, referral: Referral, rng: random.Random, setting: Setting, latest: datetime
) -> None:
    """The handover went in the last two working days; a few have waited longer."""
    back = rng.randrange(3, 6) if rng.random() < LATE_SHARE * 1.5 else rng.randrange(0, 2)
    day = setting.working_days_before(setting.today, back)
    story.ended = min(_on(day, time(9 + rng.randrange(0, 8), rng.randrange(0, 60))), latest)
    _in_intervention(story, referral, rng, setting, story.ended)


def _ended(
    story: Story, referral: Referral, rng: random.Random, setting: Setting, latest: datetime
) -> None:
    """Signposted, stepped up, not accepted or referred to social care by a triage decision,
    up to 400 days ago."""
    story.received = _on(timezone.localdate(latest) - (referral.days_ago + 3) * DAY, referral.hour)
    story.received = min(story.received, latest - 3 * DAY)
    story.outcome = OUTCOMES[story.status]
    _decide_forward(story, rng, setting, latest, sign_off=_approval(story, rng))
    story.ended = story.took_effect


def _discharged(
    story: Story, referral: Referral, rng: random.Random, setting: Setting, latest: datetime
) -> None:
    """Discharged up to a year ago, after a wait and (mostly) some weeks of being seen; a few
    leave while still waiting."""
    waited = rng.uniform(7, 90) * DAY
    seen = rng.uniform(30, 180) * DAY if rng.random() < 0.88 else None
    span = 6 * DAY + waited + (seen or 0 * DAY) + rng.uniform(1, 10) * DAY
    room = max(0.0, 400 - span / DAY)
    story.ended = in_hours(latest - (1 + referral.days_ago * room / 400) * DAY, rng)
    story.started = in_hours(story.ended - seen - rng.uniform(1, 10) * DAY, rng) if seen else None
    accepted = (story.started or story.ended) - waited
    _taken_on(story, referral, rng, setting, accepted)


PLANNERS: dict[Status, Callable[[Story, Referral, random.Random, Setting, datetime], None]] = {
    Status.AWAITING_TRIAGE: _awaiting_triage,
    Status.MORE_INFORMATION: _more_information,
    Status.AWAITING_SIGN_OFF: _awaiting_sign_off,
    Status.ALLOCATED: _allocated,
    Status.WAITING: _waiting,
    Status.IN_INTERVENTION: _in_intervention,
    Status.IN_TRANSITION: _in_transition,
    Status.DISCHARGED: _discharged,
}
