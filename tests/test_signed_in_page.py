"""What every signed-in page costs before its own work (B2 in `make bench`): "Find a child"
before anything is asked reads nothing of its own, so its queries are exactly those of being
signed in: the session, the user with their organisation, and the verified second factor."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

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
