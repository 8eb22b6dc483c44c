"""The administrator's pages for API clients: the list, registering one, one client, and
each change on its own page (issue or rotate a token, revoke a token, change the scopes,
revoke the client). A token just issued is kept in the session, sealed, until its page shows it,
once. Clients are the alliance's configuration, not records about a child: they are read by
alliance here rather than through the access layer, and another alliance's is a 404."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from onedoor import clock
from onedoor.accounts.decorators import roles_required, signed_in_user
from onedoor.accounts.drafts import fernet
from onedoor.accounts.models import User
from onedoor.accounts.roles import Role
from onedoor.integrations.clients import (
    Issued,
    change_scopes,
    issue_token,
    register_client,
    revoke_client,
    revoke_token,
    rotate_token,
)
from onedoor.integrations.forms import ClientForm, ScopesForm, TokenForm
from onedoor.integrations.models import ApiClient, ApiToken
from onedoor.integrations.scopes import DESCRIPTIONS, Scope

ADMINISTRATOR = Role.ADMINISTRATOR


def _alliance_id(user: User) -> int:
    assert user.organisation is not None
    return user.organisation.alliance_id


def _client_for(user: User, uuid: UUID) -> ApiClient:
    return get_object_or_404(
        ApiClient.objects.select_related("organisation", "account"),
        uuid=uuid,
        organisation__alliance_id=_alliance_id(user),
    )


def _once_key(client: ApiClient) -> str:
    return f"integrations:token:{client.uuid}"


def _show_once(request: HttpRequest, client: ApiClient, issued: Issued) -> HttpResponse:
    """Keep the secret in the session for the token page, which reads it once: sealed with
    Fernet (`DRAFTS_KEY`, as drafts are), so the sessions table never holds a working token."""
    sealed = fernet().encrypt(issued.secret.encode()).decode()
    request.session[_once_key(client)] = {"sealed": sealed, "token": str(issued.token.uuid)}
    return redirect("integrations:token", uuid=client.uuid)


@roles_required(ADMINISTRATOR)
@require_GET
def clients(request: HttpRequest) -> HttpResponse:
    """The alliance's clients, each with its tokens in use (two queries, at any size)."""
    user = signed_in_user(request)
    in_use = ApiToken.objects.filter(revoked_at__isnull=True, expires_at__gt=clock.now())
    rows = (
        ApiClient.objects.filter(organisation__alliance_id=_alliance_id(user))
        .select_related("organisation", "account")
        .prefetch_related(Prefetch("tokens", queryset=in_use, to_attr="in_use"))
        .order_by("name", "pk")
    )
    return render(request, "integrations/clients.html", {"clients": list(rows)})


@roles_required(ADMINISTRATOR)
@require_http_methods(["GET", "POST"])
def new_client(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    form = ClientForm(request.POST or None, alliance_id=_alliance_id(user))
    if form.is_valid():
        try:
            registered = register_client(
                user=user,
                organisation=form.cleaned_data["organisation"],
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
            )
            messages.success(request, "Client registered. Issue it a token to connect.")
            return redirect("integrations:client", uuid=registered.uuid)
        except ValidationError as error:
            form.add_error(None, error.messages[0])
    context = {"form": form}
    return render(request, "integrations/new.html", context, status=400 if form.errors else 200)


@roles_required(ADMINISTRATOR)
@require_GET
def client(request: HttpRequest, uuid: UUID) -> HttpResponse:
    found = _client_for(signed_in_user(request), uuid)
    context = {
        "client": found,
        "scopes": [(scope, DESCRIPTIONS[Scope(scope)]) for scope in found.scopes],
        "tokens": list(found.tokens.all()),
        "now": clock.now(),
    }
    return render(request, "integrations/client.html", context)


def _token_page(request: HttpRequest, uuid: UUID, *, rotate: bool) -> HttpResponse:
    user = signed_in_user(request)
    found = _client_for(user, uuid)
    form = TokenForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        act = rotate_token if rotate else issue_token
        try:
            issued = act(user=user, client=found, days=form.cleaned_data["days"])
            return _show_once(request, found, issued)
        except ValidationError as error:
            form.add_error(None, error.messages[0])
    context = {"form": form, "client": found, "rotate": rotate}
    status = 400 if form.errors else 200
    return render(request, "integrations/issue.html", context, status=status)


@roles_required(ADMINISTRATOR)
@require_http_methods(["GET", "POST"])
def issue(request: HttpRequest, uuid: UUID) -> HttpResponse:
    """A new token, beside those the client has."""
    return _token_page(request, uuid, rotate=False)


@roles_required(ADMINISTRATOR)
@require_http_methods(["GET", "POST"])
def rotate(request: HttpRequest, uuid: UUID) -> HttpResponse:
    """A new token, and every other token of the client revoked."""
    return _token_page(request, uuid, rotate=True)


@roles_required(ADMINISTRATOR)
@require_GET
@never_cache
def token(request: HttpRequest, uuid: UUID) -> HttpResponse:
    """The token just issued, shown once: read from the session and deleted there."""
    found = _client_for(signed_in_user(request), uuid)
    once = request.session.pop(_once_key(found), None)
    context = {
        "client": found,
        "secret": fernet().decrypt(once["sealed"].encode()).decode() if once else "",
        "token": found.tokens.filter(uuid=once["token"]).first() if once else None,
    }
    return render(request, "integrations/token.html", context)


@roles_required(ADMINISTRATOR)
@require_http_methods(["GET", "POST"])
def revoke_token_view(request: HttpRequest, uuid: UUID, token_uuid: UUID) -> HttpResponse:
    user = signed_in_user(request)
    found = _client_for(user, uuid)
    chosen = get_object_or_404(found.tokens.select_related("client__organisation"), uuid=token_uuid)
    if request.method == "POST":
        revoke_token(user=user, token=chosen)
        messages.success(request, f"Token {chosen.prefix}… revoked. It no longer works.")
        return redirect("integrations:client", uuid=found.uuid)
    return render(request, "integrations/revoke_token.html", {"client": found, "token": chosen})


@roles_required(ADMINISTRATOR)
@require_http_methods(["GET", "POST"])
def scopes(request: HttpRequest, uuid: UUID) -> HttpResponse:
    user = signed_in_user(request)
    found = _client_for(user, uuid)
    form = ScopesForm(
        request.POST if request.method == "POST" else None,
        organisation=found.organisation,
        initial={"scopes": found.scopes},
    )
    if form.is_valid():
        try:
            change_scopes(user=user, client=found, scopes=form.cleaned_data["scopes"])
            messages.success(request, "Scopes changed. They apply to the client's next call.")
            return redirect("integrations:client", uuid=found.uuid)
        except ValidationError as error:
            form.add_error(None, error.messages[0])
    context = {"form": form, "client": found}
    return render(request, "integrations/scopes.html", context, status=400 if form.errors else 200)


@roles_required(ADMINISTRATOR)
@require_http_methods(["GET", "POST"])
def revoke(request: HttpRequest, uuid: UUID) -> HttpResponse:
    """The client and all its tokens stop working, for good (a confirmation page)."""
    user = signed_in_user(request)
    found = _client_for(user, uuid)
    if request.method == "POST":
        revoke_client(user=user, client=found)
        messages.success(request, "Client revoked. None of its tokens work any more.")
        return redirect("integrations:client", uuid=found.uuid)
    return render(request, "integrations/revoke.html", {"client": found})
