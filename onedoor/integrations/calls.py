"""One call from a client's system, for the REST API and the FHIR adapter alike: the bearer
token read from the request and checked, the client's rate and the body's size, one audit
record of the call, and the audit of a refusal. Each layer answers a refusal in its own
format (problem details, or a FHIR OperationOutcome); who may call is decided only here."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpRequest

from onedoor.audit.trail import Action, record
from onedoor.integrations.tokens import Caller, Refusal, authenticate, within_rate


@dataclass(frozen=True)
class Refused:
    """Why a call is refused before it reaches an endpoint: its HTTP status and sentence."""

    status: int
    detail: str
    headers: dict[str, str] = field(default_factory=dict)


CHALLENGE = {"WWW-Authenticate": "Bearer"}
# What a call is told while the database is away; it recovers by itself when it returns.
UNAVAILABLE = Refused(
    503, "The service is briefly unavailable: try again shortly", {"Retry-After": "30"}
)


def database_away(error: BaseException) -> bool:
    """The database is unreachable (the driver's own errors), not a mistake in a query."""
    return isinstance(error, OperationalError | InterfaceError) or type(error) is DatabaseError


def bearer_secret(request: HttpRequest) -> str:
    """The token after "Bearer " in the Authorization header; "" when there is none."""
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    return secret.strip() if scheme.lower() == "bearer" else ""


def _too_big(request: HttpRequest) -> bool:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return True
    return length > settings.API_MAX_BODY_BYTES


def admit(request: HttpRequest, secret: str) -> tuple[Caller | None, Refused | None]:
    """The caller whose token `secret` is, and why the call is refused, if it is: an unknown,
    expired or revoked token (no caller), or a known caller over its rate or sending too
    large a body. An admitted call is audited once (`API_CALL`)."""
    if not secret:
        return None, Refused(401, Refusal.MISSING.value, CHALLENGE)
    caller = authenticate(secret)
    if isinstance(caller, Refusal):
        return None, Refused(401, caller.value, CHALLENGE)
    if not within_rate(caller.client, settings.API_CALLS_PER_MINUTE):
        return caller, Refused(
            429,
            f"At most {settings.API_CALLS_PER_MINUTE} calls a minute: wait and try again",
            {"Retry-After": "60"},
        )
    if _too_big(request):
        return caller, Refused(
            413, f"A request body may be at most {settings.API_MAX_BODY_BYTES} bytes"
        )
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
    return caller, None


def record_refusal(
    request: HttpRequest, caller: Caller | None, status: int, why: str, fields: list[str]
) -> bool:
    """The audit of a refused call: who, if known; which address; why (field names and the
    sentence, never the values sent). A server's trouble (5xx) is logged, not audited: the
    database may be the trouble. False when the database is away and nothing could be
    recorded: the caller then answers `UNAVAILABLE` instead."""
    if status >= 500:
        return True
    try:
        record(
            Action.DENY if status in (401, 403) else Action.API_REFUSED,
            actor=caller.client.account if caller is not None else None,
            record_type="api call",
            detail={
                "method": request.method or "",
                "path": request.path,
                "status": status,
                "why": why,
                "fields": fields,
            },
        )
    except Exception as error:
        if database_away(error):
            return False  # the caller answers UNAVAILABLE: nothing could be recorded
        raise
    return True
