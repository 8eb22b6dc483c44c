"""A secret given to someone once (a link emailed to them, an API client's token, a
browser's lookup of a referral) and what the database keeps of it: only its SHA-256, so a
copy of the database opens nothing. A secret of 256 random bits needs no slow hash."""

from __future__ import annotations

import hashlib
import secrets


def new_secret(prefix: str = "") -> str:
    """256 random bits, URL-safe, after `prefix`."""
    return prefix + secrets.token_urlsafe(32)


def kept_of(secret: str) -> str:
    """What is stored of `secret`: its SHA-256, in hex."""
    return hashlib.sha256(secret.encode()).hexdigest()
