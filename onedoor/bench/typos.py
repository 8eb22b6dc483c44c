"""Typo'd copies of a child's details, as a referrer might send them: benchmark B5's recall
(`recall`, `onedoor/bench/matching.py`), and the matching tests' typos
(`tests/test_candidates.py`).

`typod_copy(person, rng)` is pure: the same person and generator state give the same copy. It
makes one to three of these changes (at least one):

- the given name: another form of the same name from the names table
  (`children/names.NAME_VARIANTS`: Theo for Theodore, Robert for Bob, Bobby for Rob), then,
  or instead, one typo in it;
- one typo in the family name;
- the date of birth with day and month swapped (when that is another date).

A typo (`typo`) is one letter dropped, doubled, swapped with its neighbour, or replaced by
another. It never leaves a name shorter than three letters (a letter is dropped only from a
name of four or more), and names shorter than three letters are left as they are: one typo
from "Mo" is a different name as often as not, and matching does not claim to find it.
"""

from __future__ import annotations

import dataclasses
import random
import string
from collections.abc import Sequence
from datetime import date

from onedoor.alliance.models import Alliance
from onedoor.children.models import Child
from onedoor.children.names import NAME_VARIANTS, canonical_given_name, normalise_name
from onedoor.referrals.candidates import find_candidates, person_of
from onedoor.referrals.matching import Person, date_of_birth_variants

SHORTEST_TYPOD = 3
TYPOS = ("dropped", "doubled", "swapped", "replaced")

# Every form of a name in the table, by its canonical form: "robert" -> robert, bob, bobby...
_FORMS: dict[str, tuple[str, ...]] = {}
for _form, _canonical in sorted(NAME_VARIANTS.items()):
    _FORMS.setdefault(_canonical, (_canonical,))
    _FORMS[_canonical] = (*_FORMS[_canonical], _form)


def other_forms(given_name: str) -> tuple[str, ...]:
    """The other forms of the name's first word in the names table, title case ("Theo" ->
    ("Theodore",)); none for a name that is not in the table."""
    first = normalise_name(given_name).split()[:1]
    if not first:
        return ()
    canonical = canonical_given_name(first[0])
    return tuple(form.title() for form in _FORMS.get(canonical, ()) if form != first[0])


def typo(name: str, rng: random.Random) -> str:
    """`name` with one typo (one of TYPOS, chosen by `rng`) in one of its letters, keeping
    its case; `name` itself when it has fewer than three letters."""
    letters = [i for i, character in enumerate(name) if character.isalpha()]
    if len(letters) < SHORTEST_TYPOD:
        return name
    kinds = [k for k in TYPOS if k != "dropped" or len(letters) > SHORTEST_TYPOD]
    chosen = rng.choice(kinds)
    if chosen == "swapped":
        pairs = [i for i in letters if i + 1 in letters and name[i].lower() != name[i + 1].lower()]
        if pairs:
            i = rng.choice(pairs)
            first, second = _cased(name[i + 1], name[i]), _cased(name[i], name[i + 1])
            return name[:i] + first + second + name[i + 2 :]
        chosen = "replaced"  # no two neighbouring letters differ ("Aaa")
    i = rng.choice(letters)
    if chosen == "dropped":
        return name[:i] + name[i + 1 :]
    if chosen == "doubled":
        return name[: i + 1] + name[i].lower() + name[i + 1 :]
    other = rng.choice([c for c in string.ascii_lowercase if c != name[i].lower()])
    return name[:i] + _cased(other, name[i]) + name[i + 1 :]


def _cased(letter: str, like: str) -> str:
    """`letter` in the case of `like`."""
    return letter.upper() if like.isupper() else letter.lower()


def swapped(born: date) -> date:
    """The date with day and month swapped, or the date itself when that is not a date."""
    return max(date_of_birth_variants(born) - {born}, default=born)


def typod_copy(person: Person, rng: random.Random) -> Person:
    """`person` as another referrer might describe them (see the module's docstring)."""
    given_name, family_name, born = person.given_name, person.family_name, person.date_of_birth
    changes = rng.sample(("given name", "family name", "date of birth"), rng.randint(1, 3))
    if "given name" in changes:
        forms = other_forms(given_name)
        nickname = bool(forms) and rng.random() < 0.5
        if nickname:
            given_name = rng.choice(forms)
        if not nickname or rng.random() < 0.5:
            given_name = typo(given_name, rng)
    if "family name" in changes:
        family_name = typo(family_name, rng)
    if "date of birth" in changes:
        born = swapped(born)
    return dataclasses.replace(
        person, given_name=given_name, family_name=family_name, date_of_birth=born, nhs_number=""
    )


def recall(alliance: Alliance, children: Sequence[Child], rng: random.Random) -> float:
    """Benchmark B5's recall: the share of `children` (already saved, in `alliance`) found
    among the candidates for a typo'd copy of their details (`find_candidates`, as a new
    referral is matched)."""
    found = 0
    for child in children:
        described = typod_copy(person_of(child), rng)
        candidates = find_candidates(alliance, described)
        found += any(candidate.child.pk == child.pk for candidate in candidates)
    return found / len(children)
