"""One child, one journey: is a child already known the child a new referral is about?

This half is pure. An NHS number with a valid check digit decides on its own: the same
number is the same child (score 100), different numbers are different children. Otherwise a
known child is a candidate when there is evidence on the given name, the family name and the
date of birth, or, without the date of birth, the same postcode and both names strong:

===============================  ==========================================  =====
evidence                         holds when                                  score
===============================  ==========================================  =====
date of birth                    the same date                                  40
                                 day and month swapped                          30
family name                      the same (normalised)                          30
                                 similarity >= SIMILARITY_THRESHOLD (0.3),      20
                                 or one typo apart (3+ letters)
given name                       the same canonical form (Bob = Robert)         25
                                 in any of its forms, similarity >= 0.5,        15
                                 one typo apart (3+ letters), or the same
postcode                         the same                                       10
                                 the same district (ME4)                         5
===============================  ==========================================  =====

"One typo apart" is one letter changed, added, removed, or two neighbours swapped
(Smith, Smtih): trigrams alone miss swaps in short names. Here a three-letter name counts
(Aav, Ava), since the date of birth and the family name must agree too; the search, where a
word typed stands alone, asks four (`TYPO_MIN_LENGTH`). So twins whose names are one letter
apart (Mia, Nia; Tom, Tim) are proposed for the triage lead to rule out: a missed child
would wait on a second list.

A given name's forms (`given_name_forms`) are the name as written (normalised), its
canonical form, and the canonical forms of the table's names one typo from it: "Teho" is
compared as teho and as theodore (from Theo), so it is evidence for a Theo and a Theodore.

The total is capped at 99, which only an NHS number match exceeds. "Strong" names, for a
match without the date of birth, are the same canonical given name or a similarity of at
least 0.8, and a family name similarity of at least 0.8.

Names are compared normalised (`normalise_name`), given names in their canonical form
(`canonical_given_name`): the forms `Child.match_given_name` and `Child.match_family_name`
store (`children/names.py`). `similarity` is pg_trgm's, so PostgreSQL's trigram indexes find
the same candidates.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from onedoor.children import nhs_number
from onedoor.children.names import NAME_VARIANTS, canonical_given_name, normalise_name
from onedoor.children.postcode import district, normalise_postcode

SIMILARITY_THRESHOLD = 0.3  # pg_trgm's default for the % operator
GIVEN_NAME_THRESHOLD = 0.5
STRONG_NAME_THRESHOLD = 0.8
MAX_SCORE_WITHOUT_NHS_NUMBER = 99
# A word typed alone (the search) is one typo from another at four letters or more; in
# matching, with the date of birth and the family name beside it, at three (Aav, Ava).
TYPO_MIN_LENGTH = 4
MATCH_TYPO_MIN_LENGTH = 3

_PG_TRGM_WORD = re.compile(r"[A-Za-z0-9]+")


def trigrams(value: str) -> set[str]:
    """pg_trgm's trigrams: each alphanumeric word, lower case, padded "  word ", in threes.

    Exact for ASCII. pg_trgm's handling of other characters depends on the database's locale;
    here they separate words, as under the C locale. Pass normalised names.
    """
    result: set[str] = set()
    for word in _PG_TRGM_WORD.findall(value):
        padded = f"  {word.lower()} "
        result.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return result


@lru_cache(maxsize=65536)
def similarity(a: str, b: str) -> float:
    """pg_trgm's similarity(): shared trigrams over all trigrams, 0.0 when either has none.

    pg_trgm computes it as a `real` (single precision); this returns that value as PostgreSQL
    prints it (0.33333334 for a third), so it equals what a query returns through psycopg.
    """
    first, second = trigrams(a), trigrams(b)
    if not first or not second:
        return 0.0
    shared = len(first & second)
    return _as_postgres_real(shared / (len(first) + len(second) - shared))


def _as_postgres_real(value: float) -> float:
    """`value` rounded to single precision, then to the shortest decimal that round-trips."""
    single = _to_single(value)
    for digits in range(1, 10):
        shortest = float(f"{single:.{digits}g}")
        if _to_single(shortest) == single:
            return shortest
    return single


def _to_single(value: float) -> float:
    result: float = struct.unpack("f", struct.pack("f", value))[0]
    return result


def date_of_birth_variants(born: date) -> frozenset[date]:
    """The date, and the date with day and month swapped when that is another valid date."""
    try:
        swapped = date(born.year, born.day, born.month)
    except ValueError:
        return frozenset({born})
    return frozenset({born, swapped})


@dataclass(frozen=True)
class Person:
    given_name: str
    family_name: str
    date_of_birth: date
    postcode: str
    nhs_number: str = ""


@dataclass(frozen=True)
class Match:
    score: int  # 0 to 100
    reasons: tuple[str, ...]  # in plain words for the triage lead


@dataclass(frozen=True)
class _Evidence:
    score: int
    reason: str


def compare(described: Person, known: Person) -> Match | None:
    """Whether `known` (already on file) may be the child `described` in a new referral."""
    same_number = _same_nhs_number(described, known)
    if same_number is False:
        return None
    born = _date_of_birth(described, known)
    # Either way to a candidate needs evidence on both names: most rows read stop here.
    family, family_strong = _family_name(described, known)
    if family is None and not same_number:
        return None
    given, given_strong = _given_name(described, known)
    if given is None and not same_number:
        return None
    postcode = _postcode(described, known)
    found = [item for item in (born, family, given, postcode) if item is not None]
    reasons = tuple(item.reason for item in found)
    if same_number:
        return Match(score=100, reasons=("Same NHS number", *reasons))
    by_date_of_birth = born is not None and family is not None and given is not None
    by_address = (
        postcode is not None
        and postcode.reason == "Same postcode"
        and given_strong
        and family_strong
    )
    if not (by_date_of_birth or by_address):
        return None
    score = min(sum(item.score for item in found), MAX_SCORE_WITHOUT_NHS_NUMBER)
    return Match(score=score, reasons=reasons)


def _same_nhs_number(described: Person, known: Person) -> bool | None:
    """True or False when both have a valid NHS number, else None (not evidence either way)."""
    if not (nhs_number.is_valid(described.nhs_number) and nhs_number.is_valid(known.nhs_number)):
        return None
    return nhs_number.normalise(described.nhs_number) == nhs_number.normalise(known.nhs_number)


def _date_of_birth(described: Person, known: Person) -> _Evidence | None:
    if described.date_of_birth == known.date_of_birth:
        return _Evidence(40, "Same date of birth")
    if known.date_of_birth in date_of_birth_variants(described.date_of_birth):
        return _Evidence(30, "Date of birth with day and month swapped")
    return None


def _family_name(described: Person, known: Person) -> tuple[_Evidence | None, bool]:
    """The evidence (if any), and whether the family names are strong enough without a date."""
    ours, theirs = normalise_name(described.family_name), normalise_name(known.family_name)
    score = similarity(ours, theirs)
    strong = score >= STRONG_NAME_THRESHOLD
    if ours and ours == theirs:
        return _Evidence(30, "Same family name"), strong
    if score >= SIMILARITY_THRESHOLD or one_typo_apart(
        ours, theirs, shortest=MATCH_TYPO_MIN_LENGTH
    ):
        spellings = f"{_shown(described.family_name)}, {_shown(known.family_name)}"
        return _Evidence(20, f"Family name spelt differently ({spellings})"), strong
    return None, strong


def _given_name(described: Person, known: Person) -> tuple[_Evidence | None, bool]:
    """The evidence (if any), and whether the given names are strong enough without a date."""
    ours, theirs = (
        canonical_given_name(described.given_name),
        canonical_given_name(known.given_name),
    )
    score = similarity(ours, theirs)
    if ours and ours == theirs:
        return _Evidence(25, _variant_reason(described, known, ours)), True
    pairs = [
        (a, b)
        for a in given_name_forms(described.given_name)
        for b in given_name_forms(known.given_name)
    ]
    if any(
        (a and a == b)
        or similarity(a, b) >= GIVEN_NAME_THRESHOLD
        or one_typo_apart(a, b, shortest=MATCH_TYPO_MIN_LENGTH)
        for a, b in pairs
    ):
        spellings = f"{_shown(described.given_name)}, {_shown(known.given_name)}"
        evidence = _Evidence(15, f"Given name spelt differently ({spellings})")
        return evidence, score >= STRONG_NAME_THRESHOLD
    return None, False


@lru_cache(maxsize=65536)
def given_name_forms(given_name: str) -> frozenset[str]:
    """The forms a given name is compared in: as written (normalised), in its canonical form,
    and, for a first word that is one typo from names in the table, in theirs: "Teho" ->
    teho, theodore (from Theo)."""
    written = normalise_name(given_name)
    first, _, rest = written.partition(" ")
    near = (" ".join((name, rest)).strip() for name in _table_names_near(first))
    return frozenset({written, canonical_given_name(given_name), *near})


# Every name in the table, to its canonical form (a canonical form to itself).
_TABLE_NAMES = {**{name: name for name in NAME_VARIANTS.values()}, **NAME_VARIANTS}


@lru_cache(maxsize=65536)
def _table_names_near(word: str) -> frozenset[str]:
    """The canonical forms of the table's names one typo from `word`."""
    return frozenset(
        canonical
        for name, canonical in _TABLE_NAMES.items()
        if one_typo_apart(word, name, shortest=MATCH_TYPO_MIN_LENGTH)
    )


def one_typo_apart(a: str, b: str, *, shortest: int = TYPO_MIN_LENGTH) -> bool:
    """One letter changed, added or removed, or two neighbouring letters swapped; both
    names at least `shortest` long (shorter names differ too easily)."""
    if a == b or min(len(a), len(b)) < shortest or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        differ = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        if len(differ) == 1:
            return True
        first, second = differ[0], differ[-1]
        return (
            len(differ) == 2
            and second == first + 1
            and a[first] == b[second]
            and a[second] == b[first]
        )
    shorter, longer = (a, b) if len(a) < len(b) else (b, a)
    return any(longer[:i] + longer[i + 1 :] == shorter for i in range(len(longer)))


def _variant_reason(described: Person, known: Person, canonical: str) -> str:
    ours, theirs = normalise_name(described.given_name), normalise_name(known.given_name)
    if ours == theirs:
        return "Same given name"
    formal = canonical.title()
    if theirs == canonical:
        return f"Given name is a form of {formal} ({_shown(described.given_name)})"
    if ours == canonical:
        return f"Given name is a form of {formal} ({_shown(known.given_name)})"
    forms = f"{_shown(described.given_name)}, {_shown(known.given_name)}"
    return f"Given names are both forms of {formal} ({forms})"


def _postcode(described: Person, known: Person) -> _Evidence | None:
    ours, theirs = normalise_postcode(described.postcode), normalise_postcode(known.postcode)
    if ours is None or theirs is None:
        return None
    if ours == theirs:
        return _Evidence(10, "Same postcode")
    if district(ours) == district(theirs):
        return _Evidence(5, f"Same postcode area ({district(ours)})")
    return None


def _shown(name: str) -> str:
    return " ".join(name.split())
