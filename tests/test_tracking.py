"""Tracking a referral (/track/): the code, its limits, the same answer for every wrong pair,
the status in words, withheld status, the rate limits and the audit."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django_tasks_db.models import DBTaskResult

from onedoor.alliance.models import Alliance, DirectoryService, Organisation
from onedoor.audit.models import AuditEvent
from onedoor.children.models import CarerContact
from onedoor.emails.models import Delivery
from onedoor.referrals.models import Referral, Route, Status
from onedoor.referrals.progress import A_SERVICE, Facts, Service, progress
from onedoor.referrals.reference import display
from onedoor.tracking import codes
from onedoor.tracking.models import TrackingCode
from onedoor.tracking.tasks import send_tracking_code
from tests.personas import NOW, make_child, shown

BORN = date(2012, 3, 14)
WRONG_REFERENCE = "WXYZ234B"  # a good check character, on no referral (the tests' start at 2)


def _referral(alliance: Alliance, **fields: Any) -> Referral:
    child = make_child(alliance, "Maya", born=BORN)
    referral = child.referrals.get()
    fields = {"referrer_email": "parent@example.org", "route": Route.PARENT, **fields}
    for name, value in fields.items():
        setattr(referral, name, value)
    referral.save()
    return referral


def _dob(day: date) -> dict[str, str]:
    return {
        "date_of_birth_day": str(day.day),
        "date_of_birth_month": str(day.month),
        "date_of_birth_year": str(day.year),
    }


def _ask(client: Client, reference: str, born: date = BORN, **extra: str) -> Any:
    return client.post("/track/", {"reference": reference, **_dob(born), **extra})


def _code_in(body: str) -> str:
    found = re.search(r"Your code is: (\d{6})", body)
    assert found is not None
    return found.group(1)


def _send_codes() -> list[str]:
    """Run the tasks the lookups queued; the codes the emails carried."""
    for task in DBTaskResult.objects.filter(task_path="onedoor.tracking.tasks.send_tracking_code"):
        send_tracking_code.call(*task.args_kwargs["args"])
    return [_code_in(str(m.body)) for m in mail.outbox]


def _enter(client: Client, code: str) -> Any:
    return client.post("/track/code/", {"code": code})


def _tracked(client: Client, referral: Referral, capture: Any) -> Any:
    with capture(execute=True):
        _ask(client, referral.reference)
    [code] = _send_codes()
    response = _enter(client, code)
    assert response.status_code == 303
    assert response["Location"] == "/track/status/"
    return client.get("/track/status/")


# The status in words (pure).


def test_every_status_says_something_plain_and_safe() -> None:
    decide = date(2026, 11, 27)
    said = {
        status: progress(
            Facts(
                status=status, shared=True, consent_to_share=True, partner="Kooth", decide_by=decide
            )
        )
        for status in Status
    }
    assert {status: p.heading for status, p in said.items()} == {
        Status.AWAITING_TRIAGE: "Received",
        Status.MORE_INFORMATION: "Being looked at by the triage team",
        Status.AWAITING_SIGN_OFF: "Being looked at by the triage team",
        Status.ALLOCATED: "Waiting for Kooth",
        Status.WAITING: "Waiting for Kooth",
        Status.IN_INTERVENTION: "Getting support from Kooth",
        Status.IN_TRANSITION: "Getting support from Kooth",
        Status.SIGNPOSTED: "Advice and signposting given",
        Status.STEPPED_UP: "Passed to another service",
        Status.SAFEGUARDING_REFERRAL: "We have received the referral",
        Status.NOT_ACCEPTED: "Closed",
        Status.DISCHARGED: "Closed",
        Status.JOINED: "Being looked at with another referral",
    }
    assert said[Status.AWAITING_TRIAGE].said == (
        "The triage team will look at the referral.",
        "We aim to decide by 27 November 2026.",
    )
    assert said[Status.JOINED].said == (
        "We are looking at this together with another referral we already have.",
    )
    assert said[Status.SAFEGUARDING_REFERRAL].said == ("We will be in touch.",)


def test_a_partner_is_named_only_with_consent_to_share() -> None:
    facts = Facts(status=Status.ALLOCATED, shared=True, consent_to_share=False, partner="Kooth")
    assert progress(facts).heading == f"Waiting for {A_SERVICE}"
    assert "Kooth" not in " ".join(progress(facts).said)


def test_a_paused_triage_clock_gives_no_date() -> None:
    facts = Facts(
        status=Status.MORE_INFORMATION, shared=True, decide_by=date(2026, 12, 1), clock_paused=True
    )
    assert progress(facts).said == ("The triage team is working out the right support.",)


def test_signposting_lists_the_services() -> None:
    services = (Service("Young Minds", "Advice", "0808 802 5544", "https://youngminds.org.uk"),)
    facts = Facts(status=Status.SIGNPOSTED, shared=True, signposted=services)
    assert progress(facts).services == services


@pytest.mark.parametrize("status", list(Status))
def test_a_withheld_status_says_only_received_for_every_status(status: Status) -> None:
    facts = Facts(
        status=status, shared=False, consent_to_share=True, partner="Kooth",
        decide_by=date(2026, 11, 27),
        signposted=(Service("Young Minds"),),
    )  # fmt: skip
    assert progress(facts) == progress(Facts(status=Status.AWAITING_TRIAGE, shared=False))
    assert progress(facts).heading == "We have received the referral"
    assert progress(facts).said == ("We will be in touch.",)
    assert progress(facts).services == ()


# The journey: the right pair, the code by email, the status.


def test_a_parent_tracks_their_referral_to_waiting_for_the_partner(
    client: Client, alliance: Alliance, django_capture_on_commit_callbacks: Any
) -> None:
    kooth = Organisation.objects.get(alliance=alliance, slug="kooth")
    referral = _referral(
        alliance, status=Status.ALLOCATED, allocated_organisation=kooth, consent_to_share=True
    )
    with django_capture_on_commit_callbacks(execute=True):
        # With the hyphen or without, any case, spaces around.
        response = _ask(client, f"  {display(referral.reference).lower()} ")
    assert response.status_code == 303
    assert response["Location"] == "/track/code/"
    page = client.get("/track/code/")
    assert "If the reference and date of birth match a referral, we have sent a 6-digit code" in (
        page.content.decode()
    )
    assert "It expires in 10 minutes" in page.content.decode()
    [code] = _send_codes()
    message = mail.outbox[0]
    assert message.to == ["parent@example.org"]
    assert "Maya" not in message.body and "Maya" not in message.subject
    assert referral.reference not in message.body
    stored = TrackingCode.objects.get()
    assert stored.code_hash != code and code not in stored.code_hash
    assert stored.code_hash == codes.code_hash(stored, code)
    assert Delivery.objects.get().key == f"tracking-code:{stored.uuid}:0"
    response = _enter(client, code)
    assert response.status_code == 303
    status = client.get("/track/status/")
    body = status.content.decode()
    assert status.status_code == 200
    assert "<h1>Waiting for Kooth</h1>" in body
    assert "Maya" not in body
    assert "Childline" in body  # the crisis lines


def test_the_code_goes_to_the_family_a_professional_may_contact(
    alliance: Alliance, django_capture_on_commit_callbacks: Any, client: Client
) -> None:
    referral = _referral(
        alliance,
        route=Route.PROFESSIONAL,
        referrer_email="senco@school.example",
        family_may_be_contacted=True,
    )
    CarerContact.objects.create(child=referral.child, name="Priya", email="priya@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        _ask(client, referral.reference)
    _send_codes()
    assert [m.to for m in mail.outbox] == [["senco@school.example"], ["priya@example.org"]]
    assert len({_code_in(str(m.body)) for m in mail.outbox}) == 1


# Enumeration resistance.


def test_a_wrong_date_of_birth_and_a_wrong_reference_give_the_same_answer(
    alliance: Alliance, django_capture_on_commit_callbacks: Any
) -> None:
    referral = _referral(alliance)
    answers = []
    for reference, born in ((referral.reference, date(2012, 3, 15)), (WRONG_REFERENCE, BORN)):
        client = Client()
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            posted = _ask(client, reference, born)
        assert callbacks == []
        page = client.get("/track/code/")
        wrong = _enter(client, "123456")
        answers.append(
            (posted.status_code, posted["Location"], page.status_code, shown(page),
             wrong.status_code, shown(wrong))
        )  # fmt: skip
    assert answers[0] == answers[1]
    assert answers[0][4] == 400
    assert "That code is not right. You have 2 tries left" in answers[0][5]
    assert mail.outbox == []
    assert not Delivery.objects.exists()
    assert not TrackingCode.objects.exists()
    assert not DBTaskResult.objects.exists()


def test_every_lookup_is_audited_without_what_was_typed(
    client: Client, alliance: Alliance, django_capture_on_commit_callbacks: Any
) -> None:
    referral = _referral(alliance)
    before = AuditEvent.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        _ask(client, referral.reference, date(2012, 3, 15))
        _ask(client, referral.reference)
    _send_codes()
    events = list(AuditEvent.objects.order_by("sequence")[before:])
    assert [(e.action, e.record_type, e.record_id, e.detail) for e in events] == [
        ("search", "tracking_lookup", "", {"matched": False}),
        ("search", "tracking_lookup", str(referral.uuid), {"matched": True}),
        ("create", "tracking_code", str(referral.uuid), {"emails": 1}),
    ]
    for event in events:
        assert referral.reference not in str(event.detail)
        assert "2012" not in str(event.detail)


# The code's limits.


def test_a_code_expires(
    client: Client, alliance: Alliance, django_capture_on_commit_callbacks: Any, time_machine: Any
) -> None:
    referral = _referral(alliance)
    with django_capture_on_commit_callbacks(execute=True):
        _ask(client, referral.reference)
    [code] = _send_codes()
    time_machine.move_to(NOW + timedelta(minutes=10, seconds=1))
    response = _enter(client, code)
    assert response.status_code == 400
    assert "That code has expired. Ask for a new code" in response.content.decode()
    assert client.get("/track/status/")["Location"] == "/track/"
    assert TrackingCode.objects.get().used_at is None


def test_a_code_works_within_its_minutes(
    client: Client, alliance: Alliance, django_capture_on_commit_callbacks: Any, time_machine: Any
) -> None:
    referral = _referral(alliance)
    with django_capture_on_commit_callbacks(execute=True):
        _ask(client, referral.reference)
    [code] = _send_codes()
    time_machine.move_to(NOW + timedelta(minutes=9, seconds=50))
    assert _enter(client, code).status_code == 303


def test_three_wrong_tries_void_the_code(
    client: Client, alliance: Alliance, django_capture_on_commit_callbacks: Any
) -> None:
    referral = _referral(alliance)
    with django_capture_on_commit_callbacks(execute=True):
        _ask(client, referral.reference)
    [code] = _send_codes()
    wrong = "000000" if code != "000000" else "111111"
    said = [_enter(client, wrong).content.decode() for _ in range(3)]
    assert "You have 2 tries left" in said[0]
    assert "You have 1 try left" in said[1]
    assert "you have no tries left. Ask for a new code" in said[2]
    stored = TrackingCode.objects.get()
    assert stored.wrong_tries == 3 and stored.voided_at is not None
    right = _enter(client, code)
    assert right.status_code == 400
    assert "You have tried too many wrong codes. Ask for a new code" in right.content.decode()
    assert TrackingCode.objects.get().used_at is None
    denied = AuditEvent.objects.filter(action="deny", record_type="tracking_code")
    assert [e.record_id for e in denied] == [str(referral.uuid)] * 3


def test_a_code_works_once_and_shows_the_status_for_a_limited_time(
    client: Client, alliance: Alliance, django_capture_on_commit_callbacks: Any, time_machine: Any
) -> None:
    referral = _referral(alliance)
    with django_capture_on_commit_callbacks(execute=True):
        _ask(client, referral.reference)
    [code] = _send_codes()
    assert _enter(client, code).status_code == 303
    # The code is used: the lookup is over, and entering it again does nothing.
    again = _enter(client, code)
    assert again.status_code == 400
    assert "Enter the reference number and date of birth first" in again.content.decode()
    assert TrackingCode.objects.get().wrong_tries == 0
    assert client.get("/track/status/").status_code == 200
    viewed = AuditEvent.objects.filter(action="view", record_type="referral", detail__tracking=True)
    assert [e.record_id for e in viewed] == [str(referral.uuid)]
    time_machine.move_to(NOW + timedelta(minutes=31))
    assert client.get("/track/status/")["Location"] == "/track/?ended=1"


def test_the_code_works_only_in_the_browser_that_asked(
    client: Client, alliance: Alliance, django_capture_on_commit_callbacks: Any
) -> None:
    referral = _referral(alliance)
    with django_capture_on_commit_callbacks(execute=True):
        _ask(client, referral.reference)
    [code] = _send_codes()
    other = Client()
    with django_capture_on_commit_callbacks(execute=True):
        _ask(other, WRONG_REFERENCE)
    assert _enter(other, code).status_code == 400
    assert other.get("/track/status/")["Location"] == "/track/"


def test_asking_again_voids_the_earlier_code_and_view(
    client: Client, alliance: Alliance, django_capture_on_commit_callbacks: Any
) -> None:
    referral = _referral(alliance)
    first = _tracked(client, referral, django_capture_on_commit_callbacks)
    assert first.status_code == 200
    mail.outbox.clear()
    DBTaskResult.objects.all().delete()
    other = Client()
    with django_capture_on_commit_callbacks(execute=True):
        _ask(other, referral.reference)
    assert client.get("/track/status/")["Location"] == "/track/?ended=1"
    assert TrackingCode.objects.filter(voided_at__isnull=True).count() == 1


def test_a_withheld_referral_shows_only_received(
    client: Client, alliance: Alliance, django_capture_on_commit_callbacks: Any
) -> None:
    kooth = Organisation.objects.get(alliance=alliance, slug="kooth")
    referral = _referral(
        alliance,
        status=Status.ALLOCATED,
        allocated_organisation=kooth,
        consent_to_share=True,
        status_withheld_at=NOW,
    )
    body = _tracked(client, referral, django_capture_on_commit_callbacks).content.decode()
    assert "<h1>We have received the referral</h1>" in body
    assert "We will be in touch." in body
    assert "Kooth" not in body


def test_signposted_services_are_listed_from_the_directory(
    client: Client, alliance: Alliance, django_capture_on_commit_callbacks: Any
) -> None:
    referral = _referral(alliance, status=Status.SIGNPOSTED)
    service = DirectoryService.objects.filter(alliance=alliance, crisis=False).first()
    assert service is not None
    referral.signposted_to.add(service)
    body = _tracked(client, referral, django_capture_on_commit_callbacks).content.decode()
    assert "<h1>Advice and signposting given</h1>" in body
    assert service.name in body


def test_the_status_page_takes_a_fixed_number_of_queries(
    client: Client,
    alliance: Alliance,
    django_capture_on_commit_callbacks: Any,
    django_assert_num_queries: Any,
) -> None:
    referral = _referral(alliance, status=Status.SIGNPOSTED)
    referral.signposted_to.add(*DirectoryService.objects.filter(alliance=alliance)[:3])
    _tracked(client, referral, django_capture_on_commit_callbacks)
    # The session; the code with its referral, child and partner; the audit (a savepoint,
    # the head, the event, the head updated, released); the signposted services; the crisis
    # lines; the service's identity. However many services.
    with django_assert_num_queries(10):
        assert client.get("/track/status/").status_code == 200


def test_codes_are_deleted_a_day_after_they_were_asked_for(
    client: Client, alliance: Alliance, django_capture_on_commit_callbacks: Any, time_machine: Any
) -> None:
    referral = _referral(alliance)
    with django_capture_on_commit_callbacks(execute=True):
        _ask(client, referral.reference)
    time_machine.move_to(NOW + timedelta(days=1, minutes=1))
    _ask(Client(), WRONG_REFERENCE)
    assert not TrackingCode.objects.exists()


def test_the_triage_deadline_is_shown(
    client: Client, alliance: Alliance, django_capture_on_commit_callbacks: Any
) -> None:
    referral = _referral(alliance, triage_due_at=datetime(2026, 11, 27, 17, 0, tzinfo=NOW.tzinfo))
    body = _tracked(client, referral, django_capture_on_commit_callbacks).content.decode()
    assert "We aim to decide by 27 November 2026." in body


# Rate limits and bad input.


def test_lookups_are_limited_per_reference(
    alliance: Alliance, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    referral = _referral(alliance)
    statuses = []
    for n in range(6):
        client = Client(REMOTE_ADDR=f"192.0.2.{n + 1}")
        with django_capture_on_commit_callbacks(execute=True):
            statuses.append(_ask(client, referral.reference).status_code)
    assert statuses == [303] * 5 + [429]
    assert TrackingCode.objects.count() == 5


def test_lookups_are_limited_per_address_the_same_for_any_reference(
    client: Client, alliance: Alliance, settings: Any
) -> None:
    settings.TRACKING_LOOKUPS_PER_ADDRESS_PER_HOUR = 2
    referral = _referral(alliance)
    statuses = [_ask(client, WRONG_REFERENCE).status_code for _ in range(2)]
    limited = [_ask(client, reference) for reference in (WRONG_REFERENCE, referral.reference)]
    assert statuses == [303, 303]
    assert [r.status_code for r in limited] == [429, 429]
    assert "too many requests for a code" in limited[1].content.decode()
    assert not TrackingCode.objects.exists()
    refused = AuditEvent.objects.filter(action="deny", record_type="tracking_lookup")
    assert [(e.record_id, e.detail) for e in refused] == [("", {"rate_limited": "address"})] * 2


@pytest.mark.parametrize(
    "posted",
    [
        {},
        {"reference": "", "date_of_birth_day": "", "date_of_birth_month": "",
         "date_of_birth_year": ""},
        {"reference": "A" * 1000, **_dob(BORN)},
        {"reference": "WXYZ-234C", **_dob(BORN)},  # a wrong check character
        {"reference": WRONG_REFERENCE, "date_of_birth_day": "31", "date_of_birth_month": "2",
         "date_of_birth_year": "2012"},
        {"reference": WRONG_REFERENCE, "date_of_birth_day": "x" * 1000, "date_of_birth_month": "2",
         "date_of_birth_year": "2012"},
        {"reference": WRONG_REFERENCE, **_dob(date(2027, 1, 1))},
        {"reference": "\x00", "date_of_birth": "1" * 1000},
    ],
)  # fmt: skip
def test_bad_lookups_are_form_errors(client: Client, db: None, posted: dict[str, str]) -> None:
    response = client.post("/track/", posted)
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()
    assert not TrackingCode.objects.exists()


@pytest.mark.parametrize("code", ["", "12345", "1234567", "abcdef", "١٢٣٤٥٦", "9" * 1000])
def test_bad_codes_are_form_errors_and_not_tries(client: Client, db: None, code: str) -> None:
    _ask(client, WRONG_REFERENCE)
    response = _enter(client, code)
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()
    assert "tries left" not in response.content.decode()


def test_a_code_without_a_lookup_is_a_400(client: Client, db: None) -> None:
    response = _enter(client, "123456")
    assert response.status_code == 400
    assert "Enter the reference number and date of birth first" in response.content.decode()
    assert client.get("/track/code/")["Location"] == "/track/"
    assert client.get("/track/status/")["Location"] == "/track/"


def test_the_confirmation_and_the_acknowledgement_link_to_tracking(
    alliance: Alliance, settings: Any
) -> None:
    from onedoor.referrals.emails import referral_acknowledgements

    referral = _referral(alliance)
    [email] = referral_acknowledgements(referral)
    assert f"You can check how your referral is going at {settings.SITE_URL}/track/" in email.body


def test_asking_for_a_code_while_the_database_is_away_answers_503_with_crisis_lines(
    client: Client, db: None
) -> None:
    from tests.test_database_away import _served_503, the_database_away

    with the_database_away():
        response = _ask(client, WRONG_REFERENCE)
    assert _served_503(response)
