"""A client's subscriptions, managed by the client itself through the API (scope
`webhooks:manage`): subscribe an https address to some kinds of event, see them, turn one
back on after failures turned it off, delete one. Each is audited as the client's account.

The signing secret is made here and returned once, when the subscription is made; it is kept
sealed with Fernet (`DRAFTS_KEY`, as drafts are, ADR 15) because the product must read it
again to sign each delivery (a hash would not do).
"""

from __future__ import annotations

import ipaddress
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet

from onedoor import clock
from onedoor.accounts.drafts import fernet
from onedoor.audit.trail import Action, record
from onedoor.integrations.models import ApiClient
from onedoor.webhooks.models import Kind, Subscription

SECRET_PREFIX = "whsec_"  # noqa: S105 (a marker, not a secret)
MAX_SUBSCRIPTIONS = 10
MAX_URL = 500
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


@dataclass(frozen=True)
class Created:
    """A subscription just made: `secret` is shown once."""

    subscription: Subscription
    secret: str


def _refuse(field: str, message: str) -> ValidationError:
    return ValidationError({field: [message]})


def _private(host: str) -> bool:
    """An address of this machine or of a private network, written as an IP address."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host == "localhost" or host.endswith(".localhost")
    return not address.is_global


def check_url(url: str) -> str:
    """The address deliveries are POSTed to: https, a host name, no user or password in it.
    Plain http only to this machine (127.0.0.1, localhost) where `WEBHOOK_ALLOW_LOCAL` (DEBUG
    and the tests); an address on a private network never."""
    url = url.strip()
    if not url or len(url) > MAX_URL:
        raise _refuse("url", f"Give the https address to send events to (at most {MAX_URL})")
    if any(ord(character) < 0x21 or ord(character) == 0x7F for character in url):
        raise _refuse("url", "The address must not contain spaces or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise _refuse("url", "This is not a web address") from None
    host = (parts.hostname or "").lower()
    local = settings.WEBHOOK_ALLOW_LOCAL and host in LOCAL_HOSTS
    if parts.scheme not in ("https", "http") or not host:
        raise _refuse("url", "The address must start with https://")
    if parts.scheme == "http" and not local:
        raise _refuse("url", "The address must start with https://")
    if parts.username is not None or parts.password is not None or parts.fragment:
        raise _refuse("url", "The address must not carry a user, password or #fragment")
    if _private(host) and not local:
        raise _refuse("url", "The address must be reachable on the internet")
    if port == 0:
        raise _refuse("url", "This is not a web address")
    return url


def check_events(events: list[str]) -> list[str]:
    chosen = set()
    for name in events:
        if name not in Kind.values:
            raise _refuse("events", f"There is no event called {name}")
        chosen.add(name)
    if not chosen:
        raise _refuse("events", "Choose at least one event")
    return sorted(chosen)


def secret_of(subscription: Subscription) -> str:
    return fernet().decrypt(subscription.sealed_secret.encode()).decode()


def _audit(client: ApiClient, action: str, subscription: Subscription, what: str) -> None:
    record(
        action,
        actor=client.account,
        record_type="webhook subscription",
        record_id=subscription.uuid,
        detail={
            "what": what,
            "client": str(client.uuid),
            # The host only: a partner may put a token of its own in the path.
            "host": urlsplit(subscription.url).hostname or "",
            "events": " ".join(subscription.events),
        },
    )


def subscriptions_of(client: ApiClient) -> QuerySet[Subscription]:
    return Subscription.objects.filter(client=client)


def get_for_client(client: ApiClient, uuid: UUID) -> Subscription:
    """The client's own subscription; any other is not found (`Subscription.DoesNotExist`)."""
    return subscriptions_of(client).get(uuid=uuid)


def subscribe(*, client: ApiClient, url: str, events: list[str]) -> Created:
    url = check_url(url)
    chosen = check_events(events)
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        # The client's row, locked: two calls at once cannot pass the limit together.
        ApiClient.objects.select_for_update().filter(pk=client.pk).first()
        if subscriptions_of(client).count() >= MAX_SUBSCRIPTIONS:
            raise _refuse("url", f"A client has at most {MAX_SUBSCRIPTIONS} subscriptions")
        subscription = Subscription.objects.create(
            client=client,
            url=url,
            events=chosen,
            sealed_secret=fernet().encrypt(secret.encode()).decode(),
            created_at=clock.now(),
        )
        _audit(client, Action.CREATE, subscription, "subscribed")
    return Created(subscription=subscription, secret=secret)


def enable(*, client: ApiClient, subscription: Subscription) -> Subscription:
    """On again, with its count of failures back to 0. Events while it was off are not sent:
    the client reads what changed through the API (`updated_since`)."""
    with transaction.atomic():
        Subscription.objects.filter(pk=subscription.pk).update(
            disabled_at=None, consecutive_failures=0
        )
        subscription.refresh_from_db()
        _audit(client, Action.CHANGE, subscription, "turned on")
    return subscription


def unsubscribe(*, client: ApiClient, subscription: Subscription) -> None:
    """Deleted, with the deliveries still waiting for it."""
    with transaction.atomic():
        _audit(client, Action.DELETE, subscription, "deleted")
        subscription.delete()
