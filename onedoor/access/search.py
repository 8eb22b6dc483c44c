"""Finding a child: what staff type in the header's search box, through the access layer.

`read(query)` turns what was typed into `Terms`, in any order and combination:

- an NHS number, ten digits with or without spaces or dashes ("401 023 2137"), refused in
  words when it could not have been issued (`children/nhs_number.py`);
- a referral reference, with or without its dash ("K7PX-3MQB"), by its check character
  (`referrals/reference.py`); eight letters that could also be a name are searched as both;
- a date of birth, the day first as in England: 3/4/2012, 03/04/2012, 2012-04-03 or
  "3 April 2012" ("3 Apr 2012");
- name words: each must fit the child's given or family name, compared as matching compares
  them (`referrals/matching.py`): normalised, the given name in its canonical form
  (Bob = Robert), the same, the start of the name (three letters or more), one typo apart
  (Jaydon, Jyaden: Jayden; a given name's nickname too, Teho: Theo), or similar by trigrams.

`search(user, terms)` answers only with children the user may see
(`records.children_visible_to`, in their alliance), best match first and at most
`MOST_RESULTS`, each with the referrals the user may see; every term must hold. It records
the search in the audit trail: the terms as typed in `search_terms` (which no page shows) and
the number found. A query refused before it reaches the records (empty, too long or not
readable) is not a search, and nothing is recorded.

The names are narrowed at a fixed number of queries, whatever the size: the alliance's
distinct stored names (read from an index of their own) are compared in Python, and the
children whose names fit are fetched by those names; a reference goes by its unique index.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from onedoor import clock
from onedoor.access.policy import Do, RecordType, Scope, scope_for
from onedoor.access.records import alliance_of, children_visible_to, referrals_visible_to
from onedoor.accounts.models import User
from onedoor.accounts.roles import SYSTEM_ROLES, Role
from onedoor.audit.trail import Action, record
from onedoor.checks import checked_text
from onedoor.children import nhs_number
from onedoor.children.models import Child
from onedoor.children.names import canonical_given_name, normalise_name
from onedoor.referrals import reference as references
from onedoor.referrals.matching import (
    GIVEN_NAME_THRESHOLD,
    TYPO_MIN_LENGTH,
    date_of_birth_variants,
    given_name_forms,
    one_typo_apart,
    similarity,
)
from onedoor.referrals.models import Referral

# Who may search: whoever may see children at all. Analysts, commissioners, administrators
# and professional referrers have no search.
SEARCHERS = frozenset(
    role
    for role in Role
    if scope_for(role, RecordType.CHILD, Do.VIEW) is not Scope.NONE and role not in SYSTEM_ROLES
)

LONGEST_QUERY = 100
MOST_RESULTS = 50
# Name words narrow the candidates; a query that still fits more children than this (one
# common given name in a large alliance) is answered from the first of them by family name,
# and says to narrow it.
MOST_CANDIDATES = 5000
SHORTEST_PREFIX = 3

# Evidence, as matching scores it: an identifier decides; a date of birth counts for more
# than a name; a name word counts for how closely it fits.
SCORE_IDENTIFIER = 100
SCORE_DATE_OF_BIRTH = 40
SCORE_DATE_SWAPPED = 30
SCORE_SAME_NAME = 30
SCORE_NAME_VARIANT = 25
SCORE_NAME_START = 20
SCORE_ONE_TYPO = 15
SCORE_SIMILAR = 10

HOW_TO_SEARCH = (
    "Search by name, date of birth (like 3/4/2012), NHS number (10 digits) or referral "
    "reference (like K7PX-3MQB)"
)

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"),
            ("may",), ("june", "jun"), ("july", "jul"), ("august", "aug"),
            ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}  # fmt: skip
_MONTH_NAMES = "|".join(sorted(_MONTHS, key=len, reverse=True))
# Each date format: the pattern, and the order of (day, month, year) among its groups.
_DATES = (
    (re.compile(r"(?<![\w/.-])(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?![\w/.-])"), (0, 1, 2)),
    (re.compile(r"(?<![\w/.-])(\d{4})-(\d{1,2})-(\d{1,2})(?![\w/.-])"), (2, 1, 0)),
    (
        re.compile(
            rf"(?<!\w)(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTH_NAMES})\.?,?\s+(\d{{4}})(?!\w)",
            re.IGNORECASE,
        ),
        (0, 1, 2),
    ),
)
_NHS_NUMBER = re.compile(r"(?<![\w-])\d{3}[ -]?\d{3}[ -]?\d{4}(?![\w-])")
_REFERENCE = re.compile(r"(?<![\w-])([A-Za-z0-9]{4})(-| )?([A-Za-z0-9]{4})(?![\w-])")


@dataclass(frozen=True)
class Terms:
    """What a query asks for; every term present must hold."""

    nhs_number: str = ""
    reference: str = ""
    # Eight letters that are a valid reference may be a family name too (Stephens): then
    # the word is searched as either.
    reference_may_be_name: bool = False
    date_of_birth: date | None = None
    words: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.nhs_number or self.reference or self.date_of_birth or self.words)

    @property
    def kinds(self) -> list[str]:
        """Which kinds of term, for the audit trail (never the terms themselves)."""
        kinds = [
            ("NHS number", self.nhs_number),
            ("reference", self.reference),
            ("date of birth", self.date_of_birth),
            ("name", self.words),
        ]
        return [kind for kind, present in kinds if present]


def _printable(query: str) -> str:
    """Without control characters (a NUL, a line break), which nobody means to search for."""
    return "".join(" " if unicodedata.category(c) == "Cc" else c for c in query)


def read(query: str) -> Terms:
    """The terms in what was typed; raises ValidationError saying what could not be read."""
    text = checked_text(_printable(query), "your search", LONGEST_QUERY)
    born, text = _date_of_birth(text)
    number, text = _nhs_number(text)
    reference, may_be_name, text = _reference(text)
    words = _words(text)
    if may_be_name:
        words = (*words, normalise_name(reference))
    return Terms(
        nhs_number=number,
        reference=reference,
        reference_may_be_name=may_be_name,
        date_of_birth=born,
        words=words,
    )


def _date_of_birth(text: str) -> tuple[date | None, str]:
    found: list[date] = []
    for pattern, (day, month, year) in _DATES:
        for match in pattern.finditer(text):
            parts = match.groups()
            month_part = parts[month]
            month_number = int(month_part) if month_part.isdigit() else _MONTHS[month_part.lower()]
            try:
                found.append(date(int(parts[year]), month_number, int(parts[day])))
            except ValueError:
                raise ValidationError(f"{match.group(0)} is not a real date") from None
        text = pattern.sub(" ", text)
    if len(found) > 1:
        raise ValidationError("Search for one date of birth at a time")
    return (found[0] if found else None), text


def _nhs_number(text: str) -> tuple[str, str]:
    found = _NHS_NUMBER.findall(text)
    if len(found) > 1:
        raise ValidationError("Search for one NHS number at a time")
    if not found:
        return "", text
    problem = nhs_number.problem(found[0])
    if problem is not None:
        raise ValidationError(problem)
    return nhs_number.normalise(found[0]), _NHS_NUMBER.sub(" ", text)


def _reference(text: str) -> tuple[str, bool, str]:
    """A reference, whether it may be a name instead, and the text without it. Two words of
    four letters with a space between them are read as a reference only with a digit."""
    for match in _REFERENCE.finditer(text):
        first, gap, second = match.groups()
        candidate = references.normalise(first + second)
        if not references.is_valid(candidate):
            if gap == "-" or not candidate.isalpha():
                raise ValidationError(
                    f"{match.group(0)} is not a referral reference: check it for a mistyped "
                    "character"
                )
            continue
        letters_only = candidate.isalpha()
        if gap == " " and letters_only:
            continue  # "Esme Ezra": two names
        rest = text[: match.start()] + " " + text[match.end() :]
        return candidate, letters_only and not gap, rest
    return "", False, text


def _words(text: str) -> tuple[str, ...]:
    words: list[str] = []
    for token in text.replace(",", " ").split():
        if any(character.isdigit() for character in token):
            raise ValidationError(f"We could not read “{token}”. {HOW_TO_SEARCH}")
        words.extend(normalise_name(token).split())
    return tuple(words)


# Names


def word_score(word: str, name: str, *, given: bool) -> int:
    """How well one word typed fits one word of a stored name (0: it does not). Stored given
    names are in canonical form, so a given name is compared in its canonical form too."""
    typed = _canonical(word) if given else word
    if name == typed:
        return SCORE_SAME_NAME if typed == word else SCORE_NAME_VARIANT
    if len(word) >= SHORTEST_PREFIX and name.startswith(word):
        return SCORE_NAME_START
    if one_typo_apart(word, name) or (
        given and len(word) >= TYPO_MIN_LENGTH and name in given_name_forms(word)
    ):
        return SCORE_ONE_TYPO  # (a typo'd nickname: Teho, for a Theo stored as theodore)
    if _may_be_similar(word, name) and similarity(word, name) >= GIVEN_NAME_THRESHOLD:
        return SCORE_SIMILAR
    return 0


@lru_cache(maxsize=256)
def _canonical(word: str) -> str:
    return canonical_given_name(word)


def _may_be_similar(word: str, name: str) -> bool:
    """Whether the trigram similarity of two single words can reach the threshold at all: a
    word of n letters has n + 1 trigrams, and the similarity is at most the fewer over the
    more. (Comparing the distinct names of a large alliance skips most of them here.)"""
    fewer, more = sorted((len(word) + 1, len(name) + 1))
    return fewer >= GIVEN_NAME_THRESHOLD * more


def name_score(word: str, stored: str, *, given: bool) -> int:
    """The best fit of a word typed to any word of a stored (normalised) name."""
    return max((word_score(word, part, given=given) for part in stored.split()), default=0)


def _fitting(word: str, names: Iterable[str], *, given: bool) -> list[str]:
    return [stored for stored in names if name_score(word, stored, given=given)]


# The search


@dataclass(frozen=True)
class Result:
    child: Child
    score: int
    age: int
    referrals: list[Referral]


@dataclass(frozen=True)
class Found:
    results: list[Result]
    count: int  # how many children fit (at least this many when `more`)
    capped: bool = False  # more fit than were compared: narrow the search

    @property
    def more(self) -> bool:
        return self.capped or self.count > len(self.results)


def search(user: User, terms: Terms, *, typed: str) -> Found:
    """The children the user may see who fit every term, best first; the search audited
    (`typed`, the query as typed, kept only in the trail's `search_terms`)."""
    found = _find(user, terms)
    record(
        Action.SEARCH,
        actor=user,
        record_type=RecordType.CHILD,
        detail={"by": terms.kinds, "results": found.count, "shown": len(found.results)},
        search_terms=_printable(typed).strip()[:LONGEST_QUERY],
    )
    return found


def _find(user: User, terms: Terms) -> Found:
    alliance = alliance_of(user)
    if alliance is None or not terms or user.role not in SEARCHERS:
        return Found([], 0)
    children = children_visible_to(user).filter(alliance_id=alliance)
    referrals = referrals_visible_to(user)
    given_names, family_names = _names(alliance, terms.words)
    identity = Q()
    if terms.nhs_number:
        identity &= Q(nhs_number=terms.nhs_number)
    if terms.date_of_birth is not None:
        identity &= Q(date_of_birth__in=sorted(date_of_birth_variants(terms.date_of_birth)))
    by_reference = Exists(referrals.filter(child=OuterRef("pk"), reference=terms.reference))
    fits = Q()
    # A reference that may be a name is the last word: fitted below, with the reference.
    for word in terms.words[:-1] if terms.reference_may_be_name else terms.words:
        fits &= _word_filter(word, given_names, family_names)
    if terms.reference:
        by_name = (
            _word_filter(terms.words[-1], given_names, family_names)
            if terms.reference_may_be_name
            else Q(pk__in=[])
        )
        # By the referral's unique reference first (an index), not a subquery per child.
        referenced = referrals.filter(reference=terms.reference).values("child_id")
        fits &= Q(pk__in=referenced) | by_name
    rows = list(
        children.filter(identity, fits)
        .annotate(**({"by_reference": by_reference} if terms.reference else {}))
        .order_by("family_name", "given_name", "pk")
        .values(*_SCORED, *(("by_reference",) if terms.reference else ()))[: MOST_CANDIDATES + 1]
    )
    capped = len(rows) > MOST_CANDIDATES
    scored = sorted(
        ((_score(row, terms), row) for row in rows[:MOST_CANDIDATES]),
        key=lambda pair: (-pair[0], *(pair[1][name] for name in _TIES)),
    )[:MOST_RESULTS]
    return Found(_results(scored, referrals), len(rows[:MOST_CANDIDATES]), capped=capped)


# Equal matches are listed as a person would scan them.
_TIES = ("family_name", "given_name", "date_of_birth", "pk")
_SCORED = ("pk", "given_name", "family_name", "match_given_name", "match_family_name",
           "date_of_birth", "nhs_number")  # fmt: skip


def _names(alliance: int, words: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """The alliance's distinct stored given and family names (names only, compared here and
    never shown: the children they belong to are fetched through the access layer)."""
    if not words:
        return [], []
    stored = Child.objects.filter(alliance_id=alliance).order_by()
    given = list(stored.values_list("match_given_name", flat=True).distinct())
    family = list(stored.values_list("match_family_name", flat=True).distinct())
    return given, family


def _word_filter(word: str, given_names: list[str], family_names: list[str]) -> Q:
    return Q(match_given_name__in=_fitting(word, given_names, given=True)) | Q(
        match_family_name__in=_fitting(word, family_names, given=False)
    )


def _score(row: dict[str, Any], terms: Terms) -> int:
    score = 0
    if terms.nhs_number:
        score += SCORE_IDENTIFIER
    if terms.date_of_birth is not None:
        same = row["date_of_birth"] == terms.date_of_birth
        score += SCORE_DATE_OF_BIRTH if same else SCORE_DATE_SWAPPED
    words = terms.words
    if terms.reference and row["by_reference"]:
        score += SCORE_IDENTIFIER
        if terms.reference_may_be_name:
            words = words[:-1]  # the reference, not a name
    for word in words:
        score += max(
            _given_score(word, row),
            name_score(word, row["match_family_name"], given=False),
        )
    return score


def _given_score(word: str, row: dict[str, Any]) -> int:
    """The fit to the given name; the same as typed beats a variant (Bobby for a Bobby, not
    Robert), though both are stored as Robert."""
    as_typed = normalise_name(row["given_name"]).split()
    if word in as_typed:
        return SCORE_SAME_NAME
    return name_score(word, row["match_given_name"], given=True)


def _results(
    scored: list[tuple[int, dict[str, Any]]], referrals: QuerySet[Referral]
) -> list[Result]:
    if not scored:
        return []
    wanted = [row["pk"] for _, row in scored]
    children = Child.objects.filter(pk__in=wanted).prefetch_related(
        Prefetch(
            "referrals",
            queryset=referrals.select_related("allocated_organisation").order_by("-received_at"),
            to_attr="visible_referrals",
        )
    )
    by_pk = {child.pk: child for child in children}
    today = clock.today()
    return [
        Result(
            child=by_pk[row["pk"]],
            score=score,
            age=by_pk[row["pk"]].age_on(today),
            referrals=by_pk[row["pk"]].visible_referrals,  # type: ignore[attr-defined]
        )
        for score, row in scored
    ]
