"""Signing in: password, then the second factor; lockout with a cool-off; session timeouts."""

from __future__ import annotations

from datetime import timedelta
from ipaddress import ip_network
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.contrib.sessions.models import Session
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from time_machine import TimeMachineFixture

from onedoor import clock
from onedoor import settings as project_settings
from onedoor.accounts.middleware import LAST_SEEN_AT, SIGNED_IN_AT
from onedoor.audit.models import AuditEvent
from tests.personas import PASSWORD, People, sign_in


def _post_password(client: Client, username: str, password: str = PASSWORD, **extra: str):  # type: ignore[no-untyped-def]
    return client.post(
        "/accounts/login/",
        {"username": username, "password": password, **extra},
        REMOTE_ADDR="10.0.0.7",
    )


def _actions() -> list[str]:
    return list(AuditEvent.objects.order_by("sequence").values_list("action", flat=True))


def test_passwords_are_hashed_with_argon2(db: None) -> None:
    assert (
        project_settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    )
    assert Argon2PasswordHasher().encode("x", "somesaltvalue").startswith("argon2$argon2id$")


def test_the_sign_in_page_asks_for_username_and_password(client: Client, db: None) -> None:
    page = client.get("/accounts/login/").content.decode()
    assert 'for="id_username">Username</label>' in page
    assert 'for="id_password">Password</label>' in page


def test_an_empty_form_links_each_error_to_its_field(client: Client, db: None) -> None:
    response = client.post("/accounts/login/", {})
    page = response.content.decode()
    assert response.status_code == 400
    assert '<a href="#id_username">Enter your username</a>' in page
    assert '<a href="#id_password">Enter your password</a>' in page


def test_a_wrong_password_is_refused_and_audited(client: Client, people: People) -> None:
    response = _post_password(client, "tina-triage", "not-the-password")
    assert response.status_code == 400
    assert "The username or password is not right" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert _actions() == ["sign_in_failed"]


def test_staff_set_up_a_second_factor_before_anything_else(
    client: Client, people: People, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.OTP_REQUIRED = True
    response = _post_password(client, "tina-triage")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/two-factor/set-up/"
    # Signed in with a password only: every staff page sends them to the second factor.
    assert client.get("/triage/")["Location"] == "/accounts/two-factor/"
    setup = client.get("/accounts/two-factor/set-up/")
    assert setup.status_code == 200
    device = TOTPDevice.objects.get(user=people.triage, confirmed=False)
    response = client.post("/accounts/two-factor/set-up/", {"token": f"{totp(device.bin_key):06d}"})
    assert response["Location"] == "/"
    device.refresh_from_db()
    assert device.confirmed is True
    assert client.get("/triage/").status_code == 200
    assert _actions() == ["sign_in", "change", "second_factor"]


def test_a_wrong_security_code_is_refused(client: Client, people: People, settings) -> None:  # type: ignore[no-untyped-def]
    settings.OTP_REQUIRED = True
    device = TOTPDevice.objects.create(user=people.triage, name="phone", confirmed=True)
    assert _post_password(client, "tina-triage")["Location"] == "/accounts/two-factor/"
    wrong = (totp(device.bin_key) + 1) % 1_000_000
    response = client.post("/accounts/two-factor/", {"token": f"{wrong:06d}"})
    assert response.status_code == 400
    assert "That security code is not right" in response.content.decode()
    assert client.get("/")["Location"] == "/accounts/two-factor/"
    assert _actions() == ["sign_in", "second_factor_failed"]


def test_the_right_security_code_signs_in_and_follows_next(
    client: Client, people: People, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.OTP_REQUIRED = True
    device = TOTPDevice.objects.create(user=people.triage, name="phone", confirmed=True)
    _post_password(client, "tina-triage", next="/waiting/")
    response = client.post("/accounts/two-factor/", {"token": f"{totp(device.bin_key):06d}"})
    assert response["Location"] == "/waiting/"


def test_demo_mode_needs_no_second_factor(client: Client, people: People, settings) -> None:  # type: ignore[no-untyped-def]
    settings.OTP_REQUIRED = False
    response = _post_password(client, "kim-kooth")
    assert response["Location"] == "/"
    assert client.get("/caseload/").status_code == 200


def test_next_never_leads_off_site(client: Client, people: People, settings) -> None:  # type: ignore[no-untyped-def]
    settings.OTP_REQUIRED = False
    response = _post_password(client, "kim-kooth", next="https://evil.example/")
    assert response["Location"] == "/"


def test_repeated_failures_lock_the_account_at_that_address_for_a_cool_off(
    client: Client,
    people: People,
    settings,  # type: ignore[no-untyped-def]
) -> None:
    settings.OTP_REQUIRED = False
    for _ in range(5):
        _post_password(client, "kim-kooth", "wrong-password")
    response = _post_password(client, "kim-kooth")  # even the right password
    assert response.status_code == 429
    assert "Try again in 15 minutes" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert _actions().count("locked_out") >= 1
    # Another address is not locked out for that username, nor the same address for others.
    other = Client()
    assert (
        other.post(
            "/accounts/login/",
            {"username": "kim-kooth", "password": PASSWORD},
            REMOTE_ADDR="10.0.0.8",
        )["Location"]
        == "/"
    )
    assert (
        Client().post(
            "/accounts/login/",
            {"username": "chris-chums", "password": PASSWORD},
            REMOTE_ADDR="10.0.0.7",
        )["Location"]
        == "/"
    )
    # Signing in from another address does not end the lockout at this one.
    assert _post_password(client, "kim-kooth").status_code == 429


def test_the_lockout_ends_after_the_cool_off(client: Client, people: People, settings) -> None:  # type: ignore[no-untyped-def]
    settings.OTP_REQUIRED = False
    for _ in range(5):
        _post_password(client, "kim-kooth", "wrong-password")
    assert _post_password(client, "kim-kooth").status_code == 429
    AccessAttempt.objects.update(attempt_time=clock.now() - timedelta(minutes=16))
    assert _post_password(client, "kim-kooth")["Location"] == "/"


def _try(username: str, address: str, password: str = PASSWORD, *, forwarded_for: str = "") -> Any:
    """One sign-in from `address` (through a proxy, if `forwarded_for`), on a fresh browser."""
    return Client().post(
        "/accounts/login/",
        {"username": username, "password": password},
        headers={"X-Forwarded-For": forwarded_for} if forwarded_for else {},
        REMOTE_ADDR=address,
    )


def _attempts() -> list[tuple[str, str, int]]:
    rows = AccessAttempt.objects.order_by("ip_address")
    return list(rows.values_list("username", "ip_address", "failures_since_start"))


def test_the_lockout_ends_a_cool_off_after_it_began_whatever_is_tried_during_it(
    client: Client,
    people: People,
    settings,  # type: ignore[no-untyped-def]
    time_machine: TimeMachineFixture,
) -> None:
    settings.OTP_REQUIRED = False
    statuses = [_post_password(client, "kim-kooth", "wrong-password").status_code for _ in range(5)]
    began = clock.now()
    assert statuses == [400, 400, 400, 400, 429]
    for minutes in (5, 10, 14):
        time_machine.move_to(began + timedelta(minutes=minutes))
        assert _post_password(client, "kim-kooth", "wrong-password").status_code == 429
        assert _post_password(client, "kim-kooth").status_code == 429
    time_machine.move_to(began + timedelta(minutes=14, seconds=59))
    assert _post_password(client, "kim-kooth").status_code == 429
    assert _attempts() == [("kim-kooth", "10.0.0.7", 5)]  # the tries during it counted nothing

    time_machine.move_to(began + timedelta(minutes=15, seconds=1))

    assert _post_password(client, "kim-kooth")["Location"] == "/"
    assert _attempts() == []


def test_a_sign_in_refused_during_a_lockout_starts_no_session_and_is_audited(
    client: Client,
    people: People,
    settings,  # type: ignore[no-untyped-def]
) -> None:
    settings.OTP_REQUIRED = False
    for _ in range(5):
        _post_password(client, "kim-kooth", "wrong-password")
    locked = AccessAttempt.objects.get()

    response = _post_password(client, "kim-kooth")  # the right password

    assert response.status_code == 429
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    assert Session.objects.count() == 0
    assert "_auth_user_id" not in client.session
    assert AccessAttempt.objects.values_list("failures_since_start", "attempt_time").get() == (
        5,
        locked.attempt_time,
    )
    assert _actions() == ["sign_in_failed"] * 5 + ["locked_out", "sign_in_failed", "locked_out"]


def test_a_username_tried_from_many_addresses_is_locked_at_its_own_limit_for_a_cool_off(
    people: People,
    settings,  # type: ignore[no-untyped-def]
    time_machine: TimeMachineFixture,
) -> None:
    settings.OTP_REQUIRED = False
    assert settings.LOCKOUT_USERNAME_FAILURES == 20
    # Four wrong passwords from each of five addresses: never enough to lock one address.
    first = [_try("kim-kooth", "192.0.2.1", "wrong-password").status_code for _ in range(4)]
    time_machine.shift(timedelta(minutes=10))
    rest = [
        _try("kim-kooth", f"192.0.2.{n}", "wrong-password").status_code
        for n in range(2, 6)
        for _ in range(4)
    ]
    began = clock.now()
    assert first + rest == [400] * 19 + [429]
    assert _try("kim-kooth", "192.0.2.99").status_code == 429  # the right password, anywhere
    assert _try("chris-chums", "192.0.2.5")["Location"] == "/"  # nobody else is locked
    # The first four failures are now past the cool-off; the lockout, begun later, is not.
    time_machine.move_to(began + timedelta(minutes=6))
    assert _try("kim-kooth", "192.0.2.100").status_code == 429
    time_machine.move_to(began + timedelta(minutes=14, seconds=59))
    assert _try("kim-kooth", "192.0.2.101", "wrong-password").status_code == 429

    time_machine.move_to(began + timedelta(minutes=15, seconds=1))

    assert _try("kim-kooth", "192.0.2.102")["Location"] == "/"


def test_behind_a_trusted_proxy_the_lockout_is_the_familys_not_everyone_behind_it(
    people: People,
    settings,  # type: ignore[no-untyped-def]
) -> None:
    settings.OTP_REQUIRED = False
    settings.TRUSTED_PROXIES = [ip_network("10.0.0.2")]
    statuses = [
        _try("kim-kooth", "10.0.0.2", "wrong-password", forwarded_for="203.0.113.5").status_code
        for _ in range(5)
    ]
    assert statuses == [400, 400, 400, 400, 429]
    assert _try("kim-kooth", "10.0.0.2", forwarded_for="203.0.113.5").status_code == 429
    assert _attempts() == [("kim-kooth", "203.0.113.5", 5)]
    assert _try("kim-kooth", "10.0.0.2", forwarded_for="198.51.100.9")["Location"] == "/"


def test_a_forwarded_for_header_not_from_a_trusted_proxy_does_not_dodge_the_lockout(
    people: People,
    settings,  # type: ignore[no-untyped-def]
) -> None:
    settings.OTP_REQUIRED = False
    statuses = [
        _try(
            "kim-kooth", "192.0.2.10", "wrong-password", forwarded_for=f"198.51.100.{n}"
        ).status_code
        for n in range(5)
    ]
    assert statuses == [400, 400, 400, 400, 429]
    assert _attempts() == [("kim-kooth", "192.0.2.10", 5)]


def _age_session(client: Client, *, idle: timedelta, since_sign_in: timedelta) -> None:
    session = client.session
    now = clock.now()
    session[LAST_SEEN_AT] = (now - idle).isoformat()
    session[SIGNED_IN_AT] = (now - since_sign_in).isoformat()
    session.save()


@pytest.mark.parametrize(
    ("idle", "since_sign_in", "signed_out"),
    [
        (timedelta(minutes=29), timedelta(hours=9), False),
        (timedelta(minutes=31), timedelta(hours=1), True),  # idle too long
        (timedelta(minutes=1), timedelta(hours=10, minutes=1), True),  # signed in too long
    ],
)
def test_sessions_end_when_idle_or_too_old(
    client: Client, people: People, idle: timedelta, since_sign_in: timedelta, signed_out: bool
) -> None:
    sign_in(client, people.triage)
    _age_session(client, idle=idle, since_sign_in=since_sign_in)
    response = client.get("/triage/")
    if signed_out:
        assert response.status_code == 302
        assert response["Location"] == "/accounts/login/?next=%2Ftriage%2F"
        assert "_auth_user_id" not in client.session
        assert _actions() == ["session_expired"]
    else:
        assert response.status_code == 200
        assert _actions() == []


def test_signing_out_ends_the_session(client: Client, people: People) -> None:
    sign_in(client, people.triage)
    assert client.get("/accounts/logout/").status_code == 405  # only by POST (a form)
    response = client.post("/accounts/logout/")
    assert response["Location"] == "/accounts/login/"
    assert client.get("/")["Location"] == "/accounts/login/?next=/"
    assert _actions() == ["sign_out"]
