"""The bearer token of an API client, on every call: who is calling, whether the token still
works, whether the body is small enough and the client within its rate, and one audit record
of the call (`integrations/calls.py`, shared with the FHIR adapter). There is no session or
cookie path into the API."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import HttpBearer

from onedoor.api.problems import Problem
from onedoor.integrations.calls import admit, bearer_secret
from onedoor.integrations.scopes import Scope
from onedoor.integrations.tokens import Caller


class ClientToken(HttpBearer):
    def __call__(self, request: HttpRequest) -> Caller:
        return self.authenticate(request, bearer_secret(request))

    def authenticate(self, request: HttpRequest, token: str) -> Caller:
        caller, refused = admit(request, token)
        if caller is not None:
            request.auth = caller  # type: ignore[attr-defined]  # so a refusal names the caller
        if refused is not None:
            raise Problem(refused.status, refused.detail, headers=refused.headers)
        assert caller is not None  # admitted
        return caller


def require(caller: Caller, scope: Scope) -> None:
    """Refuse (403) a call the token's scopes do not open."""
    if not caller.may(scope):
        raise Problem(403, f"This client does not hold the scope {scope.value}")
