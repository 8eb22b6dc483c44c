"""The synthetic demo alliance: deterministic, obviously synthetic, one account per role."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from onedoor.accounts.models import User
from onedoor.accounts.roles import Role
from onedoor.alliance.models import Alliance
from onedoor.children import nhs_number
from onedoor.children.models import Child, Journey
from onedoor.demo.population import (
    SYNTHETIC_FAMILY_NAMES,
    DemoAccountClash,
    demo_usernames,
    ensure_demo_accounts,
    seed_population,
)
from onedoor.referrals import reference
from onedoor.referrals.models import Referral, Status
from onedoor.referrals.states import ENDS
from tests.personas import make_user, organisation

TODAY = date(2026, 11, 22)

PARTNERS = [
    "barratt-behaviour-change", "bfb-labs", "chums", "kooth", "oasis", "salus",
    "young-lives-foundation",
]  # fmt: skip


def _snapshot() -> list[tuple[object, ...]]:
    return list(
        Child.objects.order_by("uuid").values_list(
            "uuid", "given_name", "family_name", "date_of_birth", "nhs_number", "postcode"
        )
    )


def test_demo_accounts_are_named_by_role_and_partner(alliance: Alliance) -> None:
    result = ensure_demo_accounts(alliance, "a-demo-password")
    expected = {
        "triage", "coordinator", "practitioner", "clinical-lead", "safeguarding", "manager",
        "analyst", "commissioner", "admin", "gp-referrer",
        *(f"{slug}-practitioner" for slug in PARTNERS),
        *(f"{slug}-lead" for slug in PARTNERS),
    }  # fmt: skip
    assert set(result.created) == expected == set(demo_usernames(alliance))
    assert result.password is None
    roles = dict(User.objects.values_list("username", "role"))
    assert roles["triage"] == Role.TRIAGE_LEAD
    assert roles["kooth-practitioner"] == Role.PRACTITIONER
    assert roles["practitioner"] == Role.PRACTITIONER  # the lead provider's own offers
    assert User.objects.get(username="practitioner").organisation == organisation(
        alliance, "north-kent-mind"
    )
    assert roles["chums-lead"] == Role.PARTNER_LEAD
    assert User.objects.get(username="chums-lead").organisation == organisation(alliance, "chums")
    assert User.objects.get(username="commissioner").organisation == organisation(
        alliance, "medway-council"
    )
    assert User.objects.get(username="admin").check_password("a-demo-password")


def test_without_a_password_one_is_generated_once(alliance: Alliance) -> None:
    first = ensure_demo_accounts(alliance, None)
    assert first.password is not None and len(first.password) >= 16
    assert User.objects.get(username="triage").check_password(first.password)
    again = ensure_demo_accounts(alliance, None)
    assert (again.created, again.password) == ([], None)
    assert User.objects.get(username="triage").check_password(first.password)


def test_demo_data_never_touches_a_real_account(alliance: Alliance) -> None:
    real = make_user("admin", Role.ADMINISTRATOR, organisation(alliance, "north-kent-mind"))
    with pytest.raises(
        DemoAccountClash, match=r"Real accounts already use demo usernames \(admin\)"
    ):
        ensure_demo_accounts(alliance, "a-demo-password")
    real.refresh_from_db()
    assert not real.check_password("a-demo-password")
    assert User.objects.count() == 1


def test_the_population_is_deterministic_and_tops_up(alliance: Alliance) -> None:
    assert seed_population(alliance, 40, today=TODAY) == 40
    first = _snapshot()
    assert seed_population(alliance, 40, today=TODAY) == 0
    assert _snapshot() == first
    assert seed_population(alliance, 60, today=TODAY) == 20
    Referral.objects.all().delete()
    Journey.objects.all().delete()
    Child.priority_groups.through.objects.all().delete()
    Child.objects.all().delete()
    seed_population(alliance, 40, today=TODAY)
    assert _snapshot() == first


def test_the_population_is_synthetic_and_realistic(alliance: Alliance) -> None:
    seed_population(alliance, 400, today=TODAY)
    children = list(Child.objects.prefetch_related("priority_groups"))
    assert len(children) == 400
    assert {child.family_name for child in children} <= set(SYNTHETIC_FAMILY_NAMES)
    numbers = [child.nhs_number for child in children if child.nhs_number]
    assert len(numbers) == len(set(numbers)) > 300
    assert all(number.startswith("999") and nhs_number.is_valid(number) for number in numbers)
    ages = [child.age_on(TODAY) for child in children]
    assert min(ages) == 5 and max(ages) >= 19 and max(ages) <= 25
    for child, age in zip(children, ages, strict=True):
        if age > 18:  # only the groups that extend eligibility are older than 18
            slugs = {group.slug for group in child.priority_groups.all()}
            assert slugs & {"send", "care-leaver"}, child.uuid
    referrals = Referral.objects.select_related("allocated_offer")
    assert all(reference.is_valid(r.reference) for r in referrals)
    statuses = {r.status for r in referrals}
    # A referral joins another only when a triage lead confirms a match (`referrals/joins.py`).
    # The rarer states (more information, sign-off) appear at `make run`'s size, where every
    # state the demo claims is walked (`test_demo_walk.py`).
    assert statuses <= set(Status) - {Status.JOINED}
    assert statuses >= set(Status) - {
        Status.JOINED, Status.MORE_INFORMATION, Status.AWAITING_SIGN_OFF,
    }  # fmt: skip
    allocated = [r for r in referrals if r.allocated_offer is not None]
    assert {r.allocated_organisation_id for r in allocated} >= {
        organisation(alliance, slug).pk for slug in ("kooth", "chums")
    }


def test_seed_demo_refuses_outside_demo_mode(alliance: Alliance, settings) -> None:  # type: ignore[no-untyped-def]
    settings.DEMO_MODE = False
    with pytest.raises(CommandError, match="Demo data is loaded only in demo mode"):
        call_command("seed_demo", "--children", "5", "--no-progress")
    assert (User.objects.count(), Child.objects.count()) == (0, 0)


def test_seed_demo_loads_accounts_and_children(alliance: Alliance, settings, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    settings.DEMO_MODE = True
    monkeypatch.setenv("DEMO_PASSWORD", "chosen-demo-password")
    call_command("seed_demo", "--children", "25", "--no-progress")
    assert Child.objects.count() == 25
    assert User.objects.filter(is_demo=True).count() == 24
    assert User.objects.get(username="kooth-lead").check_password("chosen-demo-password")


def test_the_demo_gp_referrer_has_referrals_of_their_own_in_different_states(
    alliance: Alliance,
    settings,  # type: ignore[no-untyped-def]
) -> None:
    from onedoor.referrals.models import Referral

    settings.DEMO_MODE = True
    call_command("seed_demo", "--children", "150", "--no-progress")
    gp = User.objects.get(username="gp-referrer")
    assert (gp.role, gp.organisation.slug, gp.referrer_details.workplace) == (  # type: ignore[union-attr]
        Role.PROFESSIONAL_REFERRER,
        "registered-referrers",
        "Demo Surgery",
    )
    theirs = Referral.objects.filter(referred_by=gp)
    statuses = set(theirs.values_list("status", flat=True))
    assert len(statuses) >= 3
    assert set(theirs.values_list("source", "route")) == {("gp", "professional")}
    call_command("seed_demo", "--children", "150", "--no-progress")
    assert Referral.objects.filter(referred_by=gp).count() == len(theirs)


def test_the_population_has_the_work_behind_the_figures(alliance: Alliance) -> None:
    from onedoor.care.models import Contact, Discharge, Feedback
    from onedoor.demo.stories import SEEN
    from onedoor.insights.kpis import BY_SLUG, Cut, Period, Scope
    from onedoor.outcomes.models import MeasureResponse
    from onedoor.triage.models import TriageDecision

    ensure_demo_accounts(alliance, "demo-password-1")
    seed_population(alliance, 300, today=TODAY)
    # Every eligible referral past triage was decided; none turned away at the door was.
    decided = Referral.objects.filter(eligible=True).exclude(status=Status.AWAITING_TRIAGE)
    assert TriageDecision.objects.count() == decided.count() > 100
    assert set(Contact.objects.values_list("referral__status", flat=True)) <= set(SEEN)
    assert Discharge.objects.count() == Referral.objects.filter(status=Status.DISCHARGED).count()
    assert Discharge.objects.count() > 0 and Feedback.objects.count() > 0
    assert set(MeasureResponse.objects.values_list("measure", flat=True)) <= {"yp-core", "gad-7"}
    latest = TODAY
    for model, field in ((Contact, "happened_at"), (TriageDecision, "decided_at")):
        assert all(
            moment.date() <= latest for moment in model.objects.values_list(field, flat=True)
        )
    year = Period(TODAY - timedelta(days=364), TODAY)
    seen = BY_SLUG["seen"](alliance, Scope(), year, Cut.NONE)[0]
    in_year = Contact.objects.filter(outcome="attended", happened_at__gte=year.since)
    assert seen.numerator == in_year.values("referral__child").distinct().count() > 0


def test_each_demo_referral_runs_the_clock_its_rating_group_and_disclosures_give(
    alliance: Alliance,
) -> None:
    from onedoor.alliance.clocks import triage_deadline

    seed_population(alliance, 150, today=date(2026, 11, 23))
    referrals = Referral.objects.select_related("child").prefetch_related("child__priority_groups")
    for referral in referrals:
        disclosed = referral.discloses_risk_to_life
        if not referral.eligible:  # signposted at the door: never triaged, so no clock
            assert referral.triage_due_at is None, referral.reference
            continue
        assert referral.triage_due_at == triage_deadline(
            alliance,
            received_at=referral.received_at,
            risk_rating=referral.risk_rating,
            priority_group=any(
                g.shortens_triage_clock for g in referral.child.priority_groups.all()
            ),
            disclosed_risk=disclosed,
        ), referral.reference


def test_every_demo_referral_has_the_records_its_state_needs(alliance: Alliance) -> None:
    """The demo follows the product's rules: what each state's page needs is there, in the
    order the actions would have written it, and nothing is later than now."""
    from onedoor import clock
    from onedoor.care.lists import cadences_of, with_check_in_due
    from onedoor.care.models import CarePlan, CheckIn, Contact, Discharge, Transition
    from onedoor.safeguarding.models import Concern
    from onedoor.triage.models import RiskScreening, TriageDecision

    ensure_demo_accounts(alliance, "demo-password-1")
    seed_population(alliance, 500, today=clock.today())
    now = clock.now()
    referrals = list(
        Referral.objects.select_related("journey").prefetch_related(
            "screenings", "decisions", "signposted_to"
        )
    )
    by_status = Counter(r.status for r in referrals)
    assert by_status[Status.AWAITING_SIGN_OFF] > 0 and by_status[Status.IN_TRANSITION] > 0
    for r in referrals:
        ref = (r.status, r.reference)
        decisions = list(r.decisions.all())
        assert r.received_at <= now and r.acknowledged_at is not None, ref
        if not r.eligible:  # turned away at the door: signposted, never triaged
            assert (r.status, r.journey, r.triage_due_at, decisions) == (
                Status.SIGNPOSTED,
                None,
                None,
                [],
            ), ref
            assert r.ineligibility_reason and list(r.signposted_to.all()), ref
            continue
        screenings = list(r.screenings.all())
        if r.risk_rating:  # the rating came from a screening
            assert [s.rating for s in screenings] == [r.risk_rating], ref
            assert r.received_at < screenings[0].screened_at <= now, ref
        else:
            assert (r.status, screenings) == (Status.AWAITING_TRIAGE, []), ref
        assert r.journey is not None and r.journey.opened_at == r.received_at, ref
        assert (r.journey.closed_at is None) == (r.status not in ENDS), ref
        if r.status == Status.AWAITING_TRIAGE:
            assert decisions == [], ref
            continue
        [decision] = decisions
        assert screenings[0].screened_at <= decision.decided_at <= now, ref
        needs_sign_off = r.risk_rating == "red" or decision.complex
        if r.status == Status.AWAITING_SIGN_OFF:
            assert (decision.sign_off, needs_sign_off) == ("waiting", True), ref
            continue
        assert decision.sign_off == ("approved" if needs_sign_off else "not_needed"), ref
        took_effect = decision.signed_off_at or decision.decided_at
        if r.risk_rating == "red":  # signing the decision off is a clinician's review
            assert r.red_reviewed_at == took_effect, ref
        if r.status == Status.MORE_INFORMATION:
            assert r.clock_paused_at == took_effect and decision.information_due, ref
        if r.allocated_offer is not None:
            assert decision.offer == r.allocated_offer and r.allocated_at == took_effect, ref
        if r.status in (Status.WAITING, Status.IN_INTERVENTION, Status.IN_TRANSITION):
            assert r.allocated_at is not None and r.accepted_at is not None, ref
            assert r.allocated_at < r.accepted_at <= now, ref
        contacts = list(Contact.objects.filter(referral=r).order_by("happened_at"))
        if r.status in (Status.IN_INTERVENTION, Status.IN_TRANSITION):
            assert contacts[0].outcome == Contact.Outcome.ATTENDED, ref
            assert r.accepted_at is not None and r.accepted_at < contacts[0].happened_at, ref
            assert contacts[-1].happened_at <= now, ref
            assert CarePlan.objects.filter(referral=r).exists(), ref
        if r.status == Status.IN_TRANSITION:
            [handover] = Transition.objects.filter(referral=r, acknowledged_at__isnull=True)
            assert (
                contacts[-1].happened_at
                <= handover.sent_at
                <= now
                < handover.due_at + (timedelta(days=10))
            ), ref
        if r.status == Status.DISCHARGED:
            ended = Discharge.objects.get(referral=r)
            assert r.journey.closed_at == ended.discharged_at <= now, ref
        if r.status == Status.SAFEGUARDING_REFERRAL:
            assert Concern.objects.get(referral=r).raised_at == took_effect, ref
    # Waiting Well: each check-in a cadence after the one before; most next ones not yet due.
    waiting = with_check_in_due(
        Referral.objects.filter(status=Status.WAITING), cadences_of(alliance.pk)
    )
    due = [r.check_in_due for r in waiting]  # type: ignore[attr-defined]
    assert sum(when <= now for when in due) <= len(due) // 10
    assert CheckIn.objects.filter(recorded_at__gt=now).count() == 0
    for model, field in (
        (RiskScreening, "screened_at"), (TriageDecision, "decided_at"),
        (Contact, "happened_at"), (CheckIn, "recorded_at"), (Discharge, "discharged_at"),
    ):  # fmt: skip
        assert model.objects.filter(**{f"{field}__gt": now}).count() == 0, model
    # One child, one open referral (and one open journey).
    open_per_child = Counter(r.child_id for r in referrals if r.status not in ENDS)
    assert max(open_per_child.values()) == 1
