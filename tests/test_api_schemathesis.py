"""Schemathesis against the committed OpenAPI document (ADR 23): every operation called in
process through WSGI, with the valid token of a partner's client (all the partner scopes) and
of a referrer's client, with cases that fit the document and cases that do not. No answer is
a 5xx, and every answer's status, content type and body are the ones the document declares.

Bounded and deterministic: a fixed number of examples per operation, derandomised, no example
database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from onedoor.alliance.models import Alliance
from onedoor.api.management.commands.export_openapi import DOCUMENT
from tests.api_support import call, registered
from tests.personas import People, make_child, organisation
from tests.referral_bodies import body

pytestmark = pytest.mark.django_db  # the WSGI app sees the test's transaction: same thread

SCHEMA = schemathesis.openapi.from_path(DOCUMENT)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES = 25
BOUNDS = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)


def _operations() -> list[Any]:
    """Every operation of the document; one the document gets wrong fails here, loudly."""
    found = []
    for result in SCHEMA.get_all_operations():
        if isinstance(result, Err):
            raise result.err()
        found.append(result.ok())
    return found


OPERATIONS = _operations()


@contextmanager
def in_process() -> Iterator[Any]:
    """The WSGI application, in this thread and on this test's database connection: as
    Django's own test client does, requests do not close the connection (which would end
    the test's transaction). (The test client connects the signals again after each of its
    own requests: make none inside.)"""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _tokens(alliance: Alliance, people: People) -> dict[str, str]:
    """A partner's client (Kooth, with two allocated children) and a referrer's client (with
    a referral it sent): each one's token."""
    make_child(alliance, "Kai", allocated_to="kooth")
    make_child(alliance, "Mia", allocated_to="kooth")
    _, partner = registered(people.admin, organisation(alliance, "kooth"))
    _, referrer = registered(people.admin, organisation(alliance, "childrens-social-care"))
    sent = call("POST", "/api/v1/referrals/submissions", referrer, body())
    assert sent.status_code == 201
    return {"partner": partner, "referrer": referrer}


@pytest.mark.parametrize("who", ["partner", "referrer"])
def test_every_answer_is_the_one_the_committed_document_declares(
    who: str, alliance: Alliance, people: People, settings: Any
) -> None:
    settings.API_CALLS_PER_MINUTE = 1_000_000  # the clock hardly moves: no 429s here
    headers = {"Authorization": f"Bearer {_tokens(alliance, people)[who]}"}
    with in_process() as app:
        for operation in OPERATIONS:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

                @BOUNDS
                @given(case=operation.as_strategy(generation_mode=mode))
                def check(case: Any) -> None:
                    case.headers = {**(case.headers or {}), **headers}
                    response = case.call(app=app)
                    case.validate_response(response, checks=CHECKS)

                check()
