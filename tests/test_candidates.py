"""Finding the children a referral may be about gives the same answers on both databases:
the database search (pg_trgm on PostgreSQL, Python on SQLite) never loses a child that the
pure comparison would accept."""

from __future__ import annotations

from datetime import date

from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from onedoor.alliance.models import Alliance
from onedoor.children.models import Child
from onedoor.children.names import normalise_name
from onedoor.referrals.candidates import find_candidates, person_of
from onedoor.referrals.matching import Person, compare, similarity

KNOWN = [
    ("Robert", "Smith", date(2012, 4, 3), "ME4 4AB"),
    ("Bob", "Smyth", date(2012, 3, 4), "ME4 4AB"),
    ("Roberta", "Smith", date(2012, 4, 3), "ME4 4AB"),
    ("Amy", "Smith", date(2012, 4, 3), "ME4 4AB"),
    ("Robert", "Smith", date(2013, 4, 3), "ME4 4AB"),
    ("Robert", "Smithson", date(2011, 1, 1), "ME4 4AB"),
    ("Robert", "Jones", date(2012, 4, 3), "ME7 1AA"),
    ("Rob", "Smith", date(2010, 6, 6), "ME5 9ZZ"),
    ("Ella", "Smtih", date(2012, 4, 3), "ME4 4AB"),
    ("Robbie", "Smith", date(2009, 9, 9), "ME4 4AB"),
]


# For Robert Smith, born 3 April 2012, of ME4 4AB: (name, score), best first. Amy Smith (a
# twin), Ella Smtih, Robert Jones, Rob Smith of ME5 and Robert Smithson are not candidates.
EXPECTED_FOR_ROBERT = [
    ("Robert Smith", 99),  # everything the same
    ("Roberta Smith", 95),  # a given name spelt differently
    ("Bob Smyth", 85),  # a form of Robert, a typo, day and month swapped
    ("Robbie Smith", 65),  # another date of birth, but the same postcode and strong names
    ("Robert Smith", 65),  # born a year later: the same postcode and names
]


def _known(alliance: Alliance) -> list[Child]:
    children = []
    for given_name, family_name, born, postcode in KNOWN:
        child = Child(
            alliance=alliance, given_name=given_name, family_name=family_name,
            date_of_birth=born, postcode=postcode,
        )  # fmt: skip
        child.set_match_names()
        child.save()
        children.append(child)
    return children


def _brute_force(children: list[Child], person: Person) -> list[tuple[str, int]]:
    found = []
    for child in children:
        match = compare(person, person_of(child))
        if match is not None:
            found.append((child.full_name, match.score))
    return sorted(found, key=lambda item: (-item[1], item[0]))


def _searched(alliance: Alliance, person: Person) -> list[tuple[str, int]]:
    found = [(c.child.full_name, c.match.score) for c in find_candidates(alliance, person)]
    return sorted(found, key=lambda item: (-item[1], item[0]))


def test_the_search_finds_what_comparing_every_child_finds(alliance: Alliance) -> None:
    children = _known(alliance)
    robert = Person("Robert", "Smith", date(2012, 4, 3), "ME4 4AB")
    assert _searched(alliance, robert) == _brute_force(children, robert)
    assert _searched(alliance, robert) == EXPECTED_FOR_ROBERT


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    given_name=st.sampled_from(["Robert", "Bob", "Robin", "Amy", "Roberto", "Ella"]),
    family_name=st.sampled_from(["Smith", "Smyth", "Smtih", "Smithson", "Jones", "Smit"]),
    born=st.sampled_from([date(2012, 4, 3), date(2012, 3, 4), date(2013, 4, 3), date(2009, 9, 9)]),
    postcode=st.sampled_from(["ME4 4AB", "ME7 1AA", "ME5 9ZZ"]),
)
def test_the_search_never_loses_a_candidate(
    alliance: Alliance, given_name: str, family_name: str, born: date, postcode: str
) -> None:
    children = list(Child.objects.filter(alliance=alliance)) or _known(alliance)
    person = Person(given_name, family_name, born, postcode)
    assert _searched(alliance, person) == _brute_force(children, person)


def test_python_similarity_equals_pg_trgm_on_postgresql(alliance: Alliance) -> None:
    pairs = [
        ("smith", "smyth"),
        ("smith", "smtih"),
        ("richardson", "richardsen"),
        ("o neill", "oneill"),
    ]
    if connection.vendor != "postgresql":
        # SQLite has no pg_trgm: here the Python function is the search itself.
        assert [round(similarity(a, b), 4) for a, b in pairs] == [0.3333, 0.2, 0.5714, 0.5]
        return
    with connection.cursor() as cursor:
        for a, b in pairs:
            cursor.execute("SELECT similarity(%s, %s)", [a, b])
            assert cursor.fetchone()[0] == similarity(normalise_name(a), normalise_name(b))
