"""NHS numbers: ten digits, the last a modulus 11 check digit."""

from __future__ import annotations

import re

_DIGITS = re.compile(r"^\d{10}$")


def normalise(value: str) -> str:
    """Remove the spaces and dashes people type: '943 476 5919' -> '9434765919'."""
    return re.sub(r"[\s-]", "", value or "")


def check_digit(first_nine: str) -> int | None:
    """The check digit for nine digits, or None when no valid number can start with them."""
    total = sum(
        int(digit) * weight for digit, weight in zip(first_nine, range(10, 1, -1), strict=True)
    )
    remainder = 11 - total % 11
    if remainder == 11:
        return 0
    if remainder == 10:
        return None
    return remainder


def is_valid(value: str) -> bool:
    number = normalise(value)
    if not _DIGITS.match(number):
        return False
    return check_digit(number[:9]) == int(number[9])


def format_nhs_number(value: str) -> str:
    number = normalise(value)
    return f"{number[:3]} {number[3:6]} {number[6:]}" if len(number) == 10 else value
