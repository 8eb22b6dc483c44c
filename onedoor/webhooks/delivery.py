"""Sending each event to each subscription once (ADR 24, hazard H49).

The task queued with the change (`deliver_event`) and the scheduler's job (`retry_due`) both
go through `attempt`, which claims the delivery with a lease (one conditional update: two
workers never send the same delivery at once; a crashed worker's lease lapses), POSTs it, and
marks it delivered on a 2xx answer. Run twice, the second run finds it delivered and sends
nothing. (A crash between the endpoint's answer and the mark can still send it twice: the
partner's system drops a repeated `OneDoor-Event-Id`.)

Any other answer, a redirect, or no answer within `WEBHOOK_TIMEOUT_SECONDS` is a failure: the
subscription's failures in a row are counted, and its deliveries wait 1 minute, doubling with
each failure, at most an hour. At `WEBHOOK_MAX_FAILURES` in a row the subscription is turned
off, what still waited for it is given up, and the alliance's administrators are emailed,
once. A success sets the count back to 0.

The body names identifiers only (the event, the organisation, the referral's uuid and
reference): the partner's system reads the rest through the API, under the access rules. It
is signed: `OneDoor-Signature: v1=<hex HMAC-SHA256 of "<timestamp>.<body>">` with the
subscription's secret, the timestamp (Unix seconds) in `OneDoor-Timestamp`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from functools import partial
from http.client import HTTPException
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django_tasks import task

from onedoor import clock
from onedoor.accounts.models import User
from onedoor.accounts.roles import Role
from onedoor.audit.trail import Action, record
from onedoor.emails import templated
from onedoor.emails.delivery import deliver
from onedoor.integrations.scopes import Scope
from onedoor.webhooks.models import Delivery, Event, Subscription
from onedoor.webhooks.subscriptions import check_url, secret_of

logger = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
FIRST_WAIT = timedelta(minutes=1)
LONGEST_WAIT = timedelta(hours=1)
BATCH = 200
# How long after turning a subscription off the scheduler still retries the administrators'
# email, should it have failed.
TELL_WITHIN = timedelta(days=3)


def wait_after(failures: int) -> timedelta:
    """How long a subscription's deliveries wait after its `failures`th failure in a row."""
    return min(FIRST_WAIT * 2 ** max(failures - 1, 0), LONGEST_WAIT)


def body(event: Event) -> bytes:
    return json.dumps(
        {
            "id": str(event.uuid),
            "type": event.kind,
            "occurred_at": event.occurred_at.isoformat(),
            "organisation": event.organisation.slug,
            "referral": {"uuid": str(event.referral.uuid), "reference": event.referral.reference},
        },
        separators=(",", ":"),
    ).encode()


def sign(secret: str, timestamp: str, content: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + content, hashlib.sha256)
    return f"v1={mac.hexdigest()}"


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer that is not 2xx: never followed to another address."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirects())


def post(url: str, content: bytes, headers: dict[str, str]) -> int:
    """POST the body; the status the endpoint answered."""
    request = urllib.request.Request(  # noqa: S310 (the scheme is checked: https, or local)
        url,
        data=content,
        method="POST",
        headers={"Content-Type": "application/json", "User-Agent": "OneDoor-Webhooks/1", **headers},
    )
    try:
        with _opener.open(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        error.close()
        return int(error.code)


def _may_receive(subscription: Subscription) -> bool:
    client = subscription.client
    return client.revoked_at is None and Scope.MANAGE_WEBHOOKS.value in client.scopes


def attempt(delivery_pk: int) -> bool:
    """Send one delivery if it is due and nobody else is sending it; True when the endpoint
    took it now."""
    delivery = (
        Delivery.objects.select_related(
            "event__organisation", "event__referral", "subscription__client"
        )
        .filter(pk=delivery_pk)
        .first()
    )
    if delivery is None or delivery.delivered_at is not None or delivery.given_up:
        return False
    subscription = delivery.subscription
    if not subscription.active:
        return False
    if not _may_receive(subscription):
        Delivery.objects.filter(pk=delivery_pk, delivered_at__isnull=True).update(given_up=True)
        return False
    now = clock.now()
    claimed = Delivery.objects.filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
        pk=delivery_pk,
        delivered_at__isnull=True,
        given_up=False,
        next_attempt_at__lte=now,
    ).update(claimed_until=now + LEASE, attempts=F("attempts") + 1)
    if not claimed:
        return False
    content = body(delivery.event)
    timestamp = str(int(clock.now().timestamp()))
    headers = {
        "OneDoor-Event-Id": str(delivery.event.uuid),
        "OneDoor-Timestamp": timestamp,
        "OneDoor-Signature": sign(secret_of(subscription), timestamp, content),
    }
    try:
        status = post(check_url(subscription.url), content, headers)
        error = "" if 200 <= status < 300 else f"HTTP {status}"
    except (OSError, ValueError, HTTPException, ValidationError) as failure:
        status, error = 0, type(failure).__name__
    if error:
        logger.warning("Webhook delivery %s failed (%s)", delivery_pk, error)
        if _failed(delivery, status, error):
            tell_administrators(subscription.pk)
        return False
    Delivery.objects.filter(pk=delivery_pk).update(
        delivered_at=clock.now(), claimed_until=None, last_status=status, last_error=""
    )
    Subscription.objects.filter(pk=subscription.pk).update(consecutive_failures=0)
    return True


def _failed(delivery: Delivery, status: int, error: str) -> bool:
    """Count the failure and hold the subscription's deliveries back; True when this failure
    turned the subscription off."""
    subscription = delivery.subscription
    with transaction.atomic():
        Subscription.objects.filter(pk=subscription.pk).update(
            consecutive_failures=F("consecutive_failures") + 1
        )
        failures = Subscription.objects.values_list("consecutive_failures", flat=True).get(
            pk=subscription.pk
        )
        later = clock.now() + wait_after(failures)
        Delivery.objects.filter(pk=delivery.pk).update(
            claimed_until=None, last_status=status, last_error=error[:100], next_attempt_at=later
        )
        Delivery.objects.filter(
            subscription=subscription,
            delivered_at__isnull=True,
            given_up=False,
            next_attempt_at__lt=later,
        ).update(next_attempt_at=later)
        if failures < settings.WEBHOOK_MAX_FAILURES:
            return False
        return _turn_off(subscription, failures)


def _turn_off(subscription: Subscription, failures: int) -> bool:
    now = clock.now()
    turned = Subscription.objects.filter(pk=subscription.pk, disabled_at__isnull=True).update(
        disabled_at=now
    )
    if not turned:
        return False
    Delivery.objects.filter(
        subscription=subscription, delivered_at__isnull=True, given_up=False
    ).update(given_up=True)
    record(
        Action.CHANGE,
        actor=None,
        record_type="webhook subscription",
        record_id=subscription.uuid,
        detail={
            "what": "turned off",
            "client": str(subscription.client.uuid),
            "failures": failures,
        },
    )
    return True


def administrators(subscription: Subscription) -> list[User]:
    """Who is told a subscription was turned off: the alliance's administrators (those who
    register its clients) with an email address."""
    return list(
        User.objects.filter(
            role=Role.ADMINISTRATOR,
            is_active=True,
            organisation__alliance_id=subscription.client.organisation.alliance_id,
        )
        .exclude(email="")
        .order_by("pk")
    )


def tell_administrators(subscription_pk: int) -> int:
    """Email each administrator once that the subscription was turned off (the ledger's key
    names the moment it was, so turning it off again tells them again); how many went now."""
    subscription = (
        Subscription.objects.select_related("client__organisation")
        .filter(pk=subscription_pk, disabled_at__isnull=False)
        .first()
    )
    if subscription is None or subscription.disabled_at is None:
        return 0
    stamp = subscription.disabled_at.strftime("%Y%m%dT%H%M%S")
    context = {
        "client": subscription.client,
        "subscription": subscription,
        "host": urlsplit(subscription.url).hostname or "",
        "failures": settings.WEBHOOK_MAX_FAILURES,
    }
    message = partial(templated, "webhook-turned-off", context=context)
    return sum(
        deliver(
            f"webhook-off:{subscription.uuid}:{stamp}:{admin.uuid}",
            partial(message, to=admin.email),
        )
        for admin in administrators(subscription)
    )


@task()
def deliver_event(event_uuid: str) -> int:
    """Send the event to each subscription that waits for it and is due; how many took it."""
    waiting = Delivery.objects.filter(
        event__uuid=event_uuid, delivered_at__isnull=True, given_up=False
    ).order_by("pk")
    return sum(attempt(pk) for pk in list(waiting.values_list("pk", flat=True)))


def retry_due(now: datetime | None = None) -> int:
    """The scheduler's job: every delivery due again (after a failure, or whose task was
    lost), at most `BATCH` a tick, oldest first; and the administrators' email of a
    subscription turned off lately, should it have failed. How many deliveries went."""
    now = now or clock.now()
    due = (
        Delivery.objects.filter(
            Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
            delivered_at__isnull=True,
            given_up=False,
            next_attempt_at__lte=now,
            subscription__disabled_at__isnull=True,
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:BATCH]
    )
    sent = sum(attempt(pk) for pk in list(due))
    for pk in Subscription.objects.filter(disabled_at__gte=now - TELL_WITHIN).values_list(
        "pk", flat=True
    ):
        tell_administrators(pk)
    return sent
