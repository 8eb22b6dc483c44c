"""Publishing an event: the action that makes something happen calls `publish` inside its
own transaction, one line. The event, its deliveries and the queued task are rows of the same
database, so they exist exactly when the change does: a change rolled back leaves no event, no
delivery and no task (the outbox; ADR 24, hazard H49)."""

from __future__ import annotations

from django.db.models import Max

from onedoor import clock
from onedoor.alliance.models import Organisation
from onedoor.children.models import Child
from onedoor.children.sharing import shared_with
from onedoor.integrations.scopes import Scope
from onedoor.referrals.models import Referral
from onedoor.webhooks.delivery import deliver_event
from onedoor.webhooks.models import Delivery, Event, Kind, Subscription


def listening(organisation: Organisation, kind: Kind) -> list[Subscription]:
    """The organisation's subscriptions that are on and chose `kind`, of clients not revoked
    that still hold the scope to manage them (one query)."""
    found = Subscription.objects.filter(
        client__organisation=organisation,
        client__revoked_at__isnull=True,
        disabled_at__isnull=True,
    ).select_related("client")
    return [
        each
        for each in found
        if kind.value in each.events and Scope.MANAGE_WEBHOOKS.value in each.client.scopes
    ]


def publish(kind: Kind, organisation: Organisation | None, referral: Referral) -> Event | None:
    """`kind` happened to `referral`, for `organisation` (nothing when there is none, when
    the child's records are no longer shared with it, or when none of its systems listens):
    the event, one delivery for each subscription listening
    now, and the task that sends them, all in the caller's transaction."""
    if organisation is None:
        return None
    subscriptions = listening(organisation, kind)
    if not subscriptions:
        return None
    # Consent to share withdrawn: an organisation no longer shared with is not told (H55).
    if not Child.objects.filter(shared_with(organisation), pk=referral.child_id).exists():
        return None
    now = clock.now()
    event = Event.objects.create(
        kind=kind, organisation=organisation, referral=referral, occurred_at=now
    )
    # An endpoint that is failing is waited for: the new event waits behind its retries.
    backing_off = dict(
        Delivery.objects.filter(
            subscription__in=subscriptions, delivered_at__isnull=True, given_up=False
        )
        .values("subscription")
        .annotate(until=Max("next_attempt_at"))
        .values_list("subscription", "until")
    )
    Delivery.objects.bulk_create(
        Delivery(
            event=event,
            subscription=subscription,
            next_attempt_at=max(now, backing_off.get(subscription.pk) or now),
        )
        for subscription in subscriptions
    )
    deliver_event.enqueue(str(event.uuid))
    return event
