"""Drawing a case audit's sample: at random, and reproducibly.

The same population, size, seed and stratum (an organisation) always give the same sample,
whatever order the population arrives in and on either database: the population is sorted
by reference first, and the generator is seeded from the seed and the stratum together, so
each organisation's draw does not depend on how many records another has.
"""

from __future__ import annotations

import random
from collections.abc import Iterable

MAX_SEED = 999_999


def draw(population: Iterable[str], size: int, *, seed: int, stratum: str) -> list[str]:
    """`size` of the `population` (all of it when it has fewer), in sorted order."""
    ordered = sorted(set(population))
    generator = random.Random(f"{seed}:{stratum}")  # noqa: S311 (reproducible, not secret)
    return sorted(generator.sample(ordered, min(size, len(ordered))))


def new_seed() -> int:
    """A seed for a round that was not given one: shown on the round, to draw it again."""
    return random.SystemRandom().randint(1, MAX_SEED)
