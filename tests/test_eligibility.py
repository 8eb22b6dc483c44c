"""Eligibility: age at the referral date, with the SEND and care-leaver extension, and the area."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onedoor.referrals.eligibility import Eligibility, EligibilityRules, age_on, assess

MEDWAY = EligibilityRules(
    min_age=5,
    max_age=18,
    extended_max_age=25,
    area_districts=frozenset({"ME1", "ME2", "ME3", "ME4", "ME5", "ME7", "ME8"}),
    gp_practices=frozenset({"G82001"}),
    area_name="Medway",
)
REFERRAL_DATE = date(2026, 6, 15)
AGES = (
    "The alliance works with children and young people aged 5 to 18 "
    "(up to 25 for young people with SEND and care leavers)."
)
AREA = (
    "The alliance serves children and young people who live in Medway "
    "or are registered with a GP there."
)


def born_years_before(years: int, *, days: int = 0) -> date:
    """The date of birth of someone whose `years`th birthday is `days` after the referral."""
    return REFERRAL_DATE.replace(year=REFERRAL_DATE.year - years) + timedelta(days=days)


def check(born: date, *, extends_age: bool = False, postcode: str = "ME4 4AB") -> Eligibility:
    return assess(
        date_of_birth=born,
        referral_date=REFERRAL_DATE,
        extends_age=extends_age,
        postcode=postcode,
        rules=MEDWAY,
    )


def test_age_is_in_completed_years_and_turns_on_the_birthday() -> None:
    born = date(2010, 6, 15)
    assert age_on(born, date(2026, 6, 14)) == 15
    assert age_on(born, date(2026, 6, 15)) == 16
    assert age_on(born, date(2026, 6, 16)) == 16
    assert age_on(born, born) == 0


def test_someone_born_on_29_february_is_a_year_older_on_1_march_in_a_common_year() -> None:
    born = date(2008, 2, 29)
    assert age_on(born, date(2026, 2, 28)) == 17
    assert age_on(born, date(2026, 3, 1)) == 18


def test_someone_born_on_29_february_is_a_year_older_on_29_february_in_a_leap_year() -> None:
    born = date(2008, 2, 29)
    assert age_on(born, date(2028, 2, 28)) == 19
    assert age_on(born, date(2028, 2, 29)) == 20
    assert age_on(born, date(2028, 3, 1)) == 20


def test_someone_born_on_28_february_or_1_march_has_their_birthday_that_day() -> None:
    assert age_on(date(2008, 2, 28), date(2026, 2, 28)) == 18
    assert age_on(date(2008, 3, 1), date(2026, 2, 28)) == 17
    assert age_on(date(2008, 3, 1), date(2026, 3, 1)) == 18


@pytest.mark.parametrize(
    ("years", "days", "extends_age", "eligible"),
    [
        (5, 1, False, False),  # the day before the 5th birthday
        (5, 0, False, True),  # the 5th birthday
        (5, -1, False, True),
        (18, 1, False, True),
        (18, 0, False, True),
        (18, -1, False, True),
        (19, 1, False, True),  # the day before the 19th birthday: still 18
        (19, 0, False, False),  # the 19th birthday
        (19, -1, False, False),
        (19, 0, True, True),
        (25, 1, True, True),
        (25, 0, True, True),
        (25, -1, True, True),
        (26, 1, True, True),  # the day before the 26th birthday: still 25
        (26, 0, True, False),  # the 26th birthday
        (26, -1, True, False),
        (5, 1, True, False),  # the extension does not lower the youngest age
    ],
)
def test_the_age_rule_turns_on_the_birthday(
    years: int, days: int, extends_age: bool, eligible: bool
) -> None:
    result = check(born_years_before(years, days=days), extends_age=extends_age)
    assert result.eligible is eligible


def test_a_young_person_of_22_without_send_or_care_leaver_status_is_told_why() -> None:
    assert check(born_years_before(22)) == Eligibility(
        eligible=False,
        reasons=(
            f"{AGES} This young person is 22 on the date of the referral. "
            "If the longer age range applies to them, please tell us.",
        ),
    )


def test_a_care_leaver_or_young_person_with_send_of_22_is_eligible() -> None:
    assert check(born_years_before(22), extends_age=True) == Eligibility(eligible=True, reasons=())


def test_a_young_person_of_26_is_told_the_upper_age_without_the_hint() -> None:
    for extends_age in (True, False):
        assert check(born_years_before(26), extends_age=extends_age).reasons == (
            f"{AGES} This young person is 26 on the date of the referral.",
        )


def test_a_child_of_4_is_told_the_youngest_age() -> None:
    assert check(born_years_before(4)).reasons == (
        f"{AGES} This child is 4 on the date of the referral.",
    )


def test_a_baby_is_described_as_under_1() -> None:
    assert check(born_years_before(0, days=-30)).reasons == (
        f"{AGES} This child is under 1 year old on the date of the referral.",
    )


def test_a_date_of_birth_after_the_referral_is_caught() -> None:
    assert check(REFERRAL_DATE + timedelta(days=1)).reasons == (
        "The date of birth is after the date of the referral. Please check it.",
    )


def test_the_message_leaves_out_the_extension_when_an_alliance_has_none() -> None:
    rules = EligibilityRules(
        min_age=5,
        max_age=18,
        extended_max_age=18,
        area_districts=frozenset({"ME4"}),
        gp_practices=frozenset(),
        area_name="Medway",
    )
    result = assess(
        date_of_birth=born_years_before(19),
        referral_date=REFERRAL_DATE,
        extends_age=True,
        postcode="ME4 4AB",
        rules=rules,
    )
    assert result.reasons == (
        "The alliance works with children and young people aged 5 to 18. "
        "This young person is 19 on the date of the referral.",
    )


def test_the_age_limits_come_from_the_rules() -> None:
    rules = EligibilityRules(
        min_age=0,
        max_age=16,
        extended_max_age=21,
        area_districts=frozenset({"TN1"}),
        gp_practices=frozenset(),
        area_name="Tunbridge Wells",
        extended_for="care leavers",
    )
    result = assess(
        date_of_birth=born_years_before(17),
        referral_date=REFERRAL_DATE,
        extends_age=False,
        postcode="TN1 1AA",
        rules=rules,
    )
    assert result.reasons == (
        "The alliance works with children and young people aged 0 to 16 (up to 21 for care "
        "leavers). This young person is 17 on the date of the referral. If the longer age "
        "range applies to them, please tell us.",
    )


@pytest.mark.parametrize("postcode", ["ME4 4AB", "me8 0aa", "ME1 1AA", "ME7 1XX"])
def test_a_child_living_in_the_area_is_eligible(postcode: str) -> None:
    assert check(born_years_before(10), postcode=postcode) == Eligibility(True, ())


@pytest.mark.parametrize("postcode", ["ME6 5AA", "ME14 1XX", "DA1 1AA", "", "not a postcode"])
def test_a_child_living_outside_the_area_without_a_gp_there_is_told_why(postcode: str) -> None:
    assert check(born_years_before(10), postcode=postcode) == Eligibility(False, (AREA,))


@pytest.mark.parametrize("gp_ods_code", ["G82001", "g82001", " G82001 "])
def test_a_child_living_outside_the_area_with_a_gp_there_is_eligible(gp_ods_code: str) -> None:
    result = assess(
        date_of_birth=born_years_before(10),
        referral_date=REFERRAL_DATE,
        extends_age=False,
        postcode="DA1 1AA",
        gp_ods_code=gp_ods_code,
        rules=MEDWAY,
    )
    assert result == Eligibility(eligible=True, reasons=())


def test_a_gp_outside_the_area_does_not_make_a_child_eligible() -> None:
    result = assess(
        date_of_birth=born_years_before(10),
        referral_date=REFERRAL_DATE,
        extends_age=False,
        postcode="DA1 1AA",
        gp_ods_code="G99999",
        rules=MEDWAY,
    )
    assert result == Eligibility(eligible=False, reasons=(AREA,))


def test_both_reasons_are_given_when_both_rules_fail() -> None:
    assert check(born_years_before(30), postcode="DA1 1AA") == Eligibility(
        eligible=False,
        reasons=(f"{AGES} This young person is 30 on the date of the referral.", AREA),
    )


births = st.dates(min_value=date(1950, 1, 1), max_value=date(2040, 12, 31))


@given(births, st.dates(min_value=date(1950, 1, 1), max_value=date(2099, 12, 30)))
def test_age_never_goes_down_from_one_day_to_the_next(born: date, day: date) -> None:
    if day < born:
        return
    assert age_on(born, day + timedelta(days=1)) >= age_on(born, day)


@given(births, st.integers(min_value=1, max_value=60))
def test_age_goes_up_by_exactly_one_across_each_birthday(born: date, years: int) -> None:
    try:
        birthday = born.replace(year=born.year + years)
    except ValueError:  # 29 February in a common year: the birthday is 1 March
        birthday = date(born.year + years, 3, 1)
    assert age_on(born, birthday - timedelta(days=1)) == years - 1
    assert age_on(born, birthday) == years


@given(births, st.integers(min_value=0, max_value=3650))
def test_age_agrees_with_counting_whole_years(born: date, days: int) -> None:
    day = born + timedelta(days=days)
    age = age_on(born, day)
    assert 0 <= age <= days // 365
    assert _years_after(born, age) <= day < _years_after(born, age + 1)


def _years_after(born: date, years: int) -> date:
    try:
        return born.replace(year=born.year + years)
    except ValueError:
        return date(born.year + years, 3, 1)
