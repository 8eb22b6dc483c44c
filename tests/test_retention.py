"""Retention (issue 18, part 5): the end-date rules, the dry run and the approved run."""

from __future__ import annotations

from datetime import UTC, date, datetime
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection

from onedoor import clock
from onedoor.alliance.models import Alliance
from onedoor.audit.models import AuditEvent
from onedoor.audit.trail import Action, ChainBroken, record, verify_chain
from onedoor.care.models import ClinicalNote, Contact
from onedoor.children.models import Child, Journey, TimelineEvent
from onedoor.governance.models import Incident
from onedoor.meetings.actions import AttendeeEntry, ChildDiscussed, record_meeting
from onedoor.meetings.models import Discussion, Meeting
from onedoor.privacy.models import RetentionRun, Tombstone
from onedoor.privacy.register import about_children
from onedoor.privacy.retention import (
    NotApproved,
    Rules,
    age_on,
    anniversary,
    child_kept_until,
    due,
    outlives_the_child,
    pseudonym,
    run,
)
from onedoor.referrals.models import Referral, Status
from onedoor.safeguarding.models import Concern
from tests.personas import People, make_child, organisation

DEFAULT = Rules()
# The children's rule alone: a mental health period too short to be the longer.
CHILDREN_ONLY = Rules(mental_health_years=1)


# The end-date rules.


def test_the_defaults_are_the_code_of_practice_periods() -> None:
    assert Rules(25, 26, 20, 10) == DEFAULT


def test_the_childrens_rule_is_the_26th_birthday_only_for_a_17_year_old() -> None:
    born = date(2000, 1, 10)
    # 16 the day before the 17th birthday: the 25th.
    assert child_kept_until(born, date(2017, 1, 9), CHILDREN_ONLY) == date(2025, 1, 10)
    # 17 on the birthday itself, and still 17 the day before the 18th: the 26th.
    assert child_kept_until(born, date(2017, 1, 10), CHILDREN_ONLY) == date(2026, 1, 10)
    assert child_kept_until(born, date(2018, 1, 9), CHILDREN_ONLY) == date(2026, 1, 10)
    # 18: the 25th again (a young adult's care).
    assert child_kept_until(born, date(2018, 1, 10), CHILDREN_ONLY) == date(2025, 1, 10)


def test_the_longer_rule_applies() -> None:
    born = date(2000, 1, 10)
    # Care ended at 17: the 26th birthday (2026) against 20 years after (2037).
    assert child_kept_until(born, date(2017, 6, 1), DEFAULT) == date(2037, 6, 1)
    # Care ended at 5: 20 years after is the 25th birthday's year; the later day wins.
    assert child_kept_until(born, date(2005, 1, 9), DEFAULT) == date(2025, 1, 10)
    assert child_kept_until(born, date(2005, 1, 11), DEFAULT) == date(2025, 1, 11)
    # With a shorter mental health period, the birthday decides.
    assert child_kept_until(born, date(2010, 6, 1), Rules(mental_health_years=10)) == date(
        2025, 1, 10
    )


def test_a_29_february_birthday_falls_on_1_march() -> None:
    leap = date(2008, 2, 29)
    assert anniversary(leap, 25) == date(2033, 3, 1)
    assert anniversary(leap, 24) == date(2032, 2, 29)
    assert age_on(leap, date(2025, 2, 28)) == 16
    assert age_on(leap, date(2025, 3, 1)) == 17
    assert child_kept_until(leap, date(2025, 3, 1), CHILDREN_ONLY) == date(2034, 3, 1)
    assert child_kept_until(leap, date(2025, 2, 28), CHILDREN_ONLY) == date(2033, 3, 1)


def test_the_rules_come_from_the_alliance(alliance: Alliance) -> None:
    assert Rules.of(alliance) == DEFAULT
    alliance.retention = {**alliance.retention, "mental_health_years": 30}
    assert Rules.of(alliance) == Rules(mental_health_years=30)


# The dry run and the approved run, on a fixture: Old, whose care ended on 1 June 2004 at 14
# (kept to 1 June 2024, due now); Lately, whose care ended in 2010 (kept to 2030); and Young,
# still waiting. Old and Young were discussed at one meeting; an incident of 2020 names
# Old's referral.
# (The meeting was in 2004 too: a child discussed later has had something happen since.)

ENDED = datetime(2004, 6, 1, 10, tzinfo=UTC)


@pytest.fixture
def world(alliance: Alliance, people: People) -> dict[str, object]:
    with time_machine.travel(ENDED, tick=False):
        old = make_child(alliance, "Old", born=date(1990, 1, 10), allocated_to="kooth",
                         status=Status.DISCHARGED)  # fmt: skip
        lately = make_child(alliance, "Lately", born=date(1996, 5, 5), status=Status.DISCHARGED)
        young = make_child(alliance, "Young", born=date(2012, 3, 14))
        referral = old.referrals.get()
        Journey.objects.create(child=old, opened_at=ENDED, closed_at=ENDED)
        TimelineEvent.objects.create(child=old, at=ENDED, kind="status_changed", referral=referral)
        TimelineEvent.objects.create(
            child=lately, at=datetime(2010, 3, 1, tzinfo=UTC), kind="status_changed"
        )
        common = {"referral": referral, "organisation": referral.allocated_organisation,
                  "recorded_by": people.kooth_practitioner, "recorded_at": ENDED}  # fmt: skip
        Contact.objects.create(**common, happened_at=ENDED, outcome="attended", mode="phone")
        ClinicalNote.objects.create(**common, text="Note.", sharing=ClinicalNote.Sharing.ALLIANCE)
        Concern.objects.create(
            referral=referral, category="neglect", seen_or_said="Seen.",
            immediate_actions="Done.", referred_to_social_care=False, owner=people.safeguarding,
            raised_by=people.triage, raised_at=ENDED,
        )  # fmt: skip
        meeting = record_meeting(
            user=people.triage, kind="multi_agency", held_on=date(2004, 5, 20), title="Review",
            chair_name="Pat Example", attendees=[AttendeeEntry("Lee Sample", "School")],
            children=[ChildDiscussed(referral), ChildDiscussed(young.referrals.get())],
            today=date(2004, 6, 1),
        )  # fmt: skip

    incident = Incident.objects.create(
        alliance=alliance, organisation=organisation(alliance, "kooth"), kind="incident",
        severity="low", title="A fall", what_happened="Tripped.", occurred_on=date(2020, 1, 6),
        referral=referral, reported_by=people.kooth_practitioner, reported_at=clock.now(),
    )  # fmt: skip
    record(Action.VIEW, actor=people.triage, record_type="child", record_id=old.uuid,
           child_uuid=old.uuid)  # fmt: skip
    record(Action.VIEW, actor=people.triage, record_type="child", record_id=young.uuid,
           child_uuid=young.uuid)  # fmt: skip
    return {"old": old, "lately": lately, "young": young, "meeting": meeting,
            "incident": incident}  # fmt: skip


EXPECTED_COUNTS = {
    ("child's mental health record", "child"): 1,
    ("child's mental health record", "clinical note"): 1,
    ("child's mental health record", "contact"): 1,
    ("child's mental health record", "journey"): 1,
    ("child's mental health record", "meeting discussion"): 1,
    ("child's mental health record", "referral"): 1,
    ("child's mental health record", "safeguarding concern"): 1,
    ("child's mental health record", "timeline event"): 2,
    ("incident record", "incident"): 1,
}


def test_the_dry_run_lists_what_is_due_and_changes_nothing(
    alliance: Alliance, world: dict[str, object]
) -> None:
    plan = due(alliance)
    assert [(d.child, d.kept_until, d.rule) for d in plan.children] == [
        (world["old"], date(2024, 6, 1),
         "child's mental health record: 20 years after care ended on 2004-06-01"),
    ]  # fmt: skip
    assert plan.incidents == []  # the incident of 2020 is kept to 2030
    assert dict(plan.counts) == {
        k: v for k, v in EXPECTED_COUNTS.items() if k[0] != "incident record"
    }

    before = _everything()
    out = StringIO()
    call_command("apply_retention", "--dry-run", stdout=out)
    assert out.getvalue().splitlines() == [
        "Due on 2026-11-20 in Medway Therapeutic Alliance: the records of 1 child, 0 incidents.",
        "  child's mental health record: 9",
        "    child: 1",
        "    clinical note: 1",
        "    contact: 1",
        "    journey: 1",
        "    meeting discussion: 1",
        "    referral: 1",
        "    safeguarding concern: 1",
        "    timeline event: 2",
        "Dry run: nothing was changed.",
    ]
    assert _everything() == before


def test_a_record_is_due_the_day_after_its_last_day(
    alliance: Alliance, world: dict[str, object]
) -> None:
    assert due(alliance, date(2024, 6, 1)).children == []
    assert [d.child for d in due(alliance, date(2024, 6, 2)).children] == [world["old"]]


@pytest.mark.parametrize("approver", ["triage", "admin", "kooth_lead"])
def test_only_a_clinical_lead_approves_a_run_and_a_refusal_changes_nothing(
    approver: str, alliance: Alliance, people: People, world: dict[str, object]
) -> None:
    before = _everything()
    with pytest.raises(CommandError, match="approved by an active clinical lead"):
        call_command("apply_retention", "--approved-by", people.accounts()[approver].username,
                     stdout=StringIO())  # fmt: skip
    with pytest.raises(NotApproved):
        run(due(alliance), approved_by=people.accounts()[approver])
    assert _everything() == before


def test_the_approved_run_disposes_leaves_tombstones_and_the_audit_still_verifies(
    alliance: Alliance, people: People, world: dict[str, object]
) -> None:
    old, young = world["old"], world["young"]
    assert isinstance(old, Child) and isinstance(young, Child)
    old_referral = old.referrals.get()
    rows_about_old = AuditEvent.objects.filter(child_uuid=old.uuid).count()
    assert rows_about_old >= 1
    out = StringIO()
    call_command("apply_retention", "--approved-by", people.clinical_lead.username, stdout=out)

    done = RetentionRun.objects.get()
    assert done.approved_by == people.clinical_lead
    assert out.getvalue().splitlines()[-1] == (
        f"Disposed of 9 records, approved by {people.clinical_lead.get_full_name()}: "
        f"run {done.uuid}."
    )
    # Old's records are gone; Lately's and Young's are as they were.
    assert not Child.objects.filter(pk=old.pk).exists()
    assert not Referral.objects.filter(pk=old_referral.pk).exists()
    assert Child.objects.filter(pk__in=[young.pk, world["lately"].pk]).count() == 2  # type: ignore[attr-defined]
    assert not Contact.objects.exists() and not ClinicalNote.objects.exists()
    assert not Concern.objects.exists()
    # The meeting stays, about Young alone; the incident stays, without the referral.
    meeting = Meeting.objects.get()
    assert list(meeting.children.all()) == [young.referrals.get()]
    assert list(Discussion.objects.values_list("referral__child", flat=True)) == [young.pk]
    assert Incident.objects.get().referral is None
    # A tombstone for each record gone: type, id, last day, rule.
    stones = Tombstone.objects.filter(run=done)
    assert sorted(stones.values_list("record_type", flat=True)) == [
        "child", "clinical note", "contact", "journey", "meeting discussion", "referral",
        "safeguarding concern", "timeline event", "timeline event",
    ]  # fmt: skip
    assert set(stones.values_list("kept_until", "rule")) == {
        (date(2024, 6, 1), "child's mental health record: 20 years after care ended on 2004-06-01")
    }
    assert stones.get(record_type="child").record_id == str(pseudonym(old.uuid))
    assert stones.get(record_type="referral").record_id == str(old_referral.uuid)
    # The audit rows about Old now carry the pseudonym; the chain verifies.
    assert not AuditEvent.objects.filter(child_uuid=old.uuid).exists()
    assert not AuditEvent.objects.filter(record_id=str(old.uuid)).exists()
    assert AuditEvent.objects.filter(child_uuid=pseudonym(old.uuid)).count() == rows_about_old
    assert AuditEvent.objects.filter(child_uuid=young.uuid).count() == 1
    assert list(verify_chain()) == []
    out = StringIO()
    call_command("verify_audit", stdout=out)
    last = AuditEvent.objects.order_by("-sequence").first()
    assert last is not None
    assert (last.action, last.record_type, last.record_id, last.detail) == (
        "delete", "retention_run", str(done.uuid), {"children": 1, "incidents": 0},
    )  # fmt: skip
    # Nothing more is due.
    assert due(alliance).counts == {}


def test_an_incident_past_its_ten_years_goes_with_its_practice_changes(
    alliance: Alliance, people: People, world: dict[str, object]
) -> None:
    Incident.objects.update(occurred_on=date(2016, 11, 19))
    plan = due(alliance)
    assert dict(plan.counts)[("incident record", "incident")] == 1
    assert plan.incidents[0][1] == date(2026, 11, 19)
    run(plan, approved_by=people.clinical_lead)
    assert not Incident.objects.exists()
    assert Tombstone.objects.get(record_type="incident").rule == (
        "incident record: 10 years after it happened"
    )


def test_a_broken_chain_is_not_resealed_and_the_run_changes_nothing(
    alliance: Alliance, people: People, world: dict[str, object]
) -> None:
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET reason = 'edited' WHERE sequence = 1")
    before = _everything()
    with pytest.raises(ChainBroken, match="audit row #1: has been edited"):
        run(due(alliance), approved_by=people.clinical_lead)
    assert _everything() == before


def _everything() -> dict[str, int]:
    from onedoor.privacy.register import REGISTER

    return {e.model: e.model_class._default_manager.count() for e in REGISTER}


def test_the_dry_run_reads_as_many_times_for_many_children_as_for_one(
    alliance: Alliance, world: dict[str, object], django_assert_num_queries: Any
) -> None:
    one = due(alliance)
    with time_machine.travel(ENDED, tick=False):
        for name in ("Older", "Oldest"):
            make_child(alliance, name, born=date(1989, 2, 2), status=Status.DISCHARGED)
    # The two made here have no timeline: care ended when their record was made, in 2004.
    # One query finds the due children, one per record type counts, one finds incidents.
    queries = 2 + len([e for e in about_children() if not outlives_the_child(e)])
    with django_assert_num_queries(queries):
        three = due(alliance)
    assert [len(one.children), len(three.children)] == [1, 3]
    assert three.counts[("child's mental health record", "referral")] == 3
