"""Professional referrer accounts (issue 14, hazard H45): the allow-list of work email
domains, registering, the emailed link, the second factor, their own referrals and nobody
else's, the prefilled referral form and the PDF copy of what they sent."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from onedoor.accounts.models import ReferrerDetails, User
from onedoor.accounts.roles import Role
from onedoor.alliance.email_domains import NotAPattern, allowed, domain_of, parse
from onedoor.alliance.models import Alliance
from onedoor.audit.models import AuditEvent
from onedoor.referrals.models import Referral, Status
from onedoor.referrals.progress import (
    A_SERVICE,
    WITHHELD_HEADING,
    WITHHELD_SAID,
    facts_of,
    progress,
)
from onedoor.referrers.models import EmailVerification
from tests.personas import NOW, People, make_child, sign_in

MEDWAY = ("nhs.net", "medway.gov.uk", "kent.gov.uk", "*.medway.sch.uk", "*.kent.sch.uk")
GOOD_PASSWORD = "a long enough passphrase 42"


# The allow-list ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("email", "expected"),
    [
        ("gp@nhs.net", True),
        ("Dr.Jones@NHS.NET", True),
        ("social.worker@medway.gov.uk", True),
        ("head@oaks.medway.sch.uk", True),
        ("senco@year7.oaks.medway.sch.uk", True),
        # Never a substring: the whole domain, label by label.
        ("gp@evilnhs.net", False),
        ("gp@nhs.net.evil.com", False),
        ("gp@mail.nhs.net", False),  # an exact domain allows exactly that domain
        ("head@medway.sch.uk", False),  # a wildcard allows subdomains, not the domain
        ("head@evilmedway.sch.uk", False),
        ("someone@gmail.com", False),
        ("nhs.net", False),
        ("@nhs.net", False),
        ("", False),
    ],
)
def test_the_allow_list_matches_whole_domains_only(email: str, expected: bool) -> None:
    assert allowed(email, MEDWAY) is expected


def test_the_domain_is_what_follows_the_last_at() -> None:
    assert domain_of("a@b@NHS.net") == "nhs.net"
    assert allowed("gp@nhs.net@evil.com", MEDWAY) is False


def test_an_allow_list_line_must_be_a_domain_or_a_leading_wildcard() -> None:
    assert parse("NHS.net\n\n  *.medway.sch.uk \n") == ("nhs.net", "*.medway.sch.uk")
    for bad in ("nhs", "*nhs.net", "nhs.*.net", "gp@nhs.net", "*.net.", "-nhs.net", "*"):
        with pytest.raises(NotAPattern):
            parse(bad)


def test_the_medway_file_configures_the_allow_list_and_the_organisation(
    alliance: Alliance,
) -> None:
    assert alliance.allowed_email_domains == MEDWAY
    organisation = alliance.referrer_organisation
    assert organisation is not None
    assert (organisation.slug, organisation.kind) == ("registered-referrers", "external")


def test_the_admin_site_refuses_a_bad_allow_list_line(alliance: Alliance) -> None:
    from django.core.exceptions import ValidationError

    alliance.referrer_email_domains = "nhs.net\nnot a domain"
    with pytest.raises(ValidationError, match="not a domain is not a domain"):
        alliance.full_clean()


# Registering ---------------------------------------------------------------------------

DETAILS = {
    "name": "Priya  Shah",
    "job_title": "GP",
    "workplace": "Riverside Surgery",
    "works_in": "gp",
    "work_phone": "01634 960001",
    "email": "Priya.Shah@NHS.net",
}


def _register(client: Client, address: str = "10.0.0.9", **changes: str):  # type: ignore[no-untyped-def]
    return client.post("/referrers/register/", {**DETAILS, **changes}, REMOTE_ADDR=address)


def _audited() -> list[tuple[str, str, dict[str, str]]]:
    return [
        (event.action, event.record_type, event.detail)
        for event in AuditEvent.objects.order_by("sequence")
    ]


def _link(message: mail.EmailMessage) -> str:
    found = re.search(r"https?://[^/\s]+(/referrers/verify/[^/\s]+/)", str(message.body))
    assert found is not None
    return found.group(1)


def test_a_professional_registers_and_the_account_waits_for_the_emailed_link(
    client: Client, alliance: Alliance, django_capture_on_commit_callbacks: object
) -> None:
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        response = _register(client)
    assert response.status_code == 303
    assert response["Location"] == "/referrers/register/check-your-email/"
    user = User.objects.get(username="priya.shah@nhs.net")
    assert (user.email, user.first_name, user.last_name) == ("priya.shah@nhs.net", "Priya", "Shah")
    assert (user.role, user.organisation, user.is_active) == (
        Role.PROFESSIONAL_REFERRER,
        alliance.referrer_organisation,
        False,
    )
    assert not user.has_usable_password()
    details = ReferrerDetails.objects.get(user=user)
    assert (details.job_title, details.workplace, details.works_in, details.work_phone) == (
        "GP",
        "Riverside Surgery",
        "gp",
        "01634 960001",
    )
    [message] = mail.outbox
    assert message.to == ["priya.shah@nhs.net"]
    assert message.subject == (
        "Finish registering with the Medway Children and Young People's Wellbeing Service"
    )
    assert "Priya" not in message.body and "Riverside" not in message.body
    token = _link(message).split("/")[-2]
    verification = EmailVerification.objects.get(user=user)
    assert token not in verification.token_hash  # only its hash is kept
    assert verification.expires_at - verification.created_at == timedelta(hours=24)
    assert verification.used_at is None
    assert _audited() == [("create", "user", {"registered": "professional referrer"})]
    # Not active: the password cannot sign in (there is none yet).
    assert (
        client.post("/accounts/login/", {"username": user.username, "password": ""}).status_code
        == 400
    )


def test_a_domain_not_on_the_list_is_refused_with_a_clear_message(
    client: Client, alliance: Alliance, django_capture_on_commit_callbacks: object
) -> None:
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        response = _register(client, email="priya@evilnhs.net")
    assert response.status_code == 400
    page = response.content.decode()
    assert (
        "You can only register with a work email address from an organisation we work with, "
        "such as an nhs.net address. To refer without an account, use the referral form"
    ) in page
    assert '<a href="/refer/">use the referral form</a>' in page
    assert not User.objects.filter(username="priya@evilnhs.net").exists()
    assert mail.outbox == []
    assert _audited() == [
        ("deny", "referrer registration", {"refused": "email domain not allowed"})
    ]


def test_registering_an_address_with_an_account_reveals_nothing_and_tells_its_owner(
    client: Client, alliance: Alliance, django_capture_on_commit_callbacks: object
) -> None:
    owner = User.objects.create(
        username="priya.shah@nhs.net",
        email="priya.shah@nhs.net",
        role=Role.PROFESSIONAL_REFERRER,
        organisation=alliance.referrer_organisation,
    )
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        response = _register(client, name="Someone Else")
    assert response.status_code == 303
    assert response["Location"] == "/referrers/register/check-your-email/"
    owner.refresh_from_db()
    assert owner.first_name == ""  # nothing changed
    assert not EmailVerification.objects.exists()
    [message] = mail.outbox
    assert message.to == ["priya.shah@nhs.net"]
    assert message.subject.startswith("Someone tried to register your email address")
    assert "/verify/" not in message.body
    assert _audited() == [("deny", "referrer registration", {"refused": "already registered"})]


def test_registering_again_before_verifying_sends_a_new_link(
    client: Client, alliance: Alliance, django_capture_on_commit_callbacks: object
) -> None:
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        _register(client)
        _register(client, job_title="Salaried GP")
    assert User.objects.filter(username="priya.shah@nhs.net").count() == 1
    assert ReferrerDetails.objects.get().job_title == "Salaried GP"
    assert len(mail.outbox) == 2
    assert _link(mail.outbox[0]) != _link(mail.outbox[1])


def test_registrations_are_rate_limited_per_address(client: Client, alliance: Alliance) -> None:
    for n in range(5):
        assert _register(client, email=f"gp{n}@nhs.net").status_code == 303
    response = _register(client, email="gp5@nhs.net")
    assert response.status_code == 429
    assert "Too many registrations have been sent from here" in response.content.decode()
    assert not User.objects.filter(username="gp5@nhs.net").exists()
    assert _register(client, address="10.0.0.10", email="gp6@nhs.net").status_code == 303


def test_bad_registration_input_gives_each_field_its_error(
    client: Client, alliance: Alliance
) -> None:
    response = client.post("/referrers/register/", {"email": "not an email", "work_phone": "12"})
    assert response.status_code == 400
    page = response.content.decode()
    for message in (
        "Enter your full name",
        "Enter your job title or role, like school nurse",
        "Enter the name of your practice, school or team",
        "Select what kind of organisation you work for",
        "Enter a UK phone number, like 01632 960 001",
        "Enter an email address in the correct format, like name@nhs.net",
    ):
        assert message in page
    assert not User.objects.exists()


# The emailed link ----------------------------------------------------------------------


@pytest.fixture
def registered(
    client: Client, alliance: Alliance, django_capture_on_commit_callbacks: object
) -> str:
    """A professional registered: the emailed link's path."""
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        _register(client)
    return _link(mail.outbox[-1])


def test_the_link_sets_the_password_once_and_the_account_signs_in(
    client: Client, registered: str
) -> None:
    link = registered
    page = client.get(link)
    assert page.status_code == 200
    assert "priya.shah@nhs.net" in page.content.decode()
    weak = client.post(link, {"password": "password", "again": "password"})
    assert weak.status_code == 400
    assert "This password is too short" in weak.content.decode()
    assert User.objects.get().is_active is False
    done = client.post(link, {"password": GOOD_PASSWORD, "again": GOOD_PASSWORD})
    assert done.status_code == 303
    assert done["Location"] == "/referrers/verified/"
    user = User.objects.get()
    assert user.is_active and user.check_password(GOOD_PASSWORD)
    assert ("change", "user", {"email": "verified"}) in _audited()
    # Used: it opens nothing again.
    again = client.get(link)
    assert again.status_code == 400
    assert "This link cannot be used" in again.content.decode()
    assert (
        client.post(
            link, {"password": "another long passphrase 7", "again": "another long passphrase 7"}
        ).status_code
        == 400
    )
    assert User.objects.get().check_password(GOOD_PASSWORD)


def test_a_link_past_its_24_hours_opens_nothing(
    client: Client, registered: str, time_machine: object
) -> None:
    link = registered
    time_machine.move_to(NOW + timedelta(hours=24, minutes=1))  # type: ignore[attr-defined]
    assert client.get(link).status_code == 400
    response = client.post(link, {"password": GOOD_PASSWORD, "again": GOOD_PASSWORD})
    assert response.status_code == 400
    assert User.objects.get().is_active is False


def test_a_made_up_link_opens_nothing(client: Client, registered: str) -> None:
    assert client.get("/referrers/verify/not-the-token/").status_code == 400


# The second factor ---------------------------------------------------------------------


def test_a_professional_referrer_needs_the_second_factor_exactly_when_staff_do(
    people: People,
    settings,  # type: ignore[no-untyped-def]
) -> None:
    settings.OTP_REQUIRED = True
    assert people.referrer.needs_second_factor is True
    assert people.triage.needs_second_factor is True
    settings.OTP_REQUIRED = False
    assert people.referrer.needs_second_factor is False
    assert people.triage.needs_second_factor is False


def test_a_registered_professional_sets_up_the_second_factor_before_anything_else(
    client: Client,
    registered: str,
    settings,  # type: ignore[no-untyped-def]
) -> None:
    settings.OTP_REQUIRED = True
    link = registered
    client.post(link, {"password": GOOD_PASSWORD, "again": GOOD_PASSWORD})
    response = client.post(
        "/accounts/login/", {"username": "priya.shah@nhs.net", "password": GOOD_PASSWORD}
    )
    assert response["Location"] == "/accounts/two-factor/set-up/"
    assert client.get("/referrers/")["Location"] == "/accounts/two-factor/"
    client.get("/accounts/two-factor/set-up/")
    device = TOTPDevice.objects.get(user__username="priya.shah@nhs.net", confirmed=False)
    response = client.post("/accounts/two-factor/set-up/", {"token": f"{totp(device.bin_key):06d}"})
    assert response["Location"] == "/"
    assert client.get("/")["Location"] == "/referrers/"
    assert client.get("/referrers/").status_code == 200


# Their own referrals -------------------------------------------------------------------


def _referral(child_name: str, alliance: Alliance, **kwargs: object) -> Referral:
    return make_child(alliance, child_name, "Example", **kwargs).referrals.get()  # type: ignore[arg-type]


# The session, the user, their second factor; the page of referrals (one query) and the
# services signposted to them (one, for the status words).
HOME_QUERIES = 5


@pytest.mark.parametrize("size", [1, 6])
def test_the_home_page_lists_their_own_referrals_newest_first_in_fixed_queries(
    client: Client, alliance: Alliance, people: People, django_assert_num_queries: object, size: int
) -> None:
    mine = []
    for n in range(size):
        referral = _referral(f"Ava{n}", alliance, referred_by=people.referrer)
        Referral.objects.filter(pk=referral.pk).update(received_at=NOW - timedelta(days=n))
        mine.append(referral.reference)
    _referral("Other", alliance)  # not theirs
    sign_in(client, people.referrer)
    client.get("/referrers/")  # the session's clock starts (a write, once)
    with django_assert_num_queries(HOME_QUERIES):  # type: ignore[operator]
        response = client.get("/referrers/")
    assert response.status_code == 200
    shown = [
        (referral.reference, initials, said.heading)
        for referral, initials, said in response.context["rows"]
    ]
    assert shown == [(reference, "AE", "Received") for reference in mine]


def test_their_referral_page_shows_what_they_sent_and_its_status(
    client: Client, alliance: Alliance, people: People
) -> None:
    referral = _referral("Ava", alliance, referred_by=people.referrer)
    Referral.objects.filter(pk=referral.pk).update(
        referrer_name="Dr Gee", reasons="Low mood since the summer.", consent_to_refer=True
    )
    sign_in(client, people.referrer)
    response = client.get(f"/referrers/referrals/{referral.uuid}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert f"Referral {referral.reference_display}" in page
    assert "<strong>Status:</strong> Received" in page
    assert "<p>The triage team will look at the referral.</p>" in page
    assert "Low mood since the summer." in page
    assert "Dr Gee" in page
    assert "14 March 2012" in page and ">AE<" in page
    assert "Ava" not in page  # the child by initials only
    assert [(e.action, e.record_id) for e in AuditEvent.objects.all()] == [
        ("view", str(referral.uuid))
    ]


def test_another_referrers_referral_is_a_404_and_the_denial_is_audited(
    client: Client, alliance: Alliance, people: People
) -> None:
    other = User.objects.create(
        username="someone@nhs.net",
        role=Role.PROFESSIONAL_REFERRER,
        organisation=alliance.referrer_organisation,
    )
    theirs = _referral("Ben", alliance, referred_by=other)
    nobodys = _referral("Cal", alliance)
    sign_in(client, people.referrer)
    for referral in (theirs, nobodys):
        assert client.get(f"/referrers/referrals/{referral.uuid}/").status_code == 404
        assert client.get(f"/referrers/referrals/{referral.uuid}/copy.pdf").status_code == 404
    assert [(e.action, e.record_id) for e in AuditEvent.objects.all()] == [
        ("deny", str(theirs.uuid)),
        ("deny", str(theirs.uuid)),
        ("deny", str(nobodys.uuid)),
        ("deny", str(nobodys.uuid)),
    ]
    assert client.get("/referrers/").context["rows"] == []


def test_staff_do_not_open_the_referrer_pages(
    client: Client, alliance: Alliance, people: People
) -> None:
    referral = _referral("Ava", alliance, referred_by=people.referrer)
    sign_in(client, people.triage)
    assert client.get("/referrers/").status_code == 403
    assert client.get(f"/referrers/referrals/{referral.uuid}/").status_code == 403


def test_status_words_name_the_partner_only_with_consent_to_share(
    alliance: Alliance, people: People
) -> None:
    referral = _referral("Ava", alliance, status=Status.WAITING, allocated_to="kooth")
    assert progress(facts_of(referral)).heading == f"Waiting for {A_SERVICE}"
    referral.consent_to_share = True
    assert progress(facts_of(referral)).heading == "Waiting for Kooth"


def test_status_words_say_only_received_while_status_is_not_shared(
    client: Client, alliance: Alliance, people: People
) -> None:
    referral = _referral(
        "Ava", alliance, status=Status.WAITING, allocated_to="kooth", referred_by=people.referrer
    )
    Referral.objects.filter(pk=referral.pk).update(status_withheld_at=NOW, consent_to_share=True)
    referral.refresh_from_db()
    said = progress(facts_of(referral))
    assert (said.heading, said.said) == (WITHHELD_HEADING, (WITHHELD_SAID,))
    assert (WITHHELD_HEADING, WITHHELD_SAID) == (
        "We have received the referral",
        "We will be in touch.",
    )
    sign_in(client, people.referrer)
    page = client.get(f"/referrers/referrals/{referral.uuid}/").content.decode()
    assert "<strong>Status:</strong> We have received the referral" in page
    assert "<p>We will be in touch.</p>" in page
    assert "Kooth" not in page and "Waiting" not in page
    home = client.get("/referrers/").content.decode()
    assert "We have received the referral" in home and "Kooth" not in home


def test_the_pdf_copy_of_what_they_sent(client: Client, alliance: Alliance, people: People) -> None:
    referral = _referral("Ava", alliance, referred_by=people.referrer)
    Referral.objects.filter(pk=referral.pk).update(reasons="Low mood since the summer.")
    sign_in(client, people.referrer)
    response = client.get(f"/referrers/referrals/{referral.uuid}/copy.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="referral-{referral.reference}.pdf"'
    )
    assert "no-store" in response["Cache-Control"].split(", ")
    assert response.content.startswith(b"%PDF")
    assert f"Referral {referral.reference_display}".encode() in response.content
    assert b"Low mood since the summer." in response.content
    assert b"Ava" not in response.content
    assert [(e.action, e.record_id, e.detail) for e in AuditEvent.objects.all()] == [
        ("view", str(referral.uuid), {"export": "pdf copy"})
    ]


# The prefilled referral form -----------------------------------------------------------


def test_a_signed_in_professional_starts_the_form_with_their_details(
    client: Client, alliance: Alliance, people: People
) -> None:
    ReferrerDetails.objects.create(
        user=people.referrer,
        job_title="GP partner",
        workplace="Riverside Surgery",
        works_in="gp",
        work_phone="01634 960001",
    )
    User.objects.filter(pk=people.referrer.pk).update(
        first_name="Priya", last_name="Shah", email="priya.shah@nhs.net"
    )
    sign_in(client, people.referrer)
    start = client.get("/refer/").content.decode()
    assert 'value="professional" checked' in start
    assert client.post("/refer/", {"who": "professional"})["Location"] == "/refer/about-you/"
    about = client.get("/refer/about-you/")
    form = about.context["form"]
    assert {name: form[name].value() for name in form.fields} == {
        "name": "Priya Shah",
        "role": "GP partner",
        "organisation": "Riverside Surgery",
        "source": "gp",
        "email": "priya.shah@nhs.net",
        "phone": "01634 960001",
    }
    assert form.is_valid()


def test_anyone_else_starts_the_form_with_nothing_answered(client: Client, people: People) -> None:
    start = client.get("/refer/")
    assert start.context["form"].is_bound is False
    sign_in(client, people.triage)
    assert client.get("/refer/").context["form"].is_bound is False


def test_an_account_without_details_starts_with_nothing_answered(
    client: Client, people: People
) -> None:
    sign_in(client, people.referrer)  # the persona has no registration details
    assert client.get("/refer/").context["form"].is_bound is False


def test_the_registered_referrers_organisation_is_never_offered_as_a_service(
    alliance: Alliance,
) -> None:
    from onedoor.alliance.models import external_services
    from onedoor.care.forms import StepDownForm, TransitionForm

    services = {o.slug for o in external_services(alliance)}
    assert "registered-referrers" not in services
    assert {"specialist-camhs", "childrens-social-care"} <= services
    step_down = StepDownForm(alliance=alliance).fields["sending_organisation"]
    transition = TransitionForm(alliance=alliance).fields["receiving_organisation"]
    for field in (step_down, transition):
        offered = {o.slug for o in field.queryset}  # type: ignore[attr-defined]
        assert "registered-referrers" not in offered
        assert "specialist-camhs" in offered
