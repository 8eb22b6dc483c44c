"""Health checks, error pages, and the project's own consistency checks."""

from __future__ import annotations

from io import StringIO
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import OperationalError
from django.test import Client

from tests.personas import People, sign_in


def test_health_answers_503_when_the_database_does_not(client: Client, db: None) -> None:
    from django.db import connection

    with mock.patch.object(connection, "cursor", side_effect=OperationalError("refused")):
        response = client.get("/health")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "database": "unavailable",
        "worker": None,
        "scheduler": None,
        "reasons": ["database: unavailable"],
    }


def test_a_missing_page_is_a_designed_404(client: Client, people: People) -> None:
    sign_in(client, people.triage)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "<h1>Page not found</h1>" in page
    assert 'class="nhsuk-header"' in page


def test_a_page_outside_the_role_is_a_designed_403(client: Client, people: People) -> None:
    sign_in(client, people.analyst)
    response = client.get("/triage/")
    assert response.status_code == 403
    assert "<h1>This page is not part of your role</h1>" in response.content.decode()


def test_a_crash_shows_the_designed_500_without_a_stack_trace(
    client: Client,
    people: People,
    monkeypatch: pytest.MonkeyPatch,
    settings,  # type: ignore[no-untyped-def]
) -> None:
    settings.DEBUG = False
    import onedoor.web.views as views

    def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(views, "pages_for", crash)
    sign_in(client, people.triage)
    client.raise_request_exception = False
    response = client.get("/")
    page = response.content.decode()
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in page
    assert "secret internals" not in page and "Traceback" not in page


def test_migrations_match_the_models(db: None) -> None:
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert out.getvalue().strip() == "No changes detected"


def test_the_deployment_checks_pass(db: None) -> None:
    out = StringIO()
    call_command("check", stdout=out)
    assert out.getvalue().strip() == "System check identified no issues (0 silenced)."


def test_a_form_without_its_security_token_gets_a_designed_page_and_saves_nothing(
    people: People,
) -> None:
    from onedoor.access.models import BreakGlassGrant

    client = Client(enforce_csrf_checks=True)
    sign_in(client, people.kooth_practitioner)
    response = client.post("/emergency-access/", {"identifier": "9434765919", "reason": "x" * 40})
    assert response.status_code == 403
    assert "<h1>Your form could not be sent</h1>" in response.content.decode()
    assert BreakGlassGrant.objects.count() == 0


def test_every_template_compiles() -> None:
    from pathlib import Path

    from django.template.loader import get_template

    root = Path(__file__).resolve().parent.parent / "onedoor" / "templates"
    names = sorted(str(path.relative_to(root)) for path in root.rglob("*.html"))
    assert len(names) >= 20
    for name in names:
        assert get_template(name).template.name == name  # type: ignore[attr-defined]


def test_every_email_has_its_three_templates() -> None:
    from pathlib import Path

    folder = Path(__file__).resolve().parent.parent / "onedoor" / "templates" / "emails"
    parts = ("-subject.txt", "-body-text.txt", "-body-html.html")
    names = {f.name.split("-subject")[0] for f in folder.glob("*-subject.txt")}
    assert names == {
        "referral-acknowledgement", "red-referral", "escalation", "not-accepted",
        "feedback-invitation", "handover-escalation", "daily-digest", "triage-escalation",
        "measure-invitation", "safeguarding-escalation", "safeguarding-concern",
        "urgent-disclosure", "urgent-disclosure-escalation", "referral-saved",
        "tracking-code",
        "milestone-triaged", "milestone-allocated", "milestone-first-appointment",
        "milestone-discharged", "referrer-verify", "referrer-already-registered",
        "webhook-turned-off",
    }  # fmt: skip
    for name in names:
        assert all((folder / f"{name}{part}").exists() for part in parts), name
    assert len(list(folder.iterdir())) == 3 * len(names)
