"""The demo follows its own rules, seen as people would see it: every state the demo has
opens, for the person who would work on it, to a page with what that state needs; and each
role's My tasks is a realistic list, not hundreds of items long overdue.

Seeded at the size `make run` seeds (`scripts/run`: 2000 children) on the pinned clock.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from onedoor import clock
from onedoor.accounts.models import User
from onedoor.alliance.models import Alliance
from onedoor.care.models import CarePlan, Discharge, Transition
from onedoor.demo.population import STATUS_WEIGHTS, ensure_demo_accounts, seed_population
from onedoor.referrals.models import Referral, Status
from onedoor.safeguarding.models import Concern
from onedoor.triage.models import RiskScreening, TriageDecision
from onedoor.worklist.items import due_items_for, with_clocks
from tests.personas import sign_in

DEMO_CHILDREN = 2000  # as `make run` seeds them
SAMPLES = 3  # referrals walked per state (and per kind, where a state has two)


@pytest.fixture
def demo(alliance: Alliance) -> Alliance:
    ensure_demo_accounts(alliance, "demo-password-for-tests")
    seed_population(alliance, DEMO_CHILDREN, today=clock.today())
    return alliance


def _worker(referral: Referral) -> str:
    """The allocated organisation's practitioner (the lead provider's is `practitioner`)."""
    organisation = referral.allocated_organisation
    assert organisation is not None, referral.reference
    return (
        "practitioner"
        if organisation.slug == "north-kent-mind"
        else f"{organisation.slug}-practitioner"
    )


def _triage_page(referral: Referral) -> str:
    return reverse("triage:referral", args=[referral.uuid])


def _care_record(referral: Referral) -> str:
    return reverse("care:record", args=[referral.uuid])


def _child_page(referral: Referral) -> str:
    return reverse("web:child", args=[referral.child.uuid])


def _decision(referral: Referral) -> TriageDecision:
    return referral.decisions.get()


def _awaiting_triage(referral: Referral) -> list[str]:
    if not referral.risk_rating:
        return ["Screen the risk", "Save screening"]
    screening = RiskScreening.objects.get(referral=referral)
    assert screening.rating == referral.risk_rating
    return ["Screen the risk", screening.rationale, "Offers that fit", "Save decision"]


def _more_information(referral: Referral) -> list[str]:
    asked = _decision(referral)
    assert asked.information_due is not None
    return [
        "Information arrived", asked.information_requested,
        f"By {asked.information_due:%-d %B %Y}", "Back to triage",
    ]  # fmt: skip


def _awaiting_sign_off(referral: Referral) -> list[str]:
    waiting = _decision(referral)
    assert waiting.sign_off == TriageDecision.SignOff.WAITING
    return [
        "Decision waiting for sign-off", waiting.get_outcome_display(), waiting.reason,
        "Save sign-off",
    ]  # fmt: skip


def _allocated(referral: Referral) -> list[str]:
    assert referral.allocated_offer is not None
    return [referral.reference_display, referral.allocated_offer.name, "Waiting for an answer"]


def _waiting(referral: Referral) -> list[str]:
    return ["Next Waiting Well check-in", "Record a Waiting Well check-in"]


def _in_intervention(referral: Referral) -> list[str]:
    plan = CarePlan.objects.filter(referral=referral).order_by("-recorded_at").first()
    assert plan is not None, referral.reference
    return ["Attended", "Care plan", plan.summary, "Care plan review"]


def _in_transition(referral: Referral) -> list[str]:
    handover = Transition.objects.get(referral=referral, acknowledged_at__isnull=True)
    return [f"Handover waiting for {handover.receiving_organisation.name}", handover.handover]


def _discharged(referral: Referral) -> list[str]:
    ended = Discharge.objects.get(referral=referral)
    return ["Discharged", ended.get_reason_display().lower(), ended.summary]


def _signposted(referral: Referral) -> list[str]:
    services = [service.name for service in referral.signposted_to.order_by("name")]
    assert services, referral.reference  # at the door, or named by the decision
    if not referral.eligible:
        return ["Not eligible: signposted", referral.ineligibility_reason, *services]
    advice = _decision(referral)
    assert sorted(s.name for s in advice.signposted_to.all()) == services
    return ["Triage decision: Advice and signposting"]


def _decided(referral: Referral) -> list[str]:
    return [f"Triage decision: {_decision(referral).get_outcome_display()}"]


def _safeguarding(referral: Referral) -> list[str]:
    concern = Concern.objects.get(referral=referral)
    return [concern.seen_or_said, "Referred, reference", str(concern.owner)]


def _joined(referral: Referral) -> list[str]:
    """Joined to the child's open referral (`referrals/joins.py`): it says where it went."""
    assert referral.joined_to is not None, referral.reference
    return ["This referral joined referral", referral.joined_to.reference_display]


def _concern_page(referral: Referral) -> str:
    return reverse("safeguarding:concern", args=[Concern.objects.get(referral=referral).uuid])


@dataclass(frozen=True)
class Walk:
    """Who opens which page for a referral in a state, and what it must show."""

    who: Callable[[Referral], str]
    page: Callable[[Referral], str]
    shows: Callable[[Referral], list[str]]


WALKS: dict[Status, Walk] = {
    Status.AWAITING_TRIAGE: Walk(lambda r: "triage", _triage_page, _awaiting_triage),
    Status.MORE_INFORMATION: Walk(lambda r: "triage", _triage_page, _more_information),
    Status.AWAITING_SIGN_OFF: Walk(lambda r: "clinical-lead", _triage_page, _awaiting_sign_off),
    Status.ALLOCATED: Walk(_worker, lambda r: reverse("triage:incoming"), _allocated),
    Status.WAITING: Walk(_worker, _care_record, _waiting),
    Status.IN_INTERVENTION: Walk(_worker, _care_record, _in_intervention),
    Status.IN_TRANSITION: Walk(_worker, _care_record, _in_transition),
    Status.DISCHARGED: Walk(_worker, _care_record, _discharged),
    Status.SIGNPOSTED: Walk(
        lambda r: "triage",
        lambda r: reverse("referrals_staff:referral", args=[r.uuid]) if not r.eligible
        else _child_page(r),
        _signposted,
    ),
    Status.STEPPED_UP: Walk(lambda r: "triage", _child_page, _decided),
    Status.NOT_ACCEPTED: Walk(lambda r: "triage", _child_page, _decided),
    Status.SAFEGUARDING_REFERRAL: Walk(lambda r: "safeguarding", _concern_page, _safeguarding),
    Status.JOINED: Walk(
        lambda r: "triage", lambda r: reverse("referrals_staff:referral", args=[r.uuid]), _joined
    ),
}  # fmt: skip


def _samples(status: str) -> list[Referral]:
    """Up to `SAMPLES` of each kind in the state (eligible, or turned away at the door)."""
    referrals = Referral.objects.filter(status=status).select_related(
        "child", "allocated_organisation", "allocated_offer"
    )
    return [
        *referrals.filter(eligible=True).order_by("uuid")[:SAMPLES],
        *referrals.filter(eligible=False).order_by("uuid")[:SAMPLES],
    ]


def test_every_state_in_the_demo_opens_to_a_page_with_what_it_needs(
    client: Client, demo: Alliance
) -> None:
    present = set(Referral.objects.values_list("status", flat=True).distinct())
    claimed = {str(status) for status, _ in STATUS_WEIGHTS}
    assert present == claimed  # every state the demo claims, and no other
    assert present - set(WALKS) == set()  # a state with demo referrals and no walk fails here
    users = {user.username: user for user in User.objects.filter(is_demo=True)}
    walked: Counter[str] = Counter()
    signed_in = ""
    for status in sorted(present):
        walk = WALKS[Status(status)]
        for referral in _samples(status):
            who = walk.who(referral)
            if who != signed_in:
                sign_in(client, users[who])
                signed_in = who
            response = client.get(walk.page(referral))
            assert response.status_code == 200, (status, referral.reference, who)
            page = html.unescape(response.content.decode())
            missing = [text for text in walk.shows(referral) if text not in page]
            assert missing == [], (status, referral.reference, who)
            walked[status] += 1
    assert set(walked) == present
    # Just arrived, disclosing a risk to life, not yet screened: the top of the queue.
    urgent = [
        r for r in Referral.objects.filter(status=Status.AWAITING_TRIAGE, risk_rating="")
        if r.discloses_risk_to_life
    ]  # fmt: skip
    assert urgent and all(clock.now() - r.received_at < timedelta(hours=1) for r in urgent)
    assert walked[Status.SIGNPOSTED] == 2 * SAMPLES  # at the door, and by a triage decision
    assert all(count >= 2 for count in walked.values()), walked


# My tasks: what people open first thing. Roles whose list the demo fills, and how long a
# realistic list is for each: a handful of items due or overdue, the rest on time.
MOST_TASKS = 30
TASK_HOLDERS = (
    "triage", "clinical-lead", "coordinator", "kooth-lead", "chums-lead", "practitioner",
)  # fmt: skip


def test_my_tasks_in_the_demo_is_a_realistic_list_for_every_role(demo: Alliance) -> None:
    now = clock.now()
    for username in TASK_HOLDERS:
        user = User.objects.get(username=username)
        rows = with_clocks(due_items_for(user, now), now)
        late = [row for row in rows if row.clock.words.startswith("Overdue")]
        assert 5 <= len(rows) <= MOST_TASKS, (username, len(rows))
        assert len(late) <= len(rows) // 3, (username, [row.item.what for row in late])
    kooth = User.objects.get(username="kooth-lead")
    check_ins = [
        row
        for row in with_clocks(due_items_for(kooth, now), now)
        if row.item.what == "Waiting Well check-in"
    ]
    waiting = Referral.objects.filter(status=Status.WAITING, allocated_organisation__slug="kooth")
    # Reminders from a week ahead (every week for red, fortnightly amber, four-weekly green):
    # some of Kooth's waiting children, not all; a few overdue, by days, not months.
    assert 0 < len(check_ins) < waiting.count()
    overdue = [row.item.due for row in check_ins if row.clock.words.startswith("Overdue")]
    assert len(overdue) <= 3 and all(now - due < timedelta(days=7) for due in overdue)
