"""A child in intervention whose latest score is in the severe range, with no risk review or
no safety plan since, is a task for the named practitioner and the partner's leads (H36)."""

from __future__ import annotations

import importlib
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from django.apps import apps

from onedoor.accounts.models import User
from onedoor.accounts.roles import Role
from onedoor.alliance.models import Alliance
from onedoor.care.actions import record_risk_review, record_safety_plan
from onedoor.outcomes.actions import record_response
from onedoor.outcomes.measures import DATA_DIR, MeasureFileError, get_measure, parse
from onedoor.outcomes.models import MeasureResponse
from onedoor.outcomes.scoring import in_severe_range, score
from onedoor.outcomes.severe import SEVERE_SCORE, unreviewed_severe
from onedoor.referrals.models import Referral, Status
from onedoor.worklist.items import due_items_for
from tests.personas import NOW, People, make_child, make_user, organisation

# PHQ-9: 8 questions "nearly every day" and question 9 (self-harm) "not at all" is 24, severe
# (20 and over); every question "several days" but 9 is 8, mild.
SEVERE = {**{str(n): 3 for n in range(1, 9)}, "9": 0}
MILD = {**{str(n): 1 for n in range(1, 9)}, "9": 0}
# Monday 23 November 2026, 17:00 London (GMT): the end of the working day after Friday's score.
NEXT_WORKING_DAY = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)


@pytest.fixture
def seen(alliance: Alliance, people: People) -> Referral:
    """A 17-year-old in intervention with Kooth, Kim the named practitioner (PHQ-9 is for 16
    and over)."""
    child = make_child(
        alliance, "Sev", born=date(2009, 5, 1), allocated_to="kooth", status=Status.IN_INTERVENTION
    )
    referral = child.referrals.get()
    Referral.objects.filter(pk=referral.pk).update(named_practitioner=people.kooth_practitioner)
    referral.refresh_from_db()
    return referral


def _phq9(people: People, referral: Referral, answers: dict[str, int]) -> MeasureResponse:
    return record_response(
        user=people.kooth_practitioner, referral=referral, measure="phq-9",
        answers=answers, completed_by="young_person",
    )  # fmt: skip


def _review(people: People, referral: Referral) -> None:
    referral.refresh_from_db()
    record_risk_review(
        user=people.kooth_practitioner, referral=referral, rating="amber",
        rationale="Severe low mood; no plans to act.",
    )  # fmt: skip


def _plan(people: People, referral: Referral) -> None:
    record_safety_plan(
        user=people.kooth_practitioner, referral=referral, warning_signs="Stops eating.",
        coping_strategies="Music.", people_and_places="", keeping_safe="",
    )  # fmt: skip


def _severe_tasks(user: User) -> list[tuple[str, str, datetime]]:
    return [
        (item.what, item.referral.reference, item.due)  # type: ignore[union-attr]
        for item in due_items_for(user)
        if item.what == SEVERE_SCORE
    ]


def test_a_severe_score_with_no_risk_review_or_safety_plan_is_a_task(
    people: People, seen: Referral
) -> None:
    response = _phq9(people, seen, SEVERE)
    assert (response.severe, response.scores["scores"][0]["band"]) == (True, "Severe")
    task = [(SEVERE_SCORE, seen.reference, NEXT_WORKING_DAY)]
    assert _severe_tasks(people.kooth_practitioner) == task
    assert _severe_tasks(people.kooth_lead) == task
    for user in (people.chums_practitioner, people.chums_lead, people.coordinator):
        assert _severe_tasks(user) == []


def test_a_risk_review_and_a_safety_plan_after_the_score_end_the_task(
    people: People, seen: Referral, time_machine: time_machine.TimeMachineFixture
) -> None:
    _phq9(people, seen, SEVERE)
    time_machine.move_to(NOW + timedelta(hours=1), tick=True)
    _review(people, seen)
    assert len(_severe_tasks(people.kooth_practitioner)) == 1  # a review alone is not enough
    _plan(people, seen)
    assert _severe_tasks(people.kooth_practitioner) == []
    assert _severe_tasks(people.kooth_lead) == []


def test_a_safety_plan_alone_after_the_score_is_not_enough(
    people: People, seen: Referral, time_machine: time_machine.TimeMachineFixture
) -> None:
    _phq9(people, seen, SEVERE)
    time_machine.move_to(NOW + timedelta(hours=1), tick=True)
    _plan(people, seen)
    assert len(_severe_tasks(people.kooth_practitioner)) == 1


def test_a_review_and_a_plan_from_before_the_score_do_not_count(
    people: People, seen: Referral, time_machine: time_machine.TimeMachineFixture
) -> None:
    _review(people, seen)
    _plan(people, seen)
    time_machine.move_to(NOW + timedelta(hours=1), tick=True)
    _phq9(people, seen, SEVERE)
    assert len(_severe_tasks(people.kooth_practitioner)) == 1


def test_a_score_out_of_the_severe_range_is_no_task(people: People, seen: Referral) -> None:
    response = _phq9(people, seen, MILD)
    assert (response.severe, response.scores["scores"][0]["band"]) == (False, "Mild")
    assert _severe_tasks(people.kooth_practitioner) == []
    assert _severe_tasks(people.kooth_lead) == []


def test_a_later_score_out_of_the_severe_range_ends_the_task(
    people: People, seen: Referral, time_machine: time_machine.TimeMachineFixture
) -> None:
    _phq9(people, seen, SEVERE)
    time_machine.move_to(NOW + timedelta(days=7), tick=True)
    _phq9(people, seen, MILD)
    assert _severe_tasks(people.kooth_lead) == []


@pytest.mark.parametrize("status", [Status.WAITING, Status.IN_TRANSITION, Status.DISCHARGED])
def test_a_child_not_in_intervention_gets_no_task(
    people: People, seen: Referral, status: Status
) -> None:
    _phq9(people, seen, SEVERE)
    Referral.objects.filter(pk=seen.pk).update(status=status)
    assert _severe_tasks(people.kooth_practitioner) == []
    assert _severe_tasks(people.kooth_lead) == []


def test_it_goes_to_the_named_practitioner_and_with_nobody_named_to_every_practitioner(
    people: People, seen: Referral
) -> None:
    colleague = make_user(
        "kai-kooth", Role.PRACTITIONER, organisation(seen.child.alliance, "kooth")
    )
    task = [(SEVERE_SCORE, seen.reference, NEXT_WORKING_DAY)]
    _phq9(people, seen, SEVERE)
    assert (_severe_tasks(colleague), _severe_tasks(people.kooth_lead)) == ([], task)
    Referral.objects.filter(pk=seen.pk).update(named_practitioner=None)  # nobody holds them
    for user in (people.kooth_practitioner, colleague, people.kooth_lead):
        assert _severe_tasks(user) == task
    assert _severe_tasks(people.chums_practitioner) == []


def test_the_rule_is_one_query_whatever_the_number_of_children(
    alliance: Alliance, people: People, django_assert_num_queries: object
) -> None:
    for name in ("Ada", "Bo", "Cy"):
        child = make_child(
            alliance, name, born=date(2009, 5, 1), allocated_to="kooth",
            status=Status.IN_INTERVENTION,
        )  # fmt: skip
        _phq9(people, child.referrals.get(), SEVERE)
    with django_assert_num_queries(1):  # type: ignore[operator]
        found = list(unreviewed_severe(Referral.objects.all()).order_by("child__given_name"))
    assert [r.child.given_name for r in found] == ["Ada", "Bo", "Cy"]


# The severe range, as data


def test_the_severe_bands_are_phq9_from_20_and_gad7_from_15() -> None:
    phq9, gad7 = get_measure("phq-9"), get_measure("gad-7")
    assert phq9 is not None and gad7 is not None

    def severe(measure: object, total: int) -> bool:
        answers = {str(n): 0 for n in range(1, len(measure.items) + 1)}  # type: ignore[attr-defined]
        for n in range(total):  # spread the total over the questions, 3 at most each
            answers[str(n % len(answers) + 1)] += 1
        return bool(in_severe_range(measure, score(measure, answers, 17, "female")))  # type: ignore[arg-type]

    assert (severe(phq9, 19), severe(phq9, 20), severe(phq9, 27)) == (False, True, True)
    assert (severe(gad7, 14), severe(gad7, 15)) == (False, True)
    # No band applies under 16, so nothing is severe.
    assert in_severe_range(phq9, score(phq9, {str(n): 3 for n in range(1, 10)}, 15, "male")) == ()


def test_a_band_marked_severe_must_be_clinical(tmp_path: Path) -> None:
    text = (DATA_DIR / "gad-7.toml").read_text(encoding="utf-8")
    broken = text.replace('{ min = 15, name = "Severe", clinical = true, severe = true }',
                          '{ min = 15, name = "Severe", severe = true }')  # fmt: skip
    assert broken != text
    path = tmp_path / "gad-7.toml"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(MeasureFileError) as error:
        parse(path)
    assert str(error.value) == (
        f"{path}: entry subscales[0] 'total', field 'cutoffs[0].bands[3].severe': "
        "a severe band is clinical too"
    )


def test_responses_saved_before_the_field_are_marked_by_their_band(
    people: People, seen: Referral
) -> None:
    severe, mild = _phq9(people, seen, SEVERE), _phq9(people, seen, MILD)
    MeasureResponse.objects.update(severe=False)
    migration = importlib.import_module("onedoor.outcomes.migrations.0002_severe_scores")
    migration.mark_severe(apps, None)
    assert list(MeasureResponse.objects.order_by("pk").values_list("pk", "severe")) == [
        (severe.pk, True), (mild.pk, False),
    ]  # fmt: skip
