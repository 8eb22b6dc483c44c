"""Tasks: a red rating gives the clinical lead a same-day review task; doing the work
completes it; each person sees their own role's tasks on children they may see."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from onedoor.alliance.models import Alliance, IThriveGrouping
from onedoor.referrals.models import Referral
from onedoor.triage.actions import record_decision, review_red, screen_risk
from onedoor.triage.models import Outcome
from onedoor.worklist.models import Task
from tests.personas import People, make_child, sign_in


def _red(alliance: Alliance, people: People, name: str) -> Referral:
    referral = make_child(alliance, name, born=date(2015, 1, 1)).referrals.get()
    screen_risk(
        user=people.triage, referral=referral, version=referral.version, rating="red",
        indicators={"suicidal_thoughts"}, rationale="Disclosed a plan.",
    )  # fmt: skip
    referral.refresh_from_db()
    return referral


def test_a_red_rating_gives_the_clinical_lead_a_same_day_review_task(
    alliance: Alliance, people: People
) -> None:
    referral = _red(alliance, people, "Rory")
    task = Task.objects.get()
    assert (task.kind, task.role, task.referral, task.due_at, task.done_at) == (
        "red_review", "clinical_lead", referral, referral.triage_due_at, None,
    )  # fmt: skip
    review_red(user=people.clinical_lead, referral=referral, version=referral.version, note="Seen.")
    task.refresh_from_db()
    assert (task.done_by, task.done_at is not None) == (people.clinical_lead, True)


def test_a_decision_waiting_for_sign_off_is_a_task_until_signed(
    alliance: Alliance, people: People
) -> None:
    from onedoor.triage.actions import sign_off

    referral = _red(alliance, people, "Rory")
    decision = record_decision(
        user=people.triage, referral=referral, version=referral.version,
        grouping=IThriveGrouping.GETTING_HELP, outcome=Outcome.NOT_ACCEPTED, reason="With CAMHS.",
    )  # fmt: skip
    referral.refresh_from_db()
    open_kinds = set(Task.objects.filter(done_at__isnull=True).values_list("kind", flat=True))
    assert open_kinds == {"red_review", "sign_off"}
    sign_off(user=people.clinical_lead, decision=decision, version=referral.version, approve=True)
    assert Task.objects.filter(done_at__isnull=True).count() == 0


def test_my_tasks_shows_only_my_roles_tasks_in_a_fixed_number_of_queries(
    client: Client, alliance: Alliance, people: People, django_assert_num_queries: object
) -> None:
    for n in range(5):
        _red(alliance, people, f"Child{n}")
    sign_in(client, people.triage)
    assert list(client.get("/tasks/").context["rows"]) == []
    sign_in(client, people.clinical_lead)
    client.get("/")
    # session, user, device; the tasks with their referrals and children
    with django_assert_num_queries(4):  # type: ignore[operator]
        response = client.get("/tasks/")
    rows = response.context["rows"]
    assert [row.task.kind for row in rows] == ["red_review"] * 5
    assert "Review a red referral today" in response.content.decode()


@pytest.mark.parametrize("persona", ["kooth_practitioner", "analyst"])
def test_others_do_not_see_triage_tasks(
    client: Client, alliance: Alliance, people: People, persona: str
) -> None:
    _red(alliance, people, "Rory")
    sign_in(client, people.by_role()[persona])
    response = client.get("/tasks/")
    assert response.status_code == (403 if persona == "analyst" else 200)
    if response.status_code == 200:
        assert list(response.context["rows"]) == []
