"""The database half of "one child, one journey": find the children a referral may be about.

Candidates are fetched by date-of-birth blocking (the date and its day/month swap) and by
the same postcode with a similar family name; `matching.compare` then decides, in Python,
on both databases. On PostgreSQL the postcode arm uses the pg_trgm index on
`match_family_name`; on SQLite the same similarity is computed in Python. The trigram
filter only narrows what `compare` would reject anyway (it needs a family-name similarity
of at least 0.8 without date-of-birth evidence), so both databases give the same answers.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.db.models import QuerySet

from onedoor.alliance.models import Alliance
from onedoor.children.models import Child
from onedoor.children.names import normalise_name
from onedoor.referrals.matching import (
    SIMILARITY_THRESHOLD,
    Match,
    Person,
    compare,
    date_of_birth_variants,
    similarity,
)

MOST_CANDIDATES = 10


@dataclass(frozen=True)
class Candidate:
    child: Child
    match: Match


def person_of(child: Child) -> Person:
    return Person(
        given_name=child.given_name,
        family_name=child.family_name,
        date_of_birth=child.date_of_birth,
        postcode=child.postcode,
        nhs_number=child.nhs_number,
    )


def _same_postcode_similar_name(
    alliance: Alliance, person: Person
) -> QuerySet[Child] | list[Child]:
    family = normalise_name(person.family_name)
    same_postcode = Child.objects.filter(alliance=alliance, postcode=person.postcode)
    if not person.postcode:
        return []
    if connection.vendor == "postgresql":
        return same_postcode.filter(match_family_name__trigram_similar=family)
    return [
        child
        for child in same_postcode
        if similarity(child.match_family_name, family) >= SIMILARITY_THRESHOLD
    ]


def find_candidates(
    alliance: Alliance, person: Person, *, exclude: Child | None = None
) -> list[Candidate]:
    """Children already known who may be `person`, best first."""
    by_birth = Child.objects.filter(
        alliance=alliance, date_of_birth__in=sorted(date_of_birth_variants(person.date_of_birth))
    )
    seen: dict[int, Child] = {child.pk: child for child in by_birth}
    for child in _same_postcode_similar_name(alliance, person):
        seen.setdefault(child.pk, child)
    if exclude is not None:
        seen.pop(exclude.pk, None)
    found = []
    for child in seen.values():
        match = compare(person, person_of(child))
        if match is not None:
            found.append(Candidate(child, match))
    found.sort(key=lambda candidate: (-candidate.match.score, candidate.child.pk))
    return found[:MOST_CANDIDATES]
