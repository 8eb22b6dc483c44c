"""Referral reference numbers: short, unambiguous read aloud, with a check character.

Eight characters from a 30-character alphabet without 0/O, 1/I/L or U, shown as two groups of four
("K7PX-3MQA"); the last is a check character (Luhn mod N), so a mistyped or transposed
character is caught before anyone searches for it.
"""

from __future__ import annotations

import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
_INDEX = {character: position for position, character in enumerate(ALPHABET)}
BODY_LENGTH = 7


def check_character(body: str) -> str:
    base = len(ALPHABET)
    factor = 2
    total = 0
    for character in reversed(body):
        addend = factor * _INDEX[character]
        factor = 1 if factor == 2 else 2
        total += addend // base + addend % base
    return ALPHABET[(base - total % base) % base]


def normalise(value: str) -> str:
    """What people type ('k7px 3mqa', 'K7PX-3MQA') to the stored form ('K7PX3MQA')."""
    return "".join(value.split()).replace("-", "").upper()


def is_valid(value: str) -> bool:
    reference = normalise(value)
    if len(reference) != BODY_LENGTH + 1 or any(c not in _INDEX for c in reference):
        return False
    return check_character(reference[:-1]) == reference[-1]


def new_reference(randbelow: object = secrets.randbelow) -> str:
    body = "".join(ALPHABET[randbelow(len(ALPHABET))] for _ in range(BODY_LENGTH))  # type: ignore[operator]
    return body + check_character(body)


def display(reference: str) -> str:
    return f"{reference[:4]}-{reference[4:]}"
