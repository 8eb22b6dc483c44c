"""Checks on what people type, shared by the actions, so that every message reads the same."""

from __future__ import annotations

from django.core.exceptions import ValidationError

TEXT_MAX = 4000


def checked_text(value: str, what: str, limit: int = TEXT_MAX, *, required: str = "") -> str:
    """`value` without the spaces around it, at most `limit` characters ("Keep the title to
    200 characters or fewer"); `required` is the message when it is empty (none: it may be)."""
    value = value.strip()
    if required and not value:
        raise ValidationError(required)
    if len(value) > limit:
        raise ValidationError(f"Keep {what} to {limit} characters or fewer")
    return value
