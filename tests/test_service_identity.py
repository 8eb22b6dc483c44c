"""The service's own identity: families and referrers see its public name (not "OneDoor") and
how to reach the Referral and Advice Point, on the public pages, the error pages (the 500 and
503 without the database) and in every email they receive; crisis numbers are links to call
or text (hazard H40)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from django.core.cache import cache
from django.db import OperationalError, connection
from django.shortcuts import render
from django.test import Client, RequestFactory
from django.utils.html import escape

from onedoor import clock
from onedoor.alliance import contacts, identity
from onedoor.alliance.models import Alliance
from onedoor.audit.models import AuditEvent
from onedoor.care.models import Discharge
from onedoor.care.tasks import invite_feedback
from onedoor.outcomes.models import Invitation
from onedoor.outcomes.tasks import send_invitation
from onedoor.referrals import saved_answers
from onedoor.referrals.emails import referral_acknowledgements
from onedoor.referrals.models import Referral, SavedAnswers
from onedoor.referrals.views import FIXED_CRISIS_LINES
from onedoor.triage.models import Outcome, TriageDecision
from onedoor.triage.tasks import tell_referrer_not_accepted
from onedoor.web import database_away, errors
from tests.personas import People, make_child, organisation, sign_in

NAME = "Medway Children and Young People's Wellbeing Service"
SHOWN_NAME = escape(NAME)  # "People&#x27;s" in a page
PHONE_LINK = (
    '<a href="tel:08081570123" aria-label="Call the Referral and Advice Point on 0808 157 0123">'
    "0808 157 0123</a>"
)
EMAIL_LINK = '<a href="mailto:advice@medway-wellbeing.example">advice@medway-wellbeing.example</a>'
HOURS = "Opening hours: Monday to Friday, 9am to 5pm, except bank holidays."
DASH = "\u2013"  # the en dash between a page's title and the service's name
HEADER = f'<a class="nhsuk-header__service-name" href="/refer/">{SHOWN_NAME}</a>'


@pytest.fixture(autouse=True)
def _nothing_seen_yet() -> Iterator[None]:
    """The identity last seen lives in the process's cache: start and end each test without."""
    cache.clear()
    yield
    cache.clear()


def _page(response: Any) -> str:
    return str(response.content.decode())


def _shows_the_contacts(page: str) -> bool:
    return PHONE_LINK in page and EMAIL_LINK in page and HOURS in page


# The phone numbers -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "kept"),
    [
        ("0808 157 0123", "0808 157 0123"),
        ("01634123456", "01634 123456"),
        ("+44 (0)1634 123456", "01634 123456"),
        ("020 7946 0999", "020 7946 0999"),
    ],
)
def test_a_uk_phone_number_is_kept_in_its_national_form(written: str, kept: str) -> None:
    assert contacts.uk_phone(written) == kept


@pytest.mark.parametrize(
    ("written", "problem"),
    [
        ("0800 FLOWERS", "must be a UK phone number written with digits"),
        ("call us", "must be a UK phone number written with digits"),
        ("01634 12345", "is not a UK phone number that can be called"),
        ("+1 202 555 0100", "is not a UK phone number that can be called"),
        ("999", "is not a UK phone number that can be called"),
    ],
)
def test_anything_else_is_refused_saying_why(written: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        contacts.uk_phone(written)


@pytest.mark.parametrize(
    ("phone", "href"),
    [
        ("999", "tel:999"),
        ("111", "tel:111"),
        ("0800 1111", "tel:08001111"),
        ("116 123", "tel:116123"),
        ("85258 (text)", "sms:85258"),
        ("+44 1634 123456", "tel:+441634123456"),
        ("See the website", ""),
    ],
)
def test_a_number_becomes_a_link_to_call_or_text(phone: str, href: str) -> None:
    assert contacts.href(phone) == href


# The public pages -----------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/refer/", "/feedback/", "/you-said-we-did/", "/track/"])
def test_a_public_page_carries_the_services_name_not_the_products(
    client: Client, alliance: Alliance, path: str
) -> None:
    page = _page(client.get(path))
    assert f"{DASH} {SHOWN_NAME}</title>" in page
    assert HEADER in page
    assert f"{SHOWN_NAME}. Referral and Advice Point: " in page  # the footer
    assert "OneDoor" not in page


def test_a_staff_page_keeps_the_products_name(client: Client, people: People) -> None:
    sign_in(client, people.triage)
    page = _page(client.get("/triage/"))
    assert f"{DASH} OneDoor</title>" in page
    assert '<a class="nhsuk-header__service-name" href="/">OneDoor</a>' in page
    assert SHOWN_NAME not in page


def test_the_start_page_and_the_crisis_lines_give_numbers_to_call_and_text(
    client: Client, alliance: Alliance
) -> None:
    page = _page(client.get("/refer/"))
    assert f"The {SHOWN_NAME} is one place to ask" in page
    assert (
        '<strong>Shout</strong>: <a href="sms:85258" aria-label="Text Shout on 85258">85258</a>'
        " (text)." in page
    )
    assert (
        '<strong>Samaritans</strong>: <a href="tel:116123" aria-label="Call Samaritans on '
        '116 123">116 123</a>.' in page
    )
    assert 'In an emergency call <a href="tel:999" aria-label="Call 999">999</a>.' in page


def _confirmation(referral: Any) -> str:
    request = RequestFactory().get("/refer/send/")
    request.user = AnonymousUser()
    context = {"referral": referral, "signposted": [], "route": "parent",
               "crisis": list(FIXED_CRISIS_LINES), "choices": None}  # fmt: skip
    return _page(render(request, "referrals/sent.html", context))


@pytest.mark.parametrize("eligible", [True, False])
def test_the_confirmation_says_how_to_contact_the_service(
    alliance: Alliance, django_assert_num_queries: Any, eligible: bool
) -> None:
    referral = SimpleNamespace(
        eligible=eligible, reference_display="K7PX-3MQA", ineligibility_reason="Aged 26."
    )
    with django_assert_num_queries(1):  # the service's identity, once
        page = _confirmation(referral)
    assert '<h2 class="nhsuk-heading-m">How to contact us</h2>' in page
    assert (
        "To ask about this referral or tell us something new, contact the Referral and Advice "
        "Point and give the reference number:" in page
    )
    assert _shows_the_contacts(page)
    assert f"{DASH} {SHOWN_NAME}</title>" in page


def test_the_ineligible_page_names_the_service_that_cannot_help(alliance: Alliance) -> None:
    referral = SimpleNamespace(
        eligible=False, reference_display="K7PX-3MQA", ineligibility_reason="Aged 26."
    )
    page = _confirmation(referral)
    assert f"we are sorry: the {SHOWN_NAME} cannot offer support" in page


def test_a_changed_phone_number_reaches_the_public_pages_at_once(
    client: Client, alliance: Alliance
) -> None:
    Alliance.objects.filter(pk=alliance.pk).update(
        phone="01634 123456", public_name="Wellbeing Medway"
    )
    page = _page(client.get("/refer/no-such-page/"))
    assert '<a href="tel:01634123456" aria-label="Call the Referral and Advice Point on ' in page
    assert f"<title>Page not found {DASH} Wellbeing Medway</title>" in page


# The error pages ------------------------------------------------------------------------


def test_the_404_400_and_csrf_pages_give_the_name_and_the_contacts(
    client: Client, alliance: Alliance
) -> None:
    request = RequestFactory().post("/feedback/")
    request.user = AnonymousUser()
    for response, status in (
        (client.get("/refer/no-such-page/"), 404),
        (errors.bad_request(request), 400),
        (errors.csrf_failure(request), 403),
    ):
        page = _page(response)
        assert (response.status_code, HEADER in page) == (status, True)
        assert '<h2 class="nhsuk-heading-m">If you need to contact us</h2>' in page
        assert _shows_the_contacts(page), response.status_code


def test_a_form_that_cannot_be_read_and_a_used_link_give_the_contacts(
    client: Client, alliance: Alliance
) -> None:
    unreadable = SavedAnswers.objects.create(content="not-a-token", saved_at=clock.now())
    session = client.session
    session[saved_answers.SESSION_KEY] = str(unreadable.uuid)
    session.save()
    for response, status in (
        (client.post("/refer/reasons/", {}), 400),
        (client.get(f"/measures/{'x' * 40}/"), 410),
    ):
        page = _page(response)
        assert (response.status_code, HEADER in page) == (status, True)
        assert '<h2 class="nhsuk-heading-m">If you need to contact us</h2>' in page
        assert _shows_the_contacts(page), response.status_code


def test_the_500_page_needs_no_database_and_gives_the_contacts(
    db: None, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(0):
        response = errors.server_error(RequestFactory().get("/"))
    page = _page(response)
    assert response.status_code == 500
    assert f"<title>Sorry, there is a problem with the service {DASH} {SHOWN_NAME}</title>" in page
    assert _shows_the_contacts(page)
    assert '<a href="tel:08001111" aria-label="Call Childline on 0800 1111">0800 1111</a>' in page


def test_the_503_page_gives_the_files_contacts_without_the_database(
    db: None, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(0):
        response = database_away.page(OperationalError("gone"))
    page = _page(response)
    assert (response.status_code, HEADER in page, _shows_the_contacts(page)) == (503, True, True)


def test_the_503_page_gives_the_contacts_last_seen_after_an_edit(
    client: Client, alliance: Alliance, django_assert_num_queries: Any
) -> None:
    Alliance.objects.filter(pk=alliance.pk).update(phone="01634 123456")
    client.get("/refer/")  # a public page reads the identity, and keeps it as the last seen
    with django_assert_num_queries(0):
        page = _page(database_away.page(OperationalError("gone")))
    assert '<a href="tel:01634123456"' in page
    assert "0808 157 0123" not in page


def test_without_the_database_a_public_page_still_names_the_service(
    client: Client, db: None
) -> None:
    def refuse(*args: object) -> None:
        raise OperationalError("the database is unavailable")

    with connection.execute_wrapper(refuse):
        response = client.get("/refer/")
    page = _page(response)
    assert (response.status_code, HEADER in page) == (200, True)
    assert f"{SHOWN_NAME}. Referral and Advice Point: " in page


# The emails -----------------------------------------------------------------------------


def _signed(message: Any) -> None:
    """Signed with the service's name and its contacts, in both parts; no child's name."""
    html = message.alternatives[0][0]
    assert (
        f"{NAME}\nReferral and Advice Point\nPhone: 0808 157 0123\n"
        "Email: advice@medway-wellbeing.example\n"
        "Opening hours: Monday to Friday, 9am to 5pm, except bank holidays" in message.body
    )
    assert SHOWN_NAME in html and PHONE_LINK in html and EMAIL_LINK in html
    assert "Opening hours: Monday to Friday, 9am to 5pm, except bank holidays" in html
    assert "Nia" not in message.subject + message.body + html
    assert "Example" not in message.subject + message.body + html


@pytest.fixture
def referral(alliance: Alliance) -> Referral:
    child = make_child(alliance, "Nia")
    referral = Referral.objects.get(child=child)
    Referral.objects.filter(pk=referral.pk).update(referrer_email="parent@example.org")
    referral.refresh_from_db()
    return referral


def test_the_acknowledgement_is_signed_by_the_service(referral: Referral) -> None:
    [message] = referral_acknowledgements(referral)
    _signed(message)
    assert message.subject == f"Referral {referral.reference_display} received by the {NAME}"
    assert f"the referral you made to the {NAME}." in message.body
    html = str(message.alternatives[0][0])
    assert '<a href="tel:08001111" aria-label="Call Childline on 0800 1111">' in html


def test_the_not_accepted_email_is_signed_by_the_service(
    referral: Referral, people: People
) -> None:
    decision = TriageDecision.objects.create(
        referral=referral, grouping="getting_help", outcome=Outcome.NOT_ACCEPTED,
        reason="Already supported.", decided_by=people.triage, decided_at=clock.now(),
        sign_off=TriageDecision.SignOff.NOT_NEEDED,
    )  # fmt: skip
    assert tell_referrer_not_accepted.call(str(decision.uuid)) == 1
    [message] = mail.outbox
    _signed(message)
    assert "please contact the Referral and Advice Point (below)" in message.body


def test_the_feedback_invitation_is_signed_by_the_service(
    referral: Referral, people: People
) -> None:
    ended = Discharge.objects.create(
        referral=referral, reason="goals_met", summary="Goals met.",
        discharged_by=people.kooth_practitioner, discharged_at=clock.now(),
        feedback_token=secrets.token_urlsafe(32),
        feedback_expires_at=clock.now() + timedelta(days=30),
    )  # fmt: skip
    assert invite_feedback.call(str(ended.uuid)) == 1
    [message] = mail.outbox
    _signed(message)
    assert f"The support from the {NAME} has come to an end." in message.body


def test_the_measure_invitation_is_signed_by_the_service(
    referral: Referral, people: People
) -> None:
    invitation = Invitation.objects.create(
        referral=referral, organisation=organisation(referral.child.alliance, "kooth"),
        measure="yp-core", respondent="young_person", email="nia@example.org",
        sent_by=people.kooth_practitioner, sent_at=clock.now(),
        token=secrets.token_urlsafe(32), expires_at=clock.now() + timedelta(days=14),
    )  # fmt: skip
    assert send_invitation.call(str(invitation.uuid)) == 1
    [message] = mail.outbox
    _signed(message)


# The configuration ----------------------------------------------------------------------


def test_an_administrator_cannot_save_a_phone_number_that_is_not_one(
    client: Client, people: People, alliance: Alliance
) -> None:
    sign_in(client, people.admin)
    page = _page(client.get(f"/admin/alliance/alliance/{alliance.pk}/change/"))
    for field in ("public_name", "phone", "email", "opening_hours"):
        assert f'name="{field}"' in page
    form = {
        key: value
        for key, value in Alliance.objects.filter(pk=alliance.pk).values()[0].items()
        if key not in {"id", "slug"}
    }
    response = client.post(
        f"/admin/alliance/alliance/{alliance.pk}/change/",
        {**form, "slug": alliance.slug, "phone": "0800 FLOWERS"},
    )
    assert response.status_code == 200
    assert "This must be a UK phone number written with digits" in _page(response)
    assert Alliance.objects.get(pk=alliance.pk).phone == "0808 157 0123"
    assert AuditEvent.objects.filter(action="change").count() == 0


def test_the_identity_falls_back_to_the_alliances_name_and_no_contacts(
    alliance: Alliance,
) -> None:
    Alliance.objects.filter(pk=alliance.pk).update(public_name="", phone="", email="")
    shown = identity.current()
    assert (shown.public_name, shown.phone, shown.has_contacts) == (
        "Medway Therapeutic Alliance", "", False,
    )  # fmt: skip
