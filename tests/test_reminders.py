"""Reminders with a controlled clock: each kind of item appears, falls due and becomes overdue
at the right moment (derived from the records at `now`), and the reminder job sends each
message once however often it runs, survives a worker dying mid-send, and retries a failure.

November 2026 in London is UTC. Friday 20, Monday 23 and Tuesday 24 November are working days.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django_tasks_db.models import DBTaskResult

from onedoor import clock
from onedoor.accounts.models import User
from onedoor.accounts.roles import Role
from onedoor.alliance.models import Alliance, Organisation
from onedoor.care.handovers import accept_handover
from onedoor.care.models import CarePlan, CheckIn, RiskReview, Transition
from onedoor.emails.delivery import MAX_ATTEMPTS
from onedoor.emails.models import Delivery
from onedoor.referrals.models import Referral, Status
from onedoor.triage.escalation import escalate_overdue
from onedoor.triage.models import Escalation
from onedoor.triage.tasks import notify_escalation
from onedoor.worklist.items import due_items_for, with_clocks
from onedoor.worklist.reminders import Sent, send_reminders
from tests.personas import People, make_child, make_user, organisation

ACCEPTED = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)  # Monday


def _at(user: User, now: datetime) -> list[tuple[str, str, str]]:
    """What the user has to do at `now`: the task, the child, and how its clock stands."""
    return [
        (row.item.what, row.item.referral.child.given_name, row.clock.state)  # type: ignore[union-attr]
        for row in with_clocks(due_items_for(user, now), now)
    ]


def _waiting(alliance: Alliance, name: str, *, rating: str = "amber") -> Referral:
    referral = make_child(
        alliance, name, allocated_to="kooth", status=Status.WAITING
    ).referrals.get()
    Referral.objects.filter(pk=referral.pk).update(
        accepted_at=ACCEPTED, allocated_at=ACCEPTED, risk_rating=rating,
        # Kim holds the child (else "Name a practitioner" for the partner lead too).
        named_practitioner=User.objects.filter(username="kim-kooth").first(),
    )  # fmt: skip
    referral.refresh_from_db()
    return referral


def _check_in(people: People, referral: Referral, at: datetime, *, made: bool) -> CheckIn:
    return CheckIn.objects.create(
        referral=referral, organisation=organisation(referral.child.alliance, "kooth"),
        recorded_by=people.kooth_practitioner, recorded_at=at, contact_made=made,
        rating="amber" if made else "",
    )  # fmt: skip


# Each kind of item, through the day it falls due


def test_a_waiting_well_check_in_shows_a_week_ahead_is_due_on_its_day_and_then_overdue(
    alliance: Alliance, people: People
) -> None:
    _waiting(alliance, "Ada")  # amber: every 14 days from acceptance, so 16 Nov at 10:00
    kim = people.kooth_practitioner
    assert _at(kim, datetime(2026, 11, 9, 9, 0, tzinfo=UTC)) == []  # more than a week ahead
    assert _at(kim, datetime(2026, 11, 9, 10, 0, tzinfo=UTC)) == [
        ("Waiting Well check-in", "Ada", "on_time")
    ]
    assert _at(kim, datetime(2026, 11, 16, 9, 59, tzinfo=UTC)) == [
        ("Waiting Well check-in", "Ada", "due_today")
    ]
    assert _at(kim, datetime(2026, 11, 16, 10, 0, tzinfo=UTC)) == [
        ("Waiting Well check-in", "Ada", "overdue")
    ]
    # The other partner, and the roles that do not hold the case, are not asked to do it.
    for user in (people.chums_practitioner, people.triage, people.coordinator):
        assert _at(user, datetime(2026, 11, 16, 10, 0, tzinfo=UTC)) == [], user.username
    assert _at(people.kooth_lead, datetime(2026, 11, 16, 10, 0, tzinfo=UTC)) == [
        ("Waiting Well check-in", "Ada", "overdue")
    ]


def test_a_check_in_made_sets_the_next_one_by_the_cadence(
    alliance: Alliance, people: People
) -> None:
    ada = _waiting(alliance, "Ada")
    _check_in(people, ada, datetime(2026, 11, 16, 11, 0, tzinfo=UTC), made=True)
    kim = people.kooth_practitioner
    assert _at(kim, datetime(2026, 11, 16, 12, 0, tzinfo=UTC)) == []  # next: 30 November
    assert _at(kim, datetime(2026, 11, 30, 11, 0, tzinfo=UTC)) == [
        ("Waiting Well check-in", "Ada", "overdue")
    ]


def test_a_missed_check_in_is_a_follow_up_by_the_end_of_the_next_working_day(
    alliance: Alliance, people: People
) -> None:
    ada = _waiting(alliance, "Ada")
    _check_in(people, ada, datetime(2026, 11, 20, 15, 0, tzinfo=UTC), made=False)  # Friday
    kim = people.kooth_practitioner
    follow_up = "Follow up a missed Waiting Well check-in"
    assert _at(kim, datetime(2026, 11, 20, 16, 0, tzinfo=UTC)) == [(follow_up, "Ada", "on_time")]
    assert _at(kim, datetime(2026, 11, 23, 16, 59, tzinfo=UTC)) == [(follow_up, "Ada", "due_today")]
    assert _at(kim, datetime(2026, 11, 23, 17, 0, tzinfo=UTC)) == [(follow_up, "Ada", "overdue")]
    # Reached on Tuesday: the follow-up is done, and the next check-in is two weeks on.
    _check_in(people, ada, datetime(2026, 11, 24, 9, 0, tzinfo=UTC), made=True)
    assert _at(kim, datetime(2026, 11, 24, 10, 0, tzinfo=UTC)) == []


@pytest.mark.parametrize(
    ("model", "field", "what"),
    [
        (RiskReview, "next_due", "Risk review"),
        (CarePlan, "review_due", "Review the care plan"),
    ],
)
def test_a_review_shows_a_week_ahead_and_is_overdue_at_the_end_of_its_day(
    alliance: Alliance, people: People, model: Any, field: str, what: str
) -> None:
    ada = _waiting(alliance, "Ada")
    Referral.objects.filter(pk=ada.pk).update(status=Status.IN_INTERVENTION)
    kim = people.kooth_practitioner
    extra = (
        {"rating": "amber", "rationale": "Settled."}
        if model is RiskReview
        else {"summary": "Plan."}
    )
    model.objects.create(
        referral=ada, organisation=kim.organisation, recorded_by=kim,
        recorded_at=datetime(2026, 11, 17, 9, 0, tzinfo=UTC), **{field: date(2026, 12, 1)}, **extra,
    )  # fmt: skip
    assert _at(kim, datetime(2026, 11, 23, 23, 0, tzinfo=UTC)) == []  # 1 December is 8 days on
    assert _at(kim, datetime(2026, 11, 24, 0, 0, tzinfo=UTC)) == [(what, "Ada", "on_time")]
    assert _at(kim, datetime(2026, 12, 1, 16, 59, tzinfo=UTC)) == [(what, "Ada", "due_today")]
    assert _at(kim, datetime(2026, 12, 1, 17, 0, tzinfo=UTC)) == [(what, "Ada", "overdue")]
    # A newer record sets the next date: the older one no longer counts.
    model.objects.create(
        referral=ada, organisation=kim.organisation, recorded_by=kim,
        recorded_at=datetime(2026, 12, 1, 17, 30, tzinfo=UTC), **{field: date(2026, 12, 29)},
        **extra,
    )  # fmt: skip
    assert _at(kim, datetime(2026, 12, 1, 18, 0, tzinfo=UTC)) == []
    # A child discharged has no reviews due.
    Referral.objects.filter(pk=ada.pk).update(status=Status.DISCHARGED)
    assert _at(kim, datetime(2027, 1, 5, 9, 0, tzinfo=UTC)) == []


def test_a_triage_clock_is_the_triage_leads_on_its_last_day_and_overdue_after(
    alliance: Alliance, people: People
) -> None:
    referral = make_child(alliance, "Tom").referrals.get()
    Referral.objects.filter(pk=referral.pk).update(
        triage_due_at=datetime(2026, 11, 9, 17, 0, tzinfo=UTC), risk_rating="green"
    )
    triage = people.triage
    assert _at(triage, datetime(2026, 11, 6, 12, 0, tzinfo=UTC)) == []  # on time: in the queue
    assert _at(triage, datetime(2026, 11, 9, 0, 0, tzinfo=UTC)) == [
        ("Triage this referral", "Tom", "due_today")
    ]
    assert _at(triage, datetime(2026, 11, 9, 17, 0, tzinfo=UTC)) == [
        ("Triage this referral", "Tom", "overdue")
    ]
    Referral.objects.filter(pk=referral.pk).update(status=Status.MORE_INFORMATION)
    assert _at(triage, datetime(2026, 11, 9, 17, 0, tzinfo=UTC)) == []  # paused


def test_a_red_review_is_due_today_and_overdue_at_its_deadline(
    alliance: Alliance, people: People
) -> None:
    referral = make_child(alliance, "Rory").referrals.get()
    due = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)
    Referral.objects.filter(pk=referral.pk).update(
        risk_rating="red", queue_band=1, triage_due_at=due
    )
    lead = people.clinical_lead
    assert _at(lead, due - timedelta(hours=8)) == [
        ("Review a red referral today", "Rory", "due_today")
    ]
    assert _at(lead, due) == [("Review a red referral today", "Rory", "overdue")]


@pytest.fixture
def handover(alliance: Alliance, people: People) -> Transition:
    ada = _waiting(alliance, "Ada")
    Referral.objects.filter(pk=ada.pk).update(status=Status.IN_TRANSITION)
    ada.refresh_from_db()
    return Transition.objects.create(
        referral=ada, kind=Transition.Kind.BETWEEN_PARTNERS, reason="Closer to home.",
        receiving_organisation=Organisation.objects.get(alliance=alliance, slug="chums"),
        handover="Summary.",
        due_at=datetime(2026, 11, 24, 17, 0, tzinfo=UTC), sent_by=people.kooth_practitioner,
        sent_at=datetime(2026, 11, 20, 9, 0, tzinfo=UTC),
    )  # fmt: skip


def test_a_handover_stays_on_the_senders_and_the_coordinators_lists_until_acknowledged(
    people: People, handover: Transition
) -> None:
    waiting = "Handover waiting for the receiving side"
    for user in (people.kooth_practitioner, people.coordinator):
        assert _at(user, datetime(2026, 11, 23, 9, 0, tzinfo=UTC)) == [(waiting, "Ada", "on_time")]
        assert _at(user, datetime(2026, 11, 24, 9, 0, tzinfo=UTC)) == [
            (waiting, "Ada", "due_today")
        ]
        assert _at(user, datetime(2026, 11, 24, 17, 0, tzinfo=UTC)) == [(waiting, "Ada", "overdue")]
    accept_handover(
        user=people.chums_practitioner, transition=handover, version=handover.referral.version
    )
    for user in (people.kooth_practitioner, people.coordinator):
        assert _at(user, datetime(2026, 11, 24, 17, 0, tzinfo=UTC)) == []


def test_a_handover_past_its_due_time_climbs_the_escalation_framework_once_per_level(
    people: People, handover: Transition
) -> None:
    for user, address in (
        (people.coordinator, "cora@example.org"),
        (people.kooth_lead, "kit@example.org"),  # the sender's partner lead
        (people.chums_lead, "cleo@example.org"),  # the receiving partner's lead
    ):
        user.email = address
        user.save()
    bfb = Organisation.objects.get(alliance=handover.referral.child.alliance, slug="bfb-labs")
    make_user("bea-bfb-lead", Role.PARTNER_LEAD, bfb, email="bea@example.org")  # not involved
    assert escalate_overdue(handover.due_at - timedelta(minutes=1)) == 0
    assert escalate_overdue(handover.due_at) == 1
    assert escalate_overdue(handover.due_at + timedelta(minutes=5)) == 0  # already at level 1
    escalation = Escalation.objects.get()
    assert (escalation.transition, escalation.level) == (handover, 1)
    task = DBTaskResult.objects.get(task_path="onedoor.triage.tasks.notify_escalation")
    referral, transition = str(handover.referral.uuid), str(handover.uuid)
    assert task.args_kwargs["args"] == [referral, 1, transition, "handover"]
    # level 1: the coordinators and the partner leads involved; run twice, told once
    assert notify_escalation.call(referral, 1, transition) == 3
    assert notify_escalation.call(referral, 1, transition) == 0
    subject = (
        f"Escalation level 1: handover for {handover.referral.reference_display} not acknowledged"
    )
    assert sorted((m.to[0], m.subject) for m in mail.outbox) == [
        ("cleo@example.org", subject),
        ("cora@example.org", subject),
        ("kit@example.org", subject),
    ]
    assert "Ada" not in mail.outbox[0].body
    accept_handover(
        user=people.chums_practitioner, transition=handover, version=handover.referral.version
    )
    assert escalate_overdue(handover.due_at + timedelta(days=3)) == 0  # acknowledged: it stops


# The reminder job


MONDAY_8AM = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


@pytest.fixture
def work(alliance: Alliance, people: People) -> dict[str, Referral]:
    """At 08:00 on Monday 23 November: a red referral nobody has reviewed (due 17:00), and a
    Waiting Well check-in at Kooth overdue since 16 November."""
    for user, address in (
        (people.clinical_lead, "cal@example.org"),
        (people.kooth_practitioner, "kim@example.org"),
        (people.triage, "tina@example.org"),
    ):
        user.email = address
        user.save()
    red = make_child(alliance, "Rory").referrals.get()
    Referral.objects.filter(pk=red.pk).update(
        risk_rating="red", queue_band=1, triage_due_at=datetime(2026, 11, 23, 17, 0, tzinfo=UTC)
    )
    red.refresh_from_db()
    return {"red": red, "waiting": _waiting(alliance, "Ada")}


def _mail() -> list[tuple[str, str]]:
    return sorted((message.to[0], str(message.subject)) for message in mail.outbox)


def test_the_reminder_job_run_twice_sends_each_message_once(
    people: People, work: dict[str, Referral]
) -> None:
    red, waiting = work["red"].reference_display, work["waiting"].reference_display

    assert send_reminders(MONDAY_8AM) == Sent(red=1, acknowledgements=0, digests=3)
    expected = [
        ("cal@example.org", "OneDoor: 1 task due today or overdue"),
        ("cal@example.org", f"Red referral {red}: clinical review needed today"),
        ("kim@example.org", "OneDoor: 1 task due today or overdue"),
        ("tina@example.org", "OneDoor: 1 task due today or overdue"),
    ]
    assert _mail() == expected
    assert send_reminders(MONDAY_8AM + timedelta(minutes=5)) == Sent(0, 0, 0)
    assert send_reminders(MONDAY_8AM + timedelta(hours=6)) == Sent(0, 0, 0)
    assert _mail() == expected

    digest = next(m for m in mail.outbox if m.to == ["kim@example.org"])
    assert isinstance(digest, EmailMultiAlternatives)
    assert f"- {waiting}: Waiting Well check-in (Overdue by 5 working days)" in digest.body
    assert "Ada" not in digest.body and "Ada" not in str(digest.alternatives[0][0])
    assert f"Open My tasks: {settings.SITE_URL}/tasks/" in digest.body

    # The next working day brings the next digest (the red one, still unreviewed, is not
    # told again).
    mail.outbox.clear()
    assert send_reminders(MONDAY_8AM + timedelta(days=1)) == Sent(
        red=0, acknowledgements=0, digests=3
    )


def test_no_digest_before_seven_or_on_a_weekend_but_red_is_told_at_once(
    people: People, work: dict[str, Referral]
) -> None:
    sunday = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    assert send_reminders(sunday) == Sent(red=1, acknowledgements=0, digests=0)
    assert send_reminders(MONDAY_8AM - timedelta(hours=1, minutes=1)) == Sent(0, 0, 0)  # 06:59
    assert send_reminders(MONDAY_8AM - timedelta(hours=1)) == Sent(0, 0, 3)  # 07:00


def test_a_failed_send_is_retried_on_the_next_run_and_nothing_else_is_resent(
    people: People, work: dict[str, Referral], monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.core.mail import EmailMessage

    real_send = EmailMessage.send

    def refuse_kim(message: EmailMessage, fail_silently: bool = False) -> int:
        if message.to == ["kim@example.org"]:
            raise ConnectionRefusedError("mail server down")
        return real_send(message, fail_silently)

    monkeypatch.setattr(EmailMessage, "send", refuse_kim)
    assert send_reminders(MONDAY_8AM) == Sent(red=1, acknowledgements=0, digests=2)
    failed = Delivery.objects.get(sent_at__isnull=True)
    assert (failed.key, failed.attempts, failed.last_error, failed.claimed_until) == (
        f"digest:2026-11-23:{people.kooth_practitioner.pk}",
        1,
        "ConnectionRefusedError",
        None,
    )
    monkeypatch.setattr(EmailMessage, "send", real_send)
    assert send_reminders(MONDAY_8AM + timedelta(minutes=5)) == Sent(0, 0, 1)
    assert sorted(to for m in mail.outbox for to in m.to) == [
        "cal@example.org",
        "cal@example.org",
        "kim@example.org",
        "tina@example.org",
    ]


def test_a_message_that_keeps_failing_stops_after_the_last_attempt(
    people: People, work: dict[str, Referral], monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.core.mail import EmailMessage

    def refuse(message: EmailMessage, fail_silently: bool = False) -> int:
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr(EmailMessage, "send", refuse)
    for minute in range(MAX_ATTEMPTS + 2):
        send_reminders(MONDAY_8AM + timedelta(minutes=minute))
    assert set(Delivery.objects.values_list("attempts", flat=True)) == {MAX_ATTEMPTS}
    assert Delivery.objects.filter(sent_at__isnull=False).count() == 0


def test_a_worker_that_died_mid_send_holds_the_message_only_until_its_claim_lapses(
    people: People, work: dict[str, Referral]
) -> None:
    key = f"digest:2026-11-23:{people.kooth_practitioner.pk}"
    Delivery.objects.create(
        key=key, created_at=clock.now(), attempts=1,
        claimed_until=clock.now() + timedelta(minutes=5),
    )  # fmt: skip
    assert send_reminders(MONDAY_8AM) == Sent(red=1, acknowledgements=0, digests=2)
    assert "kim@example.org" not in [to for m in mail.outbox for to in m.to]
    Delivery.objects.filter(key=key).update(claimed_until=clock.now() - timedelta(seconds=1))
    assert send_reminders(MONDAY_8AM + timedelta(minutes=5)) == Sent(0, 0, 1)
    assert [m.to for m in mail.outbox].count(["kim@example.org"]) == 1
    assert Delivery.objects.get(key=key).attempts == 2


def test_an_acknowledgement_that_failed_is_sent_by_the_next_run(
    alliance: Alliance, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.core.mail import EmailMessage

    from onedoor.referrals.tasks import send_referral_acknowledgement

    referral = make_child(alliance, "Amy").referrals.get()
    received = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    Referral.objects.filter(pk=referral.pk).update(
        referrer_email="parent@example.org", received_at=received
    )

    def refuse(message: EmailMessage, fail_silently: bool = False) -> int:
        raise ConnectionRefusedError("mail server down")

    real_send = EmailMessage.send
    monkeypatch.setattr(EmailMessage, "send", refuse)
    assert send_referral_acknowledgement.call(str(referral.uuid)) == 0
    referral.refresh_from_db()
    assert referral.acknowledged_at is None  # not every acknowledgement has gone
    monkeypatch.setattr(EmailMessage, "send", real_send)
    assert send_reminders(received + timedelta(minutes=5)).acknowledgements == 1
    assert send_reminders(received + timedelta(minutes=10)).acknowledgements == 0
    assert [m.to for m in mail.outbox] == [["parent@example.org"]]
    referral.refresh_from_db()
    assert referral.acknowledged_at is not None
