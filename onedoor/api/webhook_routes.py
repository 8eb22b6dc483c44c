"""A partner's system subscribes its own endpoint to events about its organisation's children
(scope `webhooks:manage`; `onedoor/webhooks`, ADR 24): list, subscribe (the signing secret
shown once, in this answer), delete, and turn one back on after failures turned it off."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from onedoor.api.auth import require
from onedoor.api.schemas import Strict, answers
from onedoor.integrations.scopes import Scope
from onedoor.integrations.tokens import Caller
from onedoor.webhooks import subscriptions
from onedoor.webhooks.models import Subscription

router = Router(tags=["webhooks"])

EventName = Literal[
    "referral.allocated",
    "handover.requested",
    "safeguarding.concern_raised",
    "referral.discharged",
]


class SubscriptionIn(Strict):
    url: str = Field(max_length=subscriptions.MAX_URL, description="The https address to POST to")
    events: list[EventName] = Field(min_length=1, max_length=10)


class SubscriptionOut(Schema):
    uuid: UUID
    url: str
    events: list[str]
    active: bool
    disabled_at: datetime | None
    consecutive_failures: int
    created_at: datetime


class CreatedOut(SubscriptionOut):
    secret: str = Field(description="The signing secret, shown this once: keep it")


def _out(subscription: Subscription) -> SubscriptionOut:
    return SubscriptionOut(
        uuid=subscription.uuid,
        url=subscription.url,
        events=subscription.events,
        active=subscription.active,
        disabled_at=subscription.disabled_at,
        consecutive_failures=subscription.consecutive_failures,
        created_at=subscription.created_at,
    )


def _caller(request: HttpRequest) -> Caller:
    caller: Caller = request.auth  # type: ignore[attr-defined]
    require(caller, Scope.MANAGE_WEBHOOKS)
    return caller


@router.get(
    "/webhooks", response=answers({200: list[SubscriptionOut]}), summary="Your subscriptions"
)
def list_subscriptions(request: HttpRequest) -> list[SubscriptionOut]:
    caller = _caller(request)
    return [_out(each) for each in subscriptions.subscriptions_of(caller.client)]


@router.post(
    "/webhooks", response=answers({201: CreatedOut}), summary="Subscribe an endpoint to events"
)
def subscribe(request: HttpRequest, payload: SubscriptionIn) -> Status[CreatedOut]:
    caller = _caller(request)
    created = subscriptions.subscribe(
        client=caller.client, url=payload.url, events=list(payload.events)
    )
    out = _out(created.subscription)
    return Status(201, CreatedOut(**out.model_dump(), secret=created.secret))


@router.delete("/webhooks/{uuid}", response=answers({204: None}), summary="Delete a subscription")
def unsubscribe(request: HttpRequest, uuid: UUID) -> Status[None]:
    caller = _caller(request)
    subscription = subscriptions.get_for_client(caller.client, uuid)
    subscriptions.unsubscribe(client=caller.client, subscription=subscription)
    return Status(204, None)


@router.post(
    "/webhooks/{uuid}/enable",
    response=answers({200: SubscriptionOut}),
    summary="Turn a subscription on again",
)
def enable(request: HttpRequest, uuid: UUID) -> SubscriptionOut:
    caller = _caller(request)
    subscription = subscriptions.get_for_client(caller.client, uuid)
    return _out(subscriptions.enable(client=caller.client, subscription=subscription))
