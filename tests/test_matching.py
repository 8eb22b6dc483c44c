"""One child, one journey: names, trigrams as pg_trgm makes them, and candidate matches."""

from __future__ import annotations

import dataclasses
import string
from datetime import date

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from onedoor.children import nhs_number
from onedoor.children.names import NAME_VARIANTS, canonical_given_name, normalise_name
from onedoor.referrals.matching import (
    GIVEN_NAME_THRESHOLD,
    MATCH_TYPO_MIN_LENGTH,
    SIMILARITY_THRESHOLD,
    Match,
    Person,
    compare,
    date_of_birth_variants,
    given_name_forms,
    one_typo_apart,
    similarity,
    trigrams,
)

ROBERT = Person("Robert", "Smith", date(2012, 4, 3), "ME4 4AB")
NHS_NUMBER = "9434765919"
OTHER_NHS_NUMBER = "4010232137"
EVERYTHING_THE_SAME = ("Same date of birth", "Same family name", "Same given name", "Same postcode")

# Common surnames in England and Wales of five letters or more.
SURNAMES = [
    "smith", "jones", "taylor", "brown", "williams", "wilson", "johnson", "davies", "patel",
    "wright", "robinson", "thompson", "evans", "walker", "white", "roberts", "green", "thomas",
    "clarke", "jackson", "harris", "edwards", "turner", "martin", "cooper", "hughes", "begum",
    "hussain", "campbell", "richardson",
]  # fmt: skip


# Names


@pytest.mark.parametrize(
    ("typed", "normalised"),
    [
        ("Zoë O'Neill-Smith", "zoe o neill smith"),
        ("  JOHN   paul ", "john paul"),
        ("O\u2019Brien", "o brien"),
        ("Mary\u2013Jane", "mary jane"),
        ("St. John", "st john"),
        ("D`Arcy", "d arcy"),
        ("Søren Ødegaard", "soren odegaard"),
        ("Ægir", "aegir"),
        ("Straße", "strasse"),
        ("Łukasz Wałęsa", "lukasz walesa"),
        ("José Núñez", "jose nunez"),
        ("Smith2", "smith"),
        ("Smith (twin)", "smith twin"),
        ("李", ""),
        ("", ""),
    ],
)
def test_it_normalises_names_to_lower_case_ascii_words(typed: str, normalised: str) -> None:
    assert normalise_name(typed) == normalised


@pytest.mark.parametrize(
    ("given_name", "canonical"),
    [
        ("Bob", "robert"),
        ("Bobby Lee", "robert lee"),
        ("ROBBIE", "robert"),
        ("Robert", "robert"),
        ("Catherine", "katherine"),
        ("Katie-May", "katherine may"),
        ("Mohammed Ali", "muhammad ali"),
        ("Harry", "henry"),
        ("Liam", "liam"),  # a name in its own right
        ("Sam", "sam"),  # Samuel or Samantha: left alone
        ("Alex", "alex"),
        ("Charlie", "charlie"),
        ("Lee Bob", "lee bob"),  # only the first word
        ("", ""),
    ],
)
def test_the_canonical_given_name_maps_the_first_word_only(given_name: str, canonical: str) -> None:
    assert canonical_given_name(given_name) == canonical


def test_every_name_variant_is_a_normalised_word_mapped_to_a_canonical_one() -> None:
    for variant, canonical in NAME_VARIANTS.items():
        assert normalise_name(variant) == variant
        assert normalise_name(canonical) == canonical
        assert " " not in variant + canonical
        assert canonical not in NAME_VARIANTS
        assert variant != canonical


@pytest.mark.parametrize(
    "ambiguous",
    ["alex", "sam", "sammy", "charlie", "chris", "jo", "ellie", "bella", "beth", "ted", "jamie"],
)
def test_ambiguous_forms_are_not_mapped(ambiguous: str) -> None:
    assert ambiguous not in NAME_VARIANTS


# Trigrams and similarity, as pg_trgm computes them


def test_a_word_is_padded_with_two_spaces_before_and_one_after() -> None:
    assert trigrams("smith") == {"  s", " sm", "smi", "mit", "ith", "th "}
    assert trigrams("a") == {"  a", " a "}


def test_words_are_runs_of_letters_and_digits_taken_in_lower_case() -> None:
    assert trigrams("X-y") == {"  x", " x ", "  y", " y "}
    assert trigrams("Ab1") == {"  a", " ab", "ab1", "b1 "}
    assert trigrams(" - '") == set()
    assert trigrams("") == set()


def test_trigrams_are_a_set() -> None:
    assert trigrams("aaaa") == {"  a", " aa", "aaa", "aa "}


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        # Each value as PostgreSQL 15's pg_trgm returned it.
        ("smith", "smyth", 0.33333334),
        ("smith", "smtih", 0.2),
        ("o neill", "oneill", 0.5),
        ("word", "two words", 0.36363637),
        ("jon", "john", 0.2857143),
        ("abc123", "abc124", 0.5555556),
        ("aaa", "aaaa", 1.0),
        ("mcdonald", "macdonald", 0.5833333),
        ("Smith", "SMITH", 1.0),
        ("x-y", "x y", 1.0),
        ("", "abc", 0.0),
        ("", "", 0.0),
    ],
)
def test_similarity_is_pg_trgms(a: str, b: str, expected: float) -> None:
    assert similarity(a, b) == expected


def test_the_threshold_is_pg_trgms_default() -> None:
    assert SIMILARITY_THRESHOLD == 0.3


@pytest.mark.parametrize("surname", SURNAMES)
def test_one_changed_letter_in_a_family_name_of_five_letters_or_more_stays_similar(
    surname: str,
) -> None:
    for position in range(len(surname)):
        for letter in string.ascii_lowercase.replace(surname[position], ""):
            typo = surname[:position] + letter + surname[position + 1 :]
            assert similarity(surname, typo) >= SIMILARITY_THRESHOLD


@pytest.mark.parametrize("surname", [name for name in SURNAMES if len(name) >= 7])
def test_two_swapped_letters_in_a_family_name_of_seven_letters_or_more_stay_similar(
    surname: str,
) -> None:
    for position in range(len(surname) - 1):
        typo = (
            surname[:position] + surname[position + 1] + surname[position] + surname[position + 2 :]
        )
        assert similarity(surname, typo) >= SIMILARITY_THRESHOLD


def test_two_swapped_letters_in_a_short_family_name_still_match_as_one_typo() -> None:
    # Trigrams alone miss it (the swap touches four of the six trigrams) ...
    assert similarity("smith", "smtih") == 0.2
    # ... so one typo apart counts as family-name evidence too.
    match = compare(dataclasses.replace(ROBERT, family_name="Smtih"), ROBERT)
    assert match is not None
    assert "Family name spelt differently (Smtih, Smith)" in match.reasons


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("smith", "smtih", True),  # neighbours swapped
        ("smith", "smyth", True),  # one changed
        ("smith", "smiths", True),  # one added
        ("taylor", "tylor", True),  # one removed
        ("smith", "smith", False),  # the same is not a typo
        ("smith", "stimh", False),  # two changes
        ("hall", "hell", True),
        ("amy", "ame", False),  # too short to judge
        ("ella", "elsa", True),
        ("ella", "emma", False),
    ],
)
def test_one_typo_apart(a: str, b: str, expected: bool) -> None:
    assert one_typo_apart(a, b) is expected
    assert one_typo_apart(b, a) is expected


# Dates of birth


@pytest.mark.parametrize(
    ("born", "variants"),
    [
        (date(2012, 4, 3), {date(2012, 4, 3), date(2012, 3, 4)}),
        (date(2012, 12, 1), {date(2012, 12, 1), date(2012, 1, 12)}),
        (date(2012, 4, 4), {date(2012, 4, 4)}),
        (date(2012, 4, 13), {date(2012, 4, 13)}),
        (date(2012, 2, 29), {date(2012, 2, 29)}),
    ],
)
def test_date_of_birth_variants_add_the_day_and_month_swapped(
    born: date, variants: set[date]
) -> None:
    assert date_of_birth_variants(born) == frozenset(variants)


# Candidates


def test_the_same_nhs_number_is_a_match_of_100() -> None:
    described = dataclasses.replace(ROBERT, nhs_number="943 476 5919")
    known = dataclasses.replace(ROBERT, nhs_number=NHS_NUMBER)
    assert compare(described, known) == Match(100, ("Same NHS number", *EVERYTHING_THE_SAME))


def test_the_same_nhs_number_is_a_match_whatever_else_differs() -> None:
    described = Person("Amy", "Jones", date(2010, 1, 20), "DA1 1AA", NHS_NUMBER)
    known = dataclasses.replace(ROBERT, nhs_number=NHS_NUMBER)
    assert compare(described, known) == Match(100, ("Same NHS number",))


def test_different_nhs_numbers_are_different_children_whatever_else_matches() -> None:
    described = dataclasses.replace(ROBERT, nhs_number=NHS_NUMBER)
    known = dataclasses.replace(ROBERT, nhs_number=OTHER_NHS_NUMBER)
    assert compare(described, known) is None


@pytest.mark.parametrize("other", ["", "9434765918", "12345"])
def test_a_missing_or_invalid_nhs_number_leaves_it_to_the_other_details(other: str) -> None:
    described = dataclasses.replace(ROBERT, nhs_number=NHS_NUMBER)
    known = dataclasses.replace(ROBERT, nhs_number=other)
    assert compare(described, known) == Match(99, EVERYTHING_THE_SAME)


def test_a_child_matches_themselves_with_the_score_capped_at_99() -> None:
    assert compare(ROBERT, ROBERT) == Match(99, EVERYTHING_THE_SAME)


def test_a_name_variant_matches_and_says_which_name_it_is_a_form_of() -> None:
    described = dataclasses.replace(ROBERT, given_name="Bob")
    assert compare(described, ROBERT) == Match(
        99,
        (
            "Same date of birth",
            "Same family name",
            "Given name is a form of Robert (Bob)",
            "Same postcode",
        ),
    )
    assert compare(ROBERT, described) == compare(described, ROBERT)


def test_two_variants_of_one_name_match() -> None:
    described = dataclasses.replace(ROBERT, given_name="Bobby")
    known = dataclasses.replace(ROBERT, given_name="Robbie", postcode="ME4 6XY")
    assert compare(described, known) == Match(
        99,
        (
            "Same date of birth",
            "Same family name",
            "Given names are both forms of Robert (Bobby, Robbie)",
            "Same postcode area (ME4)",
        ),
    )


def test_a_family_name_spelt_differently_matches() -> None:
    described = dataclasses.replace(ROBERT, family_name="Smyth", postcode="DA1 1AA")
    assert compare(described, ROBERT) == Match(
        85,
        ("Same date of birth", "Family name spelt differently (Smyth, Smith)", "Same given name"),
    )


def test_a_given_name_spelt_differently_matches() -> None:
    described = Person("Sophie", "Patel", date(2015, 9, 21), "ME7 1AA")
    known = Person("Sophia", "Patel", date(2015, 9, 21), "ME7 1AA")
    assert compare(described, known) == Match(
        95,
        (
            "Same date of birth",
            "Same family name",
            "Given name spelt differently (Sophie, Sophia)",
            "Same postcode",
        ),
    )


def test_a_date_of_birth_with_day_and_month_swapped_matches() -> None:
    described = dataclasses.replace(ROBERT, date_of_birth=date(2012, 3, 4))
    assert compare(described, ROBERT) == Match(
        95,
        (
            "Date of birth with day and month swapped",
            "Same family name",
            "Same given name",
            "Same postcode",
        ),
    )


def test_the_lowest_scoring_match_on_the_date_of_birth() -> None:
    described = Person("Sophie", "Smyth", date(2012, 3, 4), "DA1 1AA")
    known = Person("Sophia", "Smith", date(2012, 4, 3), "")
    assert compare(described, known) == Match(
        65,
        (
            "Date of birth with day and month swapped",
            "Family name spelt differently (Smyth, Smith)",
            "Given name spelt differently (Sophie, Sophia)",
        ),
    )


def test_a_different_date_of_birth_matches_only_at_the_same_postcode_with_strong_names() -> None:
    described = dataclasses.replace(ROBERT, given_name="Bob", date_of_birth=date(2011, 7, 30))
    assert compare(described, ROBERT) == Match(
        65, ("Same family name", "Given name is a form of Robert (Bob)", "Same postcode")
    )
    assert compare(dataclasses.replace(described, postcode="ME4 6XY"), ROBERT) is None
    assert compare(dataclasses.replace(described, postcode=""), ROBERT) is None


def test_without_the_date_of_birth_a_similar_but_not_strong_name_is_not_enough() -> None:
    described = dataclasses.replace(ROBERT, family_name="Smyth", date_of_birth=date(2011, 7, 30))
    assert compare(described, ROBERT) is None
    sophie = Person("Sophie", "Patel", date(2015, 9, 21), "ME7 1AA")
    assert (
        compare(
            dataclasses.replace(sophie, given_name="Sophia", date_of_birth=date(2014, 1, 1)), sophie
        )
        is None
    )


def test_without_the_date_of_birth_a_strongly_similar_family_name_is_enough() -> None:
    described = Person("Robert", "Vaughan-Williams", date(2011, 7, 30), "ME4 4AB")
    known = Person("Robert", "Vaughan William", date(2012, 4, 3), "ME4 4AB")
    assert similarity("vaughan williams", "vaughan william") == 0.8333333
    assert compare(described, known) == Match(
        55,
        (
            "Family name spelt differently (Vaughan-Williams, Vaughan William)",
            "Same given name",
            "Same postcode",
        ),
    )


def test_twins_with_different_given_names_are_not_candidates() -> None:
    amy = Person("Amy", "Patel", date(2014, 5, 6), "ME5 9QT")
    assert compare(dataclasses.replace(amy, given_name="Ella"), amy) is None
    assert (
        compare(
            dataclasses.replace(amy, given_name="Jake"), dataclasses.replace(amy, given_name="Jack")
        )
        is None
    )


@pytest.mark.parametrize(
    ("written", "known"),
    [
        ("Teho", "Theo"),  # a nickname's typo, for the nickname
        ("Teho", "Theodore"),  # and for the name it is a form of
        ("Bbo", "Robert"),
        ("Bobyb", "Bob"),
        ("Robret", "Bobby"),  # the name's typo, for a nickname
        ("Aav", "Ava"),  # three letters, a letter swapped with its neighbour
        ("Avaa", "Ava"),  # a letter doubled
    ],
)
def test_a_typo_in_a_given_name_or_its_nickname_is_evidence(written: str, known: str) -> None:
    described = dataclasses.replace(ROBERT, given_name=written)
    assert compare(described, dataclasses.replace(ROBERT, given_name=known)) == Match(
        95,
        (
            "Same date of birth",
            "Same family name",
            f"Given name spelt differently ({written}, {known})",
            "Same postcode",
        ),
    )


def test_twins_whose_names_are_one_letter_apart_are_proposed_for_the_triage_lead() -> None:
    """The price of finding Aav for Ava: Mia for a known Nia, and Tim for a known Tom."""
    nia = Person("Nia", "Patel", date(2014, 5, 6), "ME5 9QT")
    assert compare(dataclasses.replace(nia, given_name="Mia"), nia) == Match(
        95,
        (
            "Same date of birth",
            "Same family name",
            "Given name spelt differently (Mia, Nia)",
            "Same postcode",
        ),
    )
    tom = dataclasses.replace(nia, given_name="Tom")
    match = compare(dataclasses.replace(nia, given_name="Tim"), tom)
    assert match is not None
    assert (match.score, match.reasons[2]) == (95, "Given name spelt differently (Tim, Tom)")


def test_a_name_of_two_letters_is_never_a_typo() -> None:
    mo = dataclasses.replace(ROBERT, given_name="Mo")
    assert compare(dataclasses.replace(ROBERT, given_name="Jo"), mo) is None


def test_a_different_family_name_is_not_a_candidate() -> None:
    assert compare(dataclasses.replace(ROBERT, family_name="Jones"), ROBERT) is None


def test_a_different_date_of_birth_at_another_postcode_is_not_a_candidate() -> None:
    described = dataclasses.replace(ROBERT, date_of_birth=date(2012, 4, 4), postcode="ME4 6XY")
    assert compare(described, ROBERT) is None


def test_a_child_without_names_in_latin_letters_is_matched_only_by_nhs_number() -> None:
    described = Person("明", "李", date(2012, 4, 3), "ME4 4AB")
    assert compare(described, described) is None
    with_number = dataclasses.replace(described, nhs_number=NHS_NUMBER)
    assert compare(with_number, with_number) == Match(
        100, ("Same NHS number", "Same date of birth", "Same postcode")
    )


@pytest.mark.parametrize("surname", SURNAMES)
def test_a_one_letter_typo_in_the_family_name_is_still_a_candidate(surname: str) -> None:
    known = Person("Amy", surname.title(), date(2014, 5, 6), "ME5 9QT")
    for position in range(len(surname)):
        typo = surname[:position] + "q" + surname[position + 1 :]
        match = compare(dataclasses.replace(known, family_name=typo.title()), known)
        if typo != surname:
            assert match is not None
            assert match.score == 95


# Properties

letters = st.sampled_from(string.ascii_letters + "éëøæñçüö")
name_parts = st.text(letters, min_size=1, max_size=10)
names = st.one_of(
    name_parts,
    st.builds(lambda a, b: f"{a}-{b}", name_parts, name_parts),
    st.builds(lambda a, b: f"{a} {b}", name_parts, name_parts),
    st.builds(lambda a, b: f"{a}'{b}", name_parts, name_parts),
    st.sampled_from(sorted(NAME_VARIANTS)),
).filter(lambda name: normalise_name(name) != "")
postcodes = st.sampled_from(["ME4 4AB", "ME4 6XY", "ME7 1AA", "DA1 1AA", "SW1A 2AA", ""])
births = st.dates(min_value=date(2000, 1, 1), max_value=date(2025, 12, 31))
people = st.builds(Person, names, names, births, postcodes)


def valid_nhs_number(first_nine: int) -> str | None:
    """The number with its check digit, if it could have been issued (the right range, and a
    real date of birth in a Scottish CHI number)."""
    digits = f"{first_nine:09d}"
    check = nhs_number.check_digit(digits)
    number = None if check is None else digits + str(check)
    return number if number is not None and nhs_number.is_valid(number) else None


nhs_numbers = (
    st.one_of(
        st.integers(min_value=400_000_000, max_value=499_999_999),  # England, Wales, IoM
        st.integers(min_value=600_000_000, max_value=799_999_999),
        st.integers(min_value=320_000_000, max_value=399_999_999),  # Northern Ireland
        st.builds(  # Scotland: the date of birth, then three digits
            lambda born, rest: int(f"{born:%d%m%y}{rest:03d}"),
            st.dates(min_value=date(1969, 1, 1), max_value=date(2068, 12, 31)),
            st.integers(min_value=0, max_value=999),
        ),
        st.integers(min_value=900_000_000, max_value=999_999_999),  # for testing
    )
    .map(valid_nhs_number)
    .filter(lambda number: number is not None)
)


@given(people)
def test_a_person_always_matches_themselves(person: Person) -> None:
    score = 99 if person.postcode else 95
    expected = EVERYTHING_THE_SAME if person.postcode else EVERYTHING_THE_SAME[:3]
    assert compare(person, person) == Match(score, expected)


@given(people)
def test_swapping_the_day_and_month_still_matches(person: Person) -> None:
    born = person.date_of_birth
    assume(born.day <= 12 and born.day != born.month)
    described = dataclasses.replace(person, date_of_birth=date(born.year, born.day, born.month))
    match = compare(described, person)
    assert match is not None
    assert match.reasons[0] == "Date of birth with day and month swapped"


@given(people, nhs_numbers, nhs_numbers)
def test_different_valid_nhs_numbers_never_match(person: Person, ours: str, theirs: str) -> None:
    assume(ours != theirs)
    described = dataclasses.replace(person, nhs_number=ours)
    assert compare(described, dataclasses.replace(person, nhs_number=theirs)) is None


@given(people, names)
def test_changing_only_the_given_name_to_an_unrelated_one_never_matches(
    person: Person, other: str
) -> None:
    # Unrelated: in none of the forms compared (as written, canonical, a nickname's) are the
    # two names alike or one typo apart; a typo'd short name (Bic for Aic, Mia for Nia) is
    # evidence on purpose (the test above).
    forms = [(a, b) for a in given_name_forms(other) for b in given_name_forms(person.given_name)]
    assume(
        canonical_given_name(other) != canonical_given_name(person.given_name)
        and all(
            a != b
            and similarity(a, b) < GIVEN_NAME_THRESHOLD
            and not one_typo_apart(a, b, shortest=MATCH_TYPO_MIN_LENGTH)
            for a, b in forms
        )
    )
    assert compare(dataclasses.replace(person, given_name=other), person) is None


def test_a_three_letter_name_one_letter_from_another_is_spelt_differently() -> None:
    """The example hypothesis found: Bic for a known Aic, with everything else the same."""
    aic = Person("Aic", "A", date(2000, 1, 1), "ME4 4AB")
    match = compare(dataclasses.replace(aic, given_name="Bic"), aic)
    assert match is not None
    assert (match.score, match.reasons[2]) == (95, "Given name spelt differently (Bic, Aic)")


@given(st.text(string.ascii_lowercase, min_size=5, max_size=15), st.data())
def test_one_changed_letter_keeps_a_name_without_repeated_trigrams_similar(
    name: str, data: st.DataObject
) -> None:
    assume(len(trigrams(name)) == len(name) + 1)
    position = data.draw(st.integers(min_value=0, max_value=len(name) - 1))
    letter = data.draw(st.sampled_from(string.ascii_lowercase))
    assert similarity(name, name[:position] + letter + name[position + 1 :]) >= 1 / 3


texts = st.text(st.sampled_from(string.printable + "éø李"), max_size=20)


@given(texts, texts)
def test_similarity_is_symmetric_and_between_0_and_1(a: str, b: str) -> None:
    assert similarity(a, b) == similarity(b, a)
    assert 0.0 <= similarity(a, b) <= 1.0


@given(texts)
def test_anything_with_a_letter_or_digit_is_wholly_similar_to_itself(text: str) -> None:
    assume(any(c.isascii() and c.isalnum() for c in text))
    assert similarity(text, text) == 1.0
