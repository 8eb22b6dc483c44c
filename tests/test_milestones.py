"""Milestone updates: triaged, allocated, first appointment offered and discharged, each sent
once, by reference only, to those the referral consented to, and never while the referral is
marked "do not share status with the family" (`referrals/milestones.py`)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django_tasks_db.models import DBTaskResult

from onedoor import clock
from onedoor.alliance.models import Alliance, IThriveGrouping, Offer, Organisation
from onedoor.audit.models import AuditEvent
from onedoor.care.actions import discharge
from onedoor.care.appointments import record_appointment_offer
from onedoor.care.models import AppointmentOffer
from onedoor.children.models import CarerContact, TimelineEvent
from onedoor.emails.models import Delivery
from onedoor.referrals.emails import recipients
from onedoor.referrals.milestones import Milestone, partner_named, send_milestone
from onedoor.referrals.models import Referral, Route, Status
from onedoor.referrals.status_sharing import share_status_again, withhold_status
from onedoor.triage.actions import (
    TRIAGED,
    accept_allocation,
    decline_allocation,
    record_decision,
    screen_risk,
    sign_off,
)
from onedoor.triage.models import Outcome
from tests.personas import People, make_child, sign_in

TASK = "onedoor.referrals.milestones.send_milestone"
HELP = IThriveGrouping.GETTING_HELP
GIVEN, FAMILY = "Zainab", "Okonkwo-Lindqvist"
REFERRER, CARER, YOUNG_PERSON = "school@example.org", "carer@example.org", "zo@example.org"
SUBJECTS = {
    Milestone.TRIAGED: "our triage team has decided",
    Milestone.ALLOCATED: "a service has taken it on",
    Milestone.FIRST_APPOINTMENT: "a first appointment has been offered",
    Milestone.DISCHARGED: "the support has come to an end",
}


@pytest.fixture
def referral(alliance: Alliance) -> Referral:
    """A professional's referral of a 16-year-old, the family may be contacted, consent to
    share with partners: the referrer, the carer and the young person hear each milestone."""
    child = make_child(alliance, GIVEN, FAMILY, born=date(2010, 3, 14))
    child.email = YOUNG_PERSON
    child.save(update_fields=["email"])
    CarerContact.objects.create(child=child, name="Ada Carer", relationship="Mother", email=CARER)
    found = child.referrals.get()
    Referral.objects.filter(pk=found.pk).update(
        consent_to_share=True,
        route=Route.PROFESSIONAL,
        referrer_email=REFERRER,
        family_may_be_contacted=True,
    )
    found.refresh_from_db()
    return found


def _run_queued() -> int:
    """Run every milestone task queued so far (as the worker would); how many emails went."""
    return sum(
        send_milestone.call(*task.args_kwargs["args"])
        for task in DBTaskResult.objects.filter(task_path=TASK).order_by("pk")
    )


def _queued() -> list[list[str]]:
    return [
        task.args_kwargs["args"]
        for task in DBTaskResult.objects.filter(task_path=TASK).order_by("pk")
    ]


def _screened(people: People, referral: Referral, rating: str = "amber") -> Referral:
    screen_risk(
        user=people.triage, referral=referral, version=referral.version, rating=rating,
        indicators={"self_harm"} if rating == "red" else set(), rationale="Read the referral.",
    )  # fmt: skip
    referral.refresh_from_db()
    return referral


def _allocate(people: People, referral: Referral) -> Referral:
    record_decision(
        user=people.triage, referral=referral, version=referral.version, grouping=HELP,
        outcome=Outcome.ALLOCATE, offer=Offer.objects.get(slug="kooth-online"),
    )  # fmt: skip
    referral.refresh_from_db()
    return referral


def _waiting(people: People, referral: Referral) -> Referral:
    referral = _allocate(people, _screened(people, referral))
    accept_allocation(user=people.kooth_practitioner, referral=referral, version=referral.version)
    referral.refresh_from_db()
    return referral


def _offer(people: People, referral: Referral) -> AppointmentOffer:
    return record_appointment_offer(
        user=people.kooth_practitioner, referral=referral,
        offered_for=clock.now() + timedelta(days=7), mode="video",
    )  # fmt: skip


def _sent(milestone: Milestone) -> list[str]:
    """Who has been sent the milestone's update, in order."""
    return [
        address
        for message in mail.outbox
        if message.subject.endswith(SUBJECTS[milestone])
        for address in message.to
    ]


def test_each_milestone_goes_once_to_the_referrer_and_the_consenting_family(
    people: People, referral: Referral
) -> None:
    everyone = [REFERRER, CARER, YOUNG_PERSON]
    referral = _allocate(people, _screened(people, referral))
    assert (_queued(), _run_queued(), _run_queued()) == (
        [[str(referral.uuid), "triaged"]], 3, 0,
    )  # fmt: skip
    # Declined and allocated again: triaged a second time, told once.
    decline_allocation(
        user=people.kooth_lead, referral=referral, version=referral.version, reason="Full."
    )
    referral.refresh_from_db()
    referral = _allocate(people, referral)
    accept_allocation(user=people.kooth_practitioner, referral=referral, version=referral.version)
    referral.refresh_from_db()
    assert _run_queued() == 3  # the allocation; the second triage decision sends nothing
    _offer(people, referral)
    _offer(people, referral)  # rearranged: still the first appointment's one update
    assert _run_queued() == 3
    discharge(
        user=people.kooth_practitioner, referral=referral, reason="goals_met", summary="Done."
    )
    assert (_run_queued(), _run_queued()) == (3, 0)
    sent = {milestone: _sent(milestone) for milestone in Milestone}
    assert sent == dict.fromkeys(Milestone, everyone)
    assert len(mail.outbox) == 12
    assert set(Delivery.objects.filter(sent_at__isnull=False).values_list("key", flat=True)) == {
        f"milestone:{milestone.value}:{referral.uuid}:{n}"
        for milestone in Milestone
        for n in range(3)
    }
    for message in mail.outbox:
        html = str(message.alternatives[0][0])  # type: ignore[union-attr]
        assert message.subject.startswith(f"Referral {referral.reference_display}: ")
        for text in (message.subject, message.body, html):
            assert GIVEN not in text and FAMILY not in text and "video" not in text.lower()
        assert "http://127.0.0.1:8000/track/" in message.body
        assert referral.reference_display in message.body
    triaged = next(m for m in mail.outbox if m.subject.endswith(SUBJECTS[Milestone.TRIAGED]))
    assert "asked one of our partner services to take the referral on" in triaged.body
    allocated = next(m for m in mail.outbox if m.subject.endswith(SUBJECTS[Milestone.ALLOCATED]))
    assert "taken on by Kooth, part of the" in allocated.body


def test_only_the_referrer_hears_when_the_family_may_not_be_contacted(
    people: People, referral: Referral
) -> None:
    Referral.objects.filter(pk=referral.pk).update(family_may_be_contacted=False)
    referral.refresh_from_db()
    _allocate(people, _screened(people, referral))
    assert (_run_queued(), _sent(Milestone.TRIAGED)) == (1, [REFERRER])


@pytest.mark.parametrize(
    ("route", "may_contact", "expected"),
    [
        (Route.PROFESSIONAL, True, [REFERRER, CARER, YOUNG_PERSON]),
        (Route.PROFESSIONAL, False, [REFERRER]),
        (Route.PARENT, True, [REFERRER]),  # the parent who referred: the family already
        (Route.SELF, True, [REFERRER]),  # the young person's own address
    ],
)
def test_recipients_are_the_referrer_and_the_family_only_when_consented(
    referral: Referral, route: Route, may_contact: bool, expected: list[str]
) -> None:
    referral.route, referral.family_may_be_contacted = route, may_contact
    assert recipients(referral) == expected


def test_a_young_person_under_16_on_a_professional_referral_is_not_emailed(
    referral: Referral,
) -> None:
    referral.child.date_of_birth = date(2011, 1, 1)  # 15 when referred
    assert recipients(referral) == [REFERRER, CARER]


@pytest.mark.parametrize("milestone", list(Milestone))
def test_nothing_is_sent_while_status_is_not_shared(
    people: People, referral: Referral, milestone: Milestone
) -> None:
    withhold_status(
        user=people.triage, referral=referral, version=referral.version, reason="Safeguarding."
    )
    assert send_milestone.call(str(referral.uuid), milestone.value) == 0
    assert (len(mail.outbox), Delivery.objects.count()) == (0, 0)


def test_a_referral_marked_between_the_milestone_and_the_task_is_told_nothing(
    people: People, referral: Referral
) -> None:
    referral = _allocate(people, _screened(people, referral))
    referral.refresh_from_db()
    withhold_status(
        user=people.triage, referral=referral, version=referral.version, reason="Safeguarding."
    )
    referral.refresh_from_db()
    assert (_run_queued(), len(mail.outbox), Delivery.objects.count()) == (0, 0, 0)
    # Lifted later: the milestone passed while withheld is not re-derived; the next one goes.
    share_status_again(
        user=people.triage, referral=referral, version=referral.version, reason="Safe now."
    )
    referral.refresh_from_db()
    DBTaskResult.objects.filter(task_path=TASK).delete()  # the worker ran it: it is done
    accept_allocation(user=people.kooth_practitioner, referral=referral, version=referral.version)
    assert (_run_queued(), _sent(Milestone.TRIAGED), len(_sent(Milestone.ALLOCATED))) == (3, [], 3)


def test_the_partner_is_named_only_with_consent_to_share(
    people: People, referral: Referral
) -> None:
    referral = _waiting(people, referral)
    assert partner_named(referral) == "Kooth"
    Referral.objects.filter(pk=referral.pk).update(consent_to_share=False)
    referral.refresh_from_db()
    assert partner_named(referral) == ""
    DBTaskResult.objects.filter(task_path=TASK, args_kwargs__args__1="triaged").delete()
    assert _run_queued() == 3
    for message in mail.outbox:
        assert "Kooth" not in message.body
        assert "taken on by a partner service, part of the" in message.body


def test_the_triaged_milestone_is_a_decision_to_allocate_step_up_or_advise() -> None:
    assert frozenset(TRIAGED) == {Outcome.ALLOCATE, Outcome.STEP_UP, Outcome.ADVICE}
    assert Outcome.SAFEGUARDING not in TRIAGED  # children's social care decides what is said


@pytest.mark.parametrize(
    ("outcome", "extra"),
    [
        (Outcome.SAFEGUARDING, {"reason": "Disclosure of harm at home."}),
        (Outcome.NOT_ACCEPTED, {"reason": "Already with CAMHS."}),
        (
            Outcome.MORE_INFORMATION,
            {"information_requested": "GP letter", "information_due": date(2026, 12, 1)},
        ),
    ],
)
def test_other_decisions_are_not_the_triaged_milestone(
    people: People, referral: Referral, outcome: Outcome, extra: dict[str, object]
) -> None:
    referral = _screened(people, referral)
    record_decision(
        user=people.triage, referral=referral, version=referral.version, grouping=HELP,
        outcome=outcome, **extra,  # type: ignore[arg-type]
    )  # fmt: skip
    assert _queued() == []


def test_a_decision_waiting_for_sign_off_is_triaged_only_when_it_takes_effect(
    people: People, referral: Referral
) -> None:
    referral = _screened(people, referral, "red")
    decision = record_decision(
        user=people.triage, referral=referral, version=referral.version,
        grouping=IThriveGrouping.GETTING_RISK_SUPPORT, outcome=Outcome.STEP_UP,
        receiving_service=Organisation.objects.get(slug="specialist-camhs"),
        reason="Needs specialist assessment.",
    )  # fmt: skip
    referral.refresh_from_db()
    assert _queued() == []
    sign_off(user=people.clinical_lead, decision=decision, version=referral.version, approve=True)
    assert (_queued(), _run_queued()) == ([[str(referral.uuid), "triaged"]], 3)
    assert "We will be in touch about the support that fits best." in mail.outbox[0].body


def test_advice_and_signposting_says_so_by_reference_only(
    people: People, referral: Referral
) -> None:
    referral = _screened(people, referral, "green")
    record_decision(
        user=people.triage, referral=referral, version=referral.version,
        grouping=IThriveGrouping.GETTING_ADVICE, outcome=Outcome.ADVICE,
        materials_sent="Sleep leaflet.",
    )  # fmt: skip
    assert _run_queued() == 3
    assert "We have given advice and suggested services that can help." in mail.outbox[0].body
    assert "Sleep leaflet" not in mail.outbox[0].body


def test_an_unknown_milestone_or_referral_sends_nothing(referral: Referral) -> None:
    assert send_milestone.call(str(referral.uuid), "praised") == 0
    assert send_milestone.call("00000000-0000-0000-0000-000000000000", "triaged") == 0
    assert len(mail.outbox) == 0


# The first appointment offered: the partner's write.


def test_the_partner_records_a_first_appointment_offered(
    people: People, referral: Referral, client: Client
) -> None:
    referral = _waiting(people, referral)
    DBTaskResult.objects.all().delete()
    sign_in(client, people.kooth_practitioner)
    address = f"/care/{referral.uuid}/appointment-offered/"
    assert client.get(address).status_code == 200
    response = client.post(
        address,
        {
            "offered_for_day": "27", "offered_for_month": "11", "offered_for_year": "2026",
            "offered_for_time": "15:30", "mode": "face_to_face",
        },
    )  # fmt: skip
    assert response.status_code == 302 and response["Location"] == f"/care/{referral.uuid}/"
    offer = AppointmentOffer.objects.get()
    assert (offer.offered_for, offer.mode, offer.organisation.slug, offer.recorded_by) == (
        datetime.fromisoformat("2026-11-27T15:30:00+00:00"), "face_to_face", "kooth",
        people.kooth_practitioner,
    )  # fmt: skip
    assert TimelineEvent.objects.filter(
        child=referral.child,
        summary="First appointment offered: face to face, 27 November 2026 at 15:30.",
    ).exists()
    assert (
        AuditEvent.objects.filter(
            record_type="appointment_offer", record_id=str(offer.uuid)
        ).count()
        == 1
    )
    assert _queued() == [[str(referral.uuid), "first-appointment"]]
    history = client.get(f"/care/{referral.uuid}/history/").content.decode()
    assert "<li>27 Nov 2026 15:30, face to face: offered 20 Nov 2026 by Kim-Kooth</li>" in history


def test_another_partner_cannot_record_an_appointment_and_nothing_is_written(
    people: People, referral: Referral, client: Client
) -> None:
    referral = _waiting(people, referral)
    DBTaskResult.objects.all().delete()
    audited = AuditEvent.objects.count()
    sign_in(client, people.chums_practitioner)
    response = client.post(
        f"/care/{referral.uuid}/appointment-offered/",
        {
            "offered_for_day": "27", "offered_for_month": "11", "offered_for_year": "2026",
            "offered_for_time": "15:30", "mode": "video",
        },
    )  # fmt: skip
    assert response.status_code == 404  # not their child: not even its existence
    assert (AppointmentOffer.objects.count(), _queued()) == (0, [])
    assert list(AuditEvent.objects.order_by("pk").values_list("action", "record_type"))[
        audited:
    ] == [("deny", "referral")]  # the denial only
    with pytest.raises(PermissionDenied):
        record_appointment_offer(
            user=people.chums_practitioner, referral=referral,
            offered_for=clock.now() + timedelta(days=1), mode="video",
        )  # fmt: skip


@pytest.mark.parametrize(
    ("posted", "error"),
    [
        ({}, "Enter when the appointment is"),
        (
            {"offered_for_day": "27", "offered_for_month": "11", "offered_for_year": "2026",
             "offered_for_time": "15:30"},
            "Choose how the appointment will be",
        ),
        (
            {"offered_for_day": "31", "offered_for_month": "11", "offered_for_year": "2026",
             "offered_for_time": "15:30", "mode": "video"},
            "must be a real date",
        ),
        (
            {"offered_for_day": "19", "offered_for_month": "11", "offered_for_year": "2026",
             "offered_for_time": "15:30", "mode": "video"},
            "The appointment must be in the future",
        ),
        (
            {"offered_for_day": "27", "offered_for_month": "11", "offered_for_year": "2026",
             "offered_for_time": "15:30", "mode": "text"},
            "Select a valid choice",
        ),
    ],
)  # fmt: skip
def test_a_bad_appointment_is_a_form_error_and_nothing_is_written(
    people: People, referral: Referral, client: Client, posted: dict[str, str], error: str
) -> None:
    referral = _waiting(people, referral)
    DBTaskResult.objects.all().delete()
    sign_in(client, people.kooth_practitioner)
    response = client.post(f"/care/{referral.uuid}/appointment-offered/", posted)
    assert response.status_code == 400
    assert error in response.content.decode()
    assert (AppointmentOffer.objects.count(), _queued()) == (0, [])


def test_an_appointment_is_offered_only_to_a_child_waiting(
    people: People, referral: Referral
) -> None:
    referral = _allocate(people, _screened(people, referral))  # allocated, not yet accepted
    with pytest.raises(ValidationError, match="offered to a child waiting with you"):
        _offer(people, referral)
    Referral.objects.filter(pk=referral.pk).update(status=Status.IN_INTERVENTION)
    referral.refresh_from_db()
    with pytest.raises(ValidationError, match="offered to a child waiting with you"):
        _offer(people, referral)
    assert AppointmentOffer.objects.count() == 0


def test_a_failed_send_is_tried_again_by_the_reminder_job(
    people: People, referral: Referral, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.core.mail import EmailMessage

    from onedoor.worklist.reminders import send_reminders

    referral = _allocate(people, _screened(people, referral))
    sending = EmailMessage.send

    def mail_server_down(self: EmailMessage, fail_silently: bool = False) -> int:
        raise ConnectionRefusedError

    monkeypatch.setattr(EmailMessage, "send", mail_server_down)
    assert (_run_queued(), len(mail.outbox)) == (0, 0)
    monkeypatch.setattr(EmailMessage, "send", sending)
    assert (send_reminders().milestones, send_reminders().milestones) == (3, 0)
    assert _sent(Milestone.TRIAGED) == [REFERRER, CARER, YOUNG_PERSON]


def test_a_failed_send_is_not_tried_again_once_the_status_is_withheld(
    people: People, referral: Referral, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.core.mail import EmailMessage

    from onedoor.referrals.milestones import retry_unsent

    referral = _allocate(people, _screened(people, referral))
    sending = EmailMessage.send

    def mail_server_down(self: EmailMessage, fail_silently: bool = False) -> int:
        raise ConnectionRefusedError

    monkeypatch.setattr(EmailMessage, "send", mail_server_down)
    assert _run_queued() == 0
    monkeypatch.setattr(EmailMessage, "send", sending)
    referral.refresh_from_db()
    withhold_status(
        user=people.triage, referral=referral, version=referral.version, reason="Safeguarding."
    )
    assert (retry_unsent(clock.now()), len(mail.outbox)) == (0, 0)
    assert Delivery.objects.filter(sent_at__isnull=False).count() == 0
