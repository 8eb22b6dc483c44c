"""The bearer token of an API client, on every call: who is calling, whether the token still
works, whether the body is small enough and the client within its rate, and one audit record
of the call. There is no session or cookie path into the API."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from ninja.security import HttpBearer

from onedoor.api.problems import Problem
from onedoor.audit.trail import Action, record
from onedoor.integrations.scopes import Scope
from onedoor.integrations.tokens import Caller, Refusal, authenticate, within_rate


def _too_big(request: HttpRequest) -> bool:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return True
    return length > settings.API_MAX_BODY_BYTES


class ClientToken(HttpBearer):
    def __call__(self, request: HttpRequest) -> Caller:
        header = request.headers.get("Authorization", "")
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret:
            raise Problem(401, Refusal.MISSING, headers={"WWW-Authenticate": "Bearer"})
        return self.authenticate(request, secret.strip())

    def authenticate(self, request: HttpRequest, token: str) -> Caller:
        caller = authenticate(token)
        if isinstance(caller, Refusal):
            raise Problem(401, caller.value, headers={"WWW-Authenticate": "Bearer"})
        request.auth = caller  # type: ignore[attr-defined]  # so a refusal names the caller
        if not within_rate(caller.client, settings.API_CALLS_PER_MINUTE):
            raise Problem(
                429,
                f"At most {settings.API_CALLS_PER_MINUTE} calls a minute: wait and try again",
                headers={"Retry-After": "60"},
            )
        if _too_big(request):
            raise Problem(413, f"A request body may be at most {settings.API_MAX_BODY_BYTES} bytes")
        record(
            Action.API_CALL,
            actor=caller.client.account,
            record_type="api call",
            detail={
                "method": request.method or "",
                "path": request.path,
                "client": str(caller.client.uuid),
            },
        )
        return caller


def require(caller: Caller, scope: Scope) -> None:
    """Refuse (403) a call the token's scopes do not open."""
    if not caller.may(scope):
        raise Problem(403, f"This client does not hold the scope {scope.value}")
