"""Consent to refer: whose consent counts, at 16 and over and under 16."""

from __future__ import annotations

import pytest

from onedoor.referrals.consent import SELF_CONSENT_AGE, consent_problem
from onedoor.referrals.models import ConsentGivenBy

NO_CONSENT = (
    "The referral needs consent to be made. Ask the young person, or a parent or carer if "
    "they are under 16, whether they agree to the referral."
)
WHO_GAVE_IT = "Say who gave consent to the referral: the young person, or a parent or carer."
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


def problem(
    age: int, given_by: str, *, judged_competent: bool | None = None, consent: bool = True
) -> str | None:
    return consent_problem(
        age=age, consent_to_refer=consent, given_by=given_by, judged_competent=judged_competent
    )


def test_young_people_consent_for_themselves_from_16() -> None:
    assert SELF_CONSENT_AGE == 16


def test_the_givers_are_the_models_choices() -> None:
    assert {choice.value for choice in ConsentGivenBy} == {"young_person", "parent_carer"}


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
