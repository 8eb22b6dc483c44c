"""Rectification (issue 18, part 4; hazard H54): a correction of a child's details or of a
clinical note keeps the earlier value, with who, when and why; never the values in the audit
trail or on the timeline; never a correction that loses a value or makes one child another."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from onedoor.access.records import open_child_record
from onedoor.alliance.models import Alliance
from onedoor.audit.models import AuditEvent
from onedoor.care.actions import record_note
from onedoor.care.corrections import correct_note, may_correct_note
from onedoor.care.models import ClinicalNote
from onedoor.care.records import child_corrections_visible_to
from onedoor.children.corrections import (
    Changed,
    changes,
    correct_details,
    corrections_made,
    shown,
)
from onedoor.children.models import Child, Correction, TimelineEvent
from onedoor.referrals.models import Referral, Status
from tests.personas import People, make_child, sign_in
from tests.personas import shown as page_text

WHY = "Mum rang: the date of birth was typed wrong at referral."


@pytest.fixture
def kai(alliance: Alliance) -> Referral:
    return make_child(
        alliance, "Kai", "Example", allocated_to="kooth", status=Status.IN_INTERVENTION
    ).referrals.get()


def _details(child: Child, **changed: object) -> dict[str, object]:
    fields = ("given_name", "family_name", "date_of_birth", "postcode", "nhs_number", "gender")
    return {field: getattr(child, field) for field in fields} | changed


# The pure rules


def test_a_value_is_shown_as_the_page_says_it() -> None:
    assert shown("date_of_birth", date(2012, 3, 4)) == "4 March 2012"
    assert shown("gender", "non_binary") == "Non-binary"
    assert shown("ethnicity", "A") == "White: British"
    assert shown("nhs_number", "9434765919") == "943 476 5919"
    assert shown("town", "") == ""


def test_changes_are_the_fields_that_differ_in_the_pages_order(alliance: Alliance) -> None:
    child = make_child(alliance, "Kai")
    proposed = _details(child, postcode="ME5 8AA", date_of_birth=date(2012, 3, 15))
    assert changes(child, proposed) == [
        Changed("date_of_birth", "Date of birth", "14 March 2012", "15 March 2012"),
        Changed("postcode", "Postcode", "ME4 4AB", "ME5 8AA"),
    ]
    assert changes(child, _details(child)) == []


# Correcting a child's details


def test_a_correction_keeps_each_earlier_value_with_who_when_and_why(
    people: People, kai: Referral
) -> None:
    child = kai.child
    changed = correct_details(
        user=people.triage, child=child, reason=WHY, seen=0,
        details=_details(child, given_name="Bob", date_of_birth=date(2012, 3, 15)),
    )  # fmt: skip
    assert [item.field for item in changed] == ["given_name", "date_of_birth"]
    kept = Correction.objects.order_by("field")
    assert [(c.field, c.earlier, c.new, c.reason) for c in kept] == [
        ("date_of_birth", "14 March 2012", "15 March 2012", WHY),
        ("given_name", "Kai", "Bob", WHY),
    ]
    assert {(c.record_type, c.record_uuid, c.corrected_by_id) for c in kept} == {
        ("child", child.uuid, people.triage.pk)
    }
    assert len({c.batch for c in kept}) == 1
    saved = Child.objects.get(pk=child.pk)
    assert (saved.given_name, saved.date_of_birth) == ("Bob", date(2012, 3, 15))
    # the names matching compares follow the names
    assert (saved.match_given_name, saved.match_family_name) == ("robert", "example")


def test_the_timeline_and_the_audit_name_the_fields_never_the_values(
    people: People, kai: Referral
) -> None:
    child = kai.child
    correct_details(
        user=people.coordinator, child=child, reason=WHY, seen=0,
        details=_details(child, family_name="Sample", postcode="me58aa"),
    )  # fmt: skip
    event = TimelineEvent.objects.get(kind=TimelineEvent.Kind.DETAILS_CORRECTED)
    assert (event.summary, event.actor, event.referral) == (
        "Corrected: family name, postcode.",
        people.coordinator,
        None,
    )
    audit = AuditEvent.objects.get(action="change", record_type="child")
    assert audit.detail == {"corrected": ["family_name", "postcode"]}
    assert (audit.reason, audit.child_uuid) == ("", child.uuid)
    assert Child.objects.get(pk=child.pk).postcode == "ME5 8AA"


def test_a_correction_that_changes_nothing_is_refused(people: People, kai: Referral) -> None:
    with pytest.raises(ValidationError, match="Nothing was changed"):
        correct_details(
            user=people.triage, child=kai.child, details=_details(kai.child), reason=WHY, seen=0
        )
    assert (Correction.objects.count(), AuditEvent.objects.count()) == (0, 0)


@pytest.mark.parametrize(
    ("changed", "message"),
    [
        ({"nhs_number": "9434765910"}, "the last digit is a check digit"),
        ({"nhs_number": "5000000000"}, "numbers starting with 5 are reserved"),
        ({"postcode": "ME4 44AB"}, "Enter a full UK postcode"),
        ({"given_name": "  "}, "Enter the given name"),
        ({"date_of_birth": date(2027, 1, 1)}, "must be today or in the past"),
        ({"gender": "robot"}, "Choose the gender"),
        ({"town": "x" * 101}, "Keep town or city to 100 characters or fewer"),
    ],
)
def test_a_bad_value_is_refused_saying_why(
    people: People, kai: Referral, changed: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        correct_details(
            user=people.triage, child=kai.child, reason=WHY, seen=0,
            details=_details(kai.child, **changed),
        )  # fmt: skip
    assert Correction.objects.count() == 0


def test_another_childs_nhs_number_is_refused(alliance: Alliance, people: People) -> None:
    """H54: a correction must not make one child's record look like another's."""
    make_child(alliance, "Cas", nhs_number="9434765919")
    kai = make_child(alliance, "Kai")
    with pytest.raises(ValidationError, match="Another child's record has this NHS number"):
        correct_details(
            user=people.triage, child=kai, reason=WHY, seen=0,
            details=_details(kai, nhs_number="943 476 5919"),
        )  # fmt: skip
    assert Child.objects.get(pk=kai.pk).nhs_number == ""


def test_a_correction_made_meanwhile_is_not_overwritten(people: People, kai: Referral) -> None:
    child = kai.child
    correct_details(
        user=people.triage, child=child, details=_details(child, given_name="Kay"), reason=WHY,
        seen=0,
    )  # fmt: skip
    with pytest.raises(ValidationError, match="Someone else corrected"):
        correct_details(
            user=people.coordinator, child=child, reason=WHY, seen=0,
            details=_details(child, given_name="Kaia"),
        )  # fmt: skip
    assert Child.objects.get(pk=child.pk).given_name == "Kay"
    assert corrections_made(child) == 1


@pytest.mark.parametrize("persona", ["kooth_practitioner", "kooth_lead", "manager", "safeguarding"])
def test_only_the_referral_and_advice_point_corrects_details(
    people: People, kai: Referral, persona: str
) -> None:
    with pytest.raises(PermissionDenied):
        correct_details(
            user=getattr(people, persona), child=kai.child, reason=WHY, seen=0,
            details=_details(kai.child, given_name="Kay"),
        )  # fmt: skip
    assert (Correction.objects.count(), Child.objects.get(pk=kai.child.pk).given_name) == (0, "Kai")


# Correcting a clinical note


@pytest.fixture
def note(people: People, kai: Referral) -> ClinicalNote:
    return record_note(
        user=people.kooth_practitioner, referral=kai, text="Seen with mum. Low mood.",
        sharing=ClinicalNote.Sharing.ORGANISATION,
    )  # fmt: skip


def test_a_note_is_corrected_by_its_organisation_and_keeps_what_it_said(
    people: People, note: ClinicalNote
) -> None:
    correct_note(
        user=people.kooth_lead, note=note, text="Seen with dad. Low mood.",
        reason="It was dad, not mum.", seen=0,
    )  # fmt: skip
    assert ClinicalNote.objects.get(pk=note.pk).text == "Seen with dad. Low mood."
    kept = Correction.objects.get()
    assert (kept.record_type, kept.record_uuid, kept.field, kept.earlier, kept.new) == (
        "clinical_note", note.uuid, "text", "Seen with mum. Low mood.", "Seen with dad. Low mood.",
    )  # fmt: skip
    assert (kept.corrected_by, kept.reason) == (people.kooth_lead, "It was dad, not mum.")
    audit = AuditEvent.objects.get(action="change", record_type="clinical_note")
    assert audit.detail == {"corrected": ["text"]}
    assert not TimelineEvent.objects.filter(summary__icontains="note").exists()


@pytest.mark.parametrize("persona", ["coordinator", "clinical_lead", "chums_practitioner"])
def test_another_organisation_never_rewrites_a_note(
    people: People, note: ClinicalNote, persona: str
) -> None:
    user = getattr(people, persona)
    assert may_correct_note(user, note) is False
    with pytest.raises(PermissionDenied):
        correct_note(user=user, note=note, text="Changed.", reason="Because.", seen=0)
    assert ClinicalNote.objects.get(pk=note.pk).text == "Seen with mum. Low mood."
    assert Correction.objects.count() == 0


def test_a_note_correction_must_change_it_and_say_why(people: People, note: ClinicalNote) -> None:
    user = people.kooth_practitioner
    with pytest.raises(ValidationError, match="The note says this already"):
        correct_note(user=user, note=note, text=note.text, reason="Because.", seen=0)
    with pytest.raises(ValidationError, match="Say why the note is being corrected"):
        correct_note(user=user, note=note, text="New.", reason=" ", seen=0)
    assert Correction.objects.count() == 0


def test_a_notes_earlier_text_is_read_only_by_those_who_read_the_note(
    people: People, kai: Referral, note: ClinicalNote
) -> None:
    correct_note(user=people.kooth_practitioner, note=note, text="Fixed.", reason="Typo.", seen=0)
    correct_details(
        user=people.triage, child=kai.child, details=_details(kai.child, given_name="Kay"),
        reason=WHY, seen=0,
    )  # fmt: skip

    def seen_by(user: Any) -> list[str]:
        record = open_child_record(user, kai.child.uuid)
        return sorted(c.record_type for c in child_corrections_visible_to(record))

    assert seen_by(people.kooth_lead) == ["child", "clinical_note"]
    assert seen_by(people.clinical_lead) == ["child", "clinical_note"]
    # the note is kept to Kooth: the triage lead reads the child's corrections, not the note's
    assert seen_by(people.triage) == ["child"]


# The pages


def _form(child: Child, **changed: str) -> dict[str, str]:
    return {
        "seen": "0",
        "given_name": child.given_name,
        "family_name": child.family_name,
        "date_of_birth_day": str(child.date_of_birth.day),
        "date_of_birth_month": str(child.date_of_birth.month),
        "date_of_birth_year": str(child.date_of_birth.year),
        "gender": child.gender,
        "ethnicity": child.ethnicity,
        "nhs_number": child.nhs_number,
        "address_line_1": "",
        "address_line_2": "",
        "town": "",
        "postcode": child.postcode,
        "school": "",
        "gp_practice": "",
        "phone": "",
        "email": "",
        "reason": WHY,
    } | changed


def test_the_triage_lead_corrects_details_and_the_childs_page_shows_the_history(
    client: Client, people: People, kai: Referral
) -> None:
    child = kai.child
    sign_in(client, people.triage)
    page = client.get(f"/children/{child.uuid}/")
    assert f'href="/children/{child.uuid}/details/"' in page_text(page)
    assert client.get(f"/children/{child.uuid}/details/").status_code == 200
    response = client.post(
        f"/children/{child.uuid}/details/", _form(child, date_of_birth_day="15", town="Chatham")
    )
    assert response.status_code == 302
    assert response["Location"] == f"/children/{child.uuid}/"
    sign_in(client, people.kooth_practitioner)  # anyone who may see the child
    text = page_text(client.get(f"/children/{child.uuid}/"))
    assert '<td class="nhsuk-table__cell">14 March 2012</td>' in text
    assert '<td class="nhsuk-table__cell">15 March 2012</td>' in text
    assert '<td class="nhsuk-table__cell">Not given</td>' in text  # the town, before
    assert WHY in text
    assert "Corrected: date of birth, town or city." in text


@pytest.mark.parametrize(
    ("changed", "message"),
    [
        ({}, "Nothing was changed"),
        ({"nhs_number": "943 476 5910"}, "the last digit is a check digit"),
        ({"postcode": "nowhere"}, "Enter a full UK postcode, like ME4 4AB"),
        ({"date_of_birth_month": "13"}, "The date of birth must be a real date"),
        ({"reason": ""}, "Say why the details are being corrected"),
        ({"email": "kai@"}, "Enter an email address in the correct format"),
        ({"seen": "x"}, "Open this page again"),
        ({"given_name": "x" * 101}, "Given name must be 100 characters or less"),
    ],
)
def test_every_bad_input_is_an_error_on_the_page_and_nothing_is_written(
    client: Client, people: People, kai: Referral, changed: dict[str, str], message: str
) -> None:
    sign_in(client, people.coordinator)
    response = client.post(f"/children/{kai.child.uuid}/details/", _form(kai.child, **changed))
    assert response.status_code == 400
    text = page_text(response)
    assert "There is a problem" in text and message in text
    assert (Correction.objects.count(), TimelineEvent.objects.count()) == (0, 0)


@pytest.mark.parametrize("persona", ["kooth_practitioner", "kooth_lead", "manager", "analyst"])
def test_others_are_refused_the_details_page_and_nothing_is_written(
    client: Client, people: People, kai: Referral, persona: str
) -> None:
    sign_in(client, getattr(people, persona))
    path = f"/children/{kai.child.uuid}/details/"
    assert client.get(path).status_code == 403
    assert client.post(path, _form(kai.child, given_name="Kay")).status_code == 403
    assert Correction.objects.count() == 0
    assert Child.objects.get(pk=kai.child.pk).given_name == "Kai"


def test_an_unknown_child_is_a_404(client: Client, people: People) -> None:
    sign_in(client, people.triage)
    path = "/children/00000000-0000-4000-8000-000000000000/details/"
    assert client.get(path).status_code == 404
    assert client.post(path, {}).status_code == 404


def test_a_note_is_corrected_from_the_care_history(
    client: Client, people: People, kai: Referral, note: ClinicalNote
) -> None:
    sign_in(client, people.kooth_practitioner)
    history = page_text(client.get(f"/care/{kai.uuid}/history/"))
    assert f'href="/care/notes/{note.uuid}/correct/"' in history
    path = f"/care/notes/{note.uuid}/correct/"
    assert client.get(path).status_code == 200
    response = client.post(path, {"seen": "0", "text": "Seen with dad.", "reason": "Not mum."})
    assert response.status_code == 302
    assert response["Location"] == f"/care/{kai.uuid}/history/"
    history = page_text(client.get(f"/care/{kai.uuid}/history/"))
    assert "It said: Seen with mum. Low mood." in history
    child_page = page_text(client.get(f"/children/{kai.child.uuid}/"))
    assert "It said: Seen with mum. Low mood." in child_page


def test_a_note_correction_with_nothing_changed_is_an_error_on_the_page(
    client: Client, people: People, note: ClinicalNote
) -> None:
    sign_in(client, people.kooth_practitioner)
    response = client.post(
        f"/care/notes/{note.uuid}/correct/", {"seen": "0", "text": note.text, "reason": "x"}
    )
    assert response.status_code == 400
    assert "The note says this already" in page_text(response)
    assert Correction.objects.count() == 0


@pytest.mark.parametrize(
    ("persona", "sharing", "status"),
    [
        ("coordinator", ClinicalNote.Sharing.ALLIANCE, 403),  # reads it; not theirs to change
        ("coordinator", ClinicalNote.Sharing.ORGANISATION, 404),  # kept to Kooth
        ("chums_practitioner", ClinicalNote.Sharing.ALLIANCE, 404),  # not their child
    ],
)
def test_a_note_is_not_corrected_by_another_organisation(
    client: Client, people: People, note: ClinicalNote, persona: str, sharing: str, status: int
) -> None:
    ClinicalNote.objects.filter(pk=note.pk).update(sharing=sharing)
    sign_in(client, getattr(people, persona))
    path = f"/care/notes/{note.uuid}/correct/"
    response = client.post(path, {"seen": "0", "text": "Changed.", "reason": "x"})
    assert response.status_code == status
    assert ClinicalNote.objects.get(pk=note.pk).text == "Seen with mum. Low mood."
    assert Correction.objects.count() == 0


@pytest.mark.parametrize("corrections", [1, 5])
def test_the_history_lists_note_corrections_in_a_fixed_number_of_queries(
    client: Client, people: People, kai: Referral, note: ClinicalNote,
    django_assert_num_queries: object, corrections: int,
) -> None:  # fmt: skip
    for n in range(corrections):
        correct_note(
            user=people.kooth_practitioner, note=note, text=f"Version {n}.", reason="Typo.", seen=n
        )
    sign_in(client, people.kooth_practitioner)
    client.get("/")
    # session, user, device; the referral and the audit of its view (savepoint, head, insert,
    # head update, release); each kind of care record (contacts, appointments offered,
    # check-ins, care plans, safety plans, risk reviews, notes); the notes' corrections;
    # whether the user writes this child's care; the banner.
    with django_assert_num_queries(20):  # type: ignore[operator]
        response = client.get(f"/care/{kai.uuid}/history/")
    assert len(response.context["notes"][0].corrections) == corrections
