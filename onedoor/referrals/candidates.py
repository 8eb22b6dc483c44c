"""The database half of "one child, one journey": find the children a referral may be about.

Candidates are fetched in one query by date-of-birth blocking (the date and its day/month
swap) or the same postcode with a similar family name, reading only the columns `compare`
needs; `matching.compare` then decides, in Python, on both databases. On PostgreSQL the
postcode arm also asks pg_trgm's `%` of `match_family_name` (the planner reads the date of
birth and postcode indexes, a bitmap OR, and filters); on SQLite every child at the postcode
is compared. The trigram filter only narrows what `compare` would reject anyway (it needs a
family-name similarity of at least 0.8 without date-of-birth evidence), so both databases
give the same answers, and the same as `scan_for_candidates`, which reads every child.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.db.models import F, FloatField, Func, Q, QuerySet, Value

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


# What `compare` reads, and nothing else, in the order of `Person`'s fields.
MATCHED_FIELDS = ("given_name", "family_name", "date_of_birth", "postcode", "nhs_number")


class _Similarity(Func):
    """pg_trgm's similarity(); on SQLite the same function in Python (`_on_sqlite`)."""

    function = "similarity"
    output_field = FloatField()


def _compared(children: QuerySet[Child], person: Person) -> list[Candidate]:
    """The children `compare` accepts, best first, read as values (a model only for those)."""
    fields = ("id", *MATCHED_FIELDS)
    found = []
    for row in children.values_list(*fields):
        match = compare(person, Person(*row[1:]))
        if match is not None:
            found.append(Candidate(Child.from_db(children.db, fields, row), match))
    found.sort(key=lambda candidate: (-candidate.match.score, candidate.child.pk))
    return found[:MOST_CANDIDATES]


def _born(person: Person) -> Q:
    return Q(date_of_birth__in=sorted(date_of_birth_variants(person.date_of_birth)))


def find_candidates(
    alliance: Alliance, person: Person, *, exclude: Child | None = None
) -> list[Candidate]:
    """Children already known who may be `person`, best first: one query, by the indexes on
    the date of birth and the postcode."""
    children = children_to_compare(alliance, person)
    if exclude is not None:
        children = children.exclude(pk=exclude.pk)
    return _compared(children, person)


def children_to_compare(alliance: Alliance, person: Person) -> QuerySet[Child]:
    """The children `find_candidates` compares: born on the date or its swap, or at the same
    postcode (on PostgreSQL, with a similar family name)."""
    where = _born(person)
    if person.postcode:
        nearby = Q(postcode=person.postcode)
        if connection.vendor == "postgresql":
            nearby &= Q(match_family_name__trigram_similar=normalise_name(person.family_name))
        where |= nearby
    # The alliance filters, and is never the index (`+ 0`): every child of a one-alliance
    # deployment is in it, and SQLite, which has no statistics unless ANALYZE is run, would
    # otherwise read them all by the alliance's index.
    children = Child.objects.alias(alliance_filter=F("alliance_id") + 0)
    return children.filter(where, alliance_filter=alliance.pk).order_by()


def scan_for_candidates(alliance: Alliance, person: Person) -> list[Candidate]:
    """The same answers as `find_candidates` from no index: every child of the alliance read,
    its family name's trigram similarity computed (pg_trgm's `similarity()`; on SQLite the
    same function in Python), then `compare`. Benchmark B5's full scan, and the tests'
    oracle for the search.

    It reads a superset of what `find_candidates` reads (any similar family name, at any
    postcode), and `compare` rejects the rest, so the answers are the same for a person
    without an NHS number (a known number is looked up on its own, by `submit_referral`)."""
    _on_sqlite()
    family = Value(normalise_name(person.family_name))
    children = Child.objects.filter(alliance=alliance).alias(
        family_similarity=_Similarity(F("match_family_name"), family)
    )
    similar = Q(family_similarity__gte=SIMILARITY_THRESHOLD)
    return _compared(children.filter(_born(person) | similar).order_by(), person)


def _on_sqlite() -> None:
    """SQLite has no pg_trgm: give this connection the Python `similarity`."""
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        connection.connection.create_function("similarity", 2, similarity, deterministic=True)
