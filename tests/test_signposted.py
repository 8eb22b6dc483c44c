"""Signposted referrals stay in sight: the queue's "signposted" filter, the triage lead's daily
list and its review, overruling eligibility into triage with a new clock, and signposting
that fits the child's age (the directory's age ranges)."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from onedoor.alliance import models as m
from onedoor.alliance.loader import DEFAULT_FILE, ConfigurationError, load
from onedoor.alliance.models import Alliance, DirectoryService, IThriveGrouping
from onedoor.audit.models import AuditEvent
from onedoor.children.models import Journey, TimelineEvent
from onedoor.clock import LONDON
from onedoor.referrals.actions import signposting_for, submit_referral
from onedoor.referrals.answers import ReferralAnswers
from onedoor.referrals.bands import EVERYTHING_ELSE, URGENT_UNSCREENED
from onedoor.referrals.models import Referral, Route, Source, Status
from onedoor.triage import queue, signposted
from onedoor.triage.actions import record_decision, screen_risk
from onedoor.triage.models import Outcome, SignpostingReview
from onedoor.worklist.items import due_items_for
from tests.personas import People, make_child, shown, sign_in

MEDWAY = DEFAULT_FILE.read_text(encoding="utf-8")
# The pinned clock is Friday 20 November 2026, 12:00 (GMT, so London time too).
THURSDAY = datetime(2026, 11, 19, 10, 0, tzinfo=UTC)
REASON = "Registered with a Medway GP practice (Balmoral Gardens), so eligible."

ADULT = ReferralAnswers(
    route=Route.SELF,
    source=Source.SELF,
    given_name="Sol",
    family_name="Example",
    date_of_birth=date(2004, 1, 10),  # 22 on the personas' day
    gender="male",
    ethnicity="A",
    postcode="ME4 4AB",
    young_person_email="sol@example.org",
    reasons="Feeling low since leaving college.",
    needs=("low-mood",),
    consent_to_refer=True,
    consent_given_by="young_person",
    consent_to_share=True,
)


def _turned_away(
    name: str = "Sol", *, at: datetime = THURSDAY, answers: ReferralAnswers = ADULT
) -> Referral:
    """A referral the eligibility rules signposted at the door, received at `at`."""
    return submit_referral(
        answers=replace(answers, given_name=name), submission_key=uuid.uuid4(), received_at=at
    )


def _names(referrals: list[signposted.Row]) -> list[str]:
    return [row.referral.child.given_name for row in referrals]


# The queue's "signposted" filter


def test_the_queue_filters_signposted_referrals_newest_first(
    client: Client, alliance: Alliance, people: People
) -> None:
    _turned_away("Older", at=datetime(2026, 11, 3, 9, 0, tzinfo=UTC))
    _turned_away("Newest", at=datetime(2026, 11, 18, 9, 0, tzinfo=UTC))
    _turned_away("Middle", at=datetime(2026, 11, 10, 9, 0, tzinfo=UTC))
    waiting = make_child(alliance, "Waiting").referrals.get()  # awaiting triage
    Referral.objects.filter(pk=waiting.pk).update(
        triage_due_at=datetime(2026, 11, 23, 17, 0, tzinfo=UTC)
    )
    sign_in(client, people.triage)
    response = client.get("/triage/?state=signposted")
    assert response.status_code == 200
    assert _names(response.context["signposted"]) == ["Newest", "Middle", "Older"]
    assert response.context["rows"] == []
    page = shown(response)
    assert page.count("Not eligible: The alliance works with children and young people") == 3
    assert "Waiting Example" not in page
    # the unfiltered queue is unchanged: signposted referrals are not in it
    default = client.get("/triage/")
    assert [row.referral.child.given_name for row in default.context["rows"]] == ["Waiting"]


def test_the_signposted_filter_pages_by_keyset(
    client: Client, alliance: Alliance, people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(queue, "PAGE_SIZE", 2)
    for day in range(2, 7):
        _turned_away(f"Day{day}", at=datetime(2026, 11, day, 9, 0, tzinfo=UTC))
    sign_in(client, people.triage)
    first = client.get("/triage/?state=signposted")
    assert _names(first.context["signposted"]) == ["Day6", "Day5"]
    second = client.get(f"/triage/?{first.context['next_query']}")
    assert _names(second.context["signposted"]) == ["Day4", "Day3"]
    third = client.get(f"/triage/?{second.context['next_query']}")
    assert (_names(third.context["signposted"]), third.context["next_query"]) == (["Day2"], "")


@pytest.mark.parametrize("size", [3, 30])
def test_the_signposted_filter_runs_a_fixed_number_of_queries(
    client: Client, alliance: Alliance, people: People, django_assert_num_queries: object, size: int
) -> None:
    for n in range(size):
        _turned_away(f"Child{n}", at=datetime(2026, 11, 2 + n % 15, 9, n, tzinfo=UTC))
    sign_in(client, people.triage)
    client.get("/")
    # session, user, device; the page with its children, who signposted and who overruled;
    # their priority groups; the services signposted; the counts by state above the list;
    # matches to check; the filters' priority groups and partners
    with django_assert_num_queries(10):  # type: ignore[operator]
        response = client.get("/triage/?state=signposted")
    assert len(response.context["signposted"]) == size


# The daily list


def test_a_working_days_list_runs_to_the_next_working_day() -> None:
    # Thursday's list is Thursday; Friday's holds the weekend; Christmas Eve 2026 (a
    # Thursday) holds Christmas Day and the Boxing Day holiday on Monday 28 December.
    assert signposted.list_day(date(2026, 11, 19)) == date(2026, 11, 19)
    assert signposted.list_day(date(2026, 11, 22)) == date(2026, 11, 20)
    assert signposted.next_list_day(date(2026, 11, 20)) == date(2026, 11, 23)
    assert signposted.list_day(date(2026, 12, 28)) == date(2026, 12, 24)
    assert signposted.next_list_day(date(2026, 12, 24)) == date(2026, 12, 29)
    assert signposted.period(date(2026, 12, 24)) == (
        datetime(2026, 12, 24, 0, 0, tzinfo=LONDON),
        datetime(2026, 12, 29, 0, 0, tzinfo=LONDON),
    )
    # The list to review is the previous working day's: on a Monday, Friday's.
    assert signposted.to_review(date(2026, 11, 20)) == date(2026, 11, 19)
    assert signposted.to_review(date(2026, 11, 23)) == date(2026, 11, 20)
    assert signposted.to_review(date(2026, 12, 29)) == date(2026, 12, 24)


def test_the_daily_list_shows_the_previous_working_days_signposted_referrals(
    client: Client, alliance: Alliance, people: People
) -> None:
    _turned_away("Wednesday", at=datetime(2026, 11, 18, 16, 0, tzinfo=UTC))
    thursday = _turned_away("Thursday", at=THURSDAY)
    late = _turned_away("Late", at=datetime(2026, 11, 19, 23, 59, tzinfo=UTC))
    _turned_away("Today", at=datetime(2026, 11, 20, 9, 0, tzinfo=UTC))
    sign_in(client, people.triage)
    response = client.get("/triage/signposted/")
    assert response.status_code == 200
    assert response.context["day"] == date(2026, 11, 19)
    assert _names(response.context["rows"]) == ["Thursday", "Late"]
    assert (response.context["previous_day"], response.context["next_day"]) == (
        date(2026, 11, 18),
        date(2026, 11, 20),
    )
    page = shown(response)
    assert "Thursday 19 November 2026" in page
    assert thursday.reference_display in page and late.reference_display in page
    assert page.count("aged 22") == 2
    assert "The eligibility rules, when the referral arrived, 19 Nov 2026 10:00" in page
    assert "NHS Talking Therapies" in page  # where they were signposted
    assert "Not yet reviewed" in page and "Mark this list reviewed" in page


def test_a_weekends_referrals_are_on_fridays_list_reviewed_on_monday(
    client: Client,
    alliance: Alliance,
    people: People,
    time_machine: time_machine.TimeMachineFixture,
) -> None:
    _turned_away("Friday", at=datetime(2026, 11, 20, 15, 0, tzinfo=UTC))
    _turned_away("Saturday", at=datetime(2026, 11, 21, 11, 0, tzinfo=UTC))
    _turned_away("Sunday", at=datetime(2026, 11, 22, 20, 0, tzinfo=UTC))
    time_machine.move_to(datetime(2026, 11, 23, 9, 0, tzinfo=UTC), tick=False)
    sign_in(client, people.triage)
    response = client.get("/triage/signposted/")
    assert response.context["day"] == date(2026, 11, 20)
    assert _names(response.context["rows"]) == ["Friday", "Saturday", "Sunday"]
    # asking for the Sunday gives the same list
    sunday = client.get("/triage/signposted/?day=2026-11-22")
    assert (sunday.context["day"], _names(sunday.context["rows"])) == (
        date(2026, 11, 20),
        ["Friday", "Saturday", "Sunday"],
    )


@pytest.mark.parametrize("size", [3, 30])
def test_the_daily_list_runs_a_fixed_number_of_queries(
    client: Client, alliance: Alliance, people: People, django_assert_num_queries: object, size: int
) -> None:
    for n in range(size):
        _turned_away(f"Child{n}", at=datetime(2026, 11, 19, 9, n, tzinfo=UTC))
    sign_in(client, people.triage)
    client.get("/")
    # session, user, device; the day's review; the page with its children, who signposted and
    # who overruled; the services signposted
    with django_assert_num_queries(6):  # type: ignore[operator]
        response = client.get("/triage/signposted/?day=2026-11-19")
    assert len(response.context["rows"]) == size


@pytest.mark.parametrize(
    ("day", "problem"),
    [
        ("nonsense", "Enter the day as year-month-day, like 2026-11-19"),
        ("2026-02-30", "Enter the day as year-month-day, like 2026-11-19"),
        ("2026-11-21x", "Enter the day as year-month-day, like 2026-11-19"),
        ("2026-11-23", "Choose a day from 2020-01-01 to today"),
        ("0001-01-01", "Choose a day from 2020-01-01 to today"),
    ],
)
def test_a_day_that_is_not_one_is_a_clear_400(
    client: Client, alliance: Alliance, people: People, day: str, problem: str
) -> None:
    sign_in(client, people.triage)
    response = client.get(f"/triage/signposted/?day={day}")
    assert response.status_code == 400
    assert problem in response.content.decode()


@pytest.mark.parametrize(("persona", "status"), [("kooth_practitioner", 403), ("analyst", 403)])
def test_the_daily_list_is_the_triage_teams(
    client: Client, people: People, persona: str, status: int
) -> None:
    sign_in(client, people.by_role()[persona])
    assert client.get("/triage/signposted/").status_code == status
    before = AuditEvent.objects.count()
    assert client.post("/triage/signposted/reviewed/", {"day": "2026-11-19"}).status_code == 403
    assert (SignpostingReview.objects.count(), AuditEvent.objects.count()) == (0, before)


def test_a_list_is_marked_reviewed_once_audited_and_its_task_goes(
    client: Client, alliance: Alliance, people: People
) -> None:
    _turned_away("Thursday", at=THURSDAY)
    work = [(i.what, i.label, i.due, i.url) for i in due_items_for(people.triage)]
    assert work == [
        (
            "Signposted referrals to review",
            "Signposted on 19 Nov 2026",
            datetime(2026, 11, 20, 17, 0, tzinfo=LONDON),
            "/triage/signposted/?day=2026-11-19",
        )
    ]
    assert [i.what for i in due_items_for(people.clinical_lead)] == []  # the triage lead's
    sign_in(client, people.triage)
    response = client.post("/triage/signposted/reviewed/", {"day": "2026-11-19"})
    assert response["Location"] == "/triage/signposted/?day=2026-11-19"
    review = SignpostingReview.objects.get()
    assert (review.day, review.reviewed_by, review.reviewed_at) == (
        date(2026, 11, 19),
        people.triage,
        review.reviewed_at,
    )
    assert abs((review.reviewed_at - datetime(2026, 11, 20, 12, 0, tzinfo=UTC)).seconds) < 60
    audit = AuditEvent.objects.get(record_type="signposted_list")
    assert (audit.action, audit.record_id, audit.actor_username) == (
        "create",
        "2026-11-19",
        "tina-triage",
    )
    assert due_items_for(people.triage) == []
    page = shown(client.get("/triage/signposted/?day=2026-11-19"))
    assert "Reviewed</strong> by Tina-Triage, 20 Nov 2026 12:0" in page
    # only once
    with pytest.raises(ValidationError, match="already been reviewed"):
        signposted.mark_reviewed(user=people.clinical_lead, day=date(2026, 11, 19))
    assert SignpostingReview.objects.count() == 1


def test_a_list_still_open_cannot_be_marked_reviewed(alliance: Alliance, people: People) -> None:
    _turned_away("Today", at=datetime(2026, 11, 20, 9, 0, tzinfo=UTC))
    with pytest.raises(ValidationError, match="not finished yet"):
        signposted.mark_reviewed(user=people.triage, day=date(2026, 11, 20))
    with pytest.raises(ValidationError, match="Choose a working day"):
        signposted.mark_reviewed(user=people.triage, day=date(2026, 11, 15))
    for day in (date(9999, 12, 31), date(1, 1, 1)):  # never a 500 at the calendar's ends
        with pytest.raises(ValidationError, match="Choose a day from 2020-01-01 to today"):
            signposted.mark_reviewed(user=people.triage, day=day)
    assert (SignpostingReview.objects.count(), due_items_for(people.triage)) == (0, [])


@pytest.mark.parametrize(
    ("day", "message"),
    [
        ("nonsense", "That is not a day&#x27;s list: choose the day again."),
        ("9999-12-31", "Choose a day from 2020-01-01 to today"),
        ("2026-11-20", "This list is not finished yet"),
    ],
)
def test_marking_a_day_that_cannot_be_reviewed_says_why_and_writes_nothing(
    client: Client, alliance: Alliance, people: People, day: str, message: str
) -> None:
    sign_in(client, people.triage)
    response = client.post("/triage/signposted/reviewed/", {"day": day}, follow=True)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert (
        SignpostingReview.objects.count(),
        AuditEvent.objects.exclude(action="view").count(),
    ) == (
        0,
        0,
    )


def test_a_day_with_nothing_signposted_is_no_task(alliance: Alliance, people: People) -> None:
    make_child(alliance, "Waiting")
    assert due_items_for(people.triage) == []


def test_a_list_nobody_reviewed_stays_a_task_overdue(alliance: Alliance, people: People) -> None:
    _turned_away("Tuesday", at=datetime(2026, 11, 17, 10, 0, tzinfo=UTC))
    _turned_away("Thursday", at=THURSDAY)
    assert [(i.label, i.due) for i in due_items_for(people.triage)] == [
        ("Signposted on 17 Nov 2026", datetime(2026, 11, 18, 17, 0, tzinfo=LONDON)),
        ("Signposted on 19 Nov 2026", datetime(2026, 11, 20, 17, 0, tzinfo=LONDON)),
    ]


def test_a_turned_away_referral_disclosing_a_risk_to_life_is_a_task_that_same_day(
    alliance: Alliance, people: People
) -> None:
    urgent = _turned_away(answers=replace(ADULT, risk_indicators=("suicidal_thoughts",)))
    _turned_away("Calm")
    work = [(i.what, i.referral, i.due) for i in due_items_for(people.triage)]
    assert work == [
        (
            "Signposted, but discloses a risk to life",
            urgent,
            datetime(2026, 11, 19, 17, 0, tzinfo=LONDON),  # its own working day: overdue
        ),
        ("Signposted referrals to review", None, datetime(2026, 11, 20, 17, 0, tzinfo=LONDON)),
    ]
    signposted.mark_reviewed(user=people.triage, day=date(2026, 11, 19))
    assert due_items_for(people.triage) == []


@pytest.mark.parametrize(("size", "lists"), [(3, 3), (30, 11)])  # 2 to 16 Nov: 11 lists
def test_the_triage_leads_signposted_tasks_run_a_fixed_number_of_queries(
    client: Client,
    alliance: Alliance,
    people: People,
    django_assert_num_queries: object,
    size: int,
    lists: int,
) -> None:
    for n in range(size):
        at = datetime(2026, 11, 2 + n % 15, 9, n, tzinfo=UTC)
        _turned_away(f"Child{n}", at=at)
        _turned_away(f"Urgent{n}", at=at, answers=replace(ADULT, risk_indicators=("self_harm",)))
    sign_in(client, people.triage)
    client.get("/")
    # session, user, device; urgent disclosures to screen; information requested; triage
    # clocks ending; turned-away referrals that disclose a risk to life, and their days'
    # reviews; the days with signposted referrals, and their reviews; children whose
    # partner may no longer see them (consent to share withdrawn); handovers the lead sent;
    # the meeting and case audit actions they own; safeguarding concerns to plan and
    # follow-up actions they own
    with django_assert_num_queries(16):  # type: ignore[operator]
        response = client.get("/tasks/")
    whats = [row.item.what for row in response.context["rows"]]
    assert whats.count("Signposted, but discloses a risk to life") == size
    assert whats.count("Signposted referrals to review") == lists


# Overruling eligibility


def test_a_triage_lead_overrules_eligibility_and_the_referral_is_in_triage_on_a_new_clock(
    client: Client, alliance: Alliance, people: People
) -> None:
    referral = _turned_away()
    assert (referral.journey, referral.triage_due_at) == (None, None)
    sign_in(client, people.triage)
    page = client.get(f"/triage/{referral.uuid}/")
    assert "Overrule eligibility and bring into triage" in page.content.decode()
    form = client.get(f"/triage/{referral.uuid}/eligibility/")
    assert form.status_code == 200
    response = client.post(
        f"/triage/{referral.uuid}/eligibility/", {"version": referral.version, "reason": REASON}
    )
    assert response["Location"] == f"/triage/{referral.uuid}/"
    referral.refresh_from_db()
    assert (referral.status, referral.eligible, referral.version) == (
        Status.AWAITING_TRIAGE,
        True,
        2,
    )
    assert (referral.eligibility_overruled_by, referral.eligibility_overrule_reason) == (
        people.triage,
        REASON,
    )
    assert referral.eligibility_overruled_at is not None
    assert referral.triage_clock_from == referral.eligibility_overruled_at
    # routine: 5 working days from the overrule (Friday 20 November), not from receipt
    assert referral.triage_due_at == datetime(2026, 11, 27, 17, 0, tzinfo=LONDON)
    assert referral.queue_band == EVERYTHING_ELSE
    assert referral.journey == Journey.objects.get(child=referral.child, closed_at=None)
    # the rules' reason is kept, and where it was signposted
    assert referral.ineligibility_reason.startswith("The alliance works with children")
    event = TimelineEvent.objects.filter(referral=referral).first()
    assert event is not None
    assert (event.kind, event.actor, event.summary) == (
        "status_changed",
        people.triage,
        f"Eligibility overruled by Tina-Triage: {REASON} The referral is in triage.",
    )
    changes = AuditEvent.objects.filter(record_type="referral", action="change")
    assert [e.detail for e in changes.order_by("sequence")] == [
        {"from": "signposted", "to": "awaiting_triage"},
        {"eligibility": "overruled"},
    ]
    triage_page = shown(client.get(f"/triage/{referral.uuid}/"))
    assert "Eligibility overruled by Tina-Triage, 20 Nov 2026 12:0" in triage_page
    assert REASON in triage_page
    assert "Screen the risk" in triage_page
    queue_rows = client.get("/triage/").context["rows"]
    assert [row.referral for row in queue_rows] == [referral]
    # screening it keeps the clock from the overrule, not from receipt (long past)
    screen_risk(
        user=people.triage, referral=referral, version=referral.version, rating="amber",
        indicators=set(), rationale="Low mood, no risk indicators.",
    )  # fmt: skip
    referral.refresh_from_db()
    assert referral.triage_due_at == datetime(2026, 11, 27, 17, 0, tzinfo=LONDON)


def test_an_overruled_referral_that_discloses_self_harm_goes_to_the_top_on_the_same_day_clock(
    alliance: Alliance, people: People
) -> None:
    referral = _turned_away(answers=replace(ADULT, risk_indicators=("self_harm",)))
    signposted.overrule_eligibility(
        user=people.triage, referral=referral, version=referral.version, reason=REASON
    )
    referral.refresh_from_db()
    assert (referral.queue_band, referral.triage_due_at) == (
        URGENT_UNSCREENED,
        datetime(2026, 11, 20, 17, 0, tzinfo=LONDON),
    )


def test_an_overrule_needs_a_reason_and_writes_nothing_without_one(
    client: Client, alliance: Alliance, people: People
) -> None:
    referral = _turned_away()
    before = (AuditEvent.objects.count(), TimelineEvent.objects.count())
    sign_in(client, people.triage)
    response = client.post(
        f"/triage/{referral.uuid}/eligibility/", {"version": referral.version, "reason": "  "}
    )
    assert response.status_code == 400
    assert "Say why the alliance should take this referral" in response.content.decode()
    with pytest.raises(ValidationError, match="Say why the alliance should take this referral"):
        signposted.overrule_eligibility(
            user=people.triage, referral=referral, version=referral.version, reason=" "
        )
    referral.refresh_from_db()
    assert (referral.status, referral.version, referral.eligible) == (Status.SIGNPOSTED, 1, False)
    # only the views of the pages were audited
    after = (AuditEvent.objects.exclude(action="view").count(), TimelineEvent.objects.count())
    assert after == (before[0], before[1])


@pytest.mark.parametrize("persona", ["clinical_lead", "coordinator", "kooth_practitioner"])
def test_only_a_triage_lead_may_overrule_and_a_denied_overrule_writes_nothing(
    client: Client, alliance: Alliance, people: People, persona: str
) -> None:
    referral = _turned_away()
    before = (AuditEvent.objects.count(), TimelineEvent.objects.count(), Journey.objects.count())
    user = people.by_role()[persona]
    sign_in(client, user)
    response = client.post(
        f"/triage/{referral.uuid}/eligibility/", {"version": referral.version, "reason": REASON}
    )
    assert response.status_code == 403
    with pytest.raises(PermissionDenied):
        signposted.overrule_eligibility(
            user=user, referral=referral, version=referral.version, reason=REASON
        )
    referral.refresh_from_db()
    assert (referral.status, referral.version, referral.eligibility_overruled_by) == (
        Status.SIGNPOSTED,
        1,
        None,
    )
    after = (AuditEvent.objects.count(), TimelineEvent.objects.count(), Journey.objects.count())
    assert after == before
    if persona == "clinical_lead":  # the triage page does not offer it
        page = client.get(f"/triage/{referral.uuid}/").content.decode()
        assert "Overrule eligibility" not in page


def test_a_stale_overrule_is_a_conflict_and_an_eligible_referral_cannot_be_overruled(
    client: Client, alliance: Alliance, people: People
) -> None:
    referral = _turned_away()
    signposted.overrule_eligibility(user=people.triage, referral=referral, version=1, reason=REASON)
    sign_in(client, people.triage)
    stale = client.post(f"/triage/{referral.uuid}/eligibility/", {"version": 1, "reason": REASON})
    assert stale.status_code == 409
    assert "This referral changed while you were working on it" in stale.content.decode()
    referral.refresh_from_db()
    with pytest.raises(ValidationError, match="Only a referral the eligibility rules signposted"):
        signposted.overrule_eligibility(
            user=people.triage, referral=referral, version=referral.version, reason=REASON
        )
    assert referral.version == 2


# Signposting that fits the child's age


def _slugs(services: list[DirectoryService]) -> set[str]:
    return {service.slug for service in services}


UNDER_FIVES = {"health-visiting", "family-hubs", "parent-infant-relationships"}
ADULTS = {"nhs-talking-therapies", "adult-community-mental-health"}


def test_a_four_year_olds_family_is_signposted_to_under_fives_services_not_adult_ones(
    alliance: Alliance,
) -> None:
    four = replace(ADULT, route=Route.PARENT, source=Source.PARENT, date_of_birth=date(2022, 6, 1))
    referral = _turned_away("Ada", answers=four)
    assert (referral.eligible, referral.status) == (False, Status.SIGNPOSTED)
    assert referral.signposted_at == THURSDAY
    # the parent-infant service is for under-2s
    assert _slugs(list(referral.signposted_to.all())) == {
        "health-visiting", "family-hubs", "emergency-999", "nhs-111-mental-health",
        "childline", "shout", "samaritans", "papyrus", "cruse",
        "national-domestic-abuse-helpline", "switchboard", "the-mix",
    }  # fmt: skip
    # under-5s services stop at 5; the parent-infant service at 2
    assert _slugs(signposting_for(alliance, 2)) >= UNDER_FIVES
    assert _slugs(signposting_for(alliance, 3)) & UNDER_FIVES == UNDER_FIVES - {
        "parent-infant-relationships"
    }
    assert _slugs(signposting_for(alliance, 5)) & UNDER_FIVES == set()


def test_a_22_year_old_is_signposted_to_adult_services(alliance: Alliance) -> None:
    referral = _turned_away()
    slugs = _slugs(list(referral.signposted_to.all()))
    assert slugs >= ADULTS
    assert slugs & (UNDER_FIVES | {"childline"}) == set()
    assert _slugs(signposting_for(alliance, 17)) & ADULTS == set()


def test_triage_signposts_only_to_services_that_fit_the_childs_age(
    client: Client, alliance: Alliance, people: People
) -> None:
    referral = make_child(alliance, "Nia", born=date(2012, 3, 14)).referrals.get()  # 14
    screen_risk(
        user=people.triage, referral=referral, version=1, rating="green", indicators=set(),
        rationale="Mild worries; school support in place.",
    )  # fmt: skip
    referral.refresh_from_db()
    sign_in(client, people.triage)
    page = client.get(f"/triage/{referral.uuid}/").content.decode()
    assert "The Mix" in page and "Childline" in page
    assert "NHS Talking Therapies" not in page and "Health visiting team" not in page
    health_visiting = alliance.directory.get(slug="health-visiting")
    with pytest.raises(ValidationError, match="Health visiting team is not for someone aged 14"):
        record_decision(
            user=people.triage, referral=referral, version=referral.version,
            grouping=IThriveGrouping.GETTING_ADVICE, outcome=Outcome.ADVICE,
            materials_sent="Sleep leaflet.", signposted=[health_visiting],
        )  # fmt: skip
    assert referral.decisions.count() == 0
    the_mix = alliance.directory.get(slug="the-mix")
    record_decision(
        user=people.triage, referral=referral, version=referral.version,
        grouping=IThriveGrouping.GETTING_ADVICE, outcome=Outcome.ADVICE,
        materials_sent="Sleep leaflet.", signposted=[the_mix],
    )  # fmt: skip
    referral.refresh_from_db()
    assert referral.status == Status.SIGNPOSTED
    assert list(referral.signposted_to.all()) == [the_mix]
    assert (referral.signposted_by, referral.signposted_at is not None) == (people.triage, True)
    # on the day's list (today's, still open), signposted by the triage lead
    rows = signposted.rows(list(signposted.signposted_on(people.triage, date(2026, 11, 20))))
    assert [(row.referral, row.by, row.why) for row in rows] == [
        (referral, "Tina-Triage", "A triage decision of advice and signposting.")
    ]


# The directory's age ranges in the alliance file


def test_the_loader_accepts_age_ranges(db: None) -> None:
    load(DEFAULT_FILE)
    ages = {
        slug: (low, high)
        for slug, low, high in DirectoryService.objects.values_list("slug", "min_age", "max_age")
    }
    assert ages["health-visiting"] == (None, 4)
    assert ages["nhs-talking-therapies"] == (18, None)
    assert ages["samaritans"] == (None, None)


def test_the_loader_refuses_a_minimum_age_above_the_maximum_and_loads_nothing(
    empty_database: None, tmp_path: Path
) -> None:
    for beside in DEFAULT_FILE.parent.iterdir():  # the files it names (its practice list)
        if beside.is_file():
            (tmp_path / beside.name).write_bytes(beside.read_bytes())
    bad = tmp_path / "medway.toml"
    bad.write_text(
        MEDWAY.replace('slug = "health-visiting"', 'slug = "health-visiting"\nmin_age = 6'),
        encoding="utf-8",
    )
    with pytest.raises(ConfigurationError) as refused:
        load(bad)
    assert str(refused.value) == (
        f"{bad}: entry directory[10] 'health-visiting', field 'max_age': must not be below min_age"
    )
    assert (m.Alliance.objects.count(), DirectoryService.objects.count()) == (0, 0)
