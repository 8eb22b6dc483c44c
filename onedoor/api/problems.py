"""Every refusal as a problem-details body (RFC 9457, `application/problem+json`), with the
fields at fault, and audited: a refused call leaves its trace and writes nothing else."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse

from onedoor.integrations.calls import UNAVAILABLE, record_refusal

PROBLEM_TYPE = "https://onedoor.invalid/problems/"
CONTENT_TYPE = "application/problem+json"

TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Request too large",
    415: "Unsupported media type",
    422: "Invalid request",
    429: "Too many requests",
    500: "Something went wrong",
    503: "Service unavailable",
}


class Problem(Exception):
    """Raise from an endpoint to answer with a problem: `status`, a sentence for the
    developer (`detail`) and, for invalid input, each field's message."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = errors or []
        self.headers = headers or {}


def _slug(status: int) -> str:
    return TITLES.get(status, "error").lower().replace(" ", "-")


def body(status: int, detail: str, instance: str, errors: list[dict[str, str]]) -> dict[str, Any]:
    problem: dict[str, Any] = {
        "type": PROBLEM_TYPE + _slug(status),
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "instance": instance,
    }
    if errors:
        problem["errors"] = errors
    return problem


def respond(request: HttpRequest, problem: Problem) -> HttpResponse:
    """The problem's response, and its audit record (who, if known; which address; why:
    field names and the sentence, never the values sent). While the database is away the
    refusal cannot be recorded, and the answer is a 503 instead."""
    recorded = record_refusal(
        request,
        getattr(request, "auth", None),
        problem.status,
        problem.detail,
        [error["field"] for error in problem.errors],
    )
    if not recorded:
        problem = Problem(UNAVAILABLE.status, UNAVAILABLE.detail, headers=UNAVAILABLE.headers)
    response = HttpResponse(
        json.dumps(body(problem.status, problem.detail, request.path, problem.errors)),
        status=problem.status,
        content_type=CONTENT_TYPE,
    )
    for name, value in problem.headers.items():
        response[name] = value
    response["Cache-Control"] = "no-store"
    return response
