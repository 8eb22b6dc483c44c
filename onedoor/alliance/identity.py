"""The service as families and referrers know it: its public name, and how to reach the
Referral and Advice Point (phone, email, opening hours). Staff see "OneDoor", the product.

`current()` reads the deployment's alliance (one query) and keeps what it read as the last
seen; `without_database()` is for the pages shown while the database is away or broken (the
500 and 503 pages): the last seen in this process, otherwise the alliance's file, read once.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache as once

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError

from onedoor.alliance import contacts
from onedoor.alliance.loader import DEFAULT_FILE, ConfigurationError, parse
from onedoor.alliance.models import Alliance

LAST_SEEN_KEY = "alliance:identity"


@dataclass(frozen=True)
class Identity:
    public_name: str
    phone: str = ""
    email: str = ""
    opening_hours: str = ""

    @property
    def phone_href(self) -> str:
        return contacts.href(self.phone)

    @property
    def has_contacts(self) -> bool:
        return bool(self.phone or self.email)


# When nothing better is known (another alliance's deployment with its database away).
UNKNOWN = Identity(public_name="Children and young people's wellbeing service")


def of(alliance: Alliance) -> Identity:
    return Identity(
        public_name=alliance.public_name or alliance.name,
        phone=alliance.phone,
        email=alliance.email,
        opening_hours=alliance.opening_hours,
    )


def current() -> Identity:
    """The deployment's alliance's identity (one query); without the database, the last seen."""
    try:
        alliance = Alliance.objects.filter(slug=settings.ALLIANCE_SLUG).first()
    except DatabaseError:
        return without_database()
    if alliance is None:
        return without_database()
    identity = of(alliance)
    cache.set(LAST_SEEN_KEY, identity, timeout=None)
    return identity


def without_database() -> Identity:
    """Never touches the database: the last seen in this process, or the alliance's file."""
    seen = cache.get(LAST_SEEN_KEY)
    return seen if isinstance(seen, Identity) else from_file()


@once
def from_file() -> Identity:
    """The identity in the alliance's configuration file, when it is this deployment's."""
    try:
        entry = parse(DEFAULT_FILE).alliance
    except ConfigurationError:
        return UNKNOWN
    if entry.slug != settings.ALLIANCE_SLUG:
        return UNKNOWN
    return Identity(entry.public_name, entry.phone, entry.email, entry.opening_hours)
