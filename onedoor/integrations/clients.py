"""Registering an API client, and issuing, rotating and revoking its tokens: the
administrator's actions. Each writes the audit trail; a token is returned once, here, and
only its SHA-256 is kept."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from onedoor import clock
from onedoor.access.roles import save_account
from onedoor.accounts.models import User
from onedoor.accounts.roles import Role
from onedoor.alliance.models import Organisation
from onedoor.audit.trail import Action, record
from onedoor.integrations.models import ApiClient, ApiToken
from onedoor.integrations.scopes import Scope, allowed_for, system_role
from onedoor.secret_tokens import kept_of, new_secret

TOKEN_PREFIX = "od_"  # noqa: S105 (a marker, not a secret)
MAX_TOKEN_DAYS = 365


@dataclass(frozen=True)
class Issued:
    """A token just issued: `secret` is shown once and never stored."""

    token: ApiToken
    secret: str


def _administrator(user: User, organisation: Organisation | None = None) -> None:
    if user.role != Role.ADMINISTRATOR or user.organisation is None:
        raise PermissionDenied("Only an administrator manages API clients.")
    if organisation is not None and organisation.alliance_id != user.organisation.alliance_id:
        raise PermissionDenied("Only an administrator of the alliance manages its clients.")


def _audit(user: User, action: str, client: ApiClient, what: str, **detail: str) -> None:
    record(
        action,
        actor=user,
        record_type="api client",
        record_id=client.uuid,
        detail={"what": what, "organisation": client.organisation.slug, **detail},
    )


def check_scopes(organisation: Organisation, scopes: list[str]) -> list[Scope]:
    """The scopes, each one the organisation's kind of client may hold, in a stable order."""
    allowed = allowed_for(system_role(organisation.kind))
    chosen = []
    for name in scopes:
        try:
            scope = Scope(name)
        except ValueError:
            raise ValidationError(f"There is no scope called {name}") from None
        if scope not in allowed:
            raise ValidationError(
                f"A client of {organisation.name} cannot hold the scope {scope.value}"
            )
        chosen.append(scope)
    if not chosen:
        raise ValidationError("Choose at least one scope")
    return sorted(set(chosen))


def register_client(
    *, user: User, organisation: Organisation, name: str, scopes: list[str]
) -> ApiClient:
    """A client for one organisation, acting as a new account of the organisation's system
    role, which has no password and never signs in. A partner's system's account is active
    only once a clinical lead approves it (`access.roles.save_account`)."""
    _administrator(user, organisation)
    name = name.strip()
    if not name:
        raise ValidationError("Enter the name of the system")
    chosen = check_scopes(organisation, scopes)
    now = clock.now()
    with transaction.atomic():
        account = User(
            username=f"api-{secrets.token_hex(6)}",
            first_name=name[:150],
            organisation=organisation,
            role=system_role(organisation.kind),
            password=make_password(None),
        )
        # A partner's system sees its children's records: its account waits, inactive, for
        # a clinical lead's approval, as a person's would (`access.roles`, ADR 35).
        save_account(by=user, user=account, before=None)
        client = ApiClient.objects.create(
            name=name,
            organisation=organisation,
            account=account,
            scopes=[scope.value for scope in chosen],
            registered_at=now,
            registered_by=user,
        )
        _audit(user, Action.CREATE, client, "registered", scopes=" ".join(client.scopes))
    return client


def change_scopes(*, user: User, client: ApiClient, scopes: list[str]) -> ApiClient:
    _administrator(user, client.organisation)
    chosen = check_scopes(client.organisation, scopes)
    with transaction.atomic():
        client.scopes = [scope.value for scope in chosen]
        client.save(update_fields=["scopes"])
        _audit(user, Action.CHANGE, client, "scopes changed", scopes=" ".join(client.scopes))
    return client


def issue_token(*, user: User, client: ApiClient, days: int | None = None) -> Issued:
    """A new token for the client, working for `days` (the setting by default)."""
    _administrator(user, client.organisation)
    if client.revoked_at is not None:
        raise ValidationError("This client is revoked: register a new one")
    days = settings.API_TOKEN_DAYS if days is None else days
    if not 1 <= days <= MAX_TOKEN_DAYS:
        raise ValidationError(f"A token works for 1 to {MAX_TOKEN_DAYS} days")
    secret = new_secret(TOKEN_PREFIX)
    now = clock.now()
    with transaction.atomic():
        token = ApiToken.objects.create(
            client=client,
            digest=kept_of(secret),
            prefix=secret[:10],
            issued_at=now,
            issued_by=user,
            expires_at=now + timedelta(days=days),
        )
        _audit(user, Action.CREATE, client, "token issued", token=str(token.uuid))
    return Issued(token=token, secret=secret)


def rotate_token(*, user: User, client: ApiClient, days: int | None = None) -> Issued:
    """A new token, and every other token of the client revoked in the same transaction."""
    with transaction.atomic():
        issued = issue_token(user=user, client=client, days=days)
        others = client.tokens.filter(revoked_at__isnull=True).exclude(pk=issued.token.pk)
        others.update(revoked_at=clock.now())
        _audit(user, Action.CHANGE, client, "tokens rotated", token=str(issued.token.uuid))
    return issued


def revoke_token(*, user: User, token: ApiToken) -> ApiToken:
    _administrator(user, token.client.organisation)
    with transaction.atomic():
        if token.revoked_at is None:
            token.revoked_at = clock.now()
            token.save(update_fields=["revoked_at"])
        _audit(user, Action.CHANGE, token.client, "token revoked", token=str(token.uuid))
    return token


def revoke_client(*, user: User, client: ApiClient) -> ApiClient:
    """The client and all its tokens stop working at once, for good."""
    _administrator(user, client.organisation)
    now = clock.now()
    with transaction.atomic():
        client.revoked_at = client.revoked_at or now
        client.save(update_fields=["revoked_at"])
        client.tokens.filter(revoked_at__isnull=True).update(revoked_at=now)
        User.objects.filter(pk=client.account_id).update(is_active=False)
        _audit(user, Action.CHANGE, client, "client revoked")
    return client
