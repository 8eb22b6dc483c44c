"""Fitting each drawn demo referral to the product's rules before it is saved: the eligibility
rules at its date (an ineligible one is signposted at the door, with no journey and no
clock), at most one referral open per child (one waiting place), and the fields its story
sets (received, rated, reviewed, its clock, allocated, accepted, paused, signposted)."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from django.utils import timezone

from onedoor.demo.stories import DAY, MINUTE, WITH_A_PARTNER, Setting, Story, plan
from onedoor.demo.stories import Referral as Drawn
from onedoor.referrals.bands import queue_band
from onedoor.referrals.eligibility import EligibilityRules, assess
from onedoor.referrals.models import Referral, Status
from onedoor.referrals.states import ENDS


@dataclass(frozen=True)
class Child:
    """What the rules need to know of the child."""

    date_of_birth: date
    postcode: str
    extends_age: bool  # in a group that extends eligibility
    priority: bool  # in a group that shortens the triage clock
    young_adult: bool  # a care leaver of 18 to 25: no allocation before a named coordinator


Deadline = Callable[[datetime, int], datetime]  # (received, working days) -> the clock's end


def shape_child(
    referrals: list[Referral],
    child: Child,
    *,
    setting: Setting,
    rules: EligibilityRules,
    deadline: Deadline,
    decided_by: dict[str, int | None],
) -> dict[uuid.UUID, Story]:
    """Plan a child's referrals one after another, each ended before the next arrived, the
    open one (at most one) last; returns each referral's story by its uuid. `decided_by`: who
    made a decision take effect, by its sign-off (the triage lead, or the clinical lead)."""
    ordered = sorted(referrals, key=lambda referral: referral.status not in ENDS)
    for earlier in ordered[:-1]:  # one open referral per child: an earlier one has ended
        if earlier.status not in ENDS:
            earlier.status = (
                Status.DISCHARGED if earlier.allocated_offer is not None else Status.SIGNPOSTED
            )
    stories: dict[uuid.UUID, Story] = {}
    latest = setting.now
    for referral in reversed(ordered):
        rng = random.Random(f"{referral.uuid}:story")
        stories[referral.uuid] = _shape(
            referral, child, rng=rng, setting=setting, rules=rules, deadline=deadline,
            latest=latest, decided_by=decided_by,
        )  # fmt: skip
        latest = referral.received_at - rng.uniform(3, 60) * DAY
    return stories


def _eligible(child: Child, rules: EligibilityRules, on: datetime) -> tuple[bool, str]:
    found = assess(
        date_of_birth=child.date_of_birth,
        referral_date=timezone.localdate(on),
        extends_age=child.extends_age,
        postcode=child.postcode,
        rules=rules,
    )
    return found.eligible, " ".join(found.reasons)


def _shape(
    referral: Referral,
    child: Child,
    *,
    rng: random.Random,
    setting: Setting,
    rules: EligibilityRules,
    deadline: Deadline,
    latest: datetime,
    decided_by: dict[str, int | None],
) -> Story:
    drawn = timezone.localtime(referral.received_at)
    days_ago = max(0, (setting.today - drawn.date()).days)
    at_the_door = min(latest, setting.now - days_ago * DAY)
    eligible, reason = _eligible(child, rules, at_the_door)
    story = None
    if eligible:
        story = plan(
            Drawn(
                status=Status(referral.status), rating=referral.risk_rating,
                priority=child.priority, urgent=referral.discloses_risk_to_life,
                may_allocate=referral.consent_to_share and not child.young_adult,
                hour=drawn.timetz().replace(tzinfo=None), days_ago=days_ago,
            ),
            rng=rng, setting=setting, latest=latest,
        )  # fmt: skip
        eligible, reason = _eligible(child, rules, story.received)
        at_the_door = story.received
    if story is None or not eligible:
        return _signposted_at_the_door(referral, at_the_door, reason)
    _apply(referral, story, child, setting, deadline)
    if story.status == Status.SIGNPOSTED:
        referral.signposted_at = story.took_effect
        referral.signposted_by_id = decided_by.get(story.sign_off)
    return story


def _signposted_at_the_door(referral: Referral, at: datetime, reason: str) -> Story:
    """Not eligible: kept, marked, signposted on arrival (`submit_referral`), never triaged."""
    referral.status = Status.SIGNPOSTED
    referral.received_at = at
    referral.eligible = False
    referral.ineligibility_reason = reason
    referral.risk_rating = ""
    referral.red_reviewed_at = None
    referral.queue_band = queue_band(risk_rating="", red_reviewed=False)
    referral.triage_due_at = None
    referral.allocated_offer = referral.allocated_organisation = None
    referral.allocated_at = referral.accepted_at = referral.clock_paused_at = None
    referral.acknowledged_at = at + 2 * MINUTE
    referral.signposted_at = at
    return Story(status=Status.SIGNPOSTED, received=at, eligible=False)


def _apply(
    referral: Referral, story: Story, child: Child, setting: Setting, deadline: Deadline
) -> None:
    referral.received_at = story.received
    referral.eligible, referral.ineligibility_reason = True, ""
    referral.risk_rating = story.rating
    referral.red_reviewed_at = story.red_reviewed
    referral.queue_band = queue_band(
        risk_rating=story.rating,
        red_reviewed=story.red_reviewed is not None,
        discloses_risk_to_life=referral.discloses_risk_to_life,
    )
    length = setting.clock_length(story.rating, child.priority, referral.discloses_risk_to_life)
    referral.triage_due_at = deadline(story.received, length)
    referral.clock_paused_at = (
        story.took_effect if story.status == Status.MORE_INFORMATION else None
    )
    if story.status in WITH_A_PARTNER:
        referral.allocated_at, referral.accepted_at = story.took_effect, story.accepted
    else:
        referral.allocated_offer = referral.allocated_organisation = None
        referral.allocated_at = referral.accepted_at = None
    referral.acknowledged_at = story.received + 2 * MINUTE
