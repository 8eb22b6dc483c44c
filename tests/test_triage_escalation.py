"""An overdue red review climbs the escalation framework, once per level, never silently."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django_tasks_db.models import DBTaskResult

from onedoor.alliance.models import Alliance
from onedoor.referrals.models import Referral
from onedoor.triage.escalation import escalate_overdue, level_reached
from onedoor.triage.models import Escalation
from onedoor.triage.tasks import notify_escalation
from tests.personas import People, make_child

DUE = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)
MEDWAY = [4, 24, None]  # level 1 -> 2 after 4 hours, 2 -> 3 after 24 more


@pytest.mark.parametrize(
    ("now", "level"),
    [
        (DUE - timedelta(minutes=1), 0),
        (DUE, 1),
        (DUE + timedelta(hours=3, minutes=59), 1),
        (DUE + timedelta(hours=4), 2),
        (DUE + timedelta(hours=27, minutes=59), 2),
        (DUE + timedelta(hours=28), 3),
        (DUE + timedelta(days=30), 3),
    ],
)
def test_the_level_reached_follows_the_framework(now: datetime, level: int) -> None:
    assert level_reached(due=DUE, now=now, hours_to_next=MEDWAY) == level


@pytest.fixture
def red(alliance: Alliance) -> Referral:
    referral = make_child(alliance, "Rory").referrals.get()
    Referral.objects.filter(pk=referral.pk).update(
        risk_rating="red", queue_band=1, triage_due_at=DUE
    )
    referral.refresh_from_db()
    return referral


def test_an_overdue_red_review_escalates_level_by_level_once(people: People, red: Referral) -> None:
    people.clinical_lead.email = "lead@example.org"
    people.clinical_lead.save()
    assert escalate_overdue(DUE - timedelta(minutes=5)) == 0
    assert escalate_overdue(DUE + timedelta(minutes=5)) == 1
    assert escalate_overdue(DUE + timedelta(minutes=10)) == 0  # already at level 1
    assert escalate_overdue(DUE + timedelta(hours=5)) == 1
    assert list(Escalation.objects.values_list("level", flat=True)) == [1, 2]
    kinds = [task.args_kwargs["args"] for task in DBTaskResult.objects.order_by("enqueued_at")]
    assert kinds == [[str(red.uuid), 1, "", "red_review"], [str(red.uuid), 2, "", "red_review"]]
    # Level 2 tells the clinical lead and the safeguarding lead (who has no email here).
    assert notify_escalation.call(str(red.uuid), 2) == 1
    assert mail.outbox[0].to == ["lead@example.org"]
    assert red.reference_display in mail.outbox[0].subject


def test_a_reviewed_red_referral_escalates_only_if_triage_itself_is_late(red: Referral) -> None:
    Referral.objects.filter(pk=red.pk).update(queue_band=2)
    assert escalate_overdue(DUE + timedelta(days=2)) == 3  # its triage clock, not the review
    assert set(Escalation.objects.values_list("kind", flat=True)) == {"triage_clock"}
    Referral.objects.filter(pk=red.pk).update(status="allocated")
    assert escalate_overdue(DUE + timedelta(days=3)) == 0
    assert Escalation.objects.count() == 3


def test_skipped_levels_are_all_raised_when_the_job_was_not_running(red: Referral) -> None:
    assert escalate_overdue(DUE + timedelta(days=2)) == 3
    assert list(Escalation.objects.values_list("level", flat=True)) == [1, 2, 3]
