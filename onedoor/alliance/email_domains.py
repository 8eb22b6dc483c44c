"""Which work email addresses may register a professional referrer account: the alliance's
allowed work email domains (hazard H45).

A pattern is a domain, matched exactly (`nhs.net` allows `gp@nhs.net`, never
`gp@mail.nhs.net`), or `*.` and a domain, matching any subdomain of it and not the domain
itself (`*.medway.sch.uk` allows `head@oaks.medway.sch.uk`, never `head@medway.sch.uk`).
Matching is on the whole domain after the last `@`, case-insensitive, label by label: never a
substring, so `evilnhs.net` and `nhs.net.evil.com` are refused. Pure: no database.
"""

from __future__ import annotations

import re

WILDCARD = "*."
# A domain of at least two labels, each letters, digits and inner hyphens (ASCII: an
# internationalised domain is written in its xn-- form).
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_DOMAIN = re.compile(rf"^{_LABEL}(?:\.{_LABEL})+$")


class NotAPattern(ValueError):
    """A line of the allow-list that is not a domain or `*.` and a domain."""


def check_pattern(pattern: str) -> str:
    """The pattern, lower case; `NotAPattern` when it is neither a domain nor `*.` and one."""
    text = pattern.strip().lower()
    domain = text.removeprefix(WILDCARD)
    if not _DOMAIN.match(domain):
        raise NotAPattern(
            f"{pattern.strip() or '(blank)'} is not a domain such as nhs.net, or *. and a "
            "domain, such as *.medway.sch.uk"
        )
    return text


def parse(text: str) -> tuple[str, ...]:
    """The patterns in `text`, one a line (blank lines ignored); `NotAPattern` for a bad one."""
    return tuple(check_pattern(line) for line in text.splitlines() if line.strip())


def domain_of(email: str) -> str:
    """The domain of an email address (after its last @), lower case; "" when it has none."""
    local, at, domain = email.strip().rpartition("@")
    return domain.lower() if at and local else ""


def matches(domain: str, pattern: str) -> bool:
    if pattern.startswith(WILDCARD):
        return domain.endswith("." + pattern.removeprefix(WILDCARD))
    return domain == pattern


def allowed(email: str, patterns: tuple[str, ...] | list[str]) -> bool:
    """Whether `email`'s domain is on the allow-list `patterns` (as `parse` gives them)."""
    domain = domain_of(email)
    return bool(domain) and any(matches(domain, pattern) for pattern in patterns)


def validate_email_domains(text: str) -> None:
    """The admin site's check on the allow-list: each line a domain or `*.` and a domain."""
    from django.core.exceptions import ValidationError

    try:
        parse(text)
    except NotAPattern as error:
        raise ValidationError(str(error)) from error
