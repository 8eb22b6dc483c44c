"""What every signed-in page costs before its own work (B2 in `make bench`): "Find a child"
before anything is asked reads nothing of its own, so its queries are exactly those of being
signed in: the session, the user with their organisation, and the verified second factor.
The session and the user are each read by one plain statement (`onedoor.accounts.sessions`,
`onedoor.accounts.user_read`) and the links every page carries are reversed once a process
(`onedoor.fixed_urls`): all three are checked here."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.db.models import Model
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse, set_script_prefix

from onedoor import clock
from onedoor.accounts.backends import ModelBackendWithOrganisation
from onedoor.accounts.models import User
from onedoor.accounts.sessions import SessionStore
from onedoor.accounts.user_read import read_user
from onedoor.fixed_urls import fixed_url
from tests.personas import People, sign_in


@pytest.mark.parametrize("persona", ["triage", "kooth_practitioner"])
def test_a_signed_in_page_with_no_work_of_its_own_reads_session_user_and_second_factor(
    people: People, persona: str
) -> None:
    client = Client()
    sign_in(client, getattr(people, persona))
    assert client.get("/search/").status_code == 200
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/search/")
    assert response.status_code == 200
    tables = [query["sql"].split(" FROM ", 1)[1].split(" ", 1)[0] for query in captured]
    assert tables == ['"django_session"', '"accounts_user"', '"otp_totp_totpdevice"']


# The session engine (`onedoor.accounts.sessions`) reads the session by one plain statement.


def test_a_live_session_reads_its_data_and_keeps_its_key(people: People) -> None:
    client = Client()
    sign_in(client, people.triage)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value

    store = SessionStore(key)

    assert store.load()["_auth_user_id"] == str(people.triage.pk)
    assert store.session_key == key


def test_a_session_past_its_expiry_date_reads_as_empty_and_signs_no_one_in(
    people: People,
) -> None:
    client = Client()
    sign_in(client, people.triage)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    Session.objects.filter(session_key=key).update(expire_date=clock.now() - timedelta(seconds=1))

    store = SessionStore(key)

    assert (store.load(), store.session_key) == ({}, None)
    response = client.get("/search/")
    assert (response.status_code, response["Location"]) == (302, "/accounts/login/?next=/search/")


@pytest.mark.django_db
def test_an_unknown_or_malformed_session_key_reads_as_empty() -> None:
    for key in ("a" * 32, "short", "'; DROP TABLE django_session; --"):
        store = SessionStore(key)
        assert (store.load(), store.session_key) == ({}, None)
    assert Session.objects.count() == 0


def test_a_session_whose_user_has_gone_signs_no_one_in(people: People) -> None:
    client = Client()
    sign_in(client, people.triage)
    assert ModelBackendWithOrganisation().get_user(people.triage.pk) == people.triage

    assert ModelBackendWithOrganisation().get_user(-1) is None
    people.triage.is_active = False
    people.triage.save(update_fields=["is_active"])
    assert ModelBackendWithOrganisation().get_user(people.triage.pk) is None
    assert client.get("/search/").status_code == 302


# The user is read by one statement written once a process (`onedoor.accounts.user_read`).


def _fields(instance: Model) -> dict[str, object]:
    return {field.attname: getattr(instance, field.attname) for field in instance._meta.fields}


@pytest.mark.parametrize("persona", ["triage", "kooth_practitioner", "admin"])
def test_the_user_read_is_the_orms_user_and_organisation_field_for_field(
    people: People, persona: str
) -> None:
    user = getattr(people, persona)
    user.away_until = clock.today()
    user.deputy = people.clinical_lead
    user.last_login = clock.now()
    user.save()
    expected = User.objects.select_related("organisation").get(pk=user.pk)

    with CaptureQueriesContext(connection) as captured:
        found = read_user(str(user.pk))  # as the session keeps it
        assert found is not None
        organisation = found.organisation

    assert len(captured) == 1  # the organisation came with the user
    assert _fields(found) == _fields(expected)
    assert organisation is not None and expected.organisation is not None
    assert _fields(organisation) == _fields(expected.organisation)
    assert (found._state.adding, found._state.db) == (False, "default")


@pytest.mark.django_db
def test_a_superuser_without_an_organisation_is_read_with_none() -> None:
    user = User.objects.create_superuser("root", password="a long enough password 1")

    found = read_user(user.pk)

    assert found is not None
    with CaptureQueriesContext(connection) as captured:
        assert found.organisation is None
    assert (len(captured), _fields(found)) == (0, _fields(User.objects.get(pk=user.pk)))


@pytest.mark.django_db
@pytest.mark.parametrize("user_id", [-1, "999999", "not a number", ""])
def test_no_such_user_reads_as_none(user_id: object) -> None:
    assert read_user(user_id) is None


# The links every page carries are reversed once a process (`onedoor.fixed_urls`).


def test_a_fixed_url_is_the_reversed_url_under_each_script_prefix() -> None:
    names = ["web:home", "web:search", "accounts:logout", "referrals:start"]
    assert [fixed_url(name) for name in names] == [reverse(name) for name in names]
    assert fixed_url("web:search") == "/search/"
    try:
        set_script_prefix("/alliance/")
        assert fixed_url("web:search") == "/alliance/search/"
    finally:
        set_script_prefix("/")
    assert fixed_url("web:search") == "/search/"


def test_a_fixed_url_for_a_name_another_urlconf_lacks_fails_as_reverse_does() -> None:
    # The web app's URLs alone, as a URLconf: no accounts' URLs in it.
    with override_settings(ROOT_URLCONF="onedoor.web.urls"), pytest.raises(NoReverseMatch):
        fixed_url("accounts:logout")
    assert fixed_url("accounts:logout") == "/accounts/logout/"
