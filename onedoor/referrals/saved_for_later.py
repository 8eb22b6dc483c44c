"""The referral form's "save and come back later" (hazard H42, ADR 18).

A person may ask, from any step, for a link to come back with, on this device or another. The
answers already saved (`saved_answers`) are then:

- kept for `REFERRAL_SAVED_FOR_LATER_FOR` (7 days) from the request (`kept_until`), whatever
  the 2-hour idle limit, and deleted after that by the scheduler, or when the referral is sent;
- bound to one random link (`secret_tokens.new_secret`), of which only the SHA-256 is kept: the
  link itself is only in the email. A new request replaces the last link.

The email (`referral-saved`) says only the service's name and contacts, the link, when it
expires, that nothing has been sent to the service, and the crisis words: no name, no answer,
no reference. It is sent once per request through the delivery ledger, in the request and
after the change has committed: not through the task queue, whose rows would hold the link in
plain text.

Opening the link shows a page with a button; pressing it (a POST: mail systems' link scanners
fetch links with GET, which must not burn them) uses the link: the answers move to the browser
session that opened it, under a new identifier, so the session that saved them no longer
finds them, and the link is void. Used, expired or unknown, a link gives the same page.

Asking is rate-limited per email address, per client address and per browser session, and
audited (sent, used), with identifiers only.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils.crypto import salted_hmac

from onedoor import clock
from onedoor.alliance import identity
from onedoor.audit.models import AuditEvent
from onedoor.audit.trail import record
from onedoor.emails import templated
from onedoor.emails.delivery import deliver
from onedoor.referrals.models import SavedAnswers, SavedForLaterRequest
from onedoor.referrals.saved_answers import SESSION_KEY, kept_for_later, opened, seal
from onedoor.referrals.wizard import State
from onedoor.secret_tokens import kept_of, new_secret

LINKS_PER_EMAIL_PER_HOUR = 3
LINKS_PER_ADDRESS_PER_HOUR = 20  # a school or library shares one address
LINKS_PER_SESSION_PER_HOUR = 5
# When this session last asked for links (ISO times): the per-session limit.
ASKED_KEY = "onedoor_referral_links_asked"
RECORD_TYPE = "saved_answers_link"
TOKEN = re.compile(r"[A-Za-z0-9_-]{20,100}")


class TooManyLinks(Exception):
    """Too many links asked for, for this email address, client address or session."""


class NotSent(Exception):
    """The email could not be sent just now: the link was voided, nothing is kept for it."""


@dataclass(frozen=True)
class LinkSent:
    email: str
    expires_at: datetime


def kept_days() -> int:
    return int(settings.REFERRAL_SAVED_FOR_LATER_FOR.days)


def _email_digest(email: str) -> str:
    """A keyed digest of the address, for the rate limit: the address itself is never kept."""
    return salted_hmac(
        "onedoor.referrals.saved_for_later", email.strip().casefold(), algorithm="sha256"
    ).hexdigest()


def _asked_within_the_hour(request: HttpRequest, now: datetime) -> list[str]:
    asked = []
    for at in request.session.get(ASKED_KEY, []):
        try:
            if datetime.fromisoformat(str(at)) > now - timedelta(hours=1):
                asked.append(str(at))
        except ValueError:
            continue
    return asked


def _check_session_rate(request: HttpRequest, now: datetime) -> list[str]:
    asked = _asked_within_the_hour(request, now)
    if len(asked) >= LINKS_PER_SESSION_PER_HOUR:
        raise TooManyLinks("session")
    return asked


def _check_rate(email: str, address: str | None, now: datetime) -> None:
    digest = _email_digest(email)
    hour_ago = now - timedelta(hours=1)
    with transaction.atomic():
        SavedForLaterRequest.objects.filter(at__lt=now - timedelta(days=1)).delete()
        recent = SavedForLaterRequest.objects.filter(at__gte=hour_ago)
        if recent.filter(email_digest=digest).count() >= LINKS_PER_EMAIL_PER_HOUR:
            raise TooManyLinks("email")
        if address and recent.filter(address=address).count() >= LINKS_PER_ADDRESS_PER_HOUR:
            raise TooManyLinks("address")
        SavedForLaterRequest.objects.create(email_digest=digest, address=address, at=now)


def send_link(
    request: HttpRequest, row: SavedAnswers, *, email: str, address: str | None
) -> LinkSent:
    """Keep `row` for later, bound to a new link, and email the link to `email` once.
    `TooManyLinks` when asked too often; `NotSent` when the email could not go."""
    now = clock.now()
    asked = _check_session_rate(request, now)
    _check_rate(email, address, now)
    token = new_secret()
    hashed = kept_of(token)
    expires_at = now + settings.REFERRAL_SAVED_FOR_LATER_FOR
    with transaction.atomic():
        SavedAnswers.objects.filter(pk=row.pk).update(link_hash=hashed, kept_until=expires_at)
        record(
            AuditEvent.Action.CREATE,
            actor=None,
            record_type=RECORD_TYPE,
            record_id=row.uuid,
            detail={"link": "sent", "expires_at": expires_at.isoformat()},
        )
    request.session[ASKED_KEY] = [*asked, now.isoformat()]
    # Committed: now the email, once for this request (its key names this link alone).
    link = settings.SITE_URL + reverse("referrals:come_back", args=[token])
    context = {"service": identity.current(), "link": link, "expires_at": expires_at}
    sent = deliver(
        f"referral-saved:{row.uuid}:{hashed[:16]}",
        lambda: templated("referral-saved", email, context),
    )
    if not sent:
        SavedAnswers.objects.filter(pk=row.pk, link_hash=hashed).update(
            link_hash=None, kept_until=None
        )
        raise NotSent(row.uuid)
    return LinkSent(email=email, expires_at=expires_at)


def usable_link(token: str) -> SavedAnswers | None:
    """The saved answers this link (not yet used, not expired) brings back, or None."""
    if not TOKEN.fullmatch(token):
        return None
    row = SavedAnswers.objects.filter(link_hash=kept_of(token)).first()
    return row if row is not None and kept_for_later(row) else None


def use_link(request: HttpRequest, token: str) -> State | None:
    """Bring the answers back into this browser session, and void the link: None when the
    link is used, expired or unknown (or its answers can no longer be read)."""
    row = usable_link(token)
    if row is None:
        return None
    state = opened(row)
    if state is None:
        row.delete()
        return None
    moved_to = uuid.uuid4()
    with transaction.atomic():
        used = SavedAnswers.objects.filter(pk=row.pk, link_hash=row.link_hash).update(
            uuid=moved_to,
            content=seal(moved_to, state),
            saved_at=clock.now(),
            link_hash=None,
            kept_until=None,
        )
        if used != 1:
            return None  # used at the same moment by someone else
        record(
            AuditEvent.Action.CHANGE,
            actor=None,
            record_type=RECORD_TYPE,
            record_id=row.uuid,
            detail={"link": "used", "moved_to": str(moved_to)},
        )
    earlier = request.session.get(SESSION_KEY)
    if earlier is not None and earlier != str(row.uuid):
        # Answers this browser had begun itself give way to the ones brought back.
        SavedAnswers.objects.filter(uuid=earlier).delete()
    request.session[SESSION_KEY] = str(moved_to)
    return state
