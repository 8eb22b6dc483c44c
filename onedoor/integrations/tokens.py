"""Who is calling: a bearer token checked against the stored digests, and the client's rate
limit. Used by the REST API and the FHIR adapter alike."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from django.db.models import Case, F, Q, Value, When

from onedoor import clock
from onedoor.integrations.clients import TOKEN_PREFIX
from onedoor.integrations.models import ApiClient, ApiToken
from onedoor.integrations.scopes import Scope
from onedoor.secret_tokens import kept_of

WINDOW = timedelta(minutes=1)
# A token's last use is written at most this often, not on every call.
LAST_USED_EVERY = timedelta(minutes=5)


class Refusal(StrEnum):
    MISSING = "No bearer token was sent"
    UNKNOWN = "The token is not one we issued"
    EXPIRED = "The token has expired"
    REVOKED = "The token has been revoked"
    INACTIVE = (
        "The client's account is not active: a partner's system waits for a clinical lead's "
        "approval before its first call"
    )


@dataclass(frozen=True)
class Caller:
    client: ApiClient
    token: ApiToken

    def may(self, scope: Scope) -> bool:
        return scope.value in self.client.scopes


def authenticate(secret: str) -> Caller | Refusal:
    """The client whose token this is, or why it is refused (one query, and a write at most
    every `LAST_USED_EVERY`)."""
    if not secret or not secret.startswith(TOKEN_PREFIX) or len(secret) > 100:
        return Refusal.UNKNOWN if secret else Refusal.MISSING
    token = (
        ApiToken.objects.select_related(
            "client", "client__organisation", "client__account__organisation"
        )
        .filter(digest=kept_of(secret))
        .first()
    )
    if token is None:
        return Refusal.UNKNOWN
    now = clock.now()
    if token.revoked_at is not None or token.client.revoked_at is not None:
        return Refusal.REVOKED
    if token.expires_at <= now:
        return Refusal.EXPIRED
    if not token.client.account.is_active:
        return Refusal.INACTIVE
    if token.last_used_at is None or token.last_used_at < now - LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return Caller(client=token.client, token=token)


def within_rate(client: ApiClient, per_minute: int) -> bool:
    """Count one call in the client's current minute; False once it has made `per_minute`
    (one conditional update: a new minute starts the count again)."""
    now = clock.now()
    fresh = Q(window_started_at__isnull=True) | Q(window_started_at__lte=now - WINDOW)
    counted = ApiClient.objects.filter(fresh | Q(window_calls__lt=per_minute), pk=client.pk).update(
        window_calls=Case(When(fresh, then=Value(1)), default=F("window_calls") + 1),
        window_started_at=Case(When(fresh, then=Value(now)), default=F("window_started_at")),
    )
    return counted == 1
