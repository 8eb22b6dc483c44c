"""Administrators edit the alliance's configuration in the product, every change audited."""

from __future__ import annotations

from django.test import Client

from onedoor.alliance.models import Alliance, TriageClock
from onedoor.audit.models import AuditEvent
from tests.personas import People, sign_in


def test_an_administrator_changes_a_triage_clock_and_the_change_is_audited(
    client: Client, people: People, alliance: Alliance
) -> None:
    clock = TriageClock.objects.get(alliance=alliance, kind="routine")
    sign_in(client, people.admin)
    response = client.post(
        f"/admin/alliance/triageclock/{clock.pk}/change/",
        {"alliance": alliance.pk, "kind": "routine", "working_days": "4"},
    )
    assert response.status_code == 302
    clock.refresh_from_db()
    assert clock.working_days == 4
    event = AuditEvent.objects.get(action="change")
    assert (event.actor_username, event.record_type, event.record_id) == (
        "ada-admin",
        "alliance.triageclock",
        str(clock.pk),
    )
    assert event.detail == {"change": [{"changed": {"fields": ["Working days"]}}]}


def test_a_bad_value_is_refused_with_a_message_and_nothing_changes(
    client: Client, people: People, alliance: Alliance
) -> None:
    clock = TriageClock.objects.get(alliance=alliance, kind="routine")
    sign_in(client, people.admin)
    response = client.post(
        f"/admin/alliance/triageclock/{clock.pk}/change/",
        {"alliance": alliance.pk, "kind": "routine", "working_days": "-2"},
    )
    assert response.status_code == 200
    assert "Ensure this value is greater than or equal to 0" in response.content.decode()
    clock.refresh_from_db()
    assert clock.working_days == 5
    assert AuditEvent.objects.count() == 0


def test_an_administrator_cannot_reach_clinical_records_or_the_audit_table(
    client: Client, people: People
) -> None:
    sign_in(client, people.admin)
    index = client.get("/admin/").content.decode()
    assert "Alliance configuration" in index and "People and roles" in index
    for path in (
        "/admin/audit/auditevent/",
        "/admin/access/breakglassgrant/",
        "/admin/django_tasks_db/dbtaskresult/",
    ):
        assert client.get(path).status_code in (403, 404), path


def test_a_password_reset_by_an_administrator_is_audited(client: Client, people: People) -> None:
    sign_in(client, people.admin)
    response = client.post(
        f"/admin/accounts/user/{people.kooth_practitioner.pk}/password/",
        {
            "password1": "a-brand-new-passphrase-42",
            "password2": "a-brand-new-passphrase-42",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302
    people.kooth_practitioner.refresh_from_db()
    assert people.kooth_practitioner.check_password("a-brand-new-passphrase-42")
    event = AuditEvent.objects.get(action="change")
    assert (event.record_type, event.record_id) == (
        "accounts.user",
        str(people.kooth_practitioner.uuid),
    )
    assert event.detail == {"change": [{"changed": {"fields": ["password"]}}]}
