"""Referral reference numbers: short, unambiguous read aloud, with a check character.

Eight characters from a 30-character alphabet without 0/O, 1/I/L or U, shown as two groups
of four ("K7PX-3MQA"). The last is a check character: the position-weighted sum of all
eight values is 0 modulo 31, a prime, so any single mistyped character and any swap of two
neighbouring characters is caught. (A body whose check would need a 31st character is never
issued.)
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
_INDEX = {character: position for position, character in enumerate(ALPHABET)}
BODY_LENGTH = 7
_MODULUS = 31
_CHECK_WEIGHT_INVERSE = pow(BODY_LENGTH + 1, -1, _MODULUS)


def check_character(body: str) -> str | None:
    """The check character for a 7-character body, or None if the body can't be issued."""
    total = sum((position + 1) * _INDEX[c] for position, c in enumerate(body))
    value = (-total * _CHECK_WEIGHT_INVERSE) % _MODULUS
    return ALPHABET[value] if value < len(ALPHABET) else None


def normalise(value: str) -> str:
    """What people type ('k7px 3mqa', 'K7PX-3MQA') to the stored form ('K7PX3MQA')."""
    return "".join(value.split()).replace("-", "").upper()


def is_valid(value: str) -> bool:
    reference = normalise(value)
    if len(reference) != BODY_LENGTH + 1 or any(c not in _INDEX for c in reference):
        return False
    return check_character(reference[:-1]) == reference[-1]


def new_reference(randbelow: Callable[[int], int] = secrets.randbelow) -> str:
    while True:
        body = "".join(ALPHABET[randbelow(len(ALPHABET))] for _ in range(BODY_LENGTH))
        check = check_character(body)
        if check is not None:
            return body + check


def display(reference: str) -> str:
    return f"{reference[:4]}-{reference[4:]}"
