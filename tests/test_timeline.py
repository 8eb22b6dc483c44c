"""The child's timeline is filtered by what the viewer may see in the query, not in the
template: another partner's contacts and plans, and another organisation's own notes, never
leave the database for them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.http import Http404
from django.test import Client
from django.test.utils import CaptureQueriesContext

from onedoor.access.actions import break_glass
from onedoor.access.records import (
    child_referrals_visible_to,
    children_visible_to,
    open_child_record,
    timeline_visible_to,
)
from onedoor.alliance.models import Alliance, Organisation
from onedoor.care.models import ClinicalNote, Transition
from onedoor.care.records import child_notes_visible_to, notes_visible_to
from onedoor.children.models import Child, TimelineEvent
from onedoor.referrals.models import Referral, Status
from onedoor.web.timeline import timeline_for
from tests.personas import People, make_child, make_reference, organisation, shown, sign_in

AT = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)


@pytest.fixture
def child(alliance: Alliance, people: People) -> Child:
    """Kai: first at Kooth (discharged), now at CHUMS; advice once given with no referral."""
    kai = make_child(alliance, "Kai", allocated_to="kooth", status=Status.DISCHARGED)
    kooth = kai.referrals.get()
    chums = Referral.objects.create(
        reference=make_reference(), child=kai, received_at=AT, source="gp",
        status=Status.IN_INTERVENTION,
        allocated_organisation=Organisation.objects.get(alliance=alliance, slug="chums"),
    )  # fmt: skip
    for n, (referral, summary) in enumerate(
        [(None, "Advice given by phone."), (kooth, "Kooth contact."), (chums, "CHUMS contact.")]
    ):
        TimelineEvent.objects.create(
            child=kai, at=AT.replace(hour=10 + n), kind=TimelineEvent.Kind.STATUS_CHANGED,
            referral=referral, summary=summary,
        )  # fmt: skip
    for sharing, text in (("alliance", "Kooth shared note."), ("organisation", "Kooth own note.")):
        ClinicalNote.objects.create(
            referral=kooth, organisation=organisation(alliance, "kooth"),
            recorded_by=people.kooth_practitioner, recorded_at=AT.replace(hour=15), text=text,
            sharing=sharing,
        )  # fmt: skip
    return kai


@pytest.mark.parametrize(
    ("persona", "events", "notes"),
    [
        ("chums_practitioner", ["CHUMS contact.", "Advice given by phone."], []),
        (
            "kooth_practitioner",
            ["Kooth contact.", "Advice given by phone."],
            ["Kooth own note.", "Kooth shared note."],
        ),
        (
            "triage",
            ["CHUMS contact.", "Kooth contact.", "Advice given by phone."],
            ["Kooth shared note."],
        ),
        (
            "clinical_lead",
            ["CHUMS contact.", "Kooth contact.", "Advice given by phone."],
            ["Kooth own note.", "Kooth shared note."],
        ),
    ],
)
def test_each_viewer_gets_only_what_they_may_see(
    people: People, child: Child, persona: str, events: list[str], notes: list[str]
) -> None:
    user = people.by_role()[persona]
    record = open_child_record(user, child.uuid)
    assert list(timeline_visible_to(record).values_list("summary", flat=True)) == events
    entries = timeline_for(record)
    assert [e.text for e in entries if e.title == "Clinical note"] == notes
    assert [e.text for e in entries if e.title != "Clinical note"] == events


def test_the_page_shows_the_partners_own_timeline_and_not_the_others(
    client: Client, people: People, child: Child
) -> None:
    sign_in(client, people.chums_practitioner)
    page = shown(client.get(f"/children/{child.uuid}/"))
    assert "CHUMS contact." in page and "Advice given by phone." in page
    assert "Kooth contact." not in page and "Kooth shared note." not in page
    sign_in(client, people.clinical_lead)
    page = shown(client.get(f"/children/{child.uuid}/"))
    assert "Kooth own note." in page
    assert "Only Kooth and the clinical lead" in page


def test_the_child_page_costs_the_same_queries_however_long_the_timeline(
    client: Client, people: People, child: Child
) -> None:
    sign_in(client, people.clinical_lead)
    client.get("/")
    counts = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            client.get(f"/children/{child.uuid}/")
        counts.append(len(queries))
        for n in range(5):
            TimelineEvent.objects.create(
                child=child, at=AT, kind=TimelineEvent.Kind.STATUS_CHANGED, summary=f"More {n}."
            )
    assert counts[0] == counts[1]


@pytest.mark.parametrize("persona", ["kooth_practitioner", "chums_practitioner"])
def test_the_childs_page_reads_only_the_childs_referrals_however_many_the_user_may_see(
    alliance: Alliance, people: People, child: Child, persona: str
) -> None:
    """Issue 17, B9: the referrals the child's page shows, and narrows its banner and timeline
    to, are found by the child's id, not by reading every referral the user may see (1,000
    here at each partner)."""
    crowd = Child.objects.bulk_create(
        Child(
            alliance=alliance, given_name=f"Crowd{n}", family_name="Example",
            date_of_birth=child.date_of_birth, postcode="ME4 4AB",
        )
        for n in range(2000)
    )  # fmt: skip
    partners = [organisation(alliance, "kooth"), organisation(alliance, "chums")]
    Referral.objects.bulk_create(
        Referral(
            reference=make_reference(), child=other, received_at=AT, source="gp",
            status=Status.IN_INTERVENTION, allocated_organisation=partners[n % 2],
        )
        for n, other in enumerate(crowd)
    )  # fmt: skip
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    plan = child_referrals_visible_to(people.by_role()[persona], child).explain()
    if connection.vendor == "sqlite":
        # Every table searched by an index (the transitions and grants are the access rules'
        # own look-ups); the referrals by the child's id.
        assert "SEARCH referrals_referral USING INDEX referrals_of_a_child (child_id=?)" in plan, (
            plan
        )
        assert [line for line in plan.splitlines() if " SCAN " in line] == [], plan
    else:
        assert f"Index Cond: (child_id = {child.pk})" in plan, plan
        assert "Seq Scan on referrals_referral" not in plan, plan


@pytest.mark.parametrize("situation", ["as is", "a handover waits", "an emergency grant"])
def test_the_pages_notes_are_the_notes_the_rule_gives_for_every_account(
    people: People, child: Child, situation: str
) -> None:
    """Issue 17, B9: the child's page reads notes through the referrals it has read when the
    account's scope over notes is its scope over referrals, and through the rule otherwise
    (the service manager and the partner's system see referrals, not notes). Either way the
    notes are those `notes_visible_to` gives, for every account, in each situation that
    widens a scope: a handover waiting for Kooth's answer, CHUMS's practitioner's grant."""
    chums = child.referrals.get(allocated_organisation__slug="chums")
    ClinicalNote.objects.create(
        referral=chums, organisation=organisation(child.alliance, "chums"),
        recorded_by=people.chums_practitioner, recorded_at=AT, text="CHUMS shared note.",
        sharing="alliance",
    )  # fmt: skip
    if situation == "a handover waits":
        Transition.objects.create(
            referral=chums, kind=Transition.Kind.BETWEEN_PARTNERS, reason="Move.",
            receiving_organisation=organisation(child.alliance, "kooth"), handover="Notes.",
            due_at=AT, sent_by=people.chums_practitioner, sent_at=AT,
        )  # fmt: skip
    if situation == "an emergency grant":
        Referral.objects.filter(child=child).update(
            allocated_organisation=organisation(child.alliance, "kooth")
        )
        break_glass(user=people.chums_practitioner, child=child, reason="A" * 30)
    seen = {}
    for name, user in people.accounts().items():
        try:
            record = open_child_record(user, child.uuid)
        except Http404:
            assert not children_visible_to(user).filter(pk=child.pk).exists(), name
            continue
        expected = notes_visible_to(user).filter(referral__child=child).order_by("text")
        notes = child_notes_visible_to(record).order_by("text")
        assert list(notes) == list(expected), name
        seen[name] = list(notes.values_list("text", flat=True))
    shared = ["CHUMS shared note.", "Kooth shared note."]
    assert seen["chums_practitioner"] == (
        shared if situation == "an emergency grant" else ["CHUMS shared note."]
    )
    assert seen["kooth_practitioner"] == (
        ["CHUMS shared note.", "Kooth own note.", "Kooth shared note."]
        if situation != "as is"
        else ["Kooth own note.", "Kooth shared note."]
    )
    assert (seen["manager"], seen["kooth_system"]) == ([], [])
