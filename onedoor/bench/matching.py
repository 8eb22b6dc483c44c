"""B5: matching a referral to the children already known. The duplicate search
(`find_candidates`, by the indexes) p95 against a full scan computing the same similarity for
every child (`scan_for_candidates`) p50, measured in the same run, each on typo'd copies of
known children's details; and the search's recall on 60 such copies (`typos.recall`)."""

from __future__ import annotations

import itertools
import random
import time
from collections.abc import Callable

from onedoor.alliance.models import Alliance
from onedoor.bench.harness import Context, p50, p95
from onedoor.bench.measure import Row
from onedoor.bench.typos import recall, typod_copy
from onedoor.children.models import Child
from onedoor.referrals.candidates import find_candidates, person_of, scan_for_candidates
from onedoor.referrals.matching import Person

DUPLICATES = 60
SEARCHES_PER_SCAN = 5
SEED = 17


def _ms(action: Callable[..., object], *args: object) -> float:
    start = time.perf_counter()
    action(*args)
    return (time.perf_counter() - start) * 1000


def known_children(alliance: Alliance, rng: random.Random) -> list[Child]:
    """`DUPLICATES` of the alliance's children (all of them when it has fewer), chosen by
    `rng`."""
    ids = list(Child.objects.filter(alliance=alliance).values_list("pk", flat=True))
    chosen = rng.sample(ids, min(DUPLICATES, len(ids)))
    return list(Child.objects.filter(pk__in=chosen).order_by("pk"))


def run(context: Context) -> list[Row]:
    alliance = context.alliance
    assert alliance is not None
    rng = random.Random(SEED)
    children = known_children(alliance, rng)
    found = recall(alliance, children, rng)
    described: list[Person] = [typod_copy(person_of(child), rng) for child in children]
    people = itertools.cycle(described)
    # Interleaved: a scan, then a few searches, so both share the machine's moment.
    scans: list[float] = []
    searches: list[float] = []
    scan_for_candidates(alliance, described[0])  # warm up
    find_candidates(alliance, described[0])
    for _ in range(context.times(12)):
        scans.append(_ms(scan_for_candidates, alliance, next(people)))
        searches.extend(
            _ms(find_candidates, alliance, next(people)) for _ in range(SEARCHES_PER_SCAN)
        )
    search, scan = p95(searches), p50(scans)
    return [
        Row("B5", "duplicate search p95 / full scan p50", search / scan, "ratio", ("<=", 0.05)),
        Row("B5", f"recall on {len(children)} typo'd duplicates", found, "ratio", (">=", 0.98)),
        Row("B5", "duplicate search p50", p50(searches), "ms"),
        Row("B5", "duplicate search p95", search, "ms"),
        Row("B5", "full scan p50", scan, "ms"),
    ]
