"""NHS numbers that could have been issued, by the published rules (the maintained
`nhs-number` package, ADR 13), not only the check digit.

A number is ten digits, the last a modulus 11 check digit, in a range that is issued to
people: England, Wales and the Isle of Man (400 000 0000 to 499 999 9999 and 600 000 0000 to
799 999 9999), Scotland's CHI numbers (010 101 0000 to 311 299 9999, whose first six digits
are the date of birth as DDMMYY, so they must make a real date: 31 February never does, and
29 February does in a year whose two digits can be a leap year, as '00' for 2000) and
Northern Ireland's Health and Care numbers (320 000 0000 to 399 999 9999). Numbers starting
with 9 are never issued to a person: they are for testing, accepted only where the setting
`NHS_TEST_NUMBERS` is on (under DEBUG, in demo mode and in the tests: the demo data uses the
999 range). The other numbers (starting 000 to 009, 3113 to 319, 5, 800 to 899) are
reserved, unallocated or the Republic of Ireland's health identifiers.

`problem(value)` says in plain words why a number could not have been issued; `is_valid`
is that it has no problem. Matching trusts only a valid number (`referrals/matching.py`).
"""

from __future__ import annotations

import re

import nhs_number as published
from django.conf import settings
from nhs_number.constants import (
    REGION_EIRE,
    REGION_RESERVED,
    REGION_SCOTLAND,
    REGION_SYNTHETIC,
    REGION_UNALLOCATED,
)

_DIGITS = re.compile(r"^\d{10}$")
NOT_ISSUED = "This is not an NHS number that could have been issued: "


def normalise(value: str) -> str:
    """Remove the spaces and dashes people type: '943 476 5919' -> '9434765919'."""
    return re.sub(r"[\s-]", "", value or "")


def check_digit(first_nine: str) -> int | None:
    """The check digit for nine digits, or None when no valid number can start with them."""
    digit = published.calculate_checksum(first_nine)
    return None if digit is None or digit == 10 else digit


def accepts_test_numbers() -> bool:
    return bool(getattr(settings, "NHS_TEST_NUMBERS", False))


def problem(value: str) -> str | None:
    """Why `value` could not be an NHS number issued to a person, in plain words; None when
    it could."""
    number = normalise(value)
    if not _DIGITS.match(number):
        return "An NHS number is 10 digits, like 485 777 3456"
    region = published.NhsNumber(number).region
    if region is REGION_RESERVED:
        return NOT_ISSUED + "numbers starting with 5 are reserved and never issued"
    if region is REGION_EIRE:
        return NOT_ISSUED + (
            "numbers from 800 to 859 are the Republic of Ireland's health identifiers, "
            "not NHS numbers"
        )
    if region is REGION_SYNTHETIC and not accepts_test_numbers():
        return NOT_ISSUED + "numbers starting with 9 are for testing and never given to a person"
    if region is None or region is REGION_UNALLOCATED:
        return NOT_ISSUED + (
            "no numbers are issued in its range (England, Wales and the Isle of Man issue "
            "numbers starting 4, 6 or 7; Scotland 010 to 311; Northern Ireland 320 to 399)"
        )
    if published.is_valid(number):
        return None
    if region is REGION_SCOTLAND and check_digit(number[:9]) == int(number[9]):
        day, month, year = number[:2], number[2:4], number[4:6]
        return NOT_ISSUED + (
            "numbers from 010 to 311 are Scottish CHI numbers, which start with the date of "
            f"birth, and {day}/{month}/{year} is not a real date"
        )
    return NOT_ISSUED + (
        "the last digit is a check digit, and it does not fit the nine before it (check for a "
        "mistyped digit, or two digits the wrong way round)"
    )


def is_valid(value: str) -> bool:
    return problem(value) is None


def format_nhs_number(value: str) -> str:
    number = normalise(value)
    return f"{number[:3]} {number[3:6]} {number[6:]}" if len(number) == 10 else value
