"""Tracking a referral: a reference and a date of birth, then a one-time code, then the status.

A reference and a birthday alone reveal nothing. `look_up` always does the same work and the
page always says the same ("if they match, we have sent a code"): only when the pair matches
a referral is a `TrackingCode` made, bound to the asking browser (a random token in its
session, stored as a hash), and the task `send_tracking_code` makes the 6 random digits,
keeps only their keyed hash and emails them to the addresses the referral gave for the people
it tells (`referrals/emails.py::recipients`). The code expires after `TRACKING_CODE_MINUTES`, is
void after `TRACKING_CODE_TRIES` wrong tries, works once, and asking again voids the earlier
codes and views. The right code lets that browser see that one referral's status for
`TRACKING_SHOWN_MINUTES`.

What a wrong code is told comes from the browser's session alone (when it asked, how many
wrong tries), so a lookup that matched nothing gets the same answers as one that did. Lookups
are rate-limited per client address and per reference (a keyed hash of it). Every lookup,
code made, wrong code and status shown is audited with identifiers only: the referral's uuid
when the pair matched, nothing of what was typed.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils.crypto import constant_time_compare, salted_hmac

from onedoor import clock
from onedoor.audit.trail import Action, record
from onedoor.referrals.models import Referral
from onedoor.secret_tokens import kept_of, new_secret
from onedoor.tracking.models import TrackingAttempt, TrackingCode

_CODE_SALT = "onedoor.tracking.code"
_REFERENCE_SALT = "onedoor.tracking.reference"
CODE_DIGITS = 6


class RateLimited(Exception):
    """Too many lookups from one address, or for one reference, in the last hour."""


@dataclass
class Lookup:
    """What the browser's session keeps about its last lookup: never the reference or the
    date of birth typed."""

    token: str  # random; its SHA-256 is the `TrackingCode.browser` of a matched lookup
    asked_at: datetime
    wrong_tries: int = 0

    def as_session(self) -> dict[str, object]:
        return {
            "token": self.token,
            "asked_at": self.asked_at.isoformat(),
            "tries": self.wrong_tries,
        }

    @classmethod
    def from_session(cls, value: object) -> Lookup | None:
        if not isinstance(value, dict):
            return None
        try:
            return cls(
                token=str(value["token"]),
                asked_at=datetime.fromisoformat(str(value["asked_at"])),
                wrong_tries=int(value["tries"]),
            )
        except (KeyError, TypeError, ValueError):
            return None


def code_minutes() -> int:
    return int(settings.TRACKING_CODE_MINUTES)


def code_hash(code: TrackingCode | None, typed: str) -> str:
    """The keyed hash of a code, salted by the code's own uuid."""
    salt = str(code.uuid) if code is not None else "none"
    return salted_hmac(_CODE_SALT, f"{salt}:{typed}", algorithm="sha256").hexdigest()


def new_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def _reference_key(reference: str) -> str:
    return salted_hmac(_REFERENCE_SALT, reference, algorithm="sha256").hexdigest()


def _check_rate(*, address: str, reference: str, now: datetime) -> None:
    hour_ago = now - timedelta(hours=1)
    limits = (
        (TrackingAttempt.Kind.ADDRESS, address, settings.TRACKING_LOOKUPS_PER_ADDRESS_PER_HOUR),
        (
            TrackingAttempt.Kind.REFERENCE,
            _reference_key(reference),
            settings.TRACKING_CODES_PER_REFERENCE_PER_HOUR,
        ),
    )
    with transaction.atomic():
        TrackingAttempt.objects.filter(at__lt=now - timedelta(days=1)).delete()
        # A code lasts minutes and its view half an hour: none is any use after a day.
        TrackingCode.objects.filter(asked_at__lt=now - timedelta(days=1)).delete()
        for kind, key, most in limits:
            recent = TrackingAttempt.objects.filter(kind=kind, key=key, at__gte=hour_ago).count()
            if recent >= most:
                raise RateLimited(kind)
        TrackingAttempt.objects.bulk_create(
            TrackingAttempt(kind=kind, key=key, at=now) for kind, key, _ in limits
        )


def look_up(*, reference: str, date_of_birth: date, address: str) -> Lookup:
    """Look the pair up; when it matches, void the referral's earlier codes and make a new
    one for this browser, to be sent after commit. The same work and the same answer either
    way. Raises `RateLimited`."""
    now = clock.now()
    try:
        _check_rate(address=address, reference=reference, now=now)
    except RateLimited as limited:
        record(
            Action.DENY,
            actor=None,
            record_type="tracking_lookup",
            detail={"rate_limited": str(limited)},
        )
        raise
    lookup = Lookup(token=new_secret(), asked_at=now)
    with transaction.atomic():
        referral = Referral.objects.select_related("child").filter(reference=reference).first()
        matched = referral is not None and referral.child.date_of_birth == date_of_birth
        # Asking again voids the referral's earlier codes and views (none when nothing matched).
        TrackingCode.objects.filter(
            referral_id=referral.pk if matched and referral else 0, voided_at__isnull=True
        ).update(voided_at=now)
        code_hash(None, new_code())  # the hashing work a match's task will do, done always
        record(
            Action.SEARCH,
            actor=None,
            record_type="tracking_lookup",
            record_id=referral.uuid if matched and referral else "",
            child_uuid=referral.child.uuid if matched and referral else None,
            detail={"matched": matched},
        )
        if matched and referral is not None:
            code = TrackingCode.objects.create(
                referral=referral,
                browser=kept_of(lookup.token),
                asked_at=now,
                expires_at=now + timedelta(minutes=code_minutes()),
            )
            from onedoor.tracking.tasks import send_tracking_code

            transaction.on_commit(lambda: send_tracking_code.enqueue(str(code.uuid)))
    return lookup


class CodeProblem(Exception):
    """The code was not accepted: `message` says why, in words."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def expired(lookup: Lookup, now: datetime) -> bool:
    return now >= lookup.asked_at + timedelta(minutes=code_minutes())


def use_code(lookup: Lookup, typed: str) -> TrackingCode:
    """Check the code typed against this browser's lookup; the right one, in time and within
    the tries, lets this browser see the status (returns the used code). Otherwise counts the
    wrong try (on `lookup` too, which the caller keeps in the session) and raises
    `CodeProblem`. What is said depends on the session alone, matched or not."""
    now = clock.now()
    tries = int(settings.TRACKING_CODE_TRIES)
    if expired(lookup, now):
        raise CodeProblem("That code has expired. Ask for a new code")
    if lookup.wrong_tries >= tries:
        raise CodeProblem("You have tried too many wrong codes. Ask for a new code")
    with transaction.atomic():
        code = (
            TrackingCode.objects.select_for_update()
            .select_related("referral__child")
            .filter(browser=kept_of(lookup.token), used_at__isnull=True, voided_at__isnull=True)
            .first()
        )
        right = code is not None and bool(code.code_hash) and now < code.expires_at
        right = (
            constant_time_compare(code_hash(code, typed), code.code_hash if code else "") and right
        )
        if code is not None and right and code.wrong_tries < tries:
            code.used_at = now
            code.shows_until = now + timedelta(minutes=int(settings.TRACKING_SHOWN_MINUTES))
            code.save(update_fields=["used_at", "shows_until"])
            return code
        lookup.wrong_tries += 1
        if code is not None:
            code.wrong_tries += 1
            code.voided_at = now if code.wrong_tries >= tries else None
            code.save(update_fields=["wrong_tries", "voided_at"])
            lookup.wrong_tries = max(lookup.wrong_tries, code.wrong_tries)
        record(
            Action.DENY,
            actor=None,
            record_type="tracking_code",
            record_id=code.referral.uuid if code is not None else "",
            child_uuid=code.referral.child.uuid if code is not None else None,
            detail={"wrong_tries": lookup.wrong_tries},
        )
    left = tries - lookup.wrong_tries
    if left <= 0:
        raise CodeProblem("That code is not right, and you have no tries left. Ask for a new code")
    raise CodeProblem(
        f"That code is not right. You have {left} {'try' if left == 1 else 'tries'} left"
    )


def shown_referral(token: str) -> Referral | None:
    """The referral this browser may see now (after the right code), or None."""
    now = clock.now()
    code = (
        TrackingCode.objects.select_related("referral__child", "referral__allocated_organisation")
        .filter(
            browser=kept_of(token),
            used_at__isnull=False,
            voided_at__isnull=True,
            shows_until__gt=now,
        )
        .first()
    )
    return code.referral if code is not None else None


def status_viewed(referral: Referral) -> None:
    record(
        Action.VIEW,
        actor=None,
        record_type="referral",
        record_id=referral.uuid,
        child_uuid=referral.child.uuid,
        detail={"tracking": True},
    )
