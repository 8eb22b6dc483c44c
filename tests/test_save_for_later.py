"""The referral form's "save and come back later" (referrals/saved_for_later.py,
hazard H42): the single-use emailed link, what the email says and never says, expiry,
deletion, the rate limits, and bad input."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives
from django.test import Client

from onedoor.alliance.models import Alliance
from onedoor.audit.models import AuditEvent
from onedoor.emails.models import Delivery
from onedoor.referrals.models import Referral, SavedAnswers, SavedForLaterRequest
from onedoor.referrals.saved_answers import SESSION_KEY, delete_expired_answers
from onedoor.referrals.saved_for_later import (
    LINKS_PER_EMAIL_PER_HOUR,
    LINKS_PER_SESSION_PER_HOUR,
)
from tests.personas import NOW
from tests.test_referral_form import PARENT, SELF, Journey, heading, messages

LINK = re.compile(r"http://testserver/refer/come-back/([A-Za-z0-9_-]+)/")
GONE = "This link has expired or has already been used"
# Everything the parent typed that names or describes anyone, as typed: none of it may be in
# the email (whose service address, advice@medway-wellbeing.example, says "example").
TYPED = [
    "Maya",
    "Example",
    "Priya",
    "priya@example.org",
    "High Street",
    "Chatham Primary",
    "ME4 4AB",
    "me4 4ab",
    "Mother",
    "Worries a lot",
    "anxiety",
]


@pytest.fixture(autouse=True)
def _fresh(settings: Any) -> Iterator[None]:
    settings.SITE_URL = "http://testserver"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def journey(client: Client, alliance: Alliance) -> Journey:
    return Journey(client)


def save_from(journey: Journey, slug: str, data: dict[str, Any]) -> Any:
    """Press "Save and come back later" on the step `slug` with `data` typed."""
    path = "/refer/" if slug == "start" else f"/refer/{slug}/"
    return journey.client.post(path, {**data, "save-for-later": "1"})


def send_link(journey: Journey, email: str = "priya@example.org") -> Any:
    return journey.client.post("/refer/save/", {"email": email})


def token_from(message: mail.EmailMessage) -> str:
    match = LINK.search(str(message.body))
    assert match is not None, message.body
    return match.group(1)


def test_save_and_come_back_later_is_on_every_step_once_there_is_something_to_save(
    journey: Journey,
) -> None:
    button = 'name="save-for-later" value="1"'
    assert button not in journey.response.content.decode()  # the first visit: nothing yet
    for slug, data in PARENT.items():
        page = journey.answer(slug, data)
        assert button in page.content.decode() or heading(page).startswith("Check your answers")
    assert '<a href="/refer/save/">Save and come back later</a>' in page.content.decode()
    assert button in journey.get("/refer/").content.decode()


def test_saving_keeps_the_steps_answers_and_asks_for_an_email_prefilled(
    journey: Journey,
) -> None:
    journey.walk(PARENT, until="reasons")

    response = save_from(journey, "reasons", PARENT["reasons"])

    assert (response.status_code, response["Location"]) == (303, "/refer/save/")
    assert journey.saved.pages["reasons"]["reasons"] == PARENT["reasons"]["reasons"]
    page = journey.get("/refer/save/").content.decode()
    assert heading(journey.response) == "Save your answers and come back later"
    assert 'type="email" value="priya@example.org"' in page
    assert "Nothing has been sent yet" in page
    assert "Nobody at the" in page
    assert '<a class="nhsuk-back-link" href="/refer/safety/">Back to the form</a>' in page


def test_a_young_person_gets_their_own_email_prefilled(journey: Journey) -> None:
    journey.walk(SELF, until="reasons")
    save_from(journey, "reasons", {})
    assert 'type="email" value="jo@example.org"' in journey.get("/refer/save/").content.decode()


def test_a_step_with_a_problem_keeps_the_answers_before_it(journey: Journey) -> None:
    journey.walk(PARENT, until="reasons")

    response = save_from(journey, "reasons", {"reasons": ""})

    assert (response.status_code, response["Location"]) == (303, "/refer/save/?kept=earlier")
    assert "reasons" not in journey.saved.pages
    assert "young-person" in journey.saved.pages
    page = journey.get(response["Location"]).content.decode()
    assert "The page you were on had a problem, so its answers were not saved." in page


def test_the_first_step_with_nothing_to_save_asks_its_question_again(journey: Journey) -> None:
    response = save_from(journey, "start", {})
    assert response.status_code == 400
    assert messages(response) == ["Select who you are"]
    assert SavedAnswers.objects.count() == 0


def test_the_link_goes_once_to_the_address_given_with_no_answer_name_or_reference(
    journey: Journey, time_machine: time_machine.TimeMachineFixture
) -> None:
    time_machine.move_to(NOW, tick=False)
    journey.walk(PARENT, until="consent")
    save_from(journey, "consent", {})

    response = send_link(journey, "someone.else@example.net")

    assert (response.status_code, response["Location"]) == (303, "/refer/saved/")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["someone.else@example.net"]
    assert isinstance(message, EmailMultiAlternatives)
    html_body = str(message.alternatives[0][0])
    assert message.subject == (
        "Your link to come back to the Medway Children and Young People's Wellbeing Service "
        "referral form"
    )
    for text in (message.subject, str(message.body), html_body):
        assert [typed for typed in TYPED if typed in text] == []
    assert Referral.objects.count() == 0  # so no reference to give
    body = " ".join(str(message.body).split())
    assert "Nothing has been sent to the" in body
    assert "nobody there knows about it" in body
    assert "If a child is in danger now, call 999." in body
    assert "The link works once, until 27 November 2026 at 12:00." in body
    token = token_from(message)
    assert token in html_body
    assert len(token) == 43  # secrets.token_urlsafe(32)
    row = SavedAnswers.objects.get()
    assert row.link_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in row.content
    assert row.kept_until == NOW + timedelta(days=7)
    delivery = Delivery.objects.get()
    assert (delivery.key, delivery.sent_at) == (
        f"referral-saved:{row.uuid}:{row.link_hash[:16]}",
        NOW,
    )
    sent = journey.get("/refer/saved/").content.decode()
    assert "We have sent a link to <strong>someone.else@example.net</strong>." in sent
    assert "Your answers are also still on this device" in sent
    assert "someone.else@example.net" not in str(journey.client.session.items())


def test_a_safety_worry_saved_is_said_not_to_be_known_with_the_crisis_lines(
    journey: Journey,
) -> None:
    journey.walk(PARENT, until="safety")
    save_from(journey, "safety", {"risks": ["suicidal_thoughts"]})
    page = " ".join(journey.get("/refer/save/").content.decode().split())
    assert "You have told us about a worry about safety. We cannot act on it" in page
    assert 'href="tel:999"' in page


def test_the_link_brings_the_answers_back_on_another_device_at_the_step_reached(
    journey: Journey, time_machine: time_machine.TimeMachineFixture
) -> None:
    time_machine.move_to(NOW, tick=False)
    journey.walk(PARENT, until="communication")
    save_from(journey, "communication", PARENT["communication"])
    send_link(journey)
    token = token_from(mail.outbox[0])
    saved_row = SavedAnswers.objects.get()

    other = Client()
    shown = other.get(f"/refer/come-back/{token}/")
    assert (shown.status_code, heading(shown)) == (200, "Come back to your referral form")
    assert SavedAnswers.objects.get().link_hash == saved_row.link_hash  # a GET uses nothing

    used = other.post(f"/refer/come-back/{token}/")

    assert (used.status_code, used["Location"]) == (303, "/refer/more-about/")
    row = SavedAnswers.objects.get()
    assert (row.link_hash, row.kept_until, row.saved_at) == (None, None, NOW)
    assert other.session[SESSION_KEY] == str(row.uuid) != str(saved_row.uuid)
    page = other.get("/refer/communication/").content.decode()
    assert 'value="no" checked' in page  # the interpreter answer, brought back
    # The device that saved them no longer finds them; the link is spent.
    assert heading(journey.get("/refer/communication/")) == "This referral form has expired"
    again = Client().post(f"/refer/come-back/{token}/")
    assert (again.status_code, heading(again)) == (404, GONE)
    events = AuditEvent.objects.filter(record_type="saved_answers_link").order_by("sequence")
    assert [(e.action, e.record_id, e.detail["link"]) for e in events] == [
        ("create", str(saved_row.uuid), "sent"),
        ("change", str(saved_row.uuid), "used"),
    ]
    assert events[1].detail["moved_to"] == str(row.uuid)


def test_continuing_to_the_check_page_and_sending_deletes_the_answers(
    journey: Journey,
) -> None:
    journey.walk(PARENT, until="consent")
    save_from(journey, "consent", PARENT["consent"])
    send_link(journey)
    other = Journey(Client())
    used = other.client.post(f"/refer/come-back/{token_from(mail.outbox[0])}/", follow=True)
    assert heading(used) == "Check your answers before sending your referral"

    other.send()

    assert Referral.objects.count() == 1
    assert SavedAnswers.objects.count() == 0


def test_a_used_an_expired_and_an_unknown_link_give_the_same_page(
    journey: Journey, time_machine: time_machine.TimeMachineFixture
) -> None:
    journey.walk(PARENT, until="reasons")
    save_from(journey, "reasons", PARENT["reasons"])
    send_link(journey)
    expiring = token_from(mail.outbox[0])
    time_machine.move_to(NOW + timedelta(days=7, seconds=-1))
    assert Client().get(f"/refer/come-back/{expiring}/").status_code == 200
    time_machine.move_to(NOW + timedelta(days=7, seconds=1))

    pages = [
        Client().get(f"/refer/come-back/{expiring}/"),
        Client().post(f"/refer/come-back/{expiring}/"),
        Client().get("/refer/come-back/" + "x" * 43 + "/"),
        Client().post("/refer/come-back/" + "x" * 43 + "/"),
        Client().get("/refer/come-back/" + expiring[:-1] + "A/"),  # tampered
        Client().get("/refer/come-back/" + "x" * 5000 + "/"),
        Client().get("/refer/come-back/%00%27%3Cscript%3E/"),
    ]

    assert [(page.status_code, heading(page)) for page in pages] == [(404, GONE)] * 7
    assert "Start again" in pages[0].content.decode()
    assert SavedAnswers.objects.filter(link_hash__isnull=False).count() == 1  # nothing used


def test_answers_saved_for_later_outlive_the_idle_limit_then_the_scheduler_deletes_them(
    journey: Journey, time_machine: time_machine.TimeMachineFixture
) -> None:
    journey.walk(PARENT, until="reasons")
    save_from(journey, "reasons", PARENT["reasons"])
    send_link(journey)
    Journey(Client()).walk(PARENT, until="reasons")  # another form, not saved for later
    time_machine.move_to(NOW + timedelta(hours=3))

    assert delete_expired_answers() == 1  # the other one: past its two hours
    page = journey.get("/refer/reasons/")
    assert heading(page) == "This referral form has expired"
    assert "open the link we emailed you to carry on" in page.content.decode()
    assert SavedAnswers.objects.count() == 1  # kept for the link

    time_machine.move_to(NOW + timedelta(days=7, minutes=1))
    assert delete_expired_answers() == 1
    assert SavedAnswers.objects.count() == 0


def test_a_new_link_replaces_the_last(journey: Journey) -> None:
    journey.walk(PARENT, until="reasons")
    save_from(journey, "reasons", PARENT["reasons"])
    send_link(journey)
    send_link(journey)
    first, second = (token_from(message) for message in mail.outbox)

    assert Client().post(f"/refer/come-back/{first}/").status_code == 404
    assert Client().post(f"/refer/come-back/{second}/").status_code == 303


def test_removing_the_answers_from_this_device_keeps_them_for_the_link(
    journey: Journey,
) -> None:
    journey.walk(PARENT, until="reasons")
    save_from(journey, "reasons", PARENT["reasons"])
    send_link(journey)

    response = journey.client.post("/refer/saved/leave/")

    assert (response.status_code, response["Location"]) == (303, "/refer/saved/")
    assert SESSION_KEY not in journey.client.session
    page = journey.get("/refer/saved/").content.decode()
    assert "Your answers are no longer on this device." in page
    assert "You have started a referral" not in journey.get("/refer/").content.decode()
    assert Client().post(f"/refer/come-back/{token_from(mail.outbox[0])}/").status_code == 303


def test_too_many_links_for_one_address_are_refused_and_nothing_more_is_sent(
    journey: Journey,
) -> None:
    journey.walk(PARENT, until="reasons")
    save_from(journey, "reasons", PARENT["reasons"])
    for _ in range(LINKS_PER_EMAIL_PER_HOUR):
        assert send_link(journey, "Priya@Example.org").status_code == 303

    refused = send_link(journey, "priya@example.org")

    assert refused.status_code == 429
    assert "Too many links have been asked for in the last hour" in refused.content.decode()
    assert len(mail.outbox) == LINKS_PER_EMAIL_PER_HOUR
    digests = set(SavedForLaterRequest.objects.values_list("email_digest", flat=True))
    assert len(digests) == 1
    assert "priya" not in next(iter(digests))


def test_too_many_links_from_one_session_are_refused(journey: Journey) -> None:
    journey.walk(PARENT, until="reasons")
    save_from(journey, "reasons", PARENT["reasons"])
    for n in range(LINKS_PER_SESSION_PER_HOUR):
        assert send_link(journey, f"person{n}@example.org").status_code == 303

    assert send_link(journey, "another@example.org").status_code == 429
    assert len(mail.outbox) == LINKS_PER_SESSION_PER_HOUR


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter the email address to send the link to"),
        ("not an email", "Enter an email address in the correct format, like name@example.com"),
        ("a" * 250 + "@example.org", "Email address must be 254 characters or less"),
        ("x" * 100_000, "Enter an email address in the correct format, like name@example.com"),
    ],
)
def test_a_bad_email_address_says_how_to_put_it_right_and_sends_nothing(
    journey: Journey, typed: str, message: str
) -> None:
    journey.walk(PARENT, until="reasons")
    save_from(journey, "reasons", PARENT["reasons"])

    response = send_link(journey, typed)

    assert response.status_code == 400
    assert messages(response) == [message]
    assert len(mail.outbox) == 0
    assert SavedAnswers.objects.get().link_hash is None


def test_without_answers_there_is_nothing_to_save(client: Client, db: None) -> None:
    for response in (client.get("/refer/save/"), client.post("/refer/save/", {"email": "a@b.co"})):
        assert (response.status_code, response["Location"]) == (302, "/refer/")
    assert client.get("/refer/saved/")["Location"] == "/refer/save/"
    assert len(mail.outbox) == 0


def test_a_post_without_the_email_field_is_a_form_error(journey: Journey) -> None:
    journey.walk(PARENT, until="reasons")
    save_from(journey, "reasons", PARENT["reasons"])

    response = journey.client.post("/refer/save/", {})

    assert response.status_code == 400
    assert messages(response) == ["Enter the email address to send the link to"]
    assert len(mail.outbox) == 0
