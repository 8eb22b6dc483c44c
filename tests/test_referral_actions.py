"""Receiving referrals: exactly once, matched to children already known, eligibility,
acknowledgement after commit, and nothing half-written when something fails."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date
from typing import Any
from unittest import mock

import pytest
from django.core import mail
from django.db import DatabaseError, connections
from django.test import Client
from django_tasks_db.models import DBTaskResult

from onedoor.alliance.models import Alliance
from onedoor.audit.models import AuditEvent
from onedoor.children.models import Child, Journey, TimelineEvent
from onedoor.referrals.actions import (
    PUBLIC_SUBMISSIONS_PER_HOUR,
    RateLimited,
    confirm_match,
    reject_match,
    submit_referral,
)
from onedoor.referrals.answers import CarerAnswers, ReferralAnswers
from onedoor.referrals.models import (
    MatchStatus,
    Referral,
    Route,
    Source,
    Status,
    SubmissionAttempt,
)
from onedoor.referrals.tasks import send_referral_acknowledgement
from tests.personas import People, sign_in

TODAY = date(2026, 11, 22)

MAYA = ReferralAnswers(
    route=Route.PARENT,
    source=Source.PARENT,
    given_name="Maya",
    family_name="Example",
    date_of_birth=date(2014, 5, 9),
    gender="female",
    ethnicity="A",
    postcode="ME4 4AB",
    referrer_name="Priya Example",
    referrer_relationship="Mother",
    referrer_email="priya@example.org",
    carers=(
        CarerAnswers(
            "Priya Example", "Mother", email="priya@example.org", parental_responsibility="yes"
        ),
    ),
    reasons="Worries a lot and has stopped going to school.",
    needs=("anxiety", "school"),
    risk_indicators=("self_harm",),
    priority_groups=(),
    consent_to_refer=True,
    consent_given_by="parent_carer",
    consent_to_share=True,
)


def submit(
    answers: ReferralAnswers = MAYA, *, key: uuid.UUID | None = None, address: str | None = None
) -> Referral:
    return submit_referral(answers=answers, submission_key=key or uuid.uuid4(), address=address)


def test_a_referral_is_received_with_its_timeline_audit_and_acknowledgement(
    alliance: Alliance,
) -> None:
    referral = submit()
    assert (referral.status, referral.eligible, referral.match_status) == (
        Status.AWAITING_TRIAGE, True, MatchStatus.NEW,
    )  # fmt: skip
    assert referral.self_harm is True and referral.suicidal_thoughts is False
    assert sorted(referral.needs.values_list("slug", flat=True)) == ["anxiety", "school"]
    child = referral.child
    assert (child.full_name, child.match_given_name, child.postcode) == (
        "Maya Example",
        "maya",
        "ME4 4AB",
    )
    assert [c.name for c in child.carers.all()] == ["Priya Example"]
    assert Journey.objects.filter(child=child, closed_at__isnull=True).count() == 1
    assert list(TimelineEvent.objects.filter(child=child).values_list("kind", flat=True)) == [
        "referral_received"
    ]
    created = AuditEvent.objects.get(action="create", record_type="referral")
    assert created.child_uuid == child.uuid
    # The acknowledgement; and, as Maya's referral discloses self-harm, the triage team and
    # the clinical leads told at once (`test_urgent_disclosures.py`).
    tasks = DBTaskResult.objects.order_by("task_path")
    assert [(task.task_path, task.args_kwargs) for task in tasks] == [
        (
            "onedoor.referrals.tasks.notify_urgent_disclosure",
            {"args": [str(referral.uuid)], "kwargs": {}},
        ),
        (
            "onedoor.referrals.tasks.send_referral_acknowledgement",
            {"args": [str(referral.uuid)], "kwargs": {}},
        ),
    ]


def test_the_same_submission_twice_makes_one_referral(alliance: Alliance) -> None:
    key = uuid.uuid4()
    first = submit(key=key)
    second = submit(key=key)
    assert first.pk == second.pk
    assert Referral.objects.count() == 1
    assert DBTaskResult.objects.count() == 2  # its acknowledgement and urgent notice, once


def test_a_failure_part_way_leaves_nothing_behind(alliance: Alliance) -> None:
    failing = mock.patch.object(TimelineEvent.objects, "create", side_effect=DatabaseError("full"))
    with failing, pytest.raises(DatabaseError):
        submit()
    assert (Referral.objects.count(), Child.objects.count(), Journey.objects.count()) == (0, 0, 0)
    assert DBTaskResult.objects.count() == 0
    assert AuditEvent.objects.filter(record_type="referral").count() == 0


def test_the_acknowledgement_is_sent_once_even_if_the_task_runs_twice(alliance: Alliance) -> None:
    referral = submit()
    assert send_referral_acknowledgement.call(str(referral.uuid)) == 1
    assert send_referral_acknowledgement.call(str(referral.uuid)) == 0
    assert [m.to for m in mail.outbox] == [["priya@example.org"]]
    body = mail.outbox[0].body
    assert referral.reference_display in body
    assert "Maya" not in body and "self-harm" not in body.lower()


def test_a_professional_referral_acknowledges_the_family_only_with_agreement(
    alliance: Alliance,
) -> None:
    school = replace(
        MAYA,
        route=Route.PROFESSIONAL,
        source=Source.SCHOOL,
        referrer_email="senco@school.example",
        family_may_be_contacted=True,
    )
    send_referral_acknowledgement.call(str(submit(school).uuid))
    assert [m.to for m in mail.outbox] == [["senco@school.example"], ["priya@example.org"]]
    mail.outbox.clear()
    quiet = replace(school, family_may_be_contacted=False)
    send_referral_acknowledgement.call(str(submit(quiet).uuid))
    assert [m.to for m in mail.outbox] == [["senco@school.example"]]


def test_a_known_nhs_number_joins_the_childs_open_journey(alliance: Alliance) -> None:
    first = submit(replace(MAYA, nhs_number="9434765919"))
    again = submit(replace(MAYA, nhs_number="9434765919", given_name="Mya", postcode="ME5 8AA"))
    assert again.match_status == MatchStatus.EXACT
    assert again.child == first.child
    assert again.journey == first.journey
    assert Child.objects.count() == 1
    assert Journey.objects.count() == 1


def test_a_possible_match_waits_for_the_triage_lead_with_reasons(alliance: Alliance) -> None:
    first = submit()
    again = submit(replace(MAYA, family_name="Exampel", date_of_birth=date(2014, 9, 5)))
    assert again.match_status == MatchStatus.POSSIBLE
    assert again.child != first.child
    candidate = again.candidates.get()
    assert candidate.child == first.child
    assert "Date of birth with day and month swapped" in candidate.reasons


def test_a_typo_in_a_nickname_is_a_possible_match_with_the_reason(alliance: Alliance) -> None:
    first = submit(replace(MAYA, given_name="Theo"))  # stored as a form of Theodore
    again = submit(replace(MAYA, given_name="Teho"))
    assert again.match_status == MatchStatus.POSSIBLE
    assert list(again.candidates.values_list("child", "score", "reasons")) == [
        (
            first.child.pk,
            95,
            [
                "Same date of birth",
                "Same family name",
                "Given name spelt differently (Teho, Theo)",
                "Same postcode",
            ],
        )
    ]


def test_twins_are_not_matched(alliance: Alliance) -> None:
    submit()
    twin = submit(replace(MAYA, given_name="Ella"))
    assert twin.match_status == MatchStatus.NEW
    assert twin.candidates.count() == 0


def test_confirming_a_match_attaches_the_referral_and_retires_the_new_record(
    alliance: Alliance, people: People
) -> None:
    first = submit()
    # Without a disclosure of a risk to life (one joins only once screened: test_joined_referrals)
    again = submit(replace(MAYA, given_name="Maya-Rose", family_name="Exampel", risk_indicators=()))
    provisional = again.child
    referral = confirm_match(user=people.triage, candidate=again.candidates.get())
    assert referral.child == first.child
    assert referral.journey == first.journey
    assert referral.match_status == MatchStatus.CONFIRMED
    assert not Child.objects.filter(pk=provisional.pk).exists()
    assert Journey.objects.filter(child=first.child, closed_at__isnull=True).count() == 1
    assert Journey.objects.count() == 1
    kinds = list(TimelineEvent.objects.filter(child=first.child).values_list("kind", flat=True))
    # the match, the later referral joining the first (its move, and on the first's timeline)
    assert sorted(kinds) == [
        "match_confirmed", "match_confirmed", "referral_received", "referral_received",
        "status_changed",
    ]  # fmt: skip


def test_ruling_out_a_match_keeps_two_children(alliance: Alliance, people: People) -> None:
    first = submit()
    again = submit(replace(MAYA, given_name="Maya-Rose", family_name="Exampel"))
    referral = reject_match(user=people.triage, candidate=again.candidates.get())
    assert referral.match_status == MatchStatus.REJECTED
    assert referral.child != first.child
    assert Child.objects.count() == 2


def test_only_the_triage_team_decides_matches(alliance: Alliance, people: People) -> None:
    submit()
    again = submit(replace(MAYA, family_name="Exampel"))
    with pytest.raises(Exception, match="Only the triage team"):
        confirm_match(user=people.kooth_practitioner, candidate=again.candidates.get())
    assert again.candidates.get().decision == "pending"


def test_an_ineligible_referral_is_kept_marked_and_signposted(alliance: Alliance) -> None:
    adult = replace(MAYA, date_of_birth=date(2004, 1, 10), route=Route.SELF, source=Source.SELF)
    referral = submit(adult)
    assert (referral.eligible, referral.status, referral.journey) == (
        False,
        Status.SIGNPOSTED,
        None,
    )
    assert "22" in referral.ineligibility_reason
    signposted = set(referral.signposted_to.values_list("slug", flat=True))
    assert "samaritans" in signposted and "childline" not in signposted
    kinds = TimelineEvent.objects.filter(child=referral.child).values_list("kind", flat=True)
    assert list(kinds) == ["signposted", "referral_received"]  # newest first


def test_a_care_leaver_of_22_is_eligible(alliance: Alliance) -> None:
    leaver = replace(MAYA, date_of_birth=date(2004, 1, 10), priority_groups=("care-leaver",))
    referral = submit(leaver)
    assert (referral.eligible, referral.status) == (True, Status.AWAITING_TRIAGE)
    assert list(referral.child.priority_groups.values_list("slug", flat=True)) == ["care-leaver"]


def test_too_many_referrals_from_one_address_are_refused(alliance: Alliance) -> None:
    for _ in range(PUBLIC_SUBMISSIONS_PER_HOUR):
        submit(address="203.0.113.9")
    with pytest.raises(RateLimited):
        submit(address="203.0.113.9")
    # The refused submission wrote nothing: no referral, and no attempt counted.
    assert Referral.objects.count() == PUBLIC_SUBMISSIONS_PER_HOUR
    assert SubmissionAttempt.objects.count() == PUBLIC_SUBMISSIONS_PER_HOUR
    submit(address="203.0.113.10")
    assert Referral.objects.count() == PUBLIC_SUBMISSIONS_PER_HOUR + 1


def test_the_triage_lead_confirms_a_match_on_the_page(
    client: Client, alliance: Alliance, people: People
) -> None:
    first = submit()
    again = submit(replace(MAYA, family_name="Exampel", risk_indicators=()))
    candidate = again.candidates.get()
    sign_in(client, people.triage)
    page = client.get(f"/referrals/{again.uuid}/matches/")
    assert page.status_code == 200
    assert "Same child" in page.content.decode()
    response = client.post(
        f"/referrals/{again.uuid}/matches/", {"candidate": candidate.pk, "decision": "same"}
    )
    # It joined the child's open referral, whose page shows what it adds.
    assert response["Location"] == f"/referrals/{first.uuid}/"
    again.refresh_from_db()
    assert again.child == first.child


def test_a_practitioner_cannot_decide_matches(
    client: Client, alliance: Alliance, people: People
) -> None:
    submit()
    again = submit(replace(MAYA, family_name="Exampel"))
    sign_in(client, people.kooth_practitioner)
    response = client.post(
        f"/referrals/{again.uuid}/matches/",
        {"candidate": again.candidates.get().pk, "decision": "same"},
    )
    assert response.status_code == 403
    assert again.candidates.get().decision == "pending"


def test_the_triage_page_lists_matches_to_check_in_a_fixed_number_of_queries(
    client: Client, alliance: Alliance, people: People, django_assert_num_queries: object
) -> None:
    submit()
    for n in range(6):
        submit(replace(MAYA, family_name="Exampel", referrer_email=f"p{n}@example.org"))
    sign_in(client, people.triage)
    client.get("/")
    # session, user, device; the queue page and its priority groups; matches to check;
    # the filters' priority groups and partners; the counts per state; who opened each last
    with django_assert_num_queries(10):  # type: ignore[operator]
        response = client.get("/triage/")
    assert len(response.context["to_check"]) == 6


def test_advice_given_goes_on_the_childs_timeline(
    client: Client, alliance: Alliance, people: People
) -> None:
    sign_in(client, people.triage)
    response = client.post(
        "/referrals/advice/new/",
        {
            "given_name": "Leo",
            "family_name": "Sample",
            "date_of_birth": "14 3 2013",
            "postcode": "me7 1aa",
            "nhs_number": "",
            "caller_name": "Jo Sample",
            "caller_relationship": "Father",
            "advice_given": "Talked through sleep routines.",
            "signposted": [alliance.directory.get(slug="the-mix").pk],
        },
    )
    child = Child.objects.get(given_name="Leo")
    assert response["Location"] == f"/children/{child.uuid}/"
    event = TimelineEvent.objects.get(child=child)
    assert (event.kind, event.actor) == ("advice_given", people.triage)
    assert event.summary == "Talked through sleep routines. Signposted to: The Mix."
    assert child.postcode == "ME7 1AA"
    assert Referral.objects.count() == 0


def test_advice_with_a_bad_postcode_is_refused(
    client: Client, alliance: Alliance, people: People
) -> None:
    sign_in(client, people.triage)
    response = client.post(
        "/referrals/advice/new/",
        {
            "given_name": "Leo",
            "family_name": "Sample",
            "date_of_birth": "14 3 2013",
            "postcode": "NOT A POSTCODE",
            "caller_name": "Jo",
            "caller_relationship": "Father",
            "advice_given": "Advice.",
        },
    )
    assert response.status_code == 400
    assert "Enter a real UK postcode, like ME4 4AB" in response.content.decode()
    assert Child.objects.count() == 0


def test_the_triage_lead_reads_a_referral_and_the_view_is_audited(
    client: Client, alliance: Alliance, people: People
) -> None:
    referral = submit(replace(MAYA, reasons="<b>Worried</b> about school"))
    sign_in(client, people.triage)
    response = client.get(f"/referrals/{referral.uuid}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "&lt;b&gt;Worried&lt;/b&gt; about school" in page
    assert "<strong>Self-harm</strong>" in page
    view = AuditEvent.objects.filter(action="view").last()
    assert view is not None
    assert (view.record_type, view.record_id) == ("referral", str(referral.uuid))


def test_a_partner_cannot_read_a_referral_not_allocated_to_it(
    client: Client, alliance: Alliance, people: People
) -> None:
    referral = submit()
    sign_in(client, people.kooth_practitioner)
    assert client.get(f"/referrals/{referral.uuid}/").status_code == 404


def test_consent_to_share_obtained_later_is_recorded_once(
    client: Client, alliance: Alliance, people: People
) -> None:
    referral = submit(replace(MAYA, consent_to_share=False))
    sign_in(client, people.triage)
    assert (
        "cannot be allocated to a partner until it is"
        in client.get(f"/referrals/{referral.uuid}/").content.decode()
    )
    response = client.post(f"/referrals/{referral.uuid}/", {"consent_given_by": "parent_carer"})
    assert response["Location"] == f"/referrals/{referral.uuid}/"
    referral.refresh_from_db()
    assert referral.consent_to_share is True
    event = referral.child.timeline.filter(kind="consent_to_share").get()
    assert event.summary == (
        "Consent to share with alliance partners given by a parent or carer with parental "
        "responsibility."
    )
    again = client.post(
        f"/referrals/{referral.uuid}/", {"consent_given_by": "parent_carer"}, follow=True
    )
    assert "Consent to share is already recorded" in again.content.decode()
    assert referral.child.timeline.filter(kind="consent_to_share").count() == 1


def test_only_the_referral_and_advice_point_records_consent(
    client: Client, alliance: Alliance, people: People
) -> None:
    referral = submit(replace(MAYA, consent_to_share=False))
    sign_in(client, people.manager)
    response = client.post(f"/referrals/{referral.uuid}/", {"consent_given_by": "parent_carer"})
    assert response.status_code == 404  # the service manager may read but not change it
    referral.refresh_from_db()
    assert referral.consent_to_share is False


@pytest.mark.parametrize(
    ("indicators", "clock"),
    [
        (("suicidal_thoughts",), "red"),
        (("self_harm",), "red"),
        (("harm_to_others",), "red"),
        (("eating_difficulties", "unusual_experiences", "safeguarding_concern"), "routine"),
        ((), "routine"),
    ],
)
def test_a_referral_that_discloses_a_risk_to_life_runs_the_same_day_clock_until_screened(
    alliance: Alliance, indicators: tuple[str, ...], clock: str
) -> None:
    from onedoor.alliance.models import TriageClock
    from onedoor.clock.calendar import ENGLAND_AND_WALES, due_at

    referral = submit(replace(MAYA, risk_indicators=indicators))
    days = TriageClock.objects.get(alliance=alliance, kind=clock).working_days
    assert (days, referral.risk_rating) == ({"red": 0, "routine": 5}[clock], "")
    assert referral.triage_due_at == due_at(
        received_at=referral.received_at, working_days=days, calendar=ENGLAND_AND_WALES
    )


def test_a_known_nhs_number_with_another_date_of_birth_is_a_candidate_not_a_join(
    alliance: Alliance,
) -> None:
    first = submit(replace(MAYA, nhs_number="9434765919"))
    # A brother's referral given Maya's NHS number by mistake.
    sibling = replace(
        MAYA, nhs_number="9434765919", given_name="Theo", date_of_birth=date(2016, 2, 1)
    )
    again = submit(sibling)
    assert again.match_status == MatchStatus.POSSIBLE
    assert again.child != first.child and again.journey != first.journey
    assert Journey.objects.filter(closed_at__isnull=True).count() == 2
    assert list(first.child.carers.values_list("name", flat=True)) == ["Priya Example"]
    candidate = again.candidates.get()
    assert (candidate.child, candidate.score) == (first.child, 100)
    assert candidate.reasons == [
        "Same NHS number",
        "Same family name",
        "Same postcode",
        "A different date of birth: check before confirming",
    ]


def test_advice_goes_on_the_known_childs_timeline_only_with_the_same_date_of_birth(
    alliance: Alliance, people: People
) -> None:
    from onedoor.referrals.actions import record_advice_contact

    maya = submit(replace(MAYA, nhs_number="9434765919")).child
    values: dict[str, Any] = {
        "user": people.triage, "alliance": alliance, "given_name": "Maya",
        "family_name": "Example", "postcode": "ME4 4AB", "nhs_number_value": "943 476 5919",
        "caller_name": "Priya Example", "caller_relationship": "Mother",
        "advice_given": "Talked through sleep routines.", "signposted": [],
    }  # fmt: skip
    same = record_advice_contact(date_of_birth=MAYA.date_of_birth, **values)
    other = record_advice_contact(
        date_of_birth=date(2016, 2, 1), **{**values, "given_name": "Theo"}
    )
    assert same.child == maya
    assert other.child != maya and other.child.given_name == "Theo"
    assert TimelineEvent.objects.filter(child=maya, kind="advice_given").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_public_submission_is_one_write_transaction_with_its_rate_limit_attempt(
    alliance: Alliance,
) -> None:
    database = connections["default"]
    with mock.patch.object(database, "commit", wraps=database.commit) as commits:
        referral = submit(address="203.0.113.9")
    assert commits.call_count == 1
    assert SubmissionAttempt.objects.filter(address="203.0.113.9").count() == 1
    assert Referral.objects.get() == referral


@pytest.mark.django_db(transaction=True)
def test_a_resent_submission_writes_nothing_and_counts_no_attempt(alliance: Alliance) -> None:
    key = uuid.uuid4()
    first = submit(key=key, address="203.0.113.9")
    database = connections["default"]
    with mock.patch.object(database, "commit", wraps=database.commit) as commits:
        second = submit(key=key, address="203.0.113.9")
    assert (commits.call_count, second.pk) == (0, first.pk)
    assert (Referral.objects.count(), SubmissionAttempt.objects.count()) == (1, 1)


def test_a_failed_submission_leaves_no_rate_limit_attempt(alliance: Alliance) -> None:
    failing = mock.patch.object(TimelineEvent.objects, "create", side_effect=DatabaseError("full"))
    with failing, pytest.raises(DatabaseError):
        submit(address="203.0.113.9")
    assert (Referral.objects.count(), SubmissionAttempt.objects.count()) == (0, 0)
