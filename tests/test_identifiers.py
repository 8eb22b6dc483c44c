"""NHS numbers and referral reference numbers: check characters catch mistakes."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

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
