"""Personal data the commissioners must not read: the service manager's narrative is screened
before it is saved into the review pack, which leaves the alliance as aggregates only.

What is refused, each problem quoted back so the manager knows what to take out:

- an NHS number: ten digits (run together, or 3-3-4 with spaces or dashes) whose last digit
  is the modulus 11 check digit of the nine before it (`children/nhs_number.check_digit`),
  whatever its range, test numbers included: a ten-digit number whose check digit fits is
  too likely to be one;
- a full UK postcode (`children/postcode.normalise_postcode`), in any case; a district alone
  ("ME4", "SW1") is an area, and allowed;
- a date that could be a child's date of birth: a full date (day, month and year, as
  03/04/2012, 3/4/12, 2012-04-03, 3 April 2012, 3rd of April 2012 or April 3, 2012) on which
  someone born would be 4 to 25 years old today (`BIRTH_AGES`). The alliance works with
  children from 5 (a year younger for a referral made before a birthday) up to 25; the
  dates a manager writes about are events of the last few years ("on 3 September we
  opened..."), and a month and year alone identify nobody, so both are allowed;
- a child's name: a given name next to a family name, in either order ("Ava Zanzibar",
  "Zanzibar, Ava"), of a child of this alliance, compared as matching compares names
  (`children/names`, so "Bob" is Robert). Only the word pairs in the text are looked up: one
  query, bounded by the text, never the alliance's list of children. A given name alone, or
  another alliance's child, is allowed.

Nothing here is logged: the problems go back to the one person who wrote the text."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from onedoor import clock
from onedoor.alliance.models import Alliance
from onedoor.children.models import Child
from onedoor.children.names import canonical_given_name, normalise_name
from onedoor.children.nhs_number import check_digit
from onedoor.children.postcode import normalise_postcode

# Ages (in whole years, today) at which a date in the text is read as a date of birth.
BIRTH_AGES = range(4, 26)
# A given name of up to two words, a family name of up to three ("Mary Jane", "O'Neill-Smith"
# is one word in the text but "o neill smith" normalised).
GIVEN_WORDS, FAMILY_WORDS = 2, 3


@dataclass(frozen=True)
class Problem:
    """Something in the text that looks like personal data: its kind and the text itself."""

    kind: str
    text: str

    @property
    def message(self) -> str:
        return f"Remove the {self.kind} {self.text}"


def problems(alliance: Alliance, text: str) -> list[Problem]:
    """Every piece of `text` that looks like personal data, each once, in the order the rules
    are listed above."""
    found = [
        *nhs_numbers(text),
        *postcodes(text),
        *birth_dates(text, clock.today()),
        *child_names(alliance, text),
    ]
    return list(dict.fromkeys(found))


_NHS_NUMBER = re.compile(r"(?<!\d)(\d{3})([ -]?)(\d{3})\2(\d{4})(?!\d)")


def nhs_numbers(text: str) -> list[Problem]:
    found = []
    for match in _NHS_NUMBER.finditer(text):
        digits = match[1] + match[3] + match[4]
        if check_digit(digits[:9]) == int(digits[9]):
            found.append(Problem("NHS number", match[0]))
    return found


# A loose shape of a postcode (the outward code, a space or not, the inward code); the
# project's format rules then decide.
_POSTCODE = re.compile(r"\b(?:[A-Z]{1,2}[0-9][A-Z0-9]?\s?[0-9][A-Z]{2}|GIR\s?0AA)\b", re.IGNORECASE)


def postcodes(text: str) -> list[Problem]:
    return [
        Problem("postcode", match[0])
        for match in _POSTCODE.finditer(text)
        if normalise_postcode(match[0]) is not None
    ]


_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"),
            ("may",), ("june", "jun"), ("july", "jul"), ("august", "aug"),
            ("september", "sept", "sep"), ("october", "oct"), ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}  # fmt: skip
_MONTH = "(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<day>[0-3]?[0-9])(?:st|nd|rd|th)?"
_DATES = [
    # 03/04/2012, 3/4/12, 3-4-2012, 3.4.2012: day first, as written in the UK
    re.compile(
        r"(?<![\d/.-])(?P<day>\d{1,2})([/.-])(?P<month>\d{1,2})\2(?P<year>\d{4}|\d{2})(?![\d/-])"
    ),
    # 2012-04-03, 2012/04/03
    re.compile(r"(?<![\d/.-])(?P<year>\d{4})([/-])(?P<month>\d{1,2})\2(?P<day>\d{1,2})(?![\d/-])"),
    # 3 April 2012, 3rd of April 2012, 3 Apr. 2012
    re.compile(rf"\b{_DAY}\s+(?:of\s+)?{_MONTH},?\s+(?P<year>\d{{4}})\b", re.IGNORECASE),
    # April 3, 2012; April 3rd 2012
    re.compile(rf"\b{_MONTH}\s+{_DAY},?\s+(?P<year>\d{{4}})\b", re.IGNORECASE),
]  # fmt: skip


def _date(day: str, month: str, year: str, today: date) -> date | None:
    number = int(month) if month.isdigit() else _MONTHS[month.lower()]
    whole_year = int(year)
    if len(year) == 2:  # the most recent such year: '12 is 2012, '99 is 1999
        whole_year += 2000 if whole_year <= today.year % 100 else 1900
    try:
        return date(whole_year, number, int(day))
    except ValueError:
        return None  # 31/02/2012 is no date


def age_on(born: date, today: date) -> int:
    return today.year - born.year - int((today.month, today.day) < (born.month, born.day))


def birth_dates(text: str, today: date) -> list[Problem]:
    found = []
    for pattern in _DATES:
        for match in pattern.finditer(text):
            day = _date(match["day"], match["month"], match["year"], today)
            if day is not None and day <= today and age_on(day, today) in BIRTH_AGES:
                found.append((match.start(), Problem("possible date of birth", match[0])))
    return [problem for _, problem in sorted(found, key=lambda pair: pair[0])]


# A word as a name is written: letters, with apostrophes or hyphens inside ("O'Neill-Smith").
_WORD = re.compile(r"[^\W\d_]+(?:['\u2019-][^\W\d_]+)*")
# Words next to each other: a space, a line break or one comma ("Zanzibar, Ava") between.
_NEXT_TO = re.compile(r"\s*,?\s*")


def _runs(text: str) -> list[list[re.Match[str]]]:
    """The words of the text in runs that a name could span (a full stop ends a run)."""
    runs: list[list[re.Match[str]]] = []
    previous: re.Match[str] | None = None
    for word in _WORD.finditer(text):
        if previous is not None and _NEXT_TO.fullmatch(text, previous.end(), word.start()):
            runs[-1].append(word)
        else:
            runs.append([word])
        previous = word
    return runs


def child_names(alliance: Alliance, text: str) -> list[Problem]:
    """A child's given and family names next to each other, either way round."""
    # (given name, family name) in the stored forms -> where the pair is in the text
    pairs: defaultdict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
    for run in _runs(text):
        for start in range(len(run)):
            for first in range(1, FAMILY_WORDS + 1):
                for second in range(1, FAMILY_WORDS + 1):
                    end = start + first + second
                    if end > len(run):
                        continue
                    one = " ".join(word[0] for word in run[start : start + first])
                    two = " ".join(word[0] for word in run[start + first : end])
                    span = (run[start].start(), run[end - 1].end())
                    if first <= GIVEN_WORDS:  # "Ava Zanzibar"
                        pairs[(canonical_given_name(one), normalise_name(two))].append(span)
                    if second <= GIVEN_WORDS:  # "Zanzibar, Ava"
                        pairs[(canonical_given_name(two), normalise_name(one))].append(span)
    if not pairs:
        return []
    known = set(
        Child.objects.filter(
            alliance=alliance,
            match_given_name__in={given for given, _ in pairs},
            match_family_name__in={family for _, family in pairs},
        )
        .order_by()
        .values_list("match_given_name", "match_family_name")
        .distinct()
    )
    spans = sorted({span for pair in known & pairs.keys() for span in pairs[pair]})
    return [Problem("child's name", text[start:end]) for start, end in spans]
