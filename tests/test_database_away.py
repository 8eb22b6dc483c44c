"""The database away: every page answers 503 with the designed page and the crisis lines, never
a 500; the service recovers by itself when the database returns (hazard H26).

The outage is the driver's own: every new cursor fails with the driver's OperationalError, as
when the server has gone, so the session, the signed-in user and every query fail the way they
would, and Django marks the connection as having had errors.
"""

from __future__ import annotations

import copy
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock
from urllib.parse import urlsplit

import pytest
from django.db import DEFAULT_DB_ALIAS, OperationalError, connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import Client
from django.urls import resolve

from onedoor.alliance.models import Alliance
from onedoor.referrals.views import FIXED_CRISIS_LINES
from onedoor.web import database_away
from tests.personas import People, sign_in
from tests.personas import organisation as organisation_of
from tests.site_map import SiteMap, build_world, crawl

H1 = "<h1>Sorry, the service is unavailable</h1>"
CRISIS = (
    '<li><strong>Childline</strong>: <a href="tel:08001111" '
    'aria-label="Call Childline on 0800 1111">0800 1111</a>.'
)
# The public pages that need no database for a visitor who has not begun (the referral form
# keeps its answers in the database, for the session: without one, its steps go to the start);
# anything else public answers 503 while the database is away.
PUBLIC_WITHOUT_DATABASE = {
    "accounts:login": 200,
    "referrals:start": 200,
    "referrals:step": 302,  # back to the start: nothing answered yet
    "referrals:check": 302,
    "referrals:send": 302,
    "referrals:sent": 302,
    "referrals:start_again": 405,  # a POST only: "Delete your answers"
    "web:nhsuk_asset": 301,
    "tracking:start": 200,  # asking needs the database; the page that asks does not
    "tracking:code": 302,  # back to /track/: nothing asked in this session
    "tracking:status": 302,
    "referrals:save_for_later": 302,  # back to the start: nothing answered to save
    "referrals:link_sent": 302,
    "referrals:leave_device": 405,  # a POST only
    "referrals:come_back": 404,  # the crawl's made-up link is refused by its form alone
    "referrers:register": 200,  # registering needs the database; the page that asks does not
    "referrers:check_email": 200,
    "referrers:verified": 200,
    "api-v1:openapi-json": 200,  # the API's published contract, built from the code
    "api-v1:api-root": 404,  # the API's root is no endpoint
    "fhir:metadata": 200,  # the FHIR adapter's CapabilityStatement, built from the code
}
ON_POSTGRESQL = os.environ.get("DATABASE_URL", "").startswith("postgres")


@contextmanager
def the_database_away() -> Iterator[mock.Mock]:
    """Every new cursor fails as the driver fails when the server has gone."""
    driver: Any = connection.Database  # type: ignore[attr-defined]  # sqlite3 or psycopg
    gone = driver.OperationalError("server closed the connection unexpectedly")
    with mock.patch.object(connection, "create_cursor", side_effect=gone) as cursor:
        yield cursor


def _protected(path: str) -> bool:
    return getattr(resolve(urlsplit(path).path).func, "login_required", True) is not False


def _designed_503(response: Any) -> bool:
    page = response.content.decode()
    return (
        response.status_code == 503
        and response["Retry-After"] == "30"
        and H1 in page
        and CRISIS in page
        and 'class="nhsuk-header"' in page
        and "no-store" in response["Cache-Control"]
    )


def _served_503(response: Any) -> bool:
    """The designed 503 as the site serves it: with the headers every page carries; or, from
    the API and the FHIR adapter, a 503 in their own format with `Retry-After`."""
    if response.get("Content-Type") in ("application/problem+json", "application/fhir+json"):
        return response.status_code == 503 and response["Retry-After"] == "30"
    return (
        _designed_503(response)
        and response["X-Frame-Options"] == "DENY"
        and "frame-ancestors 'none'" in response["Content-Security-Policy"]
    )


@pytest.fixture
def site(client: Client, alliance: Alliance, people: People) -> SiteMap:
    return crawl(client, people, build_world(alliance, people))


def test_every_page_answers_503_with_the_crisis_lines_and_recovers_when_the_database_returns(
    site: SiteMap, people: People
) -> None:
    pages = site.every_page()
    assert len(pages) - len(site.made_up) >= 60  # the crawl really reached the pages
    visitor, staff = Client(), Client()
    sign_in(staff, people.clinical_lead)
    for who, client in (("visitor", visitor), ("staff", staff)):
        before = {name: client.get(reached.path).status_code for name, reached in pages}
        assert 500 not in before.values(), who
        answered_normally = {}
        with the_database_away():
            for name, reached in pages:
                response = client.get(reached.path)
                if name == "web:health" and who == "visitor":  # its own answer, for probes
                    assert (response.status_code, response.json()["database"]) == (
                        503,
                        "unavailable",
                    )
                elif not _served_503(response):
                    answered_normally[name] = response.status_code
        after = {name: client.get(reached.path).status_code for name, reached in pages}
        assert after == before, who
        if who == "staff":  # loading the session needs the database: every page is a 503
            assert answered_normally == {}
        else:  # being sent to sign in needs no database, nor does the referral form
            protected = {name for name, reached in pages if _protected(reached.path)}
            assert answered_normally == dict.fromkeys(protected, 302) | PUBLIC_WITHOUT_DATABASE


def test_signing_in_and_sending_feedback_while_the_database_is_away_answer_503(
    client: Client, db: None
) -> None:
    with the_database_away():
        signing_in = client.post(
            "/accounts/login/", {"username": "cal-clinical", "password": "wrong"}
        )
        feedback = client.post("/feedback/", {"helpful": "4", "comments": "Kind staff."})
    assert _served_503(signing_in) and _served_503(feedback)


def test_a_signed_in_form_sent_while_the_database_is_away_answers_503_and_saves_nothing(
    client: Client, people: People
) -> None:
    from onedoor.governance.models import Incident

    sign_in(client, people.kooth_practitioner)
    form = {"kind": "incident", "severity": "low", "title": "A letter went astray",
            "what_happened": "Sent to an old address.", "occurred_on": "19 11 2026"}  # fmt: skip
    with the_database_away() as cursor:
        response = client.post("/governance/incidents/new/", form)
    assert _served_503(response)
    assert cursor.call_count == 1  # the session was the first thing it asked for
    assert Incident.objects.count() == 0


def test_the_page_needs_no_database_and_logs_only_the_kind_of_error(
    caplog: pytest.LogCaptureFixture, django_assert_num_queries: Any, db: None
) -> None:
    with django_assert_num_queries(0), caplog.at_level(logging.WARNING):
        response = database_away.page(OperationalError("connection to 10.0.0.5 refused"))
    assert _designed_503(response)
    assert [r.getMessage() for r in caplog.records] == [
        "Database unavailable: answered 503 (OperationalError)"
    ]


def test_the_crisis_lines_come_from_the_alliance_file_and_fall_back_to_the_fixed_ones(
    settings: Any,
) -> None:
    database_away.crisis_lines.cache_clear()
    assert [line.name for line in database_away.crisis_lines()] == [
        "Emergency services (999)",
        "NHS 111, option 2",
        "Childline",
        "Shout",
        "Samaritans",
        "Papyrus HOPELINE247",
    ]
    settings.ALLIANCE_SLUG = "another-alliance"
    database_away.crisis_lines.cache_clear()
    try:
        assert database_away.crisis_lines() == FIXED_CRISIS_LINES
    finally:
        database_away.crisis_lines.cache_clear()


def test_a_mistake_in_a_query_is_still_a_500_not_an_outage() -> None:
    from django.db import DataError, IntegrityError, InterfaceError, ProgrammingError

    assert [
        database_away.is_database_away(error)
        for error in (
            OperationalError("gone"),
            InterfaceError("connection already closed"),
            IntegrityError("duplicate key"),
            ProgrammingError("no such column"),
            DataError("integer out of range"),
            ValueError("not the database"),
        )
    ] == [True, True, False, False, False, False]


# The connection itself: what Django does on `request_started` and `request_finished`
# (`close_old_connections`), on a connection of the project's own settings.


def _second_connection() -> BaseDatabaseWrapper:
    """A connection of its own, with the project's settings for the default one."""
    default = connections[DEFAULT_DB_ALIAS]
    # Under the default's alias too: what runs on connecting (PostgreSQL's type handlers)
    # looks itself up by it.
    return type(default)(copy.deepcopy(default.settings_dict), alias=DEFAULT_DB_ALIAS)


def _pid(wrapper: BaseDatabaseWrapper) -> int:
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return int(cursor.fetchone()[0])


@pytest.mark.skipif(not ON_POSTGRESQL, reason="SQLite has no server to end a connection")
@pytest.mark.django_db
def test_a_connection_the_server_ended_is_replaced_and_the_next_request_is_answered() -> None:
    second = _second_connection()
    assert second.settings_dict["CONN_MAX_AGE"] == 600
    assert second.settings_dict["CONN_HEALTH_CHECKS"] is True
    try:
        first = _pid(second)
        with connection.cursor() as cursor:  # the server ends it, as a restart would
            cursor.execute("SELECT pg_terminate_backend(%s)", [first])
        # While idle: checked at the start of the next request, and replaced before use.
        second.close_if_unusable_or_obsolete()
        replacement = _pid(second)
        assert replacement != first
        # In the middle of a request: that request fails, and the connection is closed
        # when it ends, so the next one connects again.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [replacement])
        with pytest.raises(OperationalError):
            _pid(second)
        second.close_if_unusable_or_obsolete()
        assert second.connection is None
        assert _pid(second) not in {first, replacement}
    finally:
        second.close()


@pytest.mark.skipif(ON_POSTGRESQL, reason="a file that can't be opened is SQLite's outage")
def test_a_database_file_that_cannot_be_opened_is_connected_again_when_it_can(
    tmp_path: Any, db: None
) -> None:
    second = _second_connection()
    assert second.settings_dict["CONN_HEALTH_CHECKS"] is True
    second.settings_dict["NAME"] = str(tmp_path / "not-yet" / "onedoor.sqlite3")
    try:
        with pytest.raises(OperationalError):
            second.ensure_connection()
        assert second.connection is None
        second.close_if_unusable_or_obsolete()  # the request ends; the next one begins
        (tmp_path / "not-yet").mkdir()
        with second.cursor() as cursor:
            cursor.execute("SELECT 1")
            assert cursor.fetchone() == (1,)
    finally:
        second.close()


def test_the_api_answers_503_as_a_problem_while_the_database_is_away(
    alliance: Alliance, people: People
) -> None:
    from tests.api_support import call, registered

    _, secret = registered(people.admin, organisation_of(alliance, "kooth"))
    assert call("GET", "/api/v1/client", secret).status_code == 200
    # A call, a call without a token and an address with no endpoint: each refusal is audited
    # when the database is there, so without it each is a 503 problem, never the HTML page.
    for path, sent in (
        ("/api/v1/client", secret),
        ("/api/v1/client", None),
        ("/api/v1/no-such-thing", secret),
    ):
        with the_database_away():
            response = call("GET", path, sent)
        assert response.status_code == 503, (path, sent)
        assert response["Content-Type"] == "application/problem+json"
        assert response["Retry-After"] == "30"
        assert response.json()["title"] == "Service unavailable"
    assert call("GET", "/api/v1/client", secret).status_code == 200


def test_the_fhir_adapter_answers_503_as_an_outcome_while_the_database_is_away(
    alliance: Alliance, people: People
) -> None:
    from tests.api_support import call, registered

    _, secret = registered(people.admin, organisation_of(alliance, "kooth"))
    assert call("GET", "/fhir/R4/Task", secret).status_code == 200
    for sent in (secret, None):  # a refusal is audited: without the database, a 503 too
        with the_database_away():
            response = call("GET", "/fhir/R4/Task", sent)
        assert (response.status_code, response["Content-Type"], response["Retry-After"]) == (
            503,
            "application/fhir+json",
            "30",
        )
        assert response.json()["issue"][0]["code"] == "transient"
    assert call("GET", "/fhir/R4/Task", secret).status_code == 200
