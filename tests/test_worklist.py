"""My tasks, derived from the records: a red referral is the clinical lead's to review by
its deadline until a clinician has; a decision waiting for sign-off is theirs until signed;
information requested is the triage lead's; a handover is the care coordinator's until
acknowledged. Nothing is stored that could go stale."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.test import Client

from onedoor.alliance.models import Alliance, IThriveGrouping
from onedoor.referrals.models import Referral
from onedoor.triage.actions import record_decision, review_red, screen_risk, sign_off
from onedoor.triage.models import Outcome
from onedoor.worklist.items import due_items_for
from tests.personas import People, make_child, sign_in


def _red(alliance: Alliance, people: People, name: str) -> Referral:
    referral = make_child(alliance, name, born=date(2015, 1, 1)).referrals.get()
    screen_risk(
        user=people.triage, referral=referral, version=referral.version, rating="red",
        indicators={"suicidal_thoughts"}, rationale="Disclosed a plan.",
    )  # fmt: skip
    referral.refresh_from_db()
    return referral


def _work(user: object) -> list[tuple[str, str, datetime]]:
    return [(i.what, i.referral.child.given_name, i.due) for i in due_items_for(user)]  # type: ignore[arg-type,union-attr]


def test_a_red_rating_is_the_clinical_leads_to_review_by_its_deadline_until_reviewed(
    alliance: Alliance, people: People
) -> None:
    referral = _red(alliance, people, "Rory")
    assert referral.triage_due_at is not None
    assert _work(people.clinical_lead) == [
        ("Review a red referral today", "Rory", referral.triage_due_at)
    ]  # the triage lead's work is the triage itself, its clock long past
    assert _work(people.triage) == [("Triage this referral", "Rory", referral.triage_due_at)]
    review_red(user=people.clinical_lead, referral=referral, version=referral.version, note="Seen.")
    assert _work(people.clinical_lead) == []


def test_a_decision_waiting_for_sign_off_is_work_until_signed(
    alliance: Alliance, people: People
) -> None:
    referral = _red(alliance, people, "Rory")
    decision = record_decision(
        user=people.triage, referral=referral, version=referral.version,
        grouping=IThriveGrouping.GETTING_HELP, outcome=Outcome.NOT_ACCEPTED, reason="With CAMHS.",
    )  # fmt: skip
    referral.refresh_from_db()
    assert sorted(what for what, _, _ in _work(people.clinical_lead)) == [
        "Review a red referral today",
        "Sign off a triage decision",
    ]
    sign_off(user=people.clinical_lead, decision=decision, version=referral.version, approve=True)
    assert _work(people.clinical_lead) == []


def test_information_requested_is_the_triage_leads_until_it_arrives(
    alliance: Alliance, people: People
) -> None:
    from onedoor.triage.actions import information_received

    referral = make_child(alliance, "Ivo", born=date(2015, 1, 1)).referrals.get()
    screen_risk(
        user=people.triage, referral=referral, version=referral.version, rating="green",
        indicators=set(), rationale="Mild.",
    )  # fmt: skip
    referral.refresh_from_db()
    record_decision(
        user=people.triage, referral=referral, version=referral.version,
        grouping=IThriveGrouping.GETTING_HELP, outcome=Outcome.MORE_INFORMATION,
        information_requested="GP letter", information_due=date(2026, 12, 4),
    )  # fmt: skip
    referral.refresh_from_db()
    assert _work(people.triage) == [
        ("Information requested for triage", "Ivo", datetime(2026, 12, 4, 17, 0, tzinfo=UTC))
    ]
    information_received(
        user=people.triage, referral=referral, version=referral.version, note="Letter in."
    )  # back to triage, its clock (5 working days, the pause not counted) long past
    referral.refresh_from_db()
    assert referral.triage_due_at is not None and referral.triage_due_at.hour == 17
    assert _work(people.triage) == [("Triage this referral", "Ivo", referral.triage_due_at)]


def test_my_tasks_shows_only_my_roles_work_in_a_fixed_number_of_queries(
    client: Client, alliance: Alliance, people: People, django_assert_num_queries: object
) -> None:
    for n in range(5):
        _red(alliance, people, f"Child{n}")
    sign_in(client, people.triage)
    rows = client.get("/tasks/").context["rows"]
    assert [row.item.what for row in rows] == ["Triage this referral"] * 5
    sign_in(client, people.clinical_lead)
    client.get("/")
    # session, user, device; urgent disclosures not yet screened, with their children and
    # alliance; red referrals with their children; decisions waiting; the lead provider's
    # children nobody holds; handovers the lead sent; the meeting and case audit actions
    # they own; safeguarding concerns to plan and follow-up actions they own; subject access
    # requests waiting for a response
    with django_assert_num_queries(13):  # type: ignore[operator]
        response = client.get("/tasks/")
    rows = response.context["rows"]
    assert [row.item.what for row in rows] == ["Review a red referral today"] * 5
    assert "Review a red referral today" in response.content.decode()


@pytest.mark.parametrize(("persona", "status"), [("kooth_practitioner", 200), ("analyst", 403)])
def test_others_do_not_see_triage_work(
    client: Client, alliance: Alliance, people: People, persona: str, status: int
) -> None:
    _red(alliance, people, "Rory")
    assert _work(people.by_role()[persona]) == []
    sign_in(client, people.by_role()[persona])
    assert client.get("/tasks/").status_code == status


def test_a_practitioners_tasks_cost_the_same_queries_at_any_size(
    client: Client, alliance: Alliance, people: People
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from onedoor.referrals.models import Status

    def waiting(n: int) -> None:
        for i in range(n):
            referral = make_child(
                alliance, f"W{n}x{i}", allocated_to="kooth", status=Status.WAITING
            ).referrals.get()
            Referral.objects.filter(pk=referral.pk).update(
                accepted_at=datetime(2026, 10, 1, 9, 0, tzinfo=UTC), risk_rating="amber"
            )

    sign_in(client, people.kooth_practitioner)
    client.get("/")
    counts = []
    for n in (2, 6):
        waiting(n)
        with CaptureQueriesContext(connection) as queries:
            rows = client.get("/tasks/").context["rows"]
        counts.append(len(queries))
        assert len(rows) == {2: 2, 6: 8}[n]
        assert {row.item.what for row in rows} == {"Waiting Well check-in"}
    # session, user, device; cadences; check-ins due; missed check-ins; risk reviews; care
    # plan reviews; outcome measures to review; severe scores with no review since;
    # handovers sent; handovers declined; the meeting and case audit actions they own;
    # safeguarding concerns to plan and follow-up actions they own
    assert counts == [16, 16]
