"""NHS numbers and referral reference numbers: check characters catch mistakes, and an NHS
number must be one that could have been issued (its range, and a Scottish CHI number's date
of birth), by the `nhs-number` package's published rules."""

from __future__ import annotations

import random
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pytest_django import Settings

from onedoor.children import nhs_number
from onedoor.referrals import reference


def test_a_known_valid_nhs_number_passes_with_spaces_or_dashes() -> None:
    assert nhs_number.is_valid("943 476 5919")
    assert nhs_number.is_valid("943-476-5919")
    assert nhs_number.format_nhs_number("9434765919") == "943 476 5919"


def test_a_wrong_check_digit_or_length_fails() -> None:
    assert not nhs_number.is_valid("9434765918")
    assert not nhs_number.is_valid("943476591")
    assert not nhs_number.is_valid("94347659190")
    assert not nhs_number.is_valid("94347659AB")
    assert not nhs_number.is_valid("")


NOT_ISSUED = "This is not an NHS number that could have been issued: "


def _with_check_digit(first_nine: str) -> str:
    digit = nhs_number.check_digit(first_nine)
    assert digit is not None
    return first_nine + str(digit)


@pytest.mark.parametrize(
    ("number", "issued_by"),
    [
        ("401 023 2137", "England, Wales and the Isle of Man"),
        ("601 234 5674", "England, Wales and the Isle of Man"),
        ("010 110 1236", "Scotland: born 1 January 2010"),
        ("311 299 1230", "Scotland: born 31 December 1999"),
        ("300 410 1238", "Scotland: born 30 April 2010"),
        ("320 000 0015", "Northern Ireland"),
        ("399 999 9993", "Northern Ireland"),
    ],
)
def test_a_number_in_an_issued_range_with_its_check_digit_is_accepted(
    number: str, issued_by: str
) -> None:
    assert (nhs_number.problem(number), nhs_number.is_valid(number)) == (None, True), issued_by


@pytest.mark.parametrize(
    ("born", "shown"),
    [
        ("310299", "31/02/99"),  # 31 February
        ("310410", "31/04/10"),  # 31 April
        ("290201", "29/02/01"),  # 29 February 2001: not a leap year
        ("290221", "29/02/21"),
        ("131310", "13/13/10"),  # month 13
        ("150010", "15/00/10"),  # month 0
        ("320110", None),  # day 32: Northern Ireland's range, not a CHI number
    ],
)
def test_a_scottish_chi_number_must_start_with_a_real_date_of_birth(
    born: str, shown: str | None
) -> None:
    number = next(
        _with_check_digit(f"{born}{rest}")
        for rest in range(100, 1000)
        if nhs_number.check_digit(f"{born}{rest}") is not None
    )
    if shown is None:
        assert nhs_number.problem(number) is None
        return
    assert nhs_number.problem(number) == NOT_ISSUED + (
        "numbers from 010 to 311 are Scottish CHI numbers, which start with the date of "
        f"birth, and {shown} is not a real date"
    )
    assert not any(nhs_number.is_valid(number[:9] + str(digit)) for digit in range(10))


@pytest.mark.parametrize("year", ["00", "04", "96", "68", "72"])
def test_29_february_is_a_date_of_birth_in_a_year_whose_two_digits_can_be_a_leap_year(
    year: str,
) -> None:
    # CHI years have two digits: '00' is 2000, a leap year (1900 was not, but no child alive
    # was born then); the package reads 00 to 68 as 2000 to 2068 and 69 to 99 as 1969 to 1999
    assert nhs_number.is_valid(_with_check_digit(f"2902{year}123"))


@pytest.mark.parametrize(
    ("number", "why"),
    [
        ("500 000 0005", "numbers starting with 5 are reserved and never issued"),
        (
            "800 000 0008",
            "numbers from 800 to 859 are the Republic of Ireland's health identifiers, not NHS "
            "numbers",
        ),
        *(
            (
                number,
                "no numbers are issued in its range (England, Wales and the Isle of Man issue "
                "numbers starting 4, 6 or 7; Scotland 010 to 311; Northern Ireland 320 to 399)",
            )
            for number in ("000 000 0019", "311 300 0009", "860 000 0009")
        ),
    ],
)
def test_a_number_outside_every_issued_range_is_refused_saying_why(number: str, why: str) -> None:
    assert nhs_number.check_digit(nhs_number.normalise(number)[:9]) == int(number[-1])
    assert (nhs_number.problem(number), nhs_number.is_valid(number)) == (NOT_ISSUED + why, False)


def test_a_wrong_check_digit_is_refused_saying_why() -> None:
    assert nhs_number.problem("401 023 2138") == NOT_ISSUED + (
        "the last digit is a check digit, and it does not fit the nine before it (check for a "
        "mistyped digit, or two digits the wrong way round)"
    )
    assert nhs_number.problem("40102321") == "An NHS number is 10 digits, like 485 777 3456"


def test_test_numbers_starting_with_9_are_accepted_only_where_the_setting_allows(
    settings: Settings,
) -> None:
    settings.NHS_TEST_NUMBERS = True  # the demo, DEBUG and the tests
    assert nhs_number.is_valid("999 000 0018")
    assert nhs_number.is_valid("943 476 5919")
    settings.NHS_TEST_NUMBERS = False  # a live service: no child has one
    assert nhs_number.problem("999 000 0018") == NOT_ISSUED + (
        "numbers starting with 9 are for testing and never given to a person"
    )
    assert not nhs_number.is_valid("943 476 5919")
    assert nhs_number.is_valid("401 023 2137")


issued = st.one_of(
    st.integers(min_value=400_000_000, max_value=499_999_999),
    st.integers(min_value=600_000_000, max_value=799_999_999),
    st.integers(min_value=320_000_000, max_value=399_999_999),
    st.builds(
        lambda born, rest: int(f"{born:%d%m%y}{rest:03d}"),
        st.dates(min_value=date(1969, 1, 1), max_value=date(2068, 12, 31)),
        st.integers(min_value=0, max_value=999),
    ),
).filter(lambda n: nhs_number.check_digit(f"{n:09d}") is not None)


@given(issued)
def test_every_number_in_an_issued_range_with_its_check_digit_is_accepted(first_nine: int) -> None:
    assert nhs_number.problem(_with_check_digit(f"{first_nine:09d}")) is None


@given(issued, st.integers(min_value=0, max_value=9), st.integers(min_value=1, max_value=9))
def test_any_single_mistyped_digit_of_an_issued_number_is_refused(
    first_nine: int, position: int, change: int
) -> None:
    number = _with_check_digit(f"{first_nine:09d}")
    typed = str((int(number[position]) + change) % 10)
    assert not nhs_number.is_valid(number[:position] + typed + number[position + 1 :])


@given(
    st.integers(min_value=1, max_value=31),
    st.integers(min_value=1, max_value=12),
    st.integers(min_value=0, max_value=99),
    st.integers(min_value=0, max_value=999),
)
def test_a_chi_range_number_is_accepted_exactly_when_its_first_six_digits_are_a_date(
    day: int, month: int, year: int, rest: int
) -> None:
    first_nine = f"{day:02d}{month:02d}{year:02d}{rest:03d}"
    if nhs_number.check_digit(first_nine) is None:
        return
    century = 2000 if year <= 68 else 1900
    try:
        date(century + year, month, day)
        real = True
    except ValueError:
        real = False
    assert nhs_number.is_valid(_with_check_digit(first_nine)) is real


def test_nine_digits_whose_check_would_be_10_make_no_valid_number() -> None:
    # 10 x 0 + ... chosen so that 11 - (total mod 11) == 10
    first_nine = next(
        f"{n:09d}" for n in range(10**9) if nhs_number.check_digit(f"{n:09d}") is None
    )
    assert all(not nhs_number.is_valid(first_nine + str(digit)) for digit in range(10))


def test_a_new_reference_is_eight_unambiguous_characters_and_valid() -> None:
    value = reference.new_reference()
    assert len(value) == 8
    assert set(value) <= set(reference.ALPHABET)
    assert not set("01IOLU") & set(reference.ALPHABET)
    assert reference.is_valid(value)
    assert reference.is_valid(reference.display(value).lower())


references = (
    st.text(alphabet=reference.ALPHABET, min_size=7, max_size=7)
    .filter(lambda body: reference.check_character(body) is not None)
    .map(lambda body: body + str(reference.check_character(body)))
)


@pytest.mark.parametrize("seed", range(40))
def test_every_single_error_and_neighbour_swap_is_caught_for_a_reference(seed: int) -> None:
    valid = reference.new_reference(random.Random(seed).randrange)
    for i in range(8):
        for typed in reference.ALPHABET.replace(valid[i], ""):
            assert not reference.is_valid(valid[:i] + typed + valid[i + 1 :])
    for i in range(7):
        if valid[i] != valid[i + 1]:
            assert not reference.is_valid(valid[:i] + valid[i + 1] + valid[i] + valid[i + 2 :])


@given(references, st.integers(min_value=0, max_value=7), st.sampled_from(reference.ALPHABET))
def test_any_single_mistyped_character_is_caught(value: str, position: int, typed: str) -> None:
    if typed == value[position]:
        return
    mistyped = value[:position] + typed + value[position + 1 :]
    assert not reference.is_valid(mistyped)


@given(references, st.integers(min_value=0, max_value=6))
def test_any_swap_of_neighbouring_characters_is_caught(value: str, position: int) -> None:
    if value[position] == value[position + 1]:
        return
    swapped = value[:position] + value[position + 1] + value[position] + value[position + 2 :]
    assert not reference.is_valid(swapped)
