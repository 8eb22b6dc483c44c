"""Worked examples for every shipped outcome measure, with the numbers worked by hand:
full answers, prorated missing answers, too many missing, reverse-scored items, the
clinical band by age and gender, and reliable change."""

from __future__ import annotations

import pytest

from onedoor.outcomes.measures import DATA_DIR, Measure, load_measures
from onedoor.outcomes.scoring import (
    AnswerError,
    Outcome,
    Reason,
    Result,
    reliable_change,
    review_reasons,
    score,
)

MEASURES = load_measures([DATA_DIR])


def _m(slug: str) -> Measure:
    return MEASURES[slug]


def _values(result: Result) -> dict[str, float | None]:
    return {s.slug: s.value for s in result.scores}


def _bands(result: Result) -> dict[str, tuple[str, bool | None]]:
    return {s.slug: (s.band, s.clinical) for s in result.scores}


def _changes(measure: Measure, first: Result, latest: Result) -> dict[str, tuple[float, str, bool]]:
    return {
        c.slug: (c.change, str(c.outcome), c.clinically_significant)
        for c in reliable_change(measure, first, latest)
    }


def _answers(values: list[int | None]) -> dict[str, int | None]:
    return {str(n): v for n, v in enumerate(values, start=1) if v is not None}


def test_the_shipped_measures_are_these_with_their_licences() -> None:
    assert {slug: (m.kind, m.licence.electronic_use) for slug, m in MEASURES.items()} == {
        "chi-esq": ("items", True),
        "gad-7": ("items", True),
        "gbo": ("items", True),
        "ors": ("scores_only", False),
        "phq-9": ("items", True),
        "rcads-25-child": ("items", True),
        "rcads-25-parent": ("items", True),
        "sdq-parent": ("scores_only", False),
        "sdq-self": ("scores_only", False),
        "yp-core": ("items", True),
    }


# PHQ-9


def test_phq9_full_answers_sum_to_a_mild_score() -> None:
    result = score(_m("phq-9"), _answers([1, 2, 1, 1, 0, 2, 1, 0, 0]), 17, "female")
    total = result.get("total")
    assert total is not None
    assert (total.value, total.answered, total.missing, total.prorated) == (8, 9, 0, False)
    assert (total.band, total.clinical, result.risk_items) == ("Mild", False, ())


def test_phq9_prorates_one_missing_answer_to_the_full_length() -> None:
    # 9 from 8 answers, scaled by 9/8 = 10.125, rounded to 10: over the cut-off
    result = score(_m("phq-9"), _answers([2, 2, 2, 1, None, 1, 1, 0, 0]), 17, "male")
    total = result.get("total")
    assert total is not None
    assert (total.value, total.missing, total.prorated, total.band, total.clinical) == (
        10, 1, True, "Moderate", True,
    )  # fmt: skip


def test_phq9_with_three_missing_answers_is_not_scored() -> None:
    result = score(_m("phq-9"), _answers([2, 2, 2, 1, None, None, None, 0, 0]), 17, "male")
    total = result.get("total")
    assert total is not None
    assert (total.value, total.band, total.clinical, total.reason) == (
        None, "", None, "Not scored: 3 of 9 answers missing (at most 2 allowed)",
    )  # fmt: skip


def test_phq9_any_answer_to_question_9_asks_for_a_review() -> None:
    result = score(_m("phq-9"), _answers([0, 0, 0, 0, 0, 0, 0, 0, 1]), 17, "male")
    assert (result.risk_items, review_reasons(_m("phq-9"), None, result)) == (
        ("9",), (Reason.RISK_ITEM,),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("first", "latest", "expected"),
    [
        (15, 8, (-7, "improved", True)),  # 6 or more, and out of the clinical range
        (12, 7, (-5, "no_reliable_change", False)),
        (4, 10, (6, "deteriorated", True)),  # into the clinical range
        (15, 21, (6, "deteriorated", False)),  # already in the clinical range
    ],
)
def test_phq9_reliable_change_is_a_change_of_six(
    first: int, latest: int, expected: tuple[int, str, bool]
) -> None:
    def answers(total: int) -> dict[str, int | None]:
        return _answers([min(3, max(0, total - 3 * i)) for i in range(9)])

    m = _m("phq-9")
    before, after = score(m, answers(first), 17, "female"), score(m, answers(latest), 17, "female")
    assert (_values(before)["total"], _values(after)["total"]) == (first, latest)
    assert _changes(m, before, after) == {"total": expected}


def test_an_answer_the_measure_does_not_offer_is_refused() -> None:
    with pytest.raises(AnswerError, match="Question 1: 4 is not one of the answers"):
        score(_m("phq-9"), {"1": 4}, 17, "male")
    with pytest.raises(AnswerError, match="No such question in PHQ-9: 10"):
        score(_m("phq-9"), {"10": 1}, 17, "male")


# GAD-7


def test_gad7_full_and_prorated_scores_and_their_bands() -> None:
    full = score(_m("gad-7"), _answers([3, 3, 2, 2, 1, 1, 3]), 18, "female")
    assert _bands(full) == {"total": ("Severe", True)}
    assert _values(full) == {"total": 15}
    # 9 from 6 answers, scaled by 7/6 = 10.5, rounded half up to 11
    prorated = score(_m("gad-7"), _answers([2, 2, 2, 1, 1, 1, None]), 18, "female")
    assert (_values(prorated), _bands(prorated)) == ({"total": 11}, {"total": ("Moderate", True)})
    missing = score(_m("gad-7"), _answers([2, 2, 2, 1, 1, None, None]), 18, "female")
    assert missing.scores[0].reason == "Not scored: 2 of 7 answers missing (at most 1 allowed)"
    assert _changes(_m("gad-7"), prorated, full) == {"total": (4, "deteriorated", False)}
    assert _changes(_m("gad-7"), full, prorated) == {"total": (-4, "improved", False)}


# GBO


def test_gbo_averages_the_goals_rated_and_changes_by_245_per_goal() -> None:
    m = _m("gbo")
    first = score(m, {"goal_1": 2, "goal_2": 5}, 12, "male")
    assert _values(first) == {"mean": 3.5, "goal_1": 2, "goal_2": 5, "goal_3": None}
    assert first.get("goal_3").reason == "Not scored: no answers"  # type: ignore[union-attr]
    assert _bands(first)["mean"] == ("", None)  # no clinical cut-offs
    latest = score(m, {"goal_1": 6, "goal_2": 7}, 12, "male")
    assert _changes(m, first, latest) == {
        "mean": (3.0, "improved", False),
        "goal_1": (4, "improved", False),
        "goal_2": (2, "no_reliable_change", False),
    }
    worse = score(m, {"goal_1": 3, "goal_2": 7}, 12, "male")
    assert _changes(m, latest, worse)["goal_1"] == (-3, "deteriorated", False)
    assert review_reasons(m, latest, worse) == (Reason.RELIABLE_DETERIORATION,)


# YP-CORE


def _yp(values: list[int | None]) -> dict[str, int | None]:
    return _answers(values)


def test_yp_core_reverse_scores_items_3_5_and_10() -> None:
    # items 3, 5, 10 answered 4, 0, 1 score 0, 4, 3; the seven others 2 each: 14 + 7 = 21
    result = score(_m("yp-core"), _yp([2, 2, 4, 2, 0, 2, 2, 2, 2, 1]), 12, "female")
    assert _values(result) == {"total": 21}
    assert _bands(result) == {"total": ("Clinical range", True)}
    assert result.risk_items == ("4",)


@pytest.mark.parametrize(
    ("age", "gender", "expected"),
    [
        (15, "female", ("Below the clinical cut-off", False)),  # cut-off 16
        (15, "male", ("Clinical range", True)),  # cut-off 13
        (12, "female", ("Below the clinical cut-off", False)),  # cut-off 14
        (12, "male", ("Clinical range", True)),  # cut-off 11
        (15, "not_stated", ("Clinical range", True)),  # any gender: 13
        (19, "female", ("", None)),  # no cut-off for this age
    ],
)
def test_yp_core_bands_by_age_and_gender(
    age: int, gender: str, expected: tuple[str, bool | None]
) -> None:
    # a total of 13: items 1, 2 and 6 at 2; the rest 1 (reversed items answered 3)
    result = score(_m("yp-core"), _yp([2, 2, 3, 1, 3, 2, 1, 1, 1, 3]), age, gender)
    assert (_values(result)["total"], _bands(result)["total"]) == (13, expected)


def test_yp_core_prorates_one_missing_item_and_not_two() -> None:
    one = score(_m("yp-core"), _yp([2, 2, 2, None, 2, 2, 2, 2, 2, 2]), 14, "male")
    assert (_values(one), one.scores[0].prorated) == ({"total": 20}, True)  # 18 * 10 / 9
    two = score(_m("yp-core"), _yp([2, 2, 2, None, 2, 2, None, 2, 2, 2]), 14, "male")
    assert two.scores[0].reason == "Not scored: 2 of 10 answers missing (at most 1 allowed)"


def test_yp_core_reliable_change_uses_the_jacobson_truax_threshold() -> None:
    m = _m("yp-core")
    first = score(m, _yp([2, 2, 4, 2, 0, 2, 2, 2, 2, 1]), 15, "female")  # 21
    better = score(m, _yp([1, 1, 2, 0, 2, 1, 1, 0, 1, 2]), 15, "female")  # 11
    some = score(m, _yp([1, 1, 2, 0, 2, 1, 1, 2, 1, 2]), 15, "female")  # 13
    assert [_values(r)["total"] for r in (first, better, some)] == [21, 11, 13]
    # SEdiff = 7.5 * sqrt(2) * sqrt(1 - 0.80); 1.96 * SEdiff = 9.30
    assert reliable_change(m, first, better)[0].threshold == 9.3
    assert _changes(m, first, better) == {"total": (-10, "improved", True)}
    assert _changes(m, first, some) == {"total": (-8, "no_reliable_change", False)}


# RCADS-25


DEPRESSION = {1, 4, 8, 10, 13, 15, 16, 19, 21, 24}


def _rcads(
    anxiety: int, depression: int, leave_out: frozenset[int] = frozenset()
) -> dict[str, int]:
    return {
        str(n): depression if n in DEPRESSION else anxiety
        for n in range(1, 26)
        if n not in leave_out
    }


def test_rcads_child_scores_anxiety_depression_and_total() -> None:
    result = score(_m("rcads-25-child"), _rcads(1, 2), 10, "female")
    assert _values(result) == {"total": 35, "anxiety": 15, "depression": 20}
    assert _bands(result) == {
        "total": ("Borderline", True),
        "anxiety": ("Typical range", False),
        "depression": ("Clinical range", True),
    }
    boy = score(_m("rcads-25-child"), _rcads(1, 1), 14, "male")
    assert (_values(boy), _bands(boy)["total"]) == (
        {"total": 25, "anxiety": 15, "depression": 10}, ("Typical range", False),
    )  # fmt: skip


def test_rcads_prorates_each_subscale_on_its_own() -> None:
    # anxiety 13 of 15 (13 -> 15), depression 9 of 10 (18 -> 20), total 22 of 25
    # (31 * 25 / 22 = 35.2 -> 35)
    result = score(_m("rcads-25-child"), _rcads(1, 2, frozenset({1, 2, 3})), 14, "male")
    assert _values(result) == {"total": 35, "anxiety": 15, "depression": 20}
    assert [s.prorated for s in result.scores] == [True, True, True]


def test_rcads_depression_with_three_missing_is_not_scored_but_the_total_is() -> None:
    # total: 15 + 14 = 29 from 22 answers, * 25 / 22 = 32.95 -> 33
    result = score(_m("rcads-25-child"), _rcads(1, 2, frozenset({1, 4, 8})), 14, "male")
    assert _values(result) == {"total": 33, "anxiety": 15, "depression": None}
    assert result.get("depression").reason == (  # type: ignore[union-attr]
        "Not scored: 3 of 10 answers missing (at most 2 allowed)"
    )


def test_rcads_reliable_change_for_low_mood() -> None:
    m = _m("rcads-25-child")
    first, latest = score(m, _rcads(1, 2), 14, "male"), score(m, _rcads(1, 1), 14, "male")
    # depression: 1.96 * 6 * sqrt(2) * sqrt(0.15) = 6.44; 20 -> 10 is a reliable improvement
    assert reliable_change(m, first, latest)[2].threshold == 6.44
    assert _changes(m, first, latest) == {
        "total": (-10, "improved", True),  # 35 (borderline) -> 25 (typical)
        "anxiety": (0, "no_reliable_change", False),
        "depression": (-10, "improved", True),
    }


def test_rcads_parent_version_scores_the_same_way() -> None:
    result = score(_m("rcads-25-parent"), _rcads(2, 1), 9, "male")
    assert (_values(result), _bands(result)["total"]) == (
        {"total": 40, "anxiety": 30, "depression": 10}, ("Clinical range", True),
    )  # fmt: skip
    assert _m("rcads-25-parent").respondents == ("parent", "practitioner")


# CHI-ESQ


def test_chi_esq_counts_dont_know_as_missing_and_has_no_cut_offs() -> None:
    m = _m("chi-esq")
    all_good = score(m, {str(n): 2 for n in range(1, 13)}, 14, "female")
    assert _values(all_good) == {"total": 24, "care": 18, "environment": 6}
    assert _bands(all_good)["total"] == ("", None)
    # item 3 "partly true" (1), item 8 "don't know" (9): care 17; environment 4 from 2 of 3
    # items (prorated to 6); total 21 from 11 of 12 (21 * 12 / 11 = 22.9 -> 23)
    mixed = score(m, {**{str(n): 2 for n in range(1, 13)}, "3": 1, "8": 9}, 14, "female")
    assert _values(mixed) == {"total": 23, "care": 17, "environment": 6}
    unsure = score(m, {**{str(n): 2 for n in range(1, 13)}, "8": 9, "9": 9}, 14, "female")
    assert _values(unsure) == {"total": 24, "care": 18, "environment": None}
    assert reliable_change(m, all_good, mixed) == ()


# Scores-only measures: SDQ and ORS


SDQ = {"emotional": 7, "conduct": 3, "hyperactivity": 6, "peer": 2, "prosocial": 8}


def test_sdq_self_report_bands_each_scale_and_sums_the_total() -> None:
    result = score(_m("sdq-self"), SDQ, 14, "female")
    assert _values(result) == {
        "total": 18, "emotional": 7, "conduct": 3, "hyperactivity": 6, "peer": 2, "prosocial": 8,
    }  # fmt: skip
    assert _bands(result) == {
        "total": ("Borderline", True),
        "emotional": ("Abnormal", True),
        "conduct": ("Close to average", False),
        "hyperactivity": ("Borderline", True),
        "peer": ("Close to average", False),
        "prosocial": ("Close to average", False),
    }
    low = score(_m("sdq-self"), {**SDQ, "prosocial": 4}, 14, "female")
    assert _bands(low)["prosocial"] == ("Abnormal", True)  # a low prosocial score is of concern


def test_sdq_parent_report_has_its_own_cut_offs() -> None:
    result = score(_m("sdq-parent"), {**SDQ, "emotional": 3}, 8, "male")
    assert (_values(result)["total"], _bands(result)["total"]) == (14, ("Borderline", True))


def test_sdq_total_needs_all_four_difficulty_scores() -> None:
    result = score(_m("sdq-self"), {k: v for k, v in SDQ.items() if k != "peer"}, 14, "male")
    assert result.get("total").reason == "Not scored: 1 of 4 scores missing"  # type: ignore[union-attr]
    with pytest.raises(AnswerError, match="Peer problems: enter a score from 0 to 10"):
        score(_m("sdq-self"), {**SDQ, "peer": 11}, 14, "male")


def test_sdq_reliable_change_on_the_total() -> None:
    m = _m("sdq-self")
    first = score(m, {**SDQ, "emotional": 9, "peer": 4}, 14, "male")  # 22, abnormal
    latest = score(m, {**SDQ, "emotional": 4, "peer": 2}, 14, "male")  # 15, close to average
    # 1.96 * 5.2 * sqrt(2) * sqrt(0.2) = 6.45
    assert _changes(m, first, latest) == {"total": (-7, "improved", True)}


def test_ors_sums_the_four_lines_and_higher_is_better() -> None:
    m = _m("ors")
    first = score(m, {"individually": 5.5, "interpersonally": 6.0, "socially": 7.2,
                      "overall": 6.1}, 15, "female")  # fmt: skip
    assert (_values(first)["total"], _bands(first)["total"]) == (24.8, ("Clinical range", True))
    adult = score(m, {"individually": 6.5, "interpersonally": 6.0, "socially": 7.2,
                      "overall": 6.1}, 19, "female")  # fmt: skip
    assert _bands(adult)["total"] == ("Non-clinical range", False)  # 25.8: the adult cut-off is 25
    better = score(m, {"individually": 7.5, "interpersonally": 7.0, "socially": 8.0,
                       "overall": 7.6}, 15, "female")  # fmt: skip
    little = score(m, {"individually": 7.0, "interpersonally": 6.0, "socially": 8.0,
                       "overall": 7.0}, 15, "female")  # fmt: skip
    assert _changes(m, first, better) == {"total": (5.3, "improved", True)}
    assert _changes(m, first, little) == {"total": (3.2, "no_reliable_change", False)}
    assert _changes(m, better, first) == {"total": (-5.3, "deteriorated", True)}
    with pytest.raises(AnswerError, match="use at most 1 decimal places"):
        score(m, {"individually": 5.55}, 15, "female")


def test_a_score_crossing_into_the_clinical_range_asks_for_a_review() -> None:
    m = _m("gad-7")
    first = score(m, _answers([1, 1, 1, 1, 1, 1, 1]), 17, "male")  # 7, mild
    latest = score(m, _answers([2, 2, 1, 1, 1, 1, 2]), 17, "male")  # 10, moderate
    assert review_reasons(m, first, latest) == (Reason.CROSSED_INTO_CLINICAL_RANGE,)
    assert review_reasons(m, None, latest) == ()  # the first response is the baseline


def test_scores_round_trip_through_json() -> None:
    result = score(_m("rcads-25-child"), _rcads(1, 2, frozenset({1, 2, 3})), 14, "male")
    assert Result.from_json(result.to_json()) == result
    assert Outcome.IMPROVED.words == "Reliable improvement"
