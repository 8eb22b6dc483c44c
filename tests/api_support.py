"""Calling the API as a registered client, for the API's tests."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from onedoor.accounts.models import User
from onedoor.alliance.models import Organisation
from onedoor.integrations.clients import Issued, issue_token, register_client
from onedoor.integrations.models import ApiClient
from onedoor.integrations.scopes import Scope


def registered(
    admin: User, organisation: Organisation, scopes: list[Scope] | None = None, name: str = ""
) -> tuple[ApiClient, str]:
    """A client of `organisation` with `scopes` (all its kind may hold, by default) and one
    working token's secret."""
    from onedoor.integrations.scopes import allowed_for, system_role

    chosen = scopes if scopes is not None else sorted(allowed_for(system_role(organisation.kind)))
    client = register_client(
        user=admin,
        organisation=organisation,
        name=name or f"{organisation.name}'s system",
        scopes=[scope.value for scope in chosen],
    )
    approve(client)
    issued: Issued = issue_token(user=admin, client=client)
    return client, issued.secret


def approve(client: ApiClient) -> None:
    """A clinical lead approves the client's account, where it waits (a partner's system):
    the alliance's, or, with none, as on the server."""
    from onedoor.access.models import RoleRequest
    from onedoor.access.roles import approve_on_the_server, decide_role_request
    from onedoor.accounts.roles import Role

    waiting = RoleRequest.objects.filter(user=client.account, decided_at__isnull=True).first()
    if waiting is None:
        return
    lead = User.objects.filter(role=Role.CLINICAL_LEAD, is_active=True).first()
    if lead is None:
        approve_on_the_server(waiting)
    else:
        decide_role_request(by=lead, request=waiting, approve=True)
    client.account.refresh_from_db()


def call(
    method: str, path: str, secret: str | None, body: Any = None, *, raw: bytes | None = None
) -> Any:
    """One API call with the bearer token `secret`; the response, with `.json()`."""
    headers: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Bearer {secret}"} if secret else {}
    data: Any = raw if raw is not None else (json.dumps(body) if body is not None else None)
    # CSRF checks on, as a browser's would be: the API needs none, having no session path.
    return Client(enforce_csrf_checks=True).generic(
        method.upper(), path, data or "", content_type="application/json", **headers
    )
