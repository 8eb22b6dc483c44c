"""Send each message once, whoever asks and however often: the task queued with the change,
and the periodic reminder job that re-derives what should have gone, use the same key.

`deliver` claims the message's row (a lease), sends, and marks it sent. Run twice, the second
run finds it sent and sends nothing. A crash after the claim leaves the lease to lapse, and the
next run sends it. A failed send releases the lease and counts the attempt; the next run
retries, up to `MAX_ATTEMPTS`. (A crash in the instant between the mail server accepting the
message and the row being marked can still send it twice: at-least-once is the honest promise,
and for a safety notification it is the right side to err on.)
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import F, Q

from onedoor import clock
from onedoor.emails.models import Delivery

logger = logging.getLogger(__name__)

LEASE = timedelta(minutes=10)
MAX_ATTEMPTS = 10


def _row(key: str) -> None:
    try:
        with transaction.atomic():
            Delivery.objects.create(key=key, created_at=clock.now())
    except IntegrityError:
        pass  # it exists: sent, or waiting for another attempt


def deliver(key: str, message: EmailMessage | Callable[[], EmailMessage]) -> bool:
    """Send the message unless the one named `key` has gone (or is being sent, or has failed
    `MAX_ATTEMPTS` times); True when it was sent now. Given a function, the message is built
    only when it is to be sent."""
    _row(key)
    now = clock.now()
    claimed = Delivery.objects.filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
        key=key,
        sent_at__isnull=True,
        attempts__lt=MAX_ATTEMPTS,
    ).update(claimed_until=now + LEASE, attempts=F("attempts") + 1)
    if not claimed:
        return False
    try:
        (message() if callable(message) else message).send()
    except Exception as error:
        Delivery.objects.filter(key=key).update(claimed_until=None, last_error=type(error).__name__)
        logger.warning("Email %s not sent (%s); it will be retried", key, type(error).__name__)
        return False
    Delivery.objects.filter(key=key).update(sent_at=clock.now(), claimed_until=None)
    return True


def sent(keys: list[str]) -> set[str]:
    """Which of `keys` have gone (one query)."""
    return set(
        Delivery.objects.filter(key__in=keys, sent_at__isnull=False).values_list("key", flat=True)
    )
