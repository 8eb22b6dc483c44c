"""A question about risk in an outcome measure (PHQ-9's question 9, YP-CORE's question 4, any
item a measure file marks `risk = true`) is never silently empty: the practitioner's form
refuses to save without it unless they say the young person chose not to answer it; the
family's link saves without it; either way the response is flagged "risk not answered", a
task on My tasks, and shown on the measures page. It never prorates away unseen."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from onedoor.alliance.models import Alliance
from onedoor.audit.models import AuditEvent
from onedoor.children.models import TimelineEvent
from onedoor.outcomes.actions import invite, record_response
from onedoor.outcomes.measures import DATA_DIR, MeasureFileError, load_measures
from onedoor.outcomes.models import MeasureResponse
from onedoor.outcomes.scoring import Reason, Result, review_reasons, score, unanswered_risk_items
from onedoor.referrals.models import Referral, Status
from onedoor.worklist.items import due_items_for
from tests.personas import People, make_child, sign_in

MEASURES = load_measures([DATA_DIR])
PHQ9 = MEASURES["phq-9"]
YP_CORE = MEASURES["yp-core"]

# YP-CORE answers, a total of 9 (items 3, 5 and 10 reverse-scored), and the same without
# question 4, the question about self-harm
LOW = {"1": 1, "2": 1, "3": 3, "4": 0, "5": 3, "6": 1, "7": 1, "8": 1, "9": 1, "10": 3}
WITHOUT_4 = {key: value for key, value in LOW.items() if key != "4"}


def _phq9(values: list[int | None]) -> dict[str, int | None]:
    return {str(n): v for n, v in enumerate(values, start=1) if v is not None}


@pytest.fixture
def waiting(alliance: Alliance, people: People) -> Referral:
    """Kai, waiting for Kooth, held by Kim (its named practitioner)."""
    child = make_child(alliance, "Kai", allocated_to="kooth", status=Status.WAITING)
    Referral.objects.filter(child=child).update(named_practitioner=people.kooth_practitioner)
    return child.referrals.get()


def _tasks(user: object) -> list[tuple[str, str]]:
    return [(item.what, item.referral.child.given_name) for item in due_items_for(user)]  # type: ignore[arg-type,union-attr]


# The pure rule (scoring.py)


def test_the_shipped_measures_mark_these_questions_about_risk() -> None:
    marked = {slug: tuple(i.key for i in m.risk_items) for slug, m in MEASURES.items()}
    assert {slug: keys for slug, keys in marked.items() if keys} == {
        "phq-9": ("9",),
        "yp-core": ("4",),
    }
    assert PHQ9.risk_items[0].text == (
        "Thoughts that you would be better off dead, or of hurting yourself in some way"
    )


def test_phq9_without_question_9_is_prorated_from_the_rest_and_flagged_risk_not_answered() -> None:
    # 8 from the other 8 answers, scaled by 9/8 = 9: the score still shows how they are
    result = score(PHQ9, _phq9([1, 2, 1, 1, 0, 2, 1, 0, None]), 17, "female")
    total = result.get("total")
    assert total is not None
    assert (total.value, total.answered, total.missing, total.prorated, total.band) == (
        9, 8, 1, True, "Mild",
    )  # fmt: skip
    assert (result.risk_items, result.risk_unanswered) == ((), ("9",))
    assert review_reasons(PHQ9, None, result) == (Reason.RISK_NOT_ANSWERED,)
    assert Reason.RISK_NOT_ANSWERED.words == "The risk question was not answered"


def test_a_missing_risk_answer_is_flagged_even_when_too_many_are_missing_to_score() -> None:
    result = score(PHQ9, _phq9([1, 2, None, None, 0, 2, 1, 0, None]), 17, "male")
    total = result.get("total")
    assert total is not None
    assert (total.value, total.reason) == (
        None, "Not scored: 3 of 9 answers missing (at most 2 allowed)",
    )  # fmt: skip
    assert review_reasons(PHQ9, None, result) == (Reason.RISK_NOT_ANSWERED,)


def test_a_missing_risk_answer_is_flagged_beside_other_reasons_for_a_review() -> None:
    first = score(PHQ9, _phq9([0, 0, 0, 0, 0, 0, 0, 0, 0]), 17, "male")
    latest = score(PHQ9, _phq9([3, 3, 2, 2, 1, 1, 1, 1, None]), 17, "male")  # 14 * 9/8 = 16
    assert latest.get("total").value == 16  # type: ignore[union-attr]
    assert review_reasons(PHQ9, first, latest) == (
        Reason.CROSSED_INTO_CLINICAL_RANGE,
        Reason.RELIABLE_DETERIORATION,
        Reason.RISK_NOT_ANSWERED,
    )


def test_a_risk_question_answered_at_its_lowest_is_neither_a_risk_nor_unanswered() -> None:
    result = score(PHQ9, _phq9([1, 1, 1, 1, 1, 1, 1, 1, 0]), 17, "male")
    assert (result.risk_items, result.risk_unanswered, review_reasons(PHQ9, None, result)) == (
        (), (), (),
    )  # fmt: skip
    assert unanswered_risk_items(PHQ9, _phq9([1, 1, 1, 1, 1, 1, 1, 1, 0])) == ()


def test_dont_know_to_a_risk_question_counts_as_not_answered(tmp_path: Path) -> None:
    text = (DATA_DIR / "gad-7.toml").read_text(encoding="utf-8")
    text = text.replace('slug = "gad-7"', 'slug = "my-measure"')
    text = text.replace(
        'text = "Feeling afraid as if something awful might happen"',
        'text = "Feeling afraid as if something awful might happen"\nrisk = true',
    )
    text = text.replace(
        '[[items]]\nkey = "1"',
        '[[options]]\nvalue = 9\nlabel = "Don\'t know"\nscored = false\n\n[[items]]\nkey = "1"',
    )
    (tmp_path / "my-measure.toml").write_text(text, encoding="utf-8")
    measure = load_measures([tmp_path])["my-measure"]
    answers = {"1": 1, "2": 1, "3": 1, "4": 1, "5": 1, "6": 1, "7": 9}
    assert [item.key for item in unanswered_risk_items(measure, answers)] == ["7"]
    result = score(measure, answers, 17, "male")
    assert (result.get("total").value, result.risk_unanswered) == (7, ("7",))  # type: ignore[union-attr]


def test_the_unanswered_risk_questions_are_named_by_their_number() -> None:
    assert [item.key for item in unanswered_risk_items(YP_CORE, WITHOUT_4)] == ["4"]
    assert YP_CORE.question_words(unanswered_risk_items(YP_CORE, WITHOUT_4)) == "question 4"
    assert YP_CORE.question_words(YP_CORE.items[3:5]) == "questions 4 and 5"
    assert unanswered_risk_items(MEASURES["gad-7"], {}) == ()  # no question about risk


def test_a_response_scored_before_risk_not_answered_was_recorded_reads_as_answered() -> None:
    result = score(YP_CORE, WITHOUT_4, 14, "male")
    stored = result.to_json()
    assert stored["risk_unanswered"] == ["4"]
    assert Result.from_json(stored) == result
    del stored["risk_unanswered"]
    assert Result.from_json(stored).risk_unanswered == ()


def test_a_measure_file_may_not_reverse_score_a_question_about_risk(tmp_path: Path) -> None:
    text = (DATA_DIR / "yp-core.toml").read_text(encoding="utf-8")
    text = text.replace(
        'subscales = ["total"]\nrisk = true', 'subscales = ["total"]\nrisk = true\nreverse = true'
    )
    path = tmp_path / "yp-core.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(MeasureFileError) as caught:
        load_measures([tmp_path])
    assert str(caught.value) == (
        f"{path}: entry items[3] '4', field 'risk': a risk item cannot be reverse-scored: "
        "its lowest option must mean no risk"
    )


# The practitioner (record_response and the measures page)


def test_the_practitioner_cannot_save_without_the_risk_answer_and_nothing_is_written(
    people: People, waiting: Referral
) -> None:
    audits, events = AuditEvent.objects.count(), TimelineEvent.objects.count()
    with pytest.raises(ValidationError) as caught:
        record_response(user=people.kooth_practitioner, referral=waiting, measure="yp-core",
                        answers=WITHOUT_4, completed_by="young_person")  # fmt: skip
    assert caught.value.messages == [
        "Answer question 4, about risk, or say that the young person chose not to answer it"
    ]
    with pytest.raises(ValidationError) as contradicted:
        record_response(user=people.kooth_practitioner, referral=waiting, measure="yp-core",
                        answers=LOW, completed_by="young_person", risk_declined=True)  # fmt: skip
    assert contradicted.value.messages == ["Every question about risk in YP-CORE has an answer"]
    assert MeasureResponse.objects.count() == 0
    assert (AuditEvent.objects.count(), TimelineEvent.objects.count()) == (audits, events)


def test_a_risk_question_the_young_person_chose_not_to_answer_is_saved_and_a_task(
    people: People, waiting: Referral
) -> None:
    response = record_response(
        user=people.kooth_practitioner, referral=waiting, measure="yp-core", answers=WITHOUT_4,
        completed_by="young_person", risk_declined=True,
    )  # fmt: skip
    total = response.scores["scores"][0]
    # 9 from 9 answers, scaled by 10/9 = 10
    assert (total["value"], total["prorated"], response.scores["risk_unanswered"]) == (
        10, True, ["4"],
    )  # fmt: skip
    assert response.answers == WITHOUT_4
    assert (response.needs_review, response.review_reasons) == (True, ["risk_not_answered"])
    for user in (people.kooth_practitioner, people.kooth_lead):
        assert _tasks(user) == [("Review an outcome measure: risk question not answered", "Kai")]
    for user in (people.chums_practitioner, people.triage):
        assert [what for what, name in _tasks(user) if name == "Kai"] == []


def test_the_measures_page_refuses_a_missing_risk_answer_then_saves_the_young_persons_choice(
    client: Client, people: People, waiting: Referral
) -> None:
    sign_in(client, people.kooth_practitioner)
    url = f"/care/{waiting.uuid}/measures/"
    data = {"response-completed_by": "young_person"}
    data.update({f"response-item_{key}": str(value) for key, value in WITHOUT_4.items()})
    refused = client.post(f"{url}new/yp-core/", data)
    assert refused.status_code == 400
    assert refused.context["form"].errors == {
        "item_4": ["Answer question 4, or say that the young person chose not to answer it"]
    }
    assert MeasureResponse.objects.count() == 0
    saved = client.post(f"{url}new/yp-core/", {**data, "response-item_4": "declined"})
    assert saved["Location"] == url
    response = MeasureResponse.objects.get()
    assert (response.answers, response.review_reasons) == (WITHOUT_4, ["risk_not_answered"])
    html = client.get(url).content.decode()
    assert "Risk not answered</strong>" in html
    assert "The risk question was not answered." in html
    form = client.get(f"{url}new/yp-core/").content.decode()
    assert "The young person chose not to answer</label>" in form
    assert "except a question about risk: if the young person chose not to answer it" in form


# The family's single-use link


def test_the_link_saves_a_measure_without_the_risk_answer_and_flags_it(
    client: Client, people: People, waiting: Referral
) -> None:
    invitation = invite(
        user=people.kooth_practitioner, referral=waiting, measure="yp-core",
        respondent="young_person", email="kai@example.org",
    )  # fmt: skip
    url = f"/measures/{invitation.token}/"
    assert "You can leave this question out if you would rather not." in (
        client.get(url).content.decode()
    )
    answers = {f"response-item_{key}": str(value) for key, value in WITHOUT_4.items()}
    missing_another = {k: v for k, v in answers.items() if k != "response-item_1"}
    refused = client.post(url, missing_another)
    assert (refused.status_code, refused.context["form"].errors) == (
        400, {"item_1": ["Answer question 1"]},
    )  # fmt: skip
    done = client.post(url, answers)
    assert "Thank you: your answers have been sent" in done.content.decode()
    response = MeasureResponse.objects.get()
    assert (response.completed_by, response.answers, response.review_reasons) == (
        "young_person", WITHOUT_4, ["risk_not_answered"],
    )  # fmt: skip
    assert response.scores["scores"][0]["value"] == 10
    assert _tasks(people.kooth_practitioner) == [
        ("Review an outcome measure: risk question not answered", "Kai")
    ]
