"""UK postcodes: the format rules, and the canonical form."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onedoor.children.postcode import district, normalise_postcode


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("M1 1AE", "M1 1AE"),  # A9
        ("B33 8TH", "B33 8TH"),  # A99
        ("W1A 0AX", "W1A 0AX"),  # A9A
        ("ME4 4AB", "ME4 4AB"),  # AA9
        ("CR2 6XH", "CR2 6XH"),  # AA9
        ("DN55 1PT", "DN55 1PT"),  # AA99
        ("ME14 1XX", "ME14 1XX"),  # AA99
        ("EC1A 1BB", "EC1A 1BB"),  # AA9A
        ("SW1A 2AA", "SW1A 2AA"),  # AA9A
        ("GIR 0AA", "GIR 0AA"),  # Girobank
    ],
)
def test_it_accepts_every_shape_of_outward_code(typed: str, canonical: str) -> None:
    assert normalise_postcode(typed) == canonical


@pytest.mark.parametrize(
    "typed",
    [
        "me44ab",
        " ME4 4AB ",
        "me4  4ab",
        "Me4\u00a04aB",
        "ME4\t4AB",
        "ME4 4AB\n",
        "\uff2d\uff25\uff14 \uff14\uff21\uff22",
    ],
)
def test_it_puts_any_case_and_spacing_in_the_canonical_form(typed: str) -> None:
    assert normalise_postcode(typed) == "ME4 4AB"


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "   ",
        "ME4",  # a lone outward code
        "4AB",  # a lone inward code
        "ME4 4ABX",  # too long
        "ME4 4AB 4AB",
        "XME4 4AB",
        "MEE4 4AB",  # three letters
        "ME444 4AB",  # three digits
        "ME4 44AB",  # a space in the wrong place is not guessed at
        "ME 44AB",
        "M E4 4AB",
        "ME4 AAB",  # inward must start with a digit
        "ME4 4A",
        "ME4 OAB",  # letter O for zero
        "ME4 4CB",  # C, I, K, M, O, V never appear in the inward letters
        "ME4 4IB",
        "ME4 4KB",
        "ME4 4AM",
        "ME4 4AO",
        "ME4 4AV",
        "QE4 4AB",  # Q, V, X never come first
        "VE4 4AB",
        "XE4 4AB",
        "MI4 4AB",  # I, J, Z never come second
        "MJ4 4AB",
        "MZ4 4AB",
        "W1I 0AX",  # A9A takes A B C D E F G H J K P S T U W
        "W1L 0AX",
        "EC1C 1BB",  # AA9A takes A B E H M N P R V W X Y
        "EC1D 1BB",
        "ME4-4AB",
        "ME4 4AB.",
        "ME4 4A\u0412",  # a Cyrillic letter that looks like B
        "GIR 0AB",
        "not a postcode",
    ],
)
def test_it_rejects_anything_that_is_not_a_uk_postcode(typed: str) -> None:
    assert normalise_postcode(typed) is None


@pytest.mark.parametrize(
    ("postcode", "outward"),
    [("ME4 4AB", "ME4"), ("M1 1AE", "M1"), ("DN55 1PT", "DN55"), ("EC1A 1BB", "EC1A")],
)
def test_the_district_is_the_outward_code(postcode: str, outward: str) -> None:
    assert district(postcode) == outward


first = st.sampled_from("ABCDEFGHIJKLMNOPRSTUWYZ")
second = st.sampled_from("ABCDEFGHKLMNOPQRSTUVWXY")
digit = st.sampled_from("0123456789")
inward = st.builds(
    lambda d, a, b: d + a + b,
    digit,
    st.sampled_from("ABDEFGHJLNPQRSTUWXYZ"),
    st.sampled_from("ABDEFGHJLNPQRSTUWXYZ"),
)
outward = st.one_of(
    st.builds(lambda a, d: a + d, first, digit),
    st.builds(lambda a, d, e: a + d + e, first, digit, digit),
    st.builds(lambda a, d, b: a + d + b, first, digit, st.sampled_from("ABCDEFGHJKPSTUW")),
    st.builds(lambda a, b, d: a + b + d, first, second, digit),
    st.builds(lambda a, b, d, e: a + b + d + e, first, second, digit, digit),
    st.builds(
        lambda a, b, d, c: a + b + d + c, first, second, digit, st.sampled_from("ABEHMNPRVWXY")
    ),
)
canonical_postcodes = st.builds(lambda o, i: f"{o} {i}", outward, inward)


@given(canonical_postcodes)
def test_normalising_a_canonical_postcode_returns_it_unchanged(postcode: str) -> None:
    assert normalise_postcode(postcode) == postcode


@given(canonical_postcodes)
def test_normalising_without_the_space_and_in_lower_case_gives_the_canonical_form(
    postcode: str,
) -> None:
    assert normalise_postcode(postcode.replace(" ", "").lower()) == postcode
    assert district(postcode) == postcode.split(" ")[0]


@given(st.text(alphabet="ABCDEGIKMOQVXZ0123456789 abcmeo", max_size=10))
def test_whatever_it_returns_is_itself_canonical(typed: str) -> None:
    result = normalise_postcode(typed)
    assert result is None or normalise_postcode(result) == result
