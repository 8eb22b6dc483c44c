"""The REST API, version 1, at `/api/v1/`: one Django Ninja API whose every endpoint takes a
client's bearer token, answers refusals as problem details, and reads and writes only through
the access layer and the actions the pages use. Its OpenAPI document is committed
(`docs/api/openapi.json`; `manage.py export_openapi` writes it again)."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import (
    ObjectDoesNotExist,
    PermissionDenied,
    RequestDataTooBig,
    ValidationError,
)
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as SchemaError

from onedoor.api import client_routes, partner_routes, referrer_routes, webhook_routes
from onedoor.api.auth import ClientToken
from onedoor.api.problems import CONTENT_TYPE, Problem, respond
from onedoor.integrations.calls import UNAVAILABLE, database_away
from onedoor.paging import NotACursor
from onedoor.referrals.states import Conflict, MoveRefused

logger = logging.getLogger(__name__)

DESCRIPTION = """\
For partners' own systems and referrers' systems (GP systems). Every call carries a client's
bearer token (`Authorization: Bearer od_...`), issued by the alliance's administrator for one
organisation with scopes. A client sees and does no more than the pages allow its
organisation. Refusals are problem details (RFC 9457). See `docs/api.md`.
"""


class OneDoorApi(NinjaAPI):
    def get_openapi_schema(self, **kwargs: Any) -> Any:
        """The document, with every refusal's body declared as what it is:
        `application/problem+json` (RFC 9457), not plain JSON."""
        schema = super().get_openapi_schema(**kwargs)
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                for status, response in operation.get("responses", {}).items():
                    content = response.get("content", {})
                    if int(status) >= 400 and "application/json" in content:
                        response["content"] = {CONTENT_TYPE: content["application/json"]}
        return schema


api = OneDoorApi(
    title="OneDoor API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api-v1",
    auth=ClientToken(),
    docs_url=None,
    openapi_url="/openapi.json",
)


def _field(location: Any) -> str:
    parts = [str(part) for part in location]
    if parts and parts[0] in {"body", "query", "path"}:
        parts = parts[1:]
    if parts and parts[0] == "payload":  # the body's own name in the endpoint
        parts = parts[1:]
    return ".".join(parts) or "body"


def _schema_error(request: HttpRequest, error: SchemaError) -> HttpResponse:
    errors = [
        {"field": _field(item.get("loc", ())), "message": str(item.get("msg", "Invalid"))}
        for item in error.errors
    ]
    return respond(
        request, Problem(422, "The request has fields that are not valid", errors=errors)
    )


def _action_error(request: HttpRequest, error: ValidationError) -> HttpResponse:
    if hasattr(error, "error_dict"):
        errors = [
            {"field": field, "message": str(message)}
            for field, messages in error.message_dict.items()
            for message in messages
        ]
    else:
        errors = [{"field": "body", "message": str(message)} for message in error.messages]
    detail = errors[0]["message"] if len(errors) == 1 else "The request was refused"
    return respond(request, Problem(422, detail, errors=errors))


def _http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
    return respond(request, Problem(error.status_code, str(error.message)))


def _unexpected(request: HttpRequest, error: Exception) -> HttpResponse:
    if database_away(error):
        # The service recovers by itself when the database returns (as the pages do).
        away = Problem(UNAVAILABLE.status, UNAVAILABLE.detail, headers=UNAVAILABLE.headers)
        return respond(request, away)
    logger.exception("API call failed (%s)", type(error).__name__)
    return respond(request, Problem(500, "Something went wrong; it has been logged"))


HANDLERS: dict[type[Exception], Any] = {
    Problem: respond,
    SchemaError: _schema_error,
    ValidationError: _action_error,
    HttpError: _http_error,
    AuthenticationError: lambda request, error: respond(
        request, Problem(401, "No bearer token was sent", headers={"WWW-Authenticate": "Bearer"})
    ),
    Http404: lambda request, error: respond(request, Problem(404, "There is no such record")),
    ObjectDoesNotExist: lambda request, error: respond(
        request, Problem(404, "There is no such record")
    ),
    PermissionDenied: lambda request, error: respond(request, Problem(403, str(error))),
    Conflict: lambda request, error: respond(request, Problem(409, str(error))),
    # A move the referral's state no longer allows (answered meanwhile, say): a conflict with
    # where it is now, never a 500.
    MoveRefused: lambda request, error: respond(request, Problem(409, str(error))),
    NotACursor: lambda request, error: respond(
        request, Problem(400, "The cursor is not one this list gave")
    ),
    RequestDataTooBig: lambda request, error: respond(
        request, Problem(413, "The request body is too large")
    ),
    Exception: _unexpected,
}
for exception, handler in HANDLERS.items():
    api.add_exception_handler(exception, handler)

api.add_router("/", client_routes.router)
api.add_router("/", referrer_routes.router)  # /referrals/submissions before /referrals/{uuid}
api.add_router("/", partner_routes.router)
api.add_router("/", webhook_routes.router)
