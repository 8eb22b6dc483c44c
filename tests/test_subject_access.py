"""Subject access requests (issue 18, part 3): the one-month deadline, gathering from the
register, redactions marked in the JSON and the PDF, disclosure frozen and recorded, the
clinical lead's pages only (a 404 for everyone else), and the deadline on My tasks."""

from __future__ import annotations

import hashlib
import io
import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from pypdf import PdfReader

from onedoor import clock
from onedoor.access.actions import break_glass
from onedoor.accounts.roles import Role
from onedoor.alliance.models import Alliance, RiskRating
from onedoor.audit.models import AuditEvent
from onedoor.care.models import ClinicalNote
from onedoor.children.models import CarerContact, Child
from onedoor.emails.models import Delivery
from onedoor.governance.actions import record_supervision
from onedoor.meetings.actions import ActionEntry, AttendeeEntry, ChildDiscussed, record_meeting
from onedoor.outcomes.actions import invite
from onedoor.privacy.register import REGISTER
from onedoor.referrals.models import Referral, Status
from onedoor.safeguarding.actions import add_follow_up, raise_concern
from onedoor.subject_access import actions
from onedoor.subject_access.archive import NONE_HELD
from onedoor.subject_access.deadline import due_date
from onedoor.subject_access.gather import EXPORTING, child_entries, fingerprint, gather
from onedoor.subject_access.models import Redaction, SubjectAccessRequest
from onedoor.subject_access.models import Status as RequestStatus
from onedoor.triage.actions import screen_risk
from onedoor.worklist.items import due_items_for, with_clocks
from tests.personas import People, make_child, organisation, sign_in

TODAY = date(2026, 11, 20)
LIST = "/governance/subject-access/"


# The deadline


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (date(2026, 11, 20), date(2026, 12, 20)),
        (date(2026, 1, 31), date(2026, 2, 28)),
        (date(2028, 1, 31), date(2028, 2, 29)),  # a leap year
        (date(2026, 3, 31), date(2026, 4, 30)),
        (date(2026, 8, 31), date(2026, 9, 30)),
        (date(2026, 12, 15), date(2027, 1, 15)),
        (date(2026, 12, 31), date(2027, 1, 31)),
        (date(2026, 2, 28), date(2026, 3, 28)),
    ],
)
def test_a_request_is_due_one_calendar_month_after_it_was_received(
    received: date, due: date
) -> None:
    assert due_date(received) == due


# A demo-like child with a record of each kind


def _child_with_records(alliance: Alliance, people: People) -> Child:
    child = make_child(alliance, "Kai", "Sample", nhs_number="9434765919", allocated_to="kooth")
    referral = child.referrals.get()
    Referral.objects.filter(pk=referral.pk).update(
        consent_to_share=True, referrer_name="Sam Sample", referrer_email="sam@example.org",
        referrer_phone="07700 900123", referrer_relationship="Mother",
    )  # fmt: skip
    referral.refresh_from_db()
    CarerContact.objects.create(
        child=child, name="Sam Sample", relationship="Mother", email="sam@example.org",
        phone="07700 900123", parental_responsibility="yes",
    )  # fmt: skip
    screen_risk(
        user=people.triage, referral=referral, version=referral.version,
        rating=RiskRating.AMBER, indicators={"self_harm"}, rationale="Scratching, no intent.",
    )  # fmt: skip
    Referral.objects.filter(pk=referral.pk).update(status=Status.IN_INTERVENTION)
    referral.refresh_from_db()
    ClinicalNote.objects.create(
        referral=referral, organisation=organisation(alliance, "kooth"),
        recorded_by=people.kooth_practitioner, recorded_at=clock.now(),
        text="Talked about school. Their friend Alex Other is struggling too.",
        sharing=ClinicalNote.Sharing.ORGANISATION,
    )  # fmt: skip
    concern = raise_concern(
        user=people.kooth_practitioner, referral=referral, category="neglect",
        seen_or_said="Came to session hungry.", immediate_actions="Spoke to the school.",
        referred_to_social_care=False, social_care_reference="", owner=people.safeguarding,
    )  # fmt: skip
    add_follow_up(
        user=people.safeguarding, concern=concern, text="Call the school.",
        owner=people.safeguarding, due=date(2026, 11, 27),
    )  # fmt: skip
    other = make_child(alliance, "Rio", "Other", allocated_to="kooth").referrals.get()
    Referral.objects.filter(pk=other.pk).update(consent_to_share=True)
    record_meeting(
        user=people.coordinator, kind="multi_agency", held_on=date(2026, 11, 2),
        title="Support at school and at home", chair_name="Pat Example, social care",
        attendees=[AttendeeEntry("Lee Sample", "School")],
        children=[ChildDiscussed(referral, "Weekly check-ins."),
                  ChildDiscussed(other, "Rio's own plan.")],
        actions=[ActionEntry("Call the school.", people.kooth_lead, date(2026, 11, 27), referral)],
        today=TODAY,
    )  # fmt: skip
    record_supervision(
        user=people.kooth_lead, practitioner=people.kooth_practitioner,
        held_on=date(2026, 11, 16), cases=[referral], actions="Review the plan.",
        reflections="Felt stretched.", today=TODAY,
    )  # fmt: skip
    invite(
        user=people.kooth_practitioner, referral=referral, measure="rcads-25-parent",
        respondent="parent", email="sam@example.org",
    )  # fmt: skip
    break_glass(
        user=people.chums_practitioner, child=child,
        reason="Attended A&E overnight; need the history before calling the family.",
    )  # fmt: skip
    Delivery.objects.create(
        key=f"acknowledgement:{referral.uuid}:0", created_at=clock.now(), sent_at=clock.now()
    )
    return child


def _open(people: People, child: Child, carer: CarerContact | None = None) -> SubjectAccessRequest:
    return actions.open_request(
        user=people.clinical_lead, child=child, carer=carer, requester_name="Sam Sample",
        requester_contact="sam@example.org", received_on=date(2026, 11, 2),
    )  # fmt: skip


def _section(archive: dict[str, Any], record_type: str) -> dict[str, Any]:
    return next(s for s in archive["sections"] if s["record_type"] == record_type)


def _values(item: dict[str, Any]) -> dict[str, str]:
    return {field["field"]: field["value"] for field in item["fields"]}


def _disclosed(client: Client, people: People, request: SubjectAccessRequest) -> dict[str, Any]:
    """Reviewed and disclosed through the pages; the JSON archive downloaded."""
    sign_in(client, people.clinical_lead)
    page = f"{LIST}{request.uuid}/"
    if request.status == RequestStatus.OPEN:
        assert client.post(f"{page}gather/")["Location"] == page
    seen = client.get(page).context["seen"]
    assert client.post(f"{page}reviewed/", {"seen": seen})["Location"] == page
    response = client.post(
        f"{page}disclose/", {"disclosed_to": "Sam Sample, by secure email", "confirm": "on"}
    )
    assert response["Location"] == page
    download = client.get(f"{page}archive.json")
    assert download["Content-Type"] == "application/json"
    return json.loads(download.content)  # type: ignore[no-any-return]


# Gathering from the register


def test_the_archive_has_a_section_for_every_record_type_the_register_lists_for_a_child(
    client: Client, alliance: Alliance, people: People
) -> None:
    child = _child_with_records(alliance, people)
    archive = _disclosed(client, people, _open(people, child))
    sections = {section["record_type"]: section for section in archive["sections"]}
    for entry in REGISTER:
        if entry.child is not None and entry.export in EXPORTING:
            assert entry.record_type in sections, entry.model
    # every kind this child has, held; those they have not, "none held"
    held = {name for name, section in sections.items() if section["items"]}
    assert held >= {
        "child", "parent or carer", "timeline event", "referral", "risk screening",
        "clinical note", "measure invitation", "safeguarding concern",
        "safeguarding follow-up action", "meeting", "meeting discussion", "meeting action",
        "clinical supervision", "emergency access", "audit row", "email sent",
    }  # fmt: skip
    assert sections["discharge"] == {
        "record_type": "discharge", "how": "in full, for the reviewer to redact",
        "held": NONE_HELD, "items": [],
    }  # fmt: skip
    # fields in words: labels, choices' labels, related records by name, never internal ones
    kai = _values(sections["child"]["items"][0])
    assert kai["date_of_birth"] == "14 March 2012"
    assert kai["nhs_number"] == "9434765919"
    assert kai["gender"] == "Prefers not to say"
    assert not {"match_given_name", "uuid", "id"} & set(kai)
    referral = _values(sections["referral"]["items"][0])
    assert referral["allocated_organisation"] == "Kooth"
    assert referral["referrer_name"] == "Sam Sample"
    assert not {"submission_key", "version", "match_status"} & set(referral)
    concern = _values(sections["safeguarding concern"]["items"][0])
    assert concern["category"] == "Neglect"
    assert concern["owner"] == str(people.safeguarding)
    # a meeting: only this child's part; a supervision: only that the case was discussed
    meeting = _values(sections["meeting"]["items"][0])
    assert meeting == {
        "title": "Support at school and at home", "held_on": "2 November 2026",
        "kind": "Multi-agency meeting", "discussions": "Weekly check-ins.",
    }  # fmt: skip
    assert [d["fields"] for d in sections["clinical supervision"]["items"]] == [
        [{"field": "", "label": "Mentioned", "value": "The case was discussed on 16 November 2026"}]
    ]
    text = json.dumps(archive)
    assert "Felt stretched." not in text and "Rio's own plan." not in text
    # who viewed: the emergency access, with role and organisation
    grant = _values(sections["emergency access"]["items"][0])
    assert (grant["actor"], grant["role"], grant["organisation"]) == (
        str(people.chums_practitioner), "Practitioner", "CHUMS",
    )  # fmt: skip
    assert [_values(i)["key"] for i in sections["email sent"]["items"]] == ["Acknowledgement"]


def test_a_parent_or_carers_request_gathers_what_is_about_them(
    client: Client, alliance: Alliance, people: People
) -> None:
    child = _child_with_records(alliance, people)
    carer = child.carers.get()
    archive = _disclosed(client, people, _open(people, child, carer))
    assert archive["subject_is"] == "parent or carer"
    assert {s["record_type"]: len(s["items"]) for s in archive["sections"]} == {
        "parent or carer": 1, "referral": 1, "measure invitation": 1, "outcome measure": 0,
        "email sent": 1,
    }  # fmt: skip
    assert _values(_section(archive, "parent or carer")["items"][0])["email"] == "sam@example.org"


# Redactions, disclosure and downloads


def test_redactions_are_marked_in_the_json_and_the_pdf_and_the_disclosure_is_recorded(
    client: Client, alliance: Alliance, people: People
) -> None:
    child = _child_with_records(alliance, people)
    request = _open(people, child)
    sign_in(client, people.clinical_lead)
    page = f"{LIST}{request.uuid}/"
    client.post(f"{page}gather/")
    note = ClinicalNote.objects.get()
    concern_uuid = str(child.referrals.get().concerns.get().uuid)
    withhold = f"{page}withhold/"
    response = client.post(
        f"{withhold}?record=clinical+note&id={note.uuid}",
        {"what": "text", "reason": "third_party"},
    )
    assert response["Location"] == page
    response = client.post(
        f"{withhold}?record=safeguarding+concern&id={concern_uuid}",
        {"what": "whole", "reason": "other", "reason_text": "A police investigation"},
    )
    assert response["Location"] == page
    assert Redaction.objects.filter(request=request).count() == 2
    archive = _disclosed(client, people, SubjectAccessRequest.objects.get(pk=request.pk))
    assert _values(_section(archive, "clinical note")["items"][0])["text"] == (
        "[withheld: third-party information]"
    )
    assert _section(archive, "safeguarding concern")["items"] == [
        {"id": concern_uuid, "withheld": "[withheld: other: A police investigation]"}
    ]
    assert "Alex Other" not in json.dumps(archive)
    # the disclosure: to whom, when, by whom, and the archive's fingerprint
    request.refresh_from_db()
    assert request.status == RequestStatus.DISCLOSED
    assert (request.disclosed_to, request.disclosed_by) == (
        "Sam Sample, by secure email", people.clinical_lead,
    )  # fmt: skip
    assert request.disclosed_at is not None
    assert 0 <= (clock.now() - request.disclosed_at).total_seconds() < 60
    downloaded = client.get(f"{page}archive.json").content
    assert hashlib.sha256(downloaded).hexdigest() == request.archive_sha256
    assert request.item_counts["clinical note"] == 1
    assert request.item_counts["discharge"] == 0
    # the PDF: every marker where it was made, and no withheld text
    pdf = client.get(f"{page}archive.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    text = " ".join(text.split())
    assert "[withheld: third-party information]" in text
    assert "[withheld: other: A police investigation]" in text
    assert "Alex Other" not in text and "Came to session hungry" not in text
    assert "Discharge None held." in text
    # every download audited (the JSON twice, the PDF once), by kind
    downloads = AuditEvent.objects.filter(
        record_type="subject_access.request", record_id=str(request.uuid), action="view"
    )
    assert sorted(event.detail["download"] for event in downloads) == ["json", "json", "pdf"]
    # disclosed: nothing more can be withheld
    with pytest.raises(ValidationError):
        actions.withdraw(user=people.clinical_lead, request=request, reason="Late")


def test_a_record_added_after_the_review_holds_back_the_disclosure(
    alliance: Alliance, people: People
) -> None:
    child = _child_with_records(alliance, people)
    request = actions.start_review(user=people.clinical_lead, request=_open(people, child))
    sections = gather(request, people.clinical_lead)
    request = actions.mark_reviewed(
        user=people.clinical_lead, request=request, sections=sections,
        seen=fingerprint(sections),
    )  # fmt: skip
    ClinicalNote.objects.create(
        referral=child.referrals.get(), organisation=organisation(alliance, "kooth"),
        recorded_by=people.kooth_practitioner, recorded_at=clock.now(), text="Later.",
        sharing=ClinicalNote.Sharing.ALLIANCE,
    )  # fmt: skip
    later = gather(request, people.clinical_lead)
    with pytest.raises(ValidationError, match="1 record was gathered after the review"):
        actions.disclose(
            user=people.clinical_lead, request=request, to="Sam", sections=later, service="S"
        )
    # a review that read other records than there are now is refused too
    with pytest.raises(ValidationError, match="changed while you were reviewing"):
        actions.mark_reviewed(
            user=people.clinical_lead, request=request, sections=later,
            seen=fingerprint(sections),
        )  # fmt: skip
    request.refresh_from_db()
    assert request.status == RequestStatus.REVIEWED
    assert request.archive == "" and request.disclosed_at is None


def test_a_request_received_in_the_future_is_refused(alliance: Alliance, people: People) -> None:
    child = make_child(alliance, "Kai")
    with pytest.raises(ValidationError, match="today or in the past"):
        actions.open_request(
            user=people.clinical_lead, child=child, carer=None, requester_name="Kai",
            requester_contact="kai@example.org", received_on=date(2026, 11, 21),
        )  # fmt: skip
    assert not SubjectAccessRequest.objects.exists()


def test_opening_a_request_through_its_page(
    client: Client, alliance: Alliance, people: People
) -> None:
    child = _child_with_records(alliance, people)
    sign_in(client, people.clinical_lead)
    found = client.get(f"{LIST}new/", {"q": "9434765919"})
    assert f"{LIST}new/{child.uuid}/" in found.content.decode()
    carer = child.carers.get()
    response = client.post(
        f"{LIST}new/{child.uuid}/",
        {
            "subject": str(carer.pk), "requester_name": "Sam Sample",
            "requester_contact": "sam@example.org", "received_on_day": "31",
            "received_on_month": "10", "received_on_year": "2026",
        },
    )  # fmt: skip
    request = SubjectAccessRequest.objects.get()
    assert response["Location"] == f"{LIST}{request.uuid}/"
    assert (request.carer, request.received_on, request.due_on, request.opened_by) == (
        carer, date(2026, 10, 31), date(2026, 11, 30), people.clinical_lead,
    )  # fmt: skip


# Who may


def test_anyone_but_the_clinical_lead_gets_a_404_and_nothing_is_written(
    client: Client, alliance: Alliance, people: People
) -> None:
    child = _child_with_records(alliance, people)
    request = _open(people, child)
    pages = [
        LIST, f"{LIST}new/", f"{LIST}new/{child.uuid}/", f"{LIST}{request.uuid}/",
        f"{LIST}{request.uuid}/disclose/",
    ]  # fmt: skip
    for persona, user in people.by_role().items():
        if user.role == Role.CLINICAL_LEAD:
            continue
        sign_in(client, user)
        before = AuditEvent.objects.count()
        for page in pages:
            assert client.get(page).status_code == 404, (persona, page)
        for write in ("gather/", "withdraw/", "disclose/"):
            response = client.post(f"{LIST}{request.uuid}/{write}", {"reason": "x"})
            assert response.status_code == 404, (persona, write)
        denials = AuditEvent.objects.filter(sequence__gt=0).order_by("-sequence")[:8]
        assert AuditEvent.objects.count() == before + 8
        assert {event.action for event in denials} == {"deny"}
    request.refresh_from_db()
    assert request.status == RequestStatus.OPEN and request.version == 1
    assert SubjectAccessRequest.objects.count() == 1


# Lists and My tasks


@pytest.mark.parametrize("size", [1, 4])
def test_the_list_shows_each_request_with_its_clock_in_a_fixed_number_of_queries(
    client: Client,
    alliance: Alliance,
    people: People,
    django_assert_num_queries: object,
    size: int,
) -> None:
    for n in range(size):
        _open(people, make_child(alliance, f"Kai{n}"))
    sign_in(client, people.clinical_lead)
    client.get("/")
    # session, user, device; the requests with their children and carers
    with django_assert_num_queries(4):  # type: ignore[operator]
        response = client.get(LIST)
    rows = response.context["rows"]
    assert len(rows) == size
    assert [(found.due_on, clock_.words) for found, clock_ in rows][:1] == [
        (date(2026, 12, 2), "8 working days left")
    ]


# Session, user, device; the request; the child's referrals; the names the audit rows give;
# the redactions; the child banner; one for each many-to-many relation of a section and the
# discussions of a meeting: 18. Then one query for each section (each register entry the
# export has). Not one more per record.
REVIEW_QUERIES_BESIDE_SECTIONS = 18


@pytest.mark.parametrize("size", [1, 3])
def test_the_review_page_costs_the_same_queries_however_many_records(
    client: Client,
    alliance: Alliance,
    people: People,
    django_assert_num_queries: object,
    size: int,
) -> None:
    child = _child_with_records(alliance, people)
    for n in range(size):
        ClinicalNote.objects.create(
            referral=child.referrals.get(), organisation=organisation(alliance, "kooth"),
            recorded_by=people.kooth_practitioner, recorded_at=clock.now(), text=f"Note {n}",
            sharing=ClinicalNote.Sharing.ALLIANCE,
        )  # fmt: skip
    request = actions.start_review(user=people.clinical_lead, request=_open(people, child))
    sign_in(client, people.clinical_lead)
    client.get("/")
    queries = REVIEW_QUERIES_BESIDE_SECTIONS + len(child_entries())
    with django_assert_num_queries(queries):  # type: ignore[operator]
        response = client.get(f"{LIST}{request.uuid}/")
    assert response.status_code == 200


def test_my_tasks_has_the_request_with_its_one_month_clock(
    client: Client, alliance: Alliance, people: People
) -> None:
    request = _open(people, make_child(alliance, "Kai"))
    rows = with_clocks(due_items_for(people.clinical_lead), clock.now())
    task = next(row for row in rows if row.item.what == "Respond to a subject access request")
    assert task.item.due == datetime(2026, 12, 2, 17, tzinfo=UTC)
    assert (task.item.url, task.item.reference, task.clock.words) == (
        f"{LIST}{request.uuid}/", "Received 2 Nov 2026", "8 working days left",
    )  # fmt: skip
    sign_in(client, people.clinical_lead)
    assert "Respond to a subject access request" in client.get("/tasks/").content.decode()
    # nobody else's, and not once it is answered
    assert not any(
        item.what == "Respond to a subject access request" for item in due_items_for(people.triage)
    )
    actions.withdraw(user=people.clinical_lead, request=request, reason="Asked in error.")
    assert not any(
        item.what == "Respond to a subject access request"
        for item in due_items_for(people.clinical_lead)
    )
