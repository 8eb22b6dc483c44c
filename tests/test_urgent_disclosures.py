"""An urgent disclosure is seen at once (hazard H27): a referral that discloses suicidal
thoughts, self-harm or harm to others is at the very top of the triage queue, in order of
arrival, above red referrals not yet reviewed, until a triage lead has screened it; from
arrival it is a task for the triage team and the clinical lead, both are told by email by
reference only (once), and if it is not screened within the alliance's configured working
hours it climbs the escalation framework, until it is screened.

November 2026 in London is UTC. Friday 20 and Monday 23 November are working days.
"""

from __future__ import annotations

import importlib
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from django.apps import apps
from django.core import mail
from django.test import Client
from django_tasks_db.models import DBTaskResult

from onedoor.accounts.models import User
from onedoor.accounts.roles import Role
from onedoor.alliance.loader import DEFAULT_FILE, ConfigurationError, load
from onedoor.alliance.models import Alliance
from onedoor.clock.calendar import ENGLAND_AND_WALES, add_working_hours
from onedoor.referrals.actions import submit_referral
from onedoor.referrals.answers import ReferralAnswers
from onedoor.referrals.bands import EVERYTHING_ELSE, RED_UNREVIEWED, URGENT_UNSCREENED, queue_band
from onedoor.referrals.models import Referral, Route, Source
from onedoor.referrals.tasks import notify_urgent_disclosure
from onedoor.triage import queue
from onedoor.triage.actions import screen_risk
from onedoor.triage.escalation import escalate_overdue, open_escalations
from onedoor.triage.models import Escalation
from onedoor.triage.tasks import notify_escalation
from onedoor.worklist.items import due_items_for
from onedoor.worklist.reminders import send_reminders
from tests.personas import People, make_child, make_user, organisation, sign_in

SCREEN_NOW = "Urgent disclosure: screen now"


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    """A moment in 2026, London time (November is GMT, so UTC)."""
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


# Working hours: 09:00 to 17:00 London on working days


@pytest.mark.parametrize(
    ("start", "hours", "end"),
    [
        (at(23, 10), 2, at(23, 12)),  # Monday morning: the same morning
        (at(23, 15), 2, at(23, 17)),  # filling the day to its end ends at 17:00
        (at(23, 16, 30), 2, at(24, 10, 30)),  # late afternoon: into the next morning
        (at(23, 19), 2, at(24, 11)),  # an evening arrival waits for the morning
        (at(23, 7), 2, at(23, 11)),  # before 09:00: from 09:00
        (at(20, 16), 2, at(23, 10)),  # Friday 16:00: one hour Friday, one Monday
        (at(21, 10), 2, at(23, 11)),  # Saturday: from Monday 09:00
        (at(23, 9), 10, at(24, 11)),  # more than a working day
        (at(24, 16, month=12), 2, at(29, 10, month=12)),  # Christmas and the substitute day
    ],
)
def test_working_hours_count_only_9_to_5_on_working_days(
    start: datetime, hours: int, end: datetime
) -> None:
    assert add_working_hours(start, hours, ENGLAND_AND_WALES) == end


def test_working_hours_stay_9_to_5_london_in_summer_time() -> None:
    # Monday 14 June 2027, BST: 16:00 London is 15:00 UTC; two working hours end at 10:00
    # London on Tuesday, 09:00 UTC.
    start = datetime(2027, 6, 14, 15, 0, tzinfo=UTC)
    assert add_working_hours(start, 2, ENGLAND_AND_WALES) == datetime(2027, 6, 15, 9, 0, tzinfo=UTC)


def test_negative_working_hours_and_a_naive_start_are_refused() -> None:
    with pytest.raises(ValueError, match="cannot be negative"):
        add_working_hours(at(23, 10), -1, ENGLAND_AND_WALES)
    with pytest.raises(ValueError, match="must be timezone-aware"):
        add_working_hours(datetime(2026, 11, 23, 10, 0), 2, ENGLAND_AND_WALES)  # noqa: DTZ001


# The configured number of working hours


def test_the_alliance_screens_an_urgent_disclosure_within_2_working_hours(db: None) -> None:
    assert load(DEFAULT_FILE).urgent_screening_hours == 2


def test_a_screening_time_of_no_hours_is_refused_and_nothing_is_loaded(
    empty_database: None, tmp_path: Path
) -> None:
    medway = DEFAULT_FILE.read_text(encoding="utf-8")
    broken = tmp_path / "broken.toml"
    broken.write_text(
        medway.replace("urgent_screening_hours = 2", "urgent_screening_hours = 0"),
        encoding="utf-8",
    )
    with pytest.raises(ConfigurationError, match="field 'urgent_screening_hours'"):
        load(broken)
    assert Alliance.objects.count() == 0


# The band rule


@pytest.mark.parametrize(
    ("rating", "reviewed", "urgent", "band"),
    [
        ("", False, True, URGENT_UNSCREENED),  # disclosed, nobody has screened it
        ("", False, False, EVERYTHING_ELSE),  # nothing urgent disclosed
        ("red", False, True, RED_UNREVIEWED),  # screened red: now a clinician's review
        ("red", False, False, RED_UNREVIEWED),
        ("red", True, True, EVERYTHING_ELSE),  # screened and reviewed
        ("amber", False, True, EVERYTHING_ELSE),  # screened amber despite the disclosure
        ("green", False, False, EVERYTHING_ELSE),
    ],
)
def test_the_band_puts_an_unscreened_urgent_disclosure_above_a_red_one(
    rating: str, reviewed: bool, urgent: bool, band: int
) -> None:
    assert queue_band(risk_rating=rating, red_reviewed=reviewed, discloses_risk_to_life=urgent) == (
        band
    )
    assert (URGENT_UNSCREENED, RED_UNREVIEWED, EVERYTHING_ELSE) == (0, 1, 2)


def _answers(name: str, born: date, *risks: str) -> ReferralAnswers:
    return ReferralAnswers(
        route=Route.PROFESSIONAL,
        source=Source.SCHOOL,
        given_name=name,
        family_name=f"{name}son",
        date_of_birth=born,
        gender="female",
        ethnicity="Z",
        postcode="ME4 4AB",
        referrer_name="Ms Head",
        referrer_email="head@school.example",
        reasons="Worried about her.",
        risk_indicators=risks,
        consent_to_refer=True,
        consent_given_by="parent_carer",
        consent_to_share=True,
    )


def _arrives(name: str, received_at: datetime, *risks: str, born: date | None = None) -> Referral:
    """A referral from a school, received at `received_at`; each child distinct."""
    birthday = born or date(2012, 1 + len(name) % 12, 1 + sum(map(ord, name)) % 28)
    return submit_referral(
        answers=_answers(name, birthday, *risks),
        submission_key=uuid.uuid4(),
        received_at=received_at,
    )


@pytest.mark.parametrize(
    ("risks", "band", "told"),
    [
        (("suicidal_thoughts",), URGENT_UNSCREENED, True),
        (("self_harm", "eating_difficulties"), URGENT_UNSCREENED, True),
        (("harm_to_others",), URGENT_UNSCREENED, True),
        (("eating_difficulties", "safeguarding_concern"), EVERYTHING_ELSE, False),
        ((), EVERYTHING_ELSE, False),
    ],
)
def test_an_urgent_disclosure_arrives_on_top_and_the_team_is_told_at_once(
    alliance: Alliance, risks: tuple[str, ...], band: int, told: bool
) -> None:
    referral = _arrives("Sky", at(20, 11), *risks)
    assert (referral.queue_band, referral.awaits_urgent_screening) == (band, told)
    tasks = set(DBTaskResult.objects.values_list("task_path", flat=True))
    expected = {"onedoor.referrals.tasks.send_referral_acknowledgement"}
    if told:
        expected.add("onedoor.referrals.tasks.notify_urgent_disclosure")
    assert tasks == expected


# The queue


def _names(response: object) -> list[str]:
    return [row.referral.child.given_name for row in response.context["rows"]]  # type: ignore[attr-defined]


@pytest.fixture
def queue_of_five(alliance: Alliance, people: People) -> list[Referral]:
    """Three urgent disclosures not yet screened, a red referral not yet reviewed due before
    all of them, and a routine referral long overdue."""
    routine = _arrives("Rest", at(9, 10))  # due Monday 16 November: long overdue
    red = _arrives("Red", at(16, 10))
    screen_risk(
        user=people.triage, referral=red, version=red.version, rating="red",
        indicators=set(), rationale="Serious, not a risk to life.",
    )  # fmt: skip
    # All three run the same-day clock, due Friday 20 November at 17:00: Bea arrived on
    # Thursday evening (her clock starts on Friday), before Ava and Cal on Friday.
    ava = _arrives("Ava", at(20, 9), "self_harm")
    bea = _arrives("Bea", at(19, 18), "suicidal_thoughts")
    cal = _arrives("Cal", at(20, 11), "harm_to_others")
    assert {r.triage_due_at for r in (ava, bea, cal)} == {at(20, 17)}
    return [bea, ava, cal, red, routine]


def test_urgent_disclosures_come_first_by_arrival_then_red_then_the_rest(
    client: Client, people: People, queue_of_five: list[Referral]
) -> None:
    sign_in(client, people.triage)
    response = client.get("/triage/")
    assert _names(response) == ["Bea", "Ava", "Cal", "Red", "Rest"]
    page = response.content.decode()
    assert page.count(f'<strong class="nhsuk-tag nhsuk-tag--red">{SCREEN_NOW}</strong>') == 3
    assert page.count("Red: clinician review needed") == 1


def test_the_queue_pages_through_urgent_disclosures_due_at_the_same_time_by_arrival(
    client: Client,
    people: People,
    queue_of_five: list[Referral],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(queue, "PAGE_SIZE", 2)
    sign_in(client, people.triage)
    first = client.get("/triage/")
    second = client.get(f"/triage/?{first.context['next_query']}")
    third = client.get(f"/triage/?{second.context['next_query']}")
    assert [_names(first), _names(second), _names(third)] == [
        ["Bea", "Ava"], ["Cal", "Red"], ["Rest"],
    ]  # fmt: skip
    assert third.context["next_query"] == ""


def test_screening_takes_an_urgent_disclosure_off_the_top(
    client: Client, people: People, queue_of_five: list[Referral]
) -> None:
    bea = queue_of_five[0]
    sign_in(client, people.triage)
    page = client.get(f"/triage/{bea.uuid}/").content.decode()
    assert "Urgent disclosure: screen now</span></h2>" in page
    screened = client.post(
        f"/triage/{bea.uuid}/screen/",
        {"version": bea.version, "rating": "amber",
         "indicators": ["suicidal_thoughts"], "rationale": "Thoughts, no plan; safety plan."},
    )  # fmt: skip
    assert screened.status_code == 302
    bea.refresh_from_db()
    assert (bea.queue_band, bea.risk_rating) == (EVERYTHING_ELSE, "amber")
    # Amber now: its clock is the routine one, and Rest's is long past.
    assert _names(client.get("/triage/")) == ["Ava", "Cal", "Red", "Rest", "Bea"]
    assert (
        "Urgent disclosure: screen now" not in client.get(f"/triage/{bea.uuid}/").content.decode()
    )


def test_the_migration_gives_existing_referrals_their_band_again(alliance: Alliance) -> None:
    migration = importlib.import_module("onedoor.referrals.migrations.0010_urgent_disclosure_band")
    red, green, urgent, screened = (
        make_child(alliance, name).referrals.get() for name in ("Red", "Green", "Urgent", "Seen")
    )
    # As the two bands left them: red unreviewed 0, everything else 1.
    Referral.objects.filter(pk=red.pk).update(risk_rating="red", queue_band=0)
    Referral.objects.filter(pk=green.pk).update(risk_rating="green", queue_band=1)
    Referral.objects.filter(pk=urgent.pk).update(self_harm=True, queue_band=1)
    Referral.objects.filter(pk=screened.pk).update(
        self_harm=True, risk_rating="amber", queue_band=1
    )
    order = [red.pk, green.pk, urgent.pk, screened.pk]

    def bands() -> list[int]:
        found = dict(Referral.objects.values_list("pk", "queue_band"))
        return [found[pk] for pk in order]

    migration.three_bands(apps, None)
    assert bands() == [RED_UNREVIEWED, EVERYTHING_ELSE, URGENT_UNSCREENED, EVERYTHING_ELSE]
    migration.two_bands(apps, None)
    assert bands() == [0, 1, 1, 1]


# My tasks, for the triage team and the clinical lead


def _tasks(user: User, now: datetime) -> list[tuple[str, str, datetime]]:
    return [
        (item.what, item.referral.child.given_name, item.due)  # type: ignore[union-attr]
        for item in due_items_for(user, now)
    ]


def test_an_urgent_disclosure_is_the_triage_teams_and_the_clinical_leads_task_until_screened(
    alliance: Alliance, people: People, time_machine: time_machine.TimeMachineFixture
) -> None:
    time_machine.move_to(at(23, 10), tick=False)
    sky = _arrives("Sky", at(23, 10), "self_harm")
    screen_by = at(23, 12)  # two working hours
    assert _tasks(people.clinical_lead, at(23, 10)) == [(SCREEN_NOW, "Sky", screen_by)]
    assert _tasks(people.triage, at(23, 10)) == [
        (SCREEN_NOW, "Sky", screen_by),
        ("Triage this referral", "Sky", at(23, 17)),  # its same-day clock
    ]
    for someone in (people.kooth_practitioner, people.coordinator, people.safeguarding):
        assert SCREEN_NOW not in [what for what, _, _ in _tasks(someone, at(23, 10))]
    time_machine.move_to(at(23, 11), tick=False)
    screen_risk(
        user=people.triage, referral=sky, version=sky.version, rating="amber",
        indicators={"self_harm"}, rationale="Old scars, no current self-harm.",
    )  # fmt: skip
    assert _tasks(people.clinical_lead, at(23, 11)) == []
    assert _tasks(people.triage, at(23, 11)) == []  # amber: its clock runs 5 working days


# Told by email, by reference only, once


@pytest.fixture
def told(people: People, alliance: Alliance) -> list[User]:
    """Who has an email address: the triage lead, a second triage lead, the clinical lead,
    and a care coordinator and a Kooth practitioner, who are not told."""
    second = make_user("tom-triage", Role.TRIAGE_LEAD, organisation(alliance, "north-kent-mind"))
    for user, address in (
        (people.triage, "tina@example.org"),
        (second, "tom@example.org"),
        (people.clinical_lead, "cal@example.org"),
        (people.coordinator, "cora@example.org"),
        (people.kooth_practitioner, "kim@example.org"),
    ):
        user.email = address
        user.save(update_fields=["email"])
    return [people.triage, second, people.clinical_lead]


def _urgent_mail() -> list[object]:
    return [m for m in mail.outbox if m.subject.startswith("Urgent referral")]


def test_the_triage_leads_and_the_clinical_lead_are_told_once_by_reference_only(
    alliance: Alliance, people: People, told: list[User]
) -> None:
    sky = _arrives("Sky", at(20, 11), "suicidal_thoughts", born=date(2011, 4, 4))
    assert notify_urgent_disclosure.call(str(sky.uuid)) == 3
    assert notify_urgent_disclosure.call(str(sky.uuid)) == 0  # run twice: each told once
    assert send_reminders(at(20, 12)).urgent == 0  # and the reminder job finds it said
    sent = _urgent_mail()
    assert sorted(m.to[0] for m in sent) == [  # type: ignore[attr-defined]
        "cal@example.org", "tina@example.org", "tom@example.org",
    ]  # fmt: skip
    for message in sent:
        assert message.subject == f"Urgent referral {sky.reference_display}: screen it now"  # type: ignore[attr-defined]
        html = message.alternatives[0][0]  # type: ignore[attr-defined]
        for text in (message.subject, message.body, html):  # type: ignore[attr-defined]
            assert sky.reference_display in text
            assert "Sky" not in text and "Skyson" not in text
            assert "suicid" not in text.lower()


def test_a_lost_notification_is_sent_by_the_reminder_job_and_none_once_screened(
    alliance: Alliance, people: People, told: list[User]
) -> None:
    sky = _arrives("Sky", at(20, 11), "self_harm")
    DBTaskResult.objects.all().delete()  # the worker never ran the task
    assert send_reminders(at(20, 11, 5)).urgent == 3
    assert len(_urgent_mail()) == 3
    ivy = _arrives("Ivy", at(20, 11, 30), "self_harm")
    screen_risk(
        user=people.triage, referral=ivy, version=ivy.version, rating="green",
        indicators=set(), rationale="Ticked by mistake: confirmed with the school.",
    )  # fmt: skip
    assert notify_urgent_disclosure.call(str(ivy.uuid)) == 0  # screened: nothing to say
    assert send_reminders(at(20, 12)).urgent == 0
    assert len(_urgent_mail()) == 3
    assert sky.reference_display in _urgent_mail()[0].subject  # type: ignore[attr-defined]


# Escalation when not screened in time


def _urgent_levels() -> list[int]:
    return list(
        Escalation.objects.filter(kind=Escalation.Kind.URGENT_DISCLOSURE)
        .order_by("level")
        .values_list("level", flat=True)
    )


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (at(23, 10), at(23, 12)),  # a Monday morning: by noon
        (at(20, 16), at(23, 10)),  # Friday afternoon: over the weekend, Monday 10:00
        (at(23, 19), at(24, 11)),  # a Monday evening: Tuesday 11:00
        (at(23, 8), at(23, 11)),  # before the working day: three hours after it starts
    ],
)
def test_an_unscreened_urgent_disclosure_escalates_at_its_working_hours_deadline(
    alliance: Alliance, people: People, received: datetime, due: datetime
) -> None:
    _arrives("Sky", received, "self_harm")
    escalate_overdue(due - timedelta(minutes=1))
    assert _urgent_levels() == []
    escalate_overdue(due)
    assert _urgent_levels() == [1]


def test_an_unscreened_urgent_disclosure_climbs_the_levels_once_each(
    alliance: Alliance, people: People, told: list[User]
) -> None:
    sky = _arrives("Sky", at(20, 16), "self_harm")  # due Monday 23 at 10:00
    escalate_overdue(at(21, 12))  # Saturday: its same-day triage clock escalates, not this
    assert _urgent_levels() == []
    escalate_overdue(at(23, 10))
    escalate_overdue(at(23, 10, 5))  # already at level 1
    assert _urgent_levels() == [1]
    escalate_overdue(at(23, 14))  # level 2, four hours on
    escalate_overdue(at(24, 14))  # level 3, twenty-four more
    assert _urgent_levels() == [1, 2, 3]
    queued = [
        task.args_kwargs["args"]
        for task in DBTaskResult.objects.filter(task_path__endswith="notify_escalation")
        if task.args_kwargs["args"][3] == "urgent_disclosure"
    ]
    assert sorted(queued) == [
        [str(sky.uuid), level, "", "urgent_disclosure"] for level in (1, 2, 3)
    ]
    # Level 1 tells the lead provider's team (its triage leads and care coordinators), by
    # reference only; not the Kooth practitioner.
    assert notify_escalation.call(str(sky.uuid), 1, "", "urgent_disclosure") == 3
    sent = mail.outbox[-3:]
    assert sorted(m.to[0] for m in sent) == [
        "cora@example.org", "tina@example.org", "tom@example.org",
    ]  # fmt: skip
    assert sent[0].subject == (
        f"Escalation level 1: urgent referral {sky.reference_display} not screened"
    )
    assert "Sky" not in sent[0].body
    [open_] = [e for e in open_escalations(people.clinical_lead) if e.kind == "urgent_disclosure"]
    assert (open_.level, open_.since, open_.owner) == (3, at(23, 10), "Triage team")


def test_escalation_stops_once_screened(
    alliance: Alliance, people: People, time_machine: time_machine.TimeMachineFixture
) -> None:
    sky = _arrives("Sky", at(23, 10), "self_harm")
    escalate_overdue(at(23, 12))
    assert _urgent_levels() == [1]
    time_machine.move_to(at(23, 12, 30), tick=False)
    screen_risk(
        user=people.triage, referral=sky, version=sky.version, rating="amber",
        indicators={"self_harm"}, rationale="Seen; safety plan in place.",
    )  # fmt: skip
    escalate_overdue(at(23, 16, 30))  # level 2 would have been due at 16:00
    assert _urgent_levels() == [1]
    assert [e.kind for e in open_escalations(people.clinical_lead)] == []


def test_a_longer_configured_screening_time_moves_the_deadline(
    alliance: Alliance, people: People
) -> None:
    Alliance.objects.filter(pk=alliance.pk).update(urgent_screening_hours=4)
    _arrives("Sky", at(23, 10), "self_harm")
    escalate_overdue(at(23, 13, 59))
    assert _urgent_levels() == []
    escalate_overdue(at(23, 14))
    assert _urgent_levels() == [1]
