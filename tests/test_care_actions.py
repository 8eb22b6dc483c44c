"""Recording the work with a child: only the allocated organisation, and the journey moves
on where the work says so."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from onedoor.alliance.models import Alliance
from onedoor.audit.models import AuditEvent
from onedoor.care.actions import record_check_in, record_contact, record_note
from onedoor.care.models import CheckIn, ClinicalNote, Contact
from onedoor.referrals.models import Referral, Status
from tests.personas import People, make_child


@pytest.fixture
def waiting(alliance: Alliance) -> Referral:
    referral = make_child(alliance, "Kai", allocated_to="kooth", status=Status.WAITING)
    found = referral.referrals.get()
    Referral.objects.filter(pk=found.pk).update(risk_rating="amber")
    found.refresh_from_db()
    return found


def test_the_first_attended_contact_starts_the_intervention(
    people: People, waiting: Referral
) -> None:
    contact = record_contact(
        user=people.kooth_practitioner, referral=waiting,
        happened_at=timezone.now() - timedelta(hours=1), outcome="attended", mode="video",
        duration_minutes=50,
    )  # fmt: skip
    waiting.refresh_from_db()
    assert (contact.organisation.slug, waiting.status) == ("kooth", Status.IN_INTERVENTION)
    assert (
        AuditEvent.objects.filter(record_type="contact", record_id=str(contact.uuid)).count() == 1
    )


def test_a_missed_contact_does_not_start_it(people: People, waiting: Referral) -> None:
    record_contact(
        user=people.kooth_practitioner, referral=waiting, happened_at=timezone.now(),
        outcome="did_not_attend", mode="face_to_face", duration_minutes=None,
    )  # fmt: skip
    waiting.refresh_from_db()
    assert waiting.status == Status.WAITING


def test_another_partner_cannot_record_and_nothing_is_written(
    people: People, waiting: Referral
) -> None:
    with pytest.raises(PermissionDenied):
        record_contact(
            user=people.chums_practitioner, referral=waiting, happened_at=timezone.now(),
            outcome="attended", mode="phone", duration_minutes=30,
        )  # fmt: skip
    with pytest.raises(PermissionDenied):
        record_note(user=people.manager, referral=waiting, text="x", sharing="alliance")
    assert (Contact.objects.count(), ClinicalNote.objects.count(), AuditEvent.objects.count()) == (
        0, 0, 0,
    )  # fmt: skip


def test_a_contact_in_the_future_is_refused(people: People, waiting: Referral) -> None:
    with pytest.raises(ValidationError, match="A contact cannot be in the future"):
        record_contact(
            user=people.kooth_practitioner, referral=waiting,
            happened_at=timezone.now() + timedelta(days=1), outcome="attended", mode="phone",
            duration_minutes=30,
        )  # fmt: skip


def test_a_worse_risk_at_a_check_in_sends_the_child_back_to_triage(
    people: People, waiting: Referral
) -> None:
    check_in = record_check_in(
        user=people.kooth_practitioner, referral=waiting, contact_made=True, rating="red",
        notes="Says things are much worse.", materials_sent="",
    )  # fmt: skip
    waiting.refresh_from_db()
    assert (check_in.rating, waiting.status, waiting.risk_rating, waiting.queue_band) == (
        "red", Status.AWAITING_TRIAGE, "red", 0,
    )  # fmt: skip


def test_a_check_in_with_the_same_risk_keeps_the_child_waiting(
    people: People, waiting: Referral
) -> None:
    record_check_in(
        user=people.kooth_practitioner, referral=waiting, contact_made=True, rating="amber",
        notes="Steady.", materials_sent="Sleep leaflet",
    )  # fmt: skip
    waiting.refresh_from_db()
    assert waiting.status == Status.WAITING
    assert CheckIn.objects.get().materials_sent == "Sleep leaflet"
