"""Registering a professional referrer account, and verifying its work email (hazard H45).

A GP, school or social worker registers with a work email whose domain is on the alliance's
allow-list (`alliance/email_domains.py`). The account is made inactive, in the alliance's
configured organisation for registered referrers, with the professional referrer role, and
a single-use link goes to that address. The password is chosen on the link's page, not when
registering: so only whoever reads that mailbox can ever sign in to the account, however
someone else filled in the form. A link lasts `LINK_LASTS`; once used, or past its time, it
opens nothing. Registering an address that already has an account says the same "check your
email" as a new one: an unverified account gets a fresh link (and the newest details), a
verified one an email saying someone tried to register. Registrations are rate-limited per
client address; each registration, refusal and verification is audited, identifiers only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.urls import reverse

from onedoor import clock
from onedoor.accounts.models import ReferrerDetails, User
from onedoor.accounts.roles import Role
from onedoor.alliance import email_domains, identity
from onedoor.alliance.models import Alliance
from onedoor.audit.trail import Action, record
from onedoor.emails import templated
from onedoor.emails.delivery import deliver
from onedoor.rate_limits import attempt_allowed
from onedoor.referrers.models import EmailVerification, RegistrationAttempt
from onedoor.secret_tokens import kept_of, new_secret

LINK_LASTS = timedelta(hours=24)
REGISTRATIONS_PER_HOUR = 5
REGISTRATION = "referrer registration"


class RateLimited(Exception):
    """Too many registrations from one address in the last hour."""


class DomainNotAllowed(Exception):
    """The work email's domain is not on the alliance's allow-list."""


class RegistrationClosed(Exception):
    """The alliance has no organisation configured for registered referrers."""


@dataclass(frozen=True)
class Registration:
    name: str
    job_title: str
    workplace: str
    works_in: str  # referrals.models.Source: gp, school, social_care...
    work_phone: str
    email: str


def _check_rate(address: str | None, now: datetime) -> None:
    with transaction.atomic():
        if not attempt_allowed(RegistrationAttempt, address, now, REGISTRATIONS_PER_HOUR):
            raise RateLimited(address)


def _names(name: str) -> tuple[str, str]:
    first, _, last = " ".join(name.split()).rpartition(" ")
    return (first, last) if first else (last, "")


def _details(user: User, details: Registration) -> None:
    user.first_name, user.last_name = _names(details.name)
    user.save(update_fields=["first_name", "last_name"])
    ReferrerDetails.objects.update_or_create(
        user=user,
        defaults={
            "job_title": details.job_title,
            "workplace": details.workplace,
            "works_in": details.works_in,
            "work_phone": details.work_phone,
        },
    )


def _send_link(alliance: Alliance, user: User, now: datetime) -> None:
    token = new_secret()
    verification = EmailVerification.objects.create(
        user=user, token_hash=kept_of(token), created_at=now, expires_at=now + LINK_LASTS
    )
    path = reverse("referrers:verify", args=[token])
    context = {
        "service": identity.of(alliance),
        "link": f"{settings.SITE_URL.rstrip('/')}{path}",
        "hours": int(LINK_LASTS.total_seconds() // 3600),
    }
    message = templated("referrer-verify", user.email, context)
    transaction.on_commit(lambda: deliver(f"referrer-verify:{verification.uuid}", message))


def _tell_owner(alliance: Alliance, user: User, now: datetime) -> None:
    """Someone tried to register an address that has an account: its owner is told (once an
    hour at most), and nobody else learns it exists."""
    sign_in = f"{settings.SITE_URL.rstrip('/')}{reverse('accounts:login')}"
    context = {"service": identity.of(alliance), "sign_in": sign_in}
    message = templated("referrer-already-registered", user.email, context)
    key = f"referrer-already-registered:{user.uuid}:{now:%Y%m%d%H}"
    transaction.on_commit(lambda: deliver(key, message))


def register(alliance: Alliance, details: Registration, *, address: str | None) -> None:
    """Register `details` (already checked by the form), or refuse: `RateLimited`,
    `DomainNotAllowed`, `RegistrationClosed`. The same outcome whether or not the address
    already has an account."""
    now = clock.now()
    _check_rate(address, now)
    if not email_domains.allowed(details.email, alliance.allowed_email_domains):
        record(
            Action.DENY,
            actor=None,
            record_type=REGISTRATION,
            detail={"refused": "email domain not allowed"},
        )
        raise DomainNotAllowed(email_domains.domain_of(details.email))
    organisation = alliance.referrer_organisation
    if organisation is None:
        raise RegistrationClosed(alliance.slug)
    email = details.email.strip().lower()
    with transaction.atomic():
        existing = User.objects.select_for_update().filter(username=email).first()
        if existing is not None and existing.is_active:
            record(
                Action.DENY,
                actor=None,
                record_type=REGISTRATION,
                record_id=existing.uuid,
                detail={"refused": "already registered"},
            )
            _tell_owner(alliance, existing, now)
            return
        if existing is not None and existing.role == Role.PROFESSIONAL_REFERRER:
            _details(existing, details)
            record(
                Action.CHANGE,
                actor=None,
                record_type="user",
                record_id=existing.uuid,
                detail={"registration": "repeated before verifying"},
            )
            _send_link(alliance, existing, now)
            return
        if existing is not None:  # an inactive member of staff: never taken over
            record(
                Action.DENY,
                actor=None,
                record_type=REGISTRATION,
                record_id=existing.uuid,
                detail={"refused": "already registered"},
            )
            return
        user = User(
            username=email,
            email=email,
            role=Role.PROFESSIONAL_REFERRER,
            organisation=organisation,
            is_active=False,
        )
        user.set_unusable_password()
        user.save()
        _details(user, details)
        record(
            Action.CREATE,
            actor=None,
            record_type="user",
            record_id=user.uuid,
            detail={"registered": "professional referrer"},
        )
        _send_link(alliance, user, now)


def pending(token: str) -> EmailVerification | None:
    """The unused, unexpired link this token opens; None for any other token."""
    return (
        EmailVerification.objects.select_related("user__referrer_details")
        .filter(token_hash=kept_of(token), used_at__isnull=True, expires_at__gt=clock.now())
        .first()
    )


class LinkNotValid(Exception):
    """The link is unknown, used or past its time."""


def check_password(verification: EmailVerification, password: str) -> None:
    """Django's password validators, for this account (`ValidationError`)."""
    validate_password(password, verification.user)


def verify(token: str, password: str) -> User:
    """Use the link: the password set, the account active, the link spent (once only)."""
    now = clock.now()
    with transaction.atomic():
        verification = pending(token)
        if verification is None:
            raise LinkNotValid
        spent = EmailVerification.objects.filter(pk=verification.pk, used_at__isnull=True).update(
            used_at=now
        )
        if not spent:
            raise LinkNotValid
        user = verification.user
        check_password(verification, password)
        user.set_password(password)
        user.is_active = True
        user.save(update_fields=["password", "is_active"])
        # Every other link to this address is spent too.
        EmailVerification.objects.filter(user=user, used_at__isnull=True).update(used_at=now)
        record(
            Action.CHANGE,
            actor=user,
            record_type="user",
            record_id=user.uuid,
            detail={"email": "verified"},
        )
    return user
