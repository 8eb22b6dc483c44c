"""Consent to refer: whose consent counts, at 16 and over and under 16; a young person's own
consent with competence to be confirmed; and what triage is told to check."""

from __future__ import annotations

from datetime import date

import pytest

from onedoor.children.models import CarerContact
from onedoor.referrals import consent
from onedoor.referrals.consent import (
    NO_PR_WARNING,
    OWN_CONSENT_FROM,
    PR_NOT_KNOWN_WARNING,
    SELF_CONSENT_AGE,
    allocation_problem,
    asks_competence_questions,
    consent_problem,
    consent_words,
    given_by_for,
    parental_responsibility_warning,
    reviewable,
    understands,
)
from onedoor.referrals.eligibility import age_on
from onedoor.referrals.models import Competence, ConsentGivenBy

NO_CONSENT = (
    "The referral needs consent to be made. Ask the young person, or a parent or carer if "
    "they are under 16, whether they agree to the referral."
)
WHO_GAVE_IT = (
    "Say who gave consent to the referral: the young person, a parent or carer, or another adult."
)
PARENT_NOT_ENOUGH = (
    "At 16 and over, young people agree to a referral themselves: a parent or carer's consent "
    "is not enough. Ask the young person for their consent."
)
COMPETENCE_NOT_SAID = (
    "Under 16, a young person can consent for themselves only when they are judged competent "
    "to. Say whether they are, or ask a parent or carer for consent."
)
NOT_COMPETENT = (
    "This young person has not been judged competent to consent for themselves, so a parent "
    "or carer needs to give consent."
)


ANOTHER_ADULT_NOT_ENOUGH = (
    "At 16 and over, young people agree to a referral themselves: another adult's consent is not "
    "enough. Ask the young person for their consent."
)
UNDER_12 = (
    "Under 12, a young person cannot send a referral on their own consent: a parent or carer, "
    "or a professional who knows them, needs to be involved."
)


def problem(
    age: int,
    given_by: str,
    *,
    judged_competent: bool | None = None,
    consent: bool = True,
    competence: str = "",
) -> str | None:
    return consent_problem(
        age=age,
        consent_to_refer=consent,
        given_by=given_by,
        judged_competent=judged_competent,
        competence=competence,
    )


def test_young_people_consent_for_themselves_from_16() -> None:
    assert SELF_CONSENT_AGE == 16


def test_the_givers_are_the_models_choices() -> None:
    assert set(consent.GIVERS) == set(ConsentGivenBy.values)
    assert set(consent.GIVERS) == {"young_person", "parent_carer", "other_adult"}
    assert {consent.TO_CONFIRM, consent.JUDGED_BY_REFERRER, consent.CONFIRMED, consent.REVISIT} == (
        set(Competence.values)
    )
    assert {consent.HAS_PR, consent.NO_PR, consent.PR_NOT_KNOWN} == set(
        CarerContact.ParentalResponsibility.values
    )


@pytest.mark.parametrize("age", [5, 15, 16, 25])
@pytest.mark.parametrize("given_by", ["young_person", "parent_carer"])
def test_a_referral_without_consent_is_refused_at_any_age(age: int, given_by: str) -> None:
    assert problem(age, given_by, judged_competent=True, consent=False) == NO_CONSENT


@pytest.mark.parametrize("given_by", ["", "teacher", "YOUNG_PERSON"])
def test_consent_from_someone_unknown_is_a_problem(given_by: str) -> None:
    assert problem(16, given_by) == WHO_GAVE_IT
    assert problem(12, given_by, judged_competent=True) == WHO_GAVE_IT


@pytest.mark.parametrize("judged_competent", [None, True, False])
def test_a_young_person_of_16_consents_for_themselves(judged_competent: bool | None) -> None:
    assert problem(16, "young_person", judged_competent=judged_competent) is None
    assert problem(22, ConsentGivenBy.YOUNG_PERSON, judged_competent=judged_competent) is None


@pytest.mark.parametrize("judged_competent", [None, True, False])
def test_a_parents_consent_alone_is_not_enough_at_16(judged_competent: bool | None) -> None:
    assert problem(16, "parent_carer", judged_competent=judged_competent) == PARENT_NOT_ENOUGH
    assert problem(19, ConsentGivenBy.PARENT_CARER) == PARENT_NOT_ENOUGH


def test_a_young_person_of_15_judged_competent_consents_for_themselves() -> None:
    assert problem(15, "young_person", judged_competent=True) is None
    assert problem(11, ConsentGivenBy.YOUNG_PERSON, judged_competent=True) is None


def test_a_young_person_of_15_not_judged_competent_needs_a_parent() -> None:
    assert problem(15, "young_person", judged_competent=False) == NOT_COMPETENT


def test_under_16_the_competence_question_must_be_answered_for_self_consent() -> None:
    assert problem(15, "young_person", judged_competent=None) == COMPETENCE_NOT_SAID


@pytest.mark.parametrize("judged_competent", [None, True, False])
def test_under_16_a_parent_or_carer_can_consent(judged_competent: bool | None) -> None:
    assert problem(15, "parent_carer", judged_competent=judged_competent) is None
    assert problem(5, ConsentGivenBy.PARENT_CARER, judged_competent=judged_competent) is None


@pytest.mark.parametrize("judged_competent", [None, True, False])
def test_another_adults_consent_alone_is_not_enough_at_16(judged_competent: bool | None) -> None:
    assert problem(16, "other_adult", judged_competent=judged_competent) == ANOTHER_ADULT_NOT_ENOUGH


@pytest.mark.parametrize("age", [5, 10, 15])
def test_under_16_another_adult_can_consent_and_triage_is_told_to_check(age: int) -> None:
    assert problem(age, "other_adult") is None
    assert parental_responsibility_warning(
        age=age, given_by="other_adult", parental_responsibility="no"
    ) == (NO_PR_WARNING)


# A young person referring themselves on their own consent, competence to be confirmed.


@pytest.mark.parametrize("age", [12, 13, 15])
def test_from_12_a_young_person_consents_themselves_with_competence_to_be_confirmed(
    age: int,
) -> None:
    assert OWN_CONSENT_FROM == 12
    assert problem(age, "young_person", competence="to_confirm") is None


@pytest.mark.parametrize("age", [5, 11])
def test_under_12_a_young_persons_own_consent_to_be_confirmed_is_not_enough(age: int) -> None:
    assert problem(age, "young_person", competence="to_confirm") == UNDER_12


@pytest.mark.parametrize("competence", ["judged_by_referrer", "confirmed"])
@pytest.mark.parametrize("age", [5, 11, 15])
def test_competence_judged_by_the_referrer_or_confirmed_stands_at_any_age(
    competence: str, age: int
) -> None:
    assert problem(age, "young_person", competence=competence) is None


@pytest.mark.parametrize(
    ("age", "parent_agrees", "asked"),
    [
        (None, False, False),
        (5, False, False),
        (11, False, False),
        (12, False, True),
        (15, False, True),
        (16, False, False),
        (17, False, False),
        (12, True, False),
        (15, True, False),
    ],
)
def test_the_competence_questions_are_asked_from_12_to_15_without_a_parents_agreement(
    age: int | None, parent_agrees: bool, asked: bool
) -> None:
    assert asks_competence_questions(age=age, parent_agrees=parent_agrees) is asked


@pytest.mark.parametrize(
    ("born", "on", "asked"),
    [
        # The day before the 16th birthday: still 15, asked. On the birthday: 16, not asked.
        (date(2010, 11, 21), date(2026, 11, 20), True),
        (date(2010, 11, 21), date(2026, 11, 21), False),
        # The day before the 12th birthday: 11, not asked. On the birthday: 12, asked.
        (date(2014, 11, 21), date(2026, 11, 20), False),
        (date(2014, 11, 21), date(2026, 11, 21), True),
        # Born on 29 February: in a common year the birthday falls on 1 March.
        (date(2008, 2, 29), date(2024, 2, 28), True),  # 15 the day before, in a leap year
        (date(2008, 2, 29), date(2024, 2, 29), False),  # 16 on the day
        (date(2010, 2, 28), date(2026, 2, 28), False),  # 16 on the day
        (date(2014, 2, 28), date(2026, 2, 28), True),  # 12 on the day
        (date(2014, 3, 1), date(2026, 2, 28), False),  # 11 until 1 March
        (date(2012, 2, 29), date(2024, 2, 28), False),  # 11 the day before, in a leap year
        (date(2012, 2, 29), date(2024, 2, 29), True),  # 12 on the day
    ],
)
def test_the_questions_follow_birthdays_as_the_age_helper_counts_them(
    born: date, on: date, asked: bool
) -> None:
    assert asks_competence_questions(age=age_on(born, on), parent_agrees=False) is asked


def test_born_on_29_february_a_birthday_in_a_common_year_falls_on_1_march() -> None:
    leap = date(2012, 2, 29)
    assert [age_on(leap, day) for day in (date(2027, 2, 28), date(2027, 3, 1))] == [14, 15]
    # 12 and 16 fall in leap years, on 29 February itself.
    assert [age_on(leap, day) for day in (date(2024, 2, 28), date(2024, 2, 29))] == [11, 12]
    assert [age_on(leap, day) for day in (date(2028, 2, 28), date(2028, 2, 29))] == [15, 16]


@pytest.mark.parametrize(
    ("support", "next_", "who_is_told", "ok"),
    [
        (True, True, True, True),
        (False, True, True, False),
        (True, False, True, False),
        (True, True, False, False),
        (None, True, True, False),  # not answered
    ],
)
def test_a_young_person_may_send_alone_only_understanding_all_three(
    support: bool | None, next_: bool, who_is_told: bool, ok: bool
) -> None:
    answers = {"understands_next": next_, "understands_who_is_told": who_is_told}
    if support is not None:
        answers["understands_support"] = support
    assert understands(answers) is ok


# Who gave consent, as recorded, and what triage is told.


@pytest.mark.parametrize(
    ("person", "pr", "recorded"),
    [
        ("parent_carer", "yes", "parent_carer"),
        ("parent_carer", "no", "other_adult"),
        ("parent_carer", "not_known", "other_adult"),
        ("other_adult", "yes", "other_adult"),
        ("other_adult", "not_known", "other_adult"),
        ("young_person", "", "young_person"),
    ],
)
def test_a_parent_or_carer_counts_as_one_only_with_parental_responsibility(
    person: str, pr: str, recorded: str
) -> None:
    assert given_by_for(person=person, parental_responsibility=pr) == recorded


@pytest.mark.parametrize(
    ("age", "given_by", "pr", "warning"),
    [
        (10, "other_adult", "no", NO_PR_WARNING),
        (10, "other_adult", "not_known", PR_NOT_KNOWN_WARNING),
        (15, "other_adult", "no", NO_PR_WARNING),
        (12, "parent_carer", "not_known", PR_NOT_KNOWN_WARNING),
        (10, "parent_carer", "yes", None),
        (10, "other_adult", "yes", None),
        (16, "other_adult", "no", None),  # at 16, only the young person's consent counts
        (15, "young_person", "", None),  # a competent young person
        (10, "parent_carer", "", None),  # recorded before parental responsibility was asked
    ],
)
def test_consent_from_an_adult_without_parental_responsibility_for_an_under_16_is_flagged(
    age: int, given_by: str, pr: str, warning: str | None
) -> None:
    assert NO_PR_WARNING == "Consent given by someone without parental responsibility: check"
    assert (
        parental_responsibility_warning(age=age, given_by=given_by, parental_responsibility=pr)
        == warning
    )


BY_REFERRER = "judged competent by the referrer"
TO_REVISIT = "to revisit: contact the young person or involve a parent or carer"


@pytest.mark.parametrize(
    ("given_by", "competence", "pr", "words"),
    [
        ("young_person", "to_confirm", "", "the young person (competence to be confirmed)"),
        ("young_person", "judged_by_referrer", "", f"the young person ({BY_REFERRER})"),
        ("young_person", "confirmed", "", "the young person (competence confirmed)"),
        ("young_person", "revisit", "", f"the young person ({TO_REVISIT})"),
        ("young_person", "", "", "the young person"),
        ("parent_carer", "", "yes", "a parent or carer with parental responsibility"),
        ("other_adult", "", "no", "another adult without parental responsibility"),
        ("other_adult", "", "not_known", "another adult who may not have parental responsibility"),
        ("other_adult", "", "yes", "another adult with parental responsibility"),
        ("", "", "", "not given"),
    ],
)  # fmt: skip
def test_consent_in_words_for_the_triage_page(
    given_by: str, competence: str, pr: str, words: str
) -> None:
    assert (
        consent_words(
            consent_to_refer=bool(given_by),
            given_by=given_by,
            competence=competence,
            parental_responsibility=pr,
        )
        == words
    )


def test_allocation_waits_for_the_young_persons_competence_to_be_confirmed() -> None:
    assert allocation_problem("to_confirm") == (
        "The young person's competence to consent is still to be confirmed: confirm it before "
        "allocating"
    )
    assert allocation_problem("revisit") == (
        "The young person's consent is being revisited: confirm their competence, or record a "
        "parent or carer's consent, before allocating"
    )
    for settled in ("", "judged_by_referrer", "confirmed"):
        assert allocation_problem(settled) is None


def test_only_competence_to_confirm_or_revisit_is_reviewed_by_triage() -> None:
    assert [c for c in ["", *Competence.values] if reviewable(c)] == ["to_confirm", "revisit"]
