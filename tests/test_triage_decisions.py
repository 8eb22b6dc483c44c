"""Screening, deciding, signing off, allocating and the partner's answer."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django_tasks_db.models import DBTaskResult

from onedoor.alliance.models import Alliance, IThriveGrouping, Offer, Organisation
from onedoor.referrals.models import Referral, Status
from onedoor.referrals.states import Conflict
from onedoor.referrals.tasks import notify_red_referral
from onedoor.triage.actions import (
    accept_allocation,
    decline_allocation,
    record_decision,
    review_red,
    screen_risk,
    sign_off,
)
from onedoor.triage.models import Outcome, TriageDecision
from tests.personas import People, make_child

HELP = IThriveGrouping.GETTING_HELP


@pytest.fixture
def referral(alliance: Alliance) -> Referral:
    found = make_child(alliance, "Nia", born=date(2016, 5, 1)).referrals.get()
    Referral.objects.filter(pk=found.pk).update(consent_to_share=True)
    found.refresh_from_db()
    return found


def _screen(people: People, referral: Referral, rating: str) -> Referral:
    screen_risk(
        user=people.triage, referral=referral, version=referral.version, rating=rating,
        indicators={"self_harm"} if rating == "red" else set(), rationale="Read the referral.",
    )  # fmt: skip
    referral.refresh_from_db()
    return referral


def test_a_red_rating_goes_to_the_top_with_a_same_day_clock_and_tells_the_clinical_lead(
    people: People, referral: Referral
) -> None:
    people.clinical_lead.email = "clinical.lead@example.org"
    people.clinical_lead.save()
    referral = _screen(people, referral, "red")
    assert (referral.risk_rating, referral.queue_band, referral.self_harm) == ("red", 1, True)
    assert referral.triage_due_at is not None
    assert referral.triage_due_at.date() == date(2026, 11, 2)  # received Monday 2 November, 10:00
    task = DBTaskResult.objects.get()
    assert task.task_path == "onedoor.referrals.tasks.notify_red_referral"
    assert notify_red_referral.call(str(referral.uuid)) == 1
    assert mail.outbox[0].to == ["clinical.lead@example.org"]
    assert referral.reference_display in mail.outbox[0].subject
    assert "Nia" not in mail.outbox[0].body


def test_a_clinician_review_takes_a_red_referral_off_the_top(
    people: People, referral: Referral
) -> None:
    referral = _screen(people, referral, "red")
    with pytest.raises(PermissionDenied):
        review_red(user=people.triage, referral=referral, version=referral.version, note="ok")
    review_red(
        user=people.clinical_lead, referral=referral, version=referral.version, note="Spoke to mum."
    )
    referral.refresh_from_db()
    assert referral.queue_band == 2 and referral.red_reviewed_at is not None
    assert notify_red_referral.call(str(referral.uuid)) == 0  # reviewed: nothing to send


def test_an_amber_referral_is_allocated_and_the_partner_accepts(
    people: People, referral: Referral
) -> None:
    referral = _screen(people, referral, "amber")
    lumi = Offer.objects.get(slug="lumi-nova")
    decision = record_decision(
        user=people.triage, referral=referral, version=referral.version, grouping=HELP,
        outcome=Outcome.ALLOCATE, offer=lumi,
    )  # fmt: skip
    referral.refresh_from_db()
    assert decision.sign_off == "not_needed"
    assert (referral.status, referral.allocated_offer, referral.allocated_organisation.slug) == (  # type: ignore[union-attr]
        Status.ALLOCATED, lumi, "bfb-labs",
    )  # fmt: skip
    with pytest.raises(PermissionDenied):
        accept_allocation(
            user=people.kooth_practitioner, referral=referral, version=referral.version
        )
    from tests.personas import make_user

    bfb = make_user("bea-bfb", "practitioner", Organisation.objects.get(slug="bfb-labs"))  # type: ignore[arg-type]
    accept_allocation(user=bfb, referral=referral, version=referral.version)
    referral.refresh_from_db()
    assert referral.status == Status.WAITING and referral.accepted_at is not None


def test_a_partner_declines_and_the_referral_returns_with_its_clock_intact(
    people: People, referral: Referral
) -> None:
    referral = _screen(people, referral, "green")
    due = referral.triage_due_at
    record_decision(
        user=people.triage, referral=referral, version=referral.version, grouping=HELP,
        outcome=Outcome.ALLOCATE, offer=Offer.objects.get(slug="kooth-online"),
    )  # fmt: skip
    referral.refresh_from_db()
    with pytest.raises(ValidationError, match="Say why you are declining"):
        decline_allocation(
            user=people.kooth_lead, referral=referral, version=referral.version, reason=""
        )
    decline_allocation(
        user=people.kooth_lead, referral=referral, version=referral.version,
        reason="Under 11: our service starts at 11.",
    )  # fmt: skip
    referral.refresh_from_db()
    assert (referral.status, referral.triage_due_at, referral.allocated_offer) == (
        Status.AWAITING_TRIAGE, due, None,
    )  # fmt: skip
    assert referral.last_declined_by is not None and referral.last_declined_by.slug == "kooth"


def test_allocation_needs_consent_to_share(people: People, referral: Referral) -> None:
    Referral.objects.filter(pk=referral.pk).update(consent_to_share=False)
    referral = _screen(people, referral, "amber")
    with pytest.raises(ValidationError, match="There is no consent to share"):
        record_decision(
            user=people.triage, referral=referral, version=referral.version, grouping=HELP,
            outcome=Outcome.ALLOCATE, offer=Offer.objects.get(slug="lumi-nova"),
        )  # fmt: skip
    referral.refresh_from_db()
    assert (referral.status, TriageDecision.objects.count()) == (Status.AWAITING_TRIAGE, 0)


def test_a_red_decision_waits_for_the_clinical_lead_then_takes_effect(
    people: People, referral: Referral
) -> None:
    referral = _screen(people, referral, "red")
    camhs = Organisation.objects.get(slug="specialist-camhs")
    decision = record_decision(
        user=people.triage, referral=referral, version=referral.version,
        grouping=IThriveGrouping.GETTING_RISK_SUPPORT, outcome=Outcome.STEP_UP,
        receiving_service=camhs, reason="Daily self-harm; needs specialist assessment.",
    )  # fmt: skip
    referral.refresh_from_db()
    assert (decision.sign_off, referral.status) == ("waiting", Status.AWAITING_SIGN_OFF)
    sign_off(user=people.clinical_lead, decision=decision, version=referral.version, approve=True)
    referral.refresh_from_db()
    decision.refresh_from_db()
    assert (decision.sign_off, decision.signed_off_by, referral.status) == (
        "approved", people.clinical_lead, Status.STEPPED_UP,
    )  # fmt: skip
    assert referral.queue_band == 2


def test_a_returned_decision_goes_back_to_triage(people: People, referral: Referral) -> None:
    referral = _screen(people, referral, "red")
    decision = record_decision(
        user=people.triage, referral=referral, version=referral.version, grouping=HELP,
        outcome=Outcome.NOT_ACCEPTED, reason="Already with CAMHS.",
    )  # fmt: skip
    referral.refresh_from_db()
    with pytest.raises(ValidationError, match="Say why the decision goes back"):
        sign_off(
            user=people.clinical_lead, decision=decision, version=referral.version, approve=False
        )
    sign_off(
        user=people.clinical_lead, decision=decision, version=referral.version, approve=False,
        note="Check with CAMHS first.",
    )  # fmt: skip
    referral.refresh_from_db()
    assert referral.status == Status.AWAITING_TRIAGE


@pytest.mark.parametrize(
    ("outcome", "extra", "message"),
    [
        (Outcome.ADVICE, {}, "Record the advice and what was sent"),
        (Outcome.STEP_UP, {"reason": "x"}, "Choose the receiving service and write the handover"),
        (
            Outcome.MORE_INFORMATION,
            {"information_requested": "GP letter"},
            "Say what information is needed and by when",
        ),
        (Outcome.NOT_ACCEPTED, {}, "Write the reason"),
        (Outcome.ALLOCATE, {}, "Choose the offer to allocate to"),
    ],
)
def test_each_outcome_says_what_it_needs(
    people: People, referral: Referral, outcome: str, extra: dict[str, str], message: str
) -> None:
    referral = _screen(people, referral, "green")
    with pytest.raises(ValidationError, match=message):
        record_decision(
            user=people.triage,
            referral=referral,
            version=referral.version,
            grouping=HELP,
            outcome=outcome,
            **extra,  # type: ignore[arg-type]
        )
    assert TriageDecision.objects.count() == 0


def test_a_decision_before_screening_is_refused(people: People, referral: Referral) -> None:
    with pytest.raises(ValidationError, match="Screen the risk before deciding"):
        record_decision(
            user=people.triage, referral=referral, version=referral.version, grouping=HELP,
            outcome=Outcome.ADVICE, materials_sent="Leaflet",
        )  # fmt: skip


def test_two_concurrent_decisions_one_applies_and_one_is_refused_with_a_conflict(
    people: People, referral: Referral
) -> None:
    referral = _screen(people, referral, "green")
    seen_by_both = referral.version
    first = Referral.objects.get(pk=referral.pk)
    second = Referral.objects.get(pk=referral.pk)
    record_decision(
        user=people.triage, referral=first, version=seen_by_both, grouping=HELP,
        outcome=Outcome.ADVICE, materials_sent="Sleep leaflet.",
    )  # fmt: skip
    with pytest.raises(Conflict, match="This referral changed while you were working on it"):
        record_decision(
            user=people.clinical_lead, referral=second, version=seen_by_both, grouping=HELP,
            outcome=Outcome.NOT_ACCEPTED, reason="Duplicate.",
        )  # fmt: skip
    referral.refresh_from_db()
    assert referral.status == Status.SIGNPOSTED
    assert list(TriageDecision.objects.values_list("outcome", flat=True)) == ["advice"]


def test_the_clock_pauses_while_information_is_awaited_and_the_deadline_moves_back(
    people: People, referral: Referral, time_machine: time_machine.TimeMachineFixture
) -> None:
    from datetime import UTC, datetime

    from onedoor.triage.actions import information_received

    def at(day: int, hour: int) -> None:  # November 2026, UTC = London
        time_machine.move_to(datetime(2026, 11, day, hour, tzinfo=UTC), tick=False)

    at(2, 11)
    referral = _screen(people, referral, "green")  # received Monday 2 Nov, 10:00
    assert referral.triage_due_at == datetime(2026, 11, 9, 17, 0, tzinfo=UTC)  # 5 working days
    at(3, 11)
    record_decision(
        user=people.triage, referral=referral, version=referral.version, grouping=HELP,
        outcome=Outcome.MORE_INFORMATION, information_requested="GP letter",
        information_due=date(2026, 11, 10),
    )  # fmt: skip
    referral.refresh_from_db()
    assert (referral.status, referral.clock_paused_at) == (
        Status.MORE_INFORMATION, datetime(2026, 11, 3, 11, tzinfo=UTC),
    )  # fmt: skip
    at(5, 15)
    information_received(
        user=people.triage, referral=referral, version=referral.version, note="Letter in."
    )
    referral.refresh_from_db()
    # Paused Tuesday, Wednesday and Thursday: three working days later.
    assert (referral.status, referral.clock_paused_at, referral.triage_due_at) == (
        Status.AWAITING_TRIAGE, None, datetime(2026, 11, 12, 17, 0, tzinfo=UTC),
    )  # fmt: skip


def test_the_referrer_is_told_why_a_referral_was_not_accepted(
    people: People, referral: Referral
) -> None:
    from onedoor.triage.tasks import tell_referrer_not_accepted

    Referral.objects.filter(pk=referral.pk).update(referrer_email="senco@school.example")
    referral = _screen(people, referral, "green")
    decision = record_decision(
        user=people.triage, referral=referral, version=referral.version, grouping=HELP,
        outcome=Outcome.NOT_ACCEPTED, reason="Already supported by the school's counsellor.",
    )  # fmt: skip
    task = DBTaskResult.objects.get(task_path="onedoor.triage.tasks.tell_referrer_not_accepted")
    assert task.args_kwargs["args"] == [str(decision.uuid)]
    assert tell_referrer_not_accepted.call(str(decision.uuid)) == 1
    message = mail.outbox[0]
    assert message.to == ["senco@school.example"]
    assert "Already supported by the school's counsellor." in message.body
    assert "Nia" not in message.body


def test_a_complex_decision_waits_for_sign_off_even_when_green(
    people: People, referral: Referral
) -> None:
    referral = _screen(people, referral, "green")
    decision = record_decision(
        user=people.triage, referral=referral, version=referral.version, grouping=HELP,
        outcome=Outcome.ADVICE, materials_sent="Leaflet", complex=True,
    )  # fmt: skip
    referral.refresh_from_db()
    assert (decision.sign_off, referral.status) == ("waiting", Status.AWAITING_SIGN_OFF)


def test_the_clinical_leads_own_red_decision_takes_effect_at_once(
    people: People, referral: Referral
) -> None:
    referral = _screen(people, referral, "red")
    decision = record_decision(
        user=people.clinical_lead, referral=referral, version=referral.version,
        grouping=IThriveGrouping.GETTING_RISK_SUPPORT, outcome=Outcome.STEP_UP,
        receiving_service=Organisation.objects.get(slug="specialist-camhs"),
        reason="Same-day specialist assessment.",
    )  # fmt: skip
    referral.refresh_from_db()
    assert (decision.sign_off, referral.status) == ("not_needed", Status.STEPPED_UP)
