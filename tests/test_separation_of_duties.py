"""Separation of duties (issue 18): an administrator cannot give anyone, themselves included,
a role that sees case data without a clinical lead's approval; nobody changes their own
role; every change of role, organisation or activation is audited with old and new values."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.test.utils import CaptureQueriesContext

from onedoor.access.models import RoleRequest
from onedoor.access.policy import SEES_CASE_DATA
from onedoor.access.records import children_visible_to
from onedoor.access.roles import Standing, decide_role_request, needs_approval
from onedoor.accounts.models import User
from onedoor.accounts.roles import Role
from onedoor.alliance.models import Alliance
from onedoor.audit.models import AuditEvent
from tests.personas import People, make_child, make_user, organisation, sign_in


def _change(client: Client, user: User, **changes: Any) -> Any:
    """The admin's change form for `user`, posted with `changes` over its current values."""
    fields = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "organisation": user.organisation_id or "",
        "role": user.role,
        "away_until": "",
        "deputy": "",
        **({"is_active": "on"} if user.is_active else {}),
    }
    fields.update(changes)
    if changes.get("is_active") is False:
        del fields["is_active"]
    return client.post(f"/admin/accounts/user/{user.pk}/change/", fields)


def _standing_rows() -> list[tuple[str, str, dict[str, str]]]:
    return [
        (e.actor_username, e.action, e.detail)
        for e in AuditEvent.objects.filter(record_type="account_standing").order_by("sequence")
    ]


# The rule


@pytest.mark.parametrize(
    ("before", "after", "needed"),
    [
        (None, Standing(Role.CLINICAL_LEAD, 1, True), True),  # a new clinical lead
        (None, Standing(Role.ANALYST, 1, True), False),  # sees no case data
        (None, Standing(Role.ADMINISTRATOR, 1, True), False),
        (Standing(Role.ANALYST, 1, True), Standing(Role.PRACTITIONER, 1, True), True),
        (Standing(Role.PRACTITIONER, 1, True), Standing(Role.CLINICAL_LEAD, 1, True), True),
        (Standing(Role.PRACTITIONER, 1, True), Standing(Role.PRACTITIONER, 2, True), True),
        (Standing(Role.PRACTITIONER, 1, False), Standing(Role.PRACTITIONER, 1, True), True),
        (Standing(Role.CLINICAL_LEAD, 1, True), Standing(Role.ANALYST, 1, True), False),
        (Standing(Role.PRACTITIONER, 1, True), Standing(Role.PRACTITIONER, 1, False), False),
        (Standing(Role.PRACTITIONER, 1, True), Standing(Role.PRACTITIONER, 1, True), False),
    ],
)
def test_what_needs_a_clinical_leads_approval(
    before: Standing | None, after: Standing, needed: bool
) -> None:
    assert needs_approval(before, after) is needed


def test_the_roles_that_see_case_data_are_those_the_policy_gives_more_than_their_own() -> None:
    assert {
        Role.TRIAGE_LEAD, Role.CARE_COORDINATOR, Role.PRACTITIONER, Role.PARTNER_LEAD,
        Role.CLINICAL_LEAD, Role.SAFEGUARDING_LEAD, Role.SERVICE_MANAGER,
        Role.PARTNER_SYSTEM,  # a partner's system reads its children's records
    } == SEES_CASE_DATA  # fmt: skip


# Through the administrator's screen


def test_a_new_clinical_lead_account_waits_inactive_for_approval(
    client: Client, people: People, alliance: Alliance
) -> None:
    make_child(alliance, "Wren", allocated_to="kooth")
    sign_in(client, people.admin)
    lead = organisation(alliance, "north-kent-mind")
    response = client.post(
        "/admin/accounts/user/add/",
        {
            "username": "new-lead", "password1": "a-long-enough-passphrase-42",
            "password2": "a-long-enough-passphrase-42", "organisation": lead.pk,
            "role": Role.CLINICAL_LEAD, "usable_password": "true",
        },
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()
    made = User.objects.get(username="new-lead")
    assert (made.role, made.is_active) == (Role.CLINICAL_LEAD, False)
    assert list(children_visible_to(made)) == []
    waiting = RoleRequest.objects.get()
    assert (waiting.user, waiting.role, waiting.organisation, waiting.requested_by) == (
        made, Role.CLINICAL_LEAD, lead, people.admin,
    )  # fmt: skip
    assert waiting.decided_at is None
    assert _standing_rows() == [
        ("ada-admin", "create", {
            "role_from": "", "role_to": "clinical_lead",
            "organisation_from": "", "organisation_to": "north-kent-mind",
            "active_from": "", "active_to": "false",
        }),
    ]  # fmt: skip


def test_raising_someone_to_a_clinical_role_waits_and_changes_nothing_until_approved(
    client: Client, people: People
) -> None:
    sign_in(client, people.admin)
    assert _change(client, people.analyst, role=Role.CLINICAL_LEAD).status_code == 302
    people.analyst.refresh_from_db()
    assert people.analyst.role == Role.ANALYST
    waiting = RoleRequest.objects.get()
    assert (waiting.user, waiting.role) == (people.analyst, Role.CLINICAL_LEAD)
    assert _standing_rows() == []
    created = AuditEvent.objects.get(record_type="role_request")
    assert created.detail == {
        "user": str(people.analyst.uuid), "requested_role": "clinical_lead",
        "requested_organisation": "north-kent-mind",
    }  # fmt: skip


@pytest.mark.parametrize("role", [Role.CLINICAL_LEAD, Role.ANALYST])
def test_an_administrator_cannot_change_their_own_role(
    client: Client, people: People, role: Role
) -> None:
    sign_in(client, people.admin)
    before = AuditEvent.objects.count()
    response = _change(client, people.admin, role=role)
    assert response.status_code == 200
    assert "You cannot change your own role, organisation or whether your account is active" in (
        response.content.decode()
    )
    people.admin.refresh_from_db()
    assert people.admin.role == Role.ADMINISTRATOR
    assert (RoleRequest.objects.count(), AuditEvent.objects.count()) == (0, before)


def test_lowering_and_deactivating_take_effect_at_once_audited_with_old_and_new_values(
    client: Client, people: People
) -> None:
    sign_in(client, people.admin)
    assert _change(client, people.coordinator, role=Role.ANALYST).status_code == 302
    assert _change(client, people.kooth_practitioner, is_active=False).status_code == 302
    people.coordinator.refresh_from_db()
    people.kooth_practitioner.refresh_from_db()
    assert (people.coordinator.role, people.kooth_practitioner.is_active) == (Role.ANALYST, False)
    assert RoleRequest.objects.count() == 0
    assert _standing_rows() == [
        ("ada-admin", "change", {"role_from": "care_coordinator", "role_to": "analyst"}),
        ("ada-admin", "change", {"active_from": "true", "active_to": "false"}),
    ]


def test_a_second_change_while_one_waits_is_refused(client: Client, people: People) -> None:
    sign_in(client, people.admin)
    _change(client, people.analyst, role=Role.CLINICAL_LEAD)
    response = _change(client, people.analyst, role=Role.TRIAGE_LEAD)
    assert response.status_code == 200
    assert "already waits for a clinical lead" in response.content.decode()
    assert list(RoleRequest.objects.values_list("role", flat=True)) == [Role.CLINICAL_LEAD]


# The clinical lead's decision


def _waiting(people: People, user: User, role: Role = Role.PRACTITIONER) -> RoleRequest:
    from onedoor import clock

    assert user.organisation is not None
    return RoleRequest.objects.create(
        user=user, role=role, organisation=user.organisation,
        requested_by=people.admin, requested_at=clock.now(),
    )  # fmt: skip


def test_a_clinical_lead_approves_and_the_account_takes_the_role(
    client: Client, people: People
) -> None:
    waiting = _waiting(people, people.analyst, Role.TRIAGE_LEAD)
    sign_in(client, people.clinical_lead)
    listed = client.get("/governance/role-requests/")
    assert [r.uuid for r in listed.context["requests"]] == [waiting.uuid]
    response = client.post(
        f"/governance/role-requests/{waiting.uuid}/", {"decision": "approve", "note": ""}
    )
    assert response.status_code == 302
    people.analyst.refresh_from_db()
    assert (people.analyst.role, people.analyst.is_active) == (Role.TRIAGE_LEAD, True)
    waiting.refresh_from_db()
    assert (waiting.outcome, waiting.decided_by) == ("approved", people.clinical_lead)
    assert _standing_rows() == [
        ("cal-clinical", "change", {"role_from": "analyst", "role_to": "triage_lead"}),
    ]


def test_a_refusal_needs_a_reason_and_changes_nothing(client: Client, people: People) -> None:
    waiting = _waiting(people, people.analyst)
    sign_in(client, people.clinical_lead)
    url = f"/governance/role-requests/{waiting.uuid}/"
    response = client.post(url, {"decision": "refuse", "note": " "})
    assert response.status_code == 400
    assert "Say why you are refusing" in response.content.decode()
    waiting.refresh_from_db()
    assert waiting.decided_at is None
    assert client.post(url, {"decision": "refuse", "note": "Not in post yet."}).status_code == 302
    people.analyst.refresh_from_db()
    waiting.refresh_from_db()
    assert (people.analyst.role, waiting.outcome, waiting.note) == (
        Role.ANALYST, "refused", "Not in post yet.",
    )  # fmt: skip
    assert _standing_rows() == []


def test_nobody_decides_on_their_own_account_or_their_own_request(
    alliance: Alliance, people: People
) -> None:
    about_the_lead = _waiting(people, people.clinical_lead, Role.CLINICAL_LEAD)
    with pytest.raises(PermissionDenied, match="Another clinical lead must decide"):
        decide_role_request(by=people.clinical_lead, request=about_the_lead, approve=True)
    second = make_user(
        "cleo-clinical", Role.CLINICAL_LEAD, organisation(alliance, "north-kent-mind")
    )
    asked_by_the_lead = RoleRequest.objects.create(
        user=people.analyst, role=Role.PRACTITIONER,
        organisation=organisation(alliance, "north-kent-mind"),
        requested_by=second, requested_at=about_the_lead.requested_at,
    )  # fmt: skip
    with pytest.raises(PermissionDenied, match="Another clinical lead must decide"):
        decide_role_request(by=second, request=asked_by_the_lead, approve=True)
    for someone in (people.admin, people.triage, people.safeguarding):
        with pytest.raises(PermissionDenied, match="Only a clinical lead"):
            decide_role_request(by=someone, request=asked_by_the_lead, approve=True)
    decide_role_request(by=people.clinical_lead, request=asked_by_the_lead, approve=True)
    with pytest.raises(ValidationError, match="already been decided"):
        decide_role_request(by=people.clinical_lead, request=asked_by_the_lead, approve=False,
                            note="Changed my mind.")  # fmt: skip
    people.analyst.refresh_from_db()
    assert people.analyst.role == Role.PRACTITIONER


def test_only_the_clinical_lead_reaches_the_approvals(client: Client, people: People) -> None:
    waiting = _waiting(people, people.analyst)
    for someone in (people.admin, people.triage, people.analyst):
        sign_in(client, someone)
        assert client.get("/governance/role-requests/").status_code == 403
        assert (
            client.post(
                f"/governance/role-requests/{waiting.uuid}/", {"decision": "approve"}
            ).status_code
            == 403
        )
    waiting.refresh_from_db()
    assert waiting.decided_at is None


def test_the_list_runs_a_fixed_number_of_queries(
    client: Client, people: People, alliance: Alliance
) -> None:
    from django.db import connection

    sign_in(client, people.clinical_lead)
    counts = []
    for n in (1, 6):
        for i in range(n - RoleRequest.objects.count()):
            user = make_user(f"new-{n}-{i}", Role.ANALYST, organisation(alliance, "kooth"))
            _waiting(people, user)
        client.get("/governance/role-requests/")
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/governance/role-requests/")
        counts.append(len(queries))
        assert len(response.context["requests"]) == n
    assert counts[0] == counts[1]


# The first clinical lead


def _command(*arguments: str) -> str:
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("approve_role_request", *arguments, stdout=out)
    return out.getvalue()


def test_the_first_clinical_lead_is_approved_on_the_server_and_only_then(
    people: People,
) -> None:
    from django.core.management.base import CommandError

    first = _waiting(people, people.analyst, Role.CLINICAL_LEAD)
    assert _command() == f"{first.uuid}  ana-analyst: Clinical lead, north-kent-mind\n"
    with pytest.raises(CommandError, match="A clinical lead can decide"):
        _command(str(first.uuid))
    with pytest.raises(CommandError, match="No waiting role request has that id"):
        _command("not-an-id")
    first.refresh_from_db()
    assert first.decided_at is None

    User.objects.filter(pk=people.clinical_lead.pk).update(is_active=False)
    assert _command(str(first.uuid)) == "Approved: ana-analyst is a Clinical lead.\n"
    people.analyst.refresh_from_db()
    first.refresh_from_db()
    assert (people.analyst.role, first.outcome, first.decided_by) == (
        Role.CLINICAL_LEAD, "approved", None,
    )  # fmt: skip
    assert _standing_rows() == [
        ("", "change", {"role_from": "analyst", "role_to": "clinical_lead"}),
    ]
