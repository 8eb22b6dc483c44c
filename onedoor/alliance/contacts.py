"""Phone numbers people can call: the Referral and Advice Point's, checked by the published
numbering plan (Google's libphonenumber, the `phonenumbers` package, ADR 17), and any number
made into a link a phone can dial (`tel:`) or text (`sms:`).

Pure: no database, so the error pages can use it while the database is away.
"""

from __future__ import annotations

import re

import phonenumbers
from django.core.exceptions import ValidationError

# What a person writes a number with: digits, spaces, brackets, hyphens, a leading +.
# (phonenumbers would read letters as a keypad's, "0800 FLOWERS": not a sensible form here.)
_WRITTEN = re.compile(r"^\+?[0-9][0-9 ()-]*$")
_TEXT = "(text)"


def uk_phone(value: str) -> str:
    """A UK phone number in its national form ("01634 123456", "0808 157 0123"), or
    ValueError saying what is wrong."""
    written = value.strip()
    if not _WRITTEN.match(written):
        raise ValueError("must be a UK phone number written with digits, such as 01634 123456")
    try:
        number = phonenumbers.parse(written, "GB")
    except phonenumbers.NumberParseException as error:
        raise ValueError("must be a UK phone number, such as 01634 123456") from error
    if not phonenumbers.is_valid_number(number) or (
        phonenumbers.region_code_for_number(number) != "GB"
    ):
        raise ValueError("is not a UK phone number that can be called, such as 01634 123456")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def validate_uk_phone(value: str) -> None:
    """The admin site's check (blank is allowed where the field allows it)."""
    try:
        uk_phone(value)
    except ValueError as error:
        raise ValidationError(f"This {error}.") from error


def is_text_only(phone: str) -> bool:
    """A directory number that takes texts, not calls, is written "85258 (text)"."""
    return phone.strip().endswith(_TEXT)


def dialled(phone: str) -> str:
    """The number as shown, without the "(text)" mark: "85258 (text)" is "85258"."""
    return phone.strip().removesuffix(_TEXT).strip()


def href(phone: str) -> str:
    """The link a phone follows: `tel:` with the digits as written (999, 111, 116 123 and a UK
    number all dial from a UK phone), `sms:` for a text-only number; "" for something that is
    not a number."""
    number = dialled(phone)
    if not _WRITTEN.match(number):
        return ""
    scheme = "sms" if is_text_only(phone) else "tel"
    return f"{scheme}:{re.sub(r'[^0-9+]', '', number)}"
