"""Recording the work with a child: only the allocated organisation, and the journey moves
on where the work says so."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from onedoor import clock
from onedoor.alliance.models import Alliance
from onedoor.audit.models import AuditEvent
from onedoor.care.actions import record_check_in, record_contact, record_note
from onedoor.care.models import CheckIn, ClinicalNote, Contact
from onedoor.referrals.models import Referral, Status
from tests.personas import People, make_child


@pytest.fixture
def waiting(alliance: Alliance) -> Referral:
    referral = make_child(alliance, "Kai", allocated_to="kooth", status=Status.WAITING)
    found = referral.referrals.get()
    Referral.objects.filter(pk=found.pk).update(risk_rating="amber")
    found.refresh_from_db()
    return found


def test_the_first_attended_contact_starts_the_intervention(
    people: People, waiting: Referral
) -> None:
    contact = record_contact(
        user=people.kooth_practitioner, referral=waiting,
        happened_at=clock.now() - timedelta(hours=1), outcome="attended", mode="video",
        duration_minutes=50,
    )  # fmt: skip
    waiting.refresh_from_db()
    assert (contact.organisation.slug, waiting.status) == ("kooth", Status.IN_INTERVENTION)
    assert (
        AuditEvent.objects.filter(record_type="contact", record_id=str(contact.uuid)).count() == 1
    )


def test_a_missed_contact_does_not_start_it(people: People, waiting: Referral) -> None:
    record_contact(
        user=people.kooth_practitioner, referral=waiting, happened_at=clock.now(),
        outcome="did_not_attend", mode="face_to_face", duration_minutes=None,
    )  # fmt: skip
    waiting.refresh_from_db()
    assert waiting.status == Status.WAITING


def test_another_partner_cannot_record_and_nothing_is_written(
    people: People, waiting: Referral
) -> None:
    with pytest.raises(PermissionDenied):
        record_contact(
            user=people.chums_practitioner, referral=waiting, happened_at=clock.now(),
            outcome="attended", mode="phone", duration_minutes=30,
        )  # fmt: skip
    with pytest.raises(PermissionDenied):
        record_note(user=people.manager, referral=waiting, text="x", sharing="alliance")
    assert (Contact.objects.count(), ClinicalNote.objects.count(), AuditEvent.objects.count()) == (
        0, 0, 0,
    )  # fmt: skip


def test_a_contact_in_the_future_is_refused(people: People, waiting: Referral) -> None:
    with pytest.raises(ValidationError, match="A contact cannot be in the future"):
        record_contact(
            user=people.kooth_practitioner, referral=waiting,
            happened_at=clock.now() + timedelta(days=1), outcome="attended", mode="phone",
            duration_minutes=30,
        )  # fmt: skip


def test_a_worse_risk_at_a_check_in_sends_the_child_back_to_triage(
    people: People, waiting: Referral
) -> None:
    from django_tasks_db.models import DBTaskResult

    from onedoor.worklist.items import due_items_for

    check_in = record_check_in(
        user=people.kooth_practitioner, referral=waiting, contact_made=True, rating="red",
        notes="Says things are much worse.", materials_sent="",
    )  # fmt: skip
    waiting.refresh_from_db()
    assert (check_in.rating, waiting.status, waiting.risk_rating, waiting.queue_band) == (
        "red", Status.AWAITING_TRIAGE, "red", 1,  # red, not yet reviewed: the band under urgent
    )  # fmt: skip
    # A new same-day clock from now (not the original referral's), the clinical leads told,
    # and the review on their tasks.
    assert waiting.triage_due_at is not None and waiting.triage_due_at > clock.now()
    assert DBTaskResult.objects.get().task_path == "onedoor.referrals.tasks.notify_red_referral"
    assert [(i.what, i.referral) for i in due_items_for(people.clinical_lead)] == [
        ("Review a red referral today", waiting)
    ]


def test_a_check_in_with_the_same_risk_keeps_the_child_waiting(
    people: People, waiting: Referral
) -> None:
    record_check_in(
        user=people.kooth_practitioner, referral=waiting, contact_made=True, rating="amber",
        notes="Steady.", materials_sent="Sleep leaflet",
    )  # fmt: skip
    waiting.refresh_from_db()
    assert waiting.status == Status.WAITING
    assert CheckIn.objects.get().materials_sent == "Sleep leaflet"


def test_a_care_plan_needs_a_goal_and_a_future_review(people: People, waiting: Referral) -> None:
    from datetime import date

    from onedoor.care.actions import record_care_plan

    with pytest.raises(ValidationError, match="Write the plan and at least one goal"):
        record_care_plan(
            user=people.kooth_practitioner, referral=waiting, summary="Plan", goals=["  "],
            review_due=date(2099, 1, 1),
        )  # fmt: skip
    plan = record_care_plan(
        user=people.kooth_practitioner, referral=waiting, summary="Weekly sessions.",
        goals=["Sleep by 10pm", "", "Back to school 3 days"], review_due=date(2099, 1, 1),
    )  # fmt: skip
    assert [goal.text for goal in plan.goals.all()] == ["Sleep by 10pm", "Back to school 3 days"]


def test_a_risk_review_sets_the_next_due_date_by_rating(people: People, waiting: Referral) -> None:
    from onedoor.care.actions import record_risk_review

    review = record_risk_review(
        user=people.kooth_practitioner, referral=waiting, rating="amber", rationale="Steady."
    )
    assert (review.next_due - clock.today()).days == 14
    waiting.refresh_from_db()
    assert waiting.risk_rating == "amber"


def test_discharge_closes_the_journey_and_invites_feedback_once(
    people: People, waiting: Referral
) -> None:
    from django.core import mail
    from django_tasks_db.models import DBTaskResult

    from onedoor.care.actions import discharge, give_feedback
    from onedoor.care.tasks import invite_feedback
    from onedoor.children.models import Journey

    Referral.objects.filter(pk=waiting.pk).update(referrer_email="mum@example.org")
    journey = Journey.objects.create(child=waiting.child, opened_at=clock.now())
    Referral.objects.filter(pk=waiting.pk).update(journey=journey)
    waiting.refresh_from_db()
    ended = discharge(
        user=people.kooth_practitioner, referral=waiting, reason="goals_met",
        summary="Goals met; sleeping well.",
    )  # fmt: skip
    waiting.refresh_from_db()
    journey.refresh_from_db()
    assert (waiting.status, journey.closed_at is not None) == (Status.DISCHARGED, True)
    assert DBTaskResult.objects.get(task_path="onedoor.care.tasks.invite_feedback").args_kwargs[
        "args"
    ] == [str(ended.uuid)]
    assert invite_feedback.call(str(ended.uuid)) == 1
    assert f"/care/feedback/{ended.feedback_token}/" in mail.outbox[0].body
    feedback = give_feedback(token=ended.feedback_token, helpful=5, comments="Thank you")
    assert (feedback.helpful, feedback.discharge) == (5, ended)
    with pytest.raises(ValidationError, match="already been used or has expired"):
        give_feedback(token=ended.feedback_token, helpful=4, comments="Again")
    assert invite_feedback.call(str(ended.uuid)) == 0  # used: nothing more to send


def test_a_step_up_waits_for_the_receiving_side_then_completes(
    people: People, waiting: Referral, alliance: Alliance
) -> None:
    from onedoor.care.actions import acknowledge_handover, start_transition
    from onedoor.worklist.items import due_items_for

    camhs = alliance.organisations.get(slug="specialist-camhs")
    transition = start_transition(
        user=people.coordinator, referral=waiting, kind="step_up", reason="Escalating self-harm.",
        receiving_organisation=camhs, receiving_offer=None, handover="History and safety plan.",
    )  # fmt: skip
    waiting.refresh_from_db()
    assert waiting.status == Status.IN_TRANSITION
    work = [(i.what, i.referral, i.due) for i in due_items_for(people.coordinator)]
    assert work == [("Handover waiting for the receiving side", waiting, transition.due_at)]
    with pytest.raises(PermissionDenied):
        acknowledge_handover(user=people.kooth_practitioner, transition=transition, note="")
    with pytest.raises(ValidationError, match="Say who at the receiving service"):
        acknowledge_handover(user=people.coordinator, transition=transition, note="")
    acknowledge_handover(
        user=people.coordinator, transition=transition,
        note="Dr Duty (CAMHS duty team) confirmed by phone at 14:05.",
    )  # fmt: skip
    waiting.refresh_from_db()
    assert (waiting.status, due_items_for(people.coordinator)) == (Status.STEPPED_UP, [])
    with pytest.raises(ValidationError, match="already been acknowledged"):
        acknowledge_handover(user=people.coordinator, transition=transition, note="again")


def test_a_move_between_partners_is_accepted_by_the_receiving_partner_not_acknowledged(
    people: People, waiting: Referral, alliance: Alliance
) -> None:
    from onedoor.alliance.models import Offer
    from onedoor.care.actions import acknowledge_handover, start_transition
    from onedoor.care.handovers import accept_handover

    chums = alliance.organisations.get(slug="chums")
    offer = Offer.objects.get(slug="bereavement-support")
    transition = start_transition(
        user=people.kooth_practitioner, referral=waiting, kind="between_partners",
        reason="Bereavement is the main need.", receiving_organisation=chums,
        receiving_offer=offer, handover="Dad died in May.",
    )  # fmt: skip
    with pytest.raises(ValidationError, match="accepted or declined on its own page"):
        acknowledge_handover(user=people.chums_practitioner, transition=transition, note="")
    waiting.refresh_from_db()
    assert (waiting.status, transition.acknowledged_at) == (Status.IN_TRANSITION, None)
    accept_handover(user=people.chums_practitioner, transition=transition, version=waiting.version)
    waiting.refresh_from_db()
    # the child joins CHUMS's waiting list for its offer
    assert (waiting.status, waiting.allocated_organisation, waiting.allocated_offer) == (
        Status.WAITING, chums, offer,
    )  # fmt: skip


def test_a_transition_to_adult_services_ends_in_discharge_once_acknowledged(
    people: People, waiting: Referral, alliance: Alliance
) -> None:
    from onedoor.care.actions import acknowledge_handover, start_transition

    adults = alliance.organisations.get(slug="adult-mental-health")
    transition = start_transition(
        user=people.kooth_practitioner, referral=waiting, kind="adult_services",
        reason="Turning 18 next month.", receiving_organisation=adults, receiving_offer=None,
        handover="Summary of work and current plan.",
    )  # fmt: skip
    acknowledge_handover(
        user=people.coordinator, transition=transition, note="Adult team intake, by email."
    )
    waiting.refresh_from_db()
    assert waiting.status == Status.DISCHARGED
