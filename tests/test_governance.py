"""Clinical governance: supervision with its compliance, incidents, and the learning log."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from onedoor.accounts.models import User
from onedoor.alliance.models import Alliance, Organisation
from onedoor.audit.models import AuditEvent
from onedoor.governance.actions import (
    add_practice_change,
    close_incident,
    record_supervision,
    report_incident,
    review_incident,
    share_learning,
)
from onedoor.governance.compliance import due_on, is_overdue, supervisees
from onedoor.governance.models import Incident, PracticeChange, Supervision
from onedoor.governance.records import (
    incidents_visible_to,
    learning_log,
    linked_referral,
    reflections_visible_to,
    supervision_visible_to,
)
from onedoor.referrals.models import Referral
from tests.personas import People, make_child, make_user, shown, sign_in

TODAY = date(2026, 12, 2)


def _referral(alliance: Alliance, name: str, partner: str) -> Referral:
    return make_child(alliance, name, allocated_to=partner).referrals.get()


def _supervise(supervisor: User, practitioner: User, held_on: date, **extra: Any) -> Supervision:
    return record_supervision(
        user=supervisor, practitioner=practitioner, held_on=held_on, today=TODAY, **extra
    )


def _report(
    user: User, title: str = "Appointment letter sent to the wrong address", **extra: object
) -> Incident:
    values: dict[str, object] = {
        "kind": "incident",
        "severity": "low",
        "what_happened": "A letter went to an old address.",
        "occurred_on": date(2026, 11, 20),
        **extra,
    }
    return report_incident(user=user, title=title, today=TODAY, **values)  # type: ignore[arg-type]


def _counts() -> tuple[int, int, int, int]:
    return (
        Supervision.objects.count(),
        Incident.objects.count(),
        PracticeChange.objects.count(),
        AuditEvent.objects.count(),
    )


# Clinical supervision


def test_a_partner_lead_records_a_supervision_of_their_practitioner(
    alliance: Alliance, people: People
) -> None:
    kai = _referral(alliance, "Kai", "kooth")
    supervision = _supervise(
        people.kooth_lead,
        people.kooth_practitioner,
        date(2026, 11, 20),
        cases=[kai],
        actions=" Review the safety plan. ",
        reflections="Feeling stretched.",
    )
    stored = Supervision.objects.get()
    assert (
        stored.supervisor,
        stored.practitioner,
        stored.held_on,
        stored.actions,
        stored.reflections,
        list(stored.cases.all()),
        stored.alliance,
    ) == (
        people.kooth_lead,
        people.kooth_practitioner,
        date(2026, 11, 20),
        "Review the safety plan.",
        "Feeling stretched.",
        [kai],
        alliance,
    )
    event = AuditEvent.objects.get()
    assert (event.action, event.record_type, event.record_id, event.actor_username) == (
        "create",
        "governance.supervision",
        str(supervision.uuid),
        "kit-kooth-lead",
    )
    assert event.detail == {
        "practitioner": str(people.kooth_practitioner.uuid),
        "cases": 1,
        "reflections": True,
    }


def test_a_case_the_supervisor_cannot_see_is_refused_and_nothing_is_written(
    alliance: Alliance, people: People
) -> None:
    chums_child = _referral(alliance, "Cass", "chums")
    with pytest.raises(ValidationError, match="Choose cases from the ones you can see"):
        _supervise(
            people.kooth_lead, people.kooth_practitioner, date(2026, 11, 20), cases=[chums_child]
        )
    assert _counts() == (0, 0, 0, 0)


def test_only_supervisors_record_supervision_and_only_of_whom_they_supervise(
    alliance: Alliance, people: People
) -> None:
    with pytest.raises(PermissionDenied, match="clinical leads, partner leads and care"):
        _supervise(people.kooth_practitioner, people.chums_practitioner, date(2026, 11, 20))
    with pytest.raises(PermissionDenied):
        _supervise(people.triage, people.kooth_practitioner, date(2026, 11, 20))
    for supervisor, supervised in (
        (people.kooth_lead, people.chums_practitioner),  # another organisation's
        (people.coordinator, people.kooth_lead),  # partner leads: the clinical lead's
        (people.clinical_lead, people.triage),  # not someone who needs supervision
        (people.clinical_lead, people.clinical_lead),
    ):
        with pytest.raises(ValidationError, match="Choose someone you supervise"):
            _supervise(supervisor, supervised, date(2026, 11, 20))
    with pytest.raises(ValidationError, match="cannot be in the future"):
        _supervise(people.clinical_lead, people.kooth_lead, date(2026, 12, 3))
    assert _counts() == (0, 0, 0, 0)


def test_reflective_notes_are_read_only_by_the_pair_and_the_clinical_lead(
    alliance: Alliance, people: People
) -> None:
    by_lead = _supervise(
        people.kooth_lead,
        people.kooth_practitioner,
        date(2026, 11, 2),
        reflections="From the lead.",
    )
    by_coordinator = _supervise(
        people.coordinator,
        people.kooth_practitioner,
        date(2026, 11, 9),
        reflections="From the coordinator.",
    )
    expected = {
        # persona: {record: notes shown}; the records they may read notes of
        "kooth_practitioner": {
            by_lead.uuid: "From the lead.",
            by_coordinator.uuid: "From the coordinator.",
        },
        "kooth_lead": {by_lead.uuid: "From the lead.", by_coordinator.uuid: ""},
        "coordinator": {by_coordinator.uuid: "From the coordinator."},
        "clinical_lead": {
            by_lead.uuid: "From the lead.",
            by_coordinator.uuid: "From the coordinator.",
        },
        "chums_lead": {},
        "chums_practitioner": {},
        "triage": {},
        "safeguarding": {},
        "manager": {},
        "commissioner": {},
    }
    for persona, notes in expected.items():
        user = getattr(people, persona)
        seen = {s.uuid: s.reflective_notes for s in supervision_visible_to(user)}  # type: ignore[attr-defined]
        assert seen == notes, persona
        readable = set(reflections_visible_to(user).values_list("uuid", flat=True))
        assert readable == {uuid for uuid, text in notes.items() if text}, persona


def test_the_record_page_leaves_out_notes_and_is_a_404_outside_scope(
    client: Client, alliance: Alliance, people: People
) -> None:
    kai = _referral(alliance, "Kai", "kooth")
    found = _supervise(
        people.coordinator,
        people.kooth_practitioner,
        date(2026, 11, 9),
        cases=[kai],
        reflections="Private reflection.",
    )
    sign_in(client, people.kooth_practitioner)
    page = client.get(f"/governance/supervision/{found.uuid}/")
    assert (
        page.status_code,
        "Private reflection." in shown(page),
        kai.reference_display in shown(page),
    ) == (
        200,
        True,
        True,
    )
    sign_in(client, people.kooth_lead)
    page = client.get(f"/governance/supervision/{found.uuid}/")
    assert (
        page.status_code,
        "Private reflection." in shown(page),
        "Reflective notes" in shown(page),
    ) == (
        200,
        False,
        False,
    )
    sign_in(client, people.chums_lead)
    before = _counts()
    assert client.get(f"/governance/supervision/{found.uuid}/").status_code == 404
    denial = AuditEvent.objects.last()
    assert denial is not None
    assert (denial.action, denial.record_type, denial.record_id, denial.actor_username) == (
        "deny",
        "governance.supervision",
        str(found.uuid),
        "cleo-chums-lead",
    )
    assert _counts() == (*before[:3], before[3] + 1)


def test_the_supervision_form_records_and_refuses_with_messages(
    client: Client, alliance: Alliance, people: People
) -> None:
    kai = _referral(alliance, "Kai", "kooth")
    cass = _referral(alliance, "Cass", "chums")
    sign_in(client, people.kooth_lead)
    form = {
        "practitioner": str(people.kooth_practitioner.uuid),
        "held_on": "20 11 2026",
        "cases": f"{cass.reference_display}",
        "actions": "",
        "reflections": "",
    }
    refused = client.post("/governance/supervision/new/", form)
    assert refused.status_code == 400
    assert (
        f'href="#id_cases">{cass.reference_display} is not the reference of a referral you '
        "can see</a>" in shown(refused)
    )
    assert _counts() == (0, 0, 0, 0)
    other = client.post(
        "/governance/supervision/new/",
        {**form, "practitioner": str(people.chums_practitioner.uuid), "cases": ""},
    )
    assert (other.status_code, "Choose who was supervised from the list" in shown(other)) == (
        400,
        True,
    )
    saved = client.post("/governance/supervision/new/", {**form, "cases": kai.reference.lower()})
    assert (saved.status_code, saved["Location"]) == (302, "/governance/supervision/")
    assert list(Supervision.objects.get().cases.all()) == [kai]
    sign_in(client, people.kooth_practitioner)
    assert client.get("/governance/supervision/new/").status_code == 403


# Compliance


def test_overdue_means_no_supervision_in_the_last_n_days() -> None:
    assert [
        is_overdue(None, TODAY, 31),
        is_overdue(date(2026, 11, 1), TODAY, 31),
        is_overdue(date(2026, 10, 31), TODAY, 31),
        is_overdue(date(2026, 12, 2), TODAY, 31),
    ] == [True, False, True, False]
    assert (due_on(None, 31), due_on(date(2026, 11, 1), 31)) == (None, date(2026, 12, 2))


def test_the_compliance_view_shows_who_is_overdue_at_a_given_date(
    alliance: Alliance, people: People
) -> None:
    assert alliance.supervision_every_days == 31
    _supervise(people.kooth_lead, people.kooth_practitioner, date(2026, 11, 1))
    _supervise(people.clinical_lead, people.kooth_lead, date(2026, 10, 1))
    _supervise(people.clinical_lead, people.chums_lead, date(2026, 9, 1))
    _supervise(people.clinical_lead, people.chums_lead, date(2026, 11, 30))
    make_user("old-kooth", "practitioner", people.kooth_practitioner.organisation, is_active=False)  # type: ignore[arg-type]

    def names(viewer: User, overdue_only: bool) -> dict[str, date | None]:
        return {
            p.username: p.last_supervised  # type: ignore[attr-defined]
            for p in supervisees(viewer, TODAY, overdue_only=overdue_only)
        }

    assert names(people.clinical_lead, False) == {
        "kim-kooth": date(2026, 11, 1),
        "kit-kooth-lead": date(2026, 10, 1),
        "chris-chums": None,
        "cleo-chums-lead": date(2026, 11, 30),
    }
    assert names(people.clinical_lead, True) == {
        "kit-kooth-lead": date(2026, 10, 1),
        "chris-chums": None,
    }
    assert names(people.chums_lead, True) == {"chris-chums": None}
    assert names(people.kooth_lead, True) == {"kit-kooth-lead": date(2026, 10, 1)}
    assert names(people.kooth_practitioner, False) == {}
    Alliance.objects.filter(pk=alliance.pk).update(supervision_every_days=62)
    people.clinical_lead.organisation.alliance.refresh_from_db()  # type: ignore[union-attr]
    assert names(people.clinical_lead, True) == {"chris-chums": None}


@pytest.mark.parametrize("size", [2, 7])
def test_the_compliance_page_costs_the_same_at_any_size(
    client: Client, alliance: Alliance, people: People, django_assert_num_queries: object, size: int
) -> None:
    kooth = Organisation.objects.get(alliance=alliance, slug="kooth")
    for index in range(size):
        person = make_user(f"kooth-{index}", "practitioner", kooth)  # type: ignore[arg-type]
        _supervise(people.kooth_lead, person, date(2026, 10, 1 + index))
    sign_in(client, people.clinical_lead)
    client.get("/")
    with django_assert_num_queries(COMPLIANCE_QUERIES):  # type: ignore[operator]
        response = client.get("/governance/supervision/compliance/")
    assert [row["person"].username for row in response.context["rows"]] == [
        "kim-kooth",
        "kit-kooth-lead",
        "chris-chums",
        "cleo-chums-lead",
        *[f"kooth-{index}" for index in range(size)],
    ]


@pytest.mark.parametrize("size", [2, 7])
def test_the_supervision_list_costs_the_same_at_any_size(
    client: Client, alliance: Alliance, people: People, django_assert_num_queries: object, size: int
) -> None:
    for index in range(size):
        kai = _referral(alliance, f"Kai{index}", "kooth")
        _supervise(
            people.kooth_lead, people.kooth_practitioner, date(2026, 10, 1 + index), cases=[kai]
        )
    sign_in(client, people.clinical_lead)
    client.get("/")
    with django_assert_num_queries(SUPERVISION_QUERIES):  # type: ignore[operator]
        response = client.get("/governance/supervision/")
    assert [s.held_on.day for s in response.context["rows"]] == list(range(size, 0, -1))


def test_the_supervision_pages_open_for_their_roles_only(client: Client, people: People) -> None:
    pages = {
        "/governance/supervision/": {
            "coordinator",
            "clinical_lead",
            "kooth_practitioner",
            "kooth_lead",
            "chums_practitioner",
            "chums_lead",
        },
        "/governance/supervision/new/": {
            "coordinator",
            "clinical_lead",
            "kooth_lead",
            "chums_lead",
        },
        "/governance/supervision/compliance/": {"clinical_lead", "kooth_lead", "chums_lead"},
    }
    for persona, user in people.by_role().items():
        sign_in(client, user)
        for path, allowed in pages.items():
            expected = 200 if persona in allowed else 403
            assert client.get(path).status_code == expected, (persona, path)
    assert AuditEvent.objects.count() == 0


# Incidents


def test_partner_leads_see_their_organisation_s_incidents_and_the_clinical_lead_all(
    alliance: Alliance, people: People
) -> None:
    kooth = _report(people.kooth_practitioner, "Session link sent late")
    chums = _report(
        people.chums_practitioner, "Room double booked", kind="near_miss", severity="no_harm"
    )
    lead = _report(people.safeguarding, "Call not returned")
    expected = {
        "clinical_lead": {kooth, chums, lead},
        "kooth_lead": {kooth},
        "chums_lead": {chums},
        "kooth_practitioner": {kooth},
        "chums_practitioner": {chums},
        "safeguarding": {lead},
        "triage": set(),
        "manager": set(),
        "commissioner": set(),
        "referrer": set(),
    }
    for persona, incidents in expected.items():
        assert set(incidents_visible_to(getattr(people, persona))) == incidents, persona
    assert (chums.organisation.slug, chums.kind, chums.severity, chums.status) == (
        "chums",
        "near_miss",
        "no_harm",
        "reported",
    )


def test_a_report_is_refused_with_a_reason_and_nothing_written(
    alliance: Alliance, people: People
) -> None:
    kai = _referral(alliance, "Kai", "kooth")
    cass = _referral(alliance, "Cass", "chums")
    with pytest.raises(ValidationError, match="Do not put a child's name in the title"):
        _report(people.kooth_practitioner, "Kai missed a session", referral=kai)
    with pytest.raises(ValidationError, match="Link a referral you can see, or none"):
        _report(people.kooth_practitioner, referral=cass)
    with pytest.raises(ValidationError, match="Choose the severity"):
        _report(people.kooth_practitioner, severity="catastrophic")
    with pytest.raises(ValidationError, match="cannot be in the future"):
        _report(people.kooth_practitioner, occurred_on=date(2026, 12, 3))
    with pytest.raises(PermissionDenied, match="reported by the alliance's staff"):
        _report(people.commissioner)
    assert _counts() == (0, 0, 0, 0)


def test_reporting_an_incident_links_a_referral_and_audits_no_personal_data(
    client: Client, alliance: Alliance, people: People
) -> None:
    kai = _referral(alliance, "Kai", "kooth")
    sign_in(client, people.kooth_practitioner)
    form = {
        "kind": "incident",
        "severity": "moderate",
        "title": "Safety plan not shared",
        "what_happened": "The plan was not sent to school.",
        "occurred_on": "20 11 2026",
        "referral": kai.reference_display,
    }
    response = client.post("/governance/incidents/new/", form)
    incident = Incident.objects.get()
    assert (response.status_code, response["Location"]) == (
        302,
        f"/governance/incidents/{incident.uuid}/",
    )
    assert (
        incident.referral,
        incident.organisation.slug,
        incident.reported_by,
        incident.status,
    ) == (
        kai,
        "kooth",
        people.kooth_practitioner,
        "reported",
    )
    event = AuditEvent.objects.get()
    assert (event.action, event.record_type, event.child_uuid, event.detail) == (
        "create",
        "governance.incident",
        kai.child.uuid,
        {"kind": "incident", "severity": "moderate", "referral": True},
    )
    empty = client.post("/governance/incidents/new/", {})
    assert empty.status_code == 400
    assert "<title>Error: Report an incident or near miss" in shown(empty)
    assert 'href="#id_kind">Choose whether it is an incident or a near miss</a>' in shown(empty)
    assert Incident.objects.count() == 1


def test_a_linked_referral_is_shown_only_to_those_who_may_see_it(
    client: Client, alliance: Alliance, people: People
) -> None:
    kai = _referral(alliance, "Kai", "kooth")
    incident = _report(people.kooth_practitioner, referral=kai)
    Referral.objects.filter(pk=kai.pk).update(
        allocated_organisation=Organisation.objects.get(alliance=alliance, slug="chums")
    )
    assert (
        linked_referral(people.kooth_lead, incident),
        linked_referral(people.clinical_lead, incident),
    ) == (None, kai)
    sign_in(client, people.kooth_lead)
    page = client.get(f"/governance/incidents/{incident.uuid}/")
    assert (page.status_code, kai.reference_display in shown(page)) == (200, False)
    sign_in(client, people.clinical_lead)
    page = client.get(f"/governance/incidents/{incident.uuid}/")
    assert (page.status_code, kai.reference_display in shown(page)) == (200, True)
    sign_in(client, people.chums_lead)
    assert client.get(f"/governance/incidents/{incident.uuid}/").status_code == 404


def test_the_clinical_lead_reviews_closes_and_shares_the_lessons(
    alliance: Alliance, people: People
) -> None:
    kai = _referral(alliance, "Kai", "kooth")
    incident = _report(
        people.kooth_practitioner,
        "Safety plan not shared",
        referral=kai,
        what_happened="Kai's plan was not sent to school.",
    )
    with pytest.raises(ValidationError, match="Record the lessons learned before sharing them"):
        share_learning(user=people.clinical_lead, incident=incident)
    review_incident(
        user=people.clinical_lead, incident=incident, findings="No checklist.", lessons=""
    )
    with pytest.raises(ValidationError, match="Record the lessons learned before closing"):
        close_incident(user=people.clinical_lead, incident=incident)
    review_incident(
        user=people.clinical_lead,
        incident=incident,
        findings="No checklist.",
        lessons="Share safety plans with school the same day.",
    )
    add_practice_change(
        user=people.clinical_lead,
        incident=incident,
        owner=people.kooth_lead,
        change="Add the school to the safety plan checklist.",
        due_on=date(2027, 1, 15),
    )
    close_incident(user=people.clinical_lead, incident=incident)
    share_learning(user=people.clinical_lead, incident=incident)
    incident.refresh_from_db()
    assert (incident.status, incident.reviewer, incident.findings, incident.lessons) == (
        "closed",
        people.clinical_lead,
        "No checklist.",
        "Share safety plans with school the same day.",
    )
    with pytest.raises(
        ValidationError, match="This incident is closed: it cannot be under review now"
    ):
        review_incident(user=people.clinical_lead, incident=incident, findings="x", lessons="y")
    with pytest.raises(ValidationError, match="already shared"):
        share_learning(user=people.clinical_lead, incident=incident)
    steps = [
        (e.action, e.detail) for e in AuditEvent.objects.filter(record_type="governance.incident")
    ]
    assert steps == [
        ("create", {"kind": "incident", "severity": "low", "referral": True}),
        ("change", {"step": "review", "status": "under_review", "lessons": False}),
        ("change", {"step": "review", "status": "under_review", "lessons": True}),
        (
            "change",
            {
                "step": "practice_change",
                "status": "under_review",
                "owner": str(people.kooth_lead.uuid),
            },
        ),
        ("change", {"step": "close", "status": "closed"}),
        ("change", {"step": "share", "status": "closed"}),
    ]
    for persona in ("chums_practitioner", "triage", "analyst"):
        shared = list(learning_log(getattr(people, persona)))
        assert [(i.lessons, [c.change for c in i.changes.all()]) for i in shared] == [  # type: ignore[attr-defined]
            (
                "Share safety plans with school the same day.",
                ["Add the school to the safety plan checklist."],
            )
        ], persona
    assert list(learning_log(people.commissioner)) == []


def test_only_the_clinical_lead_reviews_and_a_refusal_writes_nothing(
    client: Client, alliance: Alliance, people: People
) -> None:
    incident = _report(people.kooth_practitioner)
    before = _counts()
    for user in (people.kooth_lead, people.kooth_practitioner, people.safeguarding):
        with pytest.raises(
            PermissionDenied, match="reviewed, closed and shared by the clinical lead"
        ):
            review_incident(user=user, incident=incident, findings="x", lessons="y")
        with pytest.raises(PermissionDenied):
            share_learning(user=user, incident=incident)
    sign_in(client, people.kooth_lead)
    assert (
        client.post(f"/governance/incidents/{incident.uuid}/review/", {"findings": "x"}).status_code
        == 403
    )
    assert client.post(f"/governance/incidents/{incident.uuid}/share/").status_code == 403
    assert client.post(f"/governance/incidents/{incident.uuid}/close/").status_code == 403
    incident.refresh_from_db()
    assert (incident.status, incident.findings, incident.shared_at, _counts()) == (
        "reported",
        "",
        None,
        before,
    )


def test_the_learning_log_shows_lessons_and_never_child_detail(
    client: Client, alliance: Alliance, people: People
) -> None:
    kai = _referral(alliance, "Kai", "kooth")
    incident = _report(
        people.kooth_practitioner,
        "Safety plan not shared",
        referral=kai,
        what_happened="Kai Example's plan was not sent.",
    )
    unshared = _report(people.kooth_practitioner, "Unshared one")
    review_incident(
        user=people.clinical_lead,
        incident=incident,
        findings="Findings text.",
        lessons="Send plans the same day.",
    )
    review_incident(
        user=people.clinical_lead, incident=unshared, findings="F.", lessons="Not shared yet."
    )
    share_learning(user=people.clinical_lead, incident=incident)
    sign_in(client, people.chums_practitioner)
    response = client.get("/governance/learning/")
    page = shown(response)
    assert response.status_code == 200
    assert [i.lessons for i in response.context["rows"]] == ["Send plans the same day."]
    assert [text in page for text in ("Send plans the same day.", "Incident, low harm")] == [
        True,
        True,
    ]
    assert [
        text in page
        for text in (
            "Safety plan not shared",
            "Kai",
            kai.reference_display,
            "Findings text.",
            "Not shared yet.",
            "Unshared one",
        )
    ] == [False] * 6


@pytest.mark.parametrize("size", [2, 7])
def test_the_incident_list_and_learning_log_cost_the_same_at_any_size(
    client: Client, alliance: Alliance, people: People, django_assert_num_queries: object, size: int
) -> None:
    for index in range(size):
        incident = _report(people.kooth_practitioner, f"Incident {index}")
        review_incident(
            user=people.clinical_lead, incident=incident, findings="F.", lessons=f"Lesson {index}"
        )
        add_practice_change(
            user=people.clinical_lead,
            incident=incident,
            owner=people.kooth_lead,
            change=f"Change {index}",
            due_on=date(2027, 1, 1),
        )
        share_learning(user=people.clinical_lead, incident=incident)
    sign_in(client, people.clinical_lead)
    client.get("/")
    with django_assert_num_queries(INCIDENT_QUERIES):  # type: ignore[operator]
        listed = client.get("/governance/incidents/")
    assert [i.title for i in listed.context["rows"]] == [
        f"Incident {i}" for i in reversed(range(size))
    ]
    with django_assert_num_queries(LEARNING_QUERIES):  # type: ignore[operator]
        log = client.get("/governance/learning/")
    assert [i.lessons for i in log.context["rows"]] == [
        f"Lesson {i}" for i in reversed(range(size))
    ]


def test_the_incident_pages_open_for_staff_and_not_the_commissioner(
    client: Client, people: People
) -> None:
    for persona, user in people.by_role().items():
        sign_in(client, user)
        expected = 403 if persona in {"commissioner", "referrer"} else 200
        for path in (
            "/governance/incidents/",
            "/governance/incidents/new/",
            "/governance/learning/",
        ):
            assert client.get(path).status_code == expected, (persona, path)
    assert AuditEvent.objects.count() == 0


COMPLIANCE_QUERIES = 5
SUPERVISION_QUERIES = 5
INCIDENT_QUERIES = 4
LEARNING_QUERIES = 5
