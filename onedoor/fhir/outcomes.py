"""Every refusal of the FHIR adapter as an OperationOutcome with its HTTP status, audited
like the REST API's (`integrations/calls.record_refusal`): a refused call leaves its trace
and writes nothing else."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse

from onedoor.integrations.calls import UNAVAILABLE, record_refusal
from onedoor.integrations.tokens import Caller

FHIR_JSON = "application/fhir+json"

# The OperationOutcome issue type for each status the adapter answers with.
ISSUE_TYPE = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    409: "conflict",
    413: "too-long",
    415: "not-supported",
    422: "invalid",
    429: "throttled",
    500: "exception",
    503: "transient",
}


class Outcome(Exception):
    """Raise from a view to refuse with an OperationOutcome: the status, a sentence for the
    developer, and where in the request each fault is (`expression`, FHIRPath)."""

    def __init__(
        self,
        status: int,
        diagnostics: str,
        *,
        faults: list[tuple[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(diagnostics)
        self.status = status
        self.diagnostics = diagnostics
        self.faults = faults or []
        self.headers = headers or {}


def operation_outcome(outcome: Outcome) -> dict[str, Any]:
    issue_type = ISSUE_TYPE.get(outcome.status, "processing")
    issues: list[dict[str, Any]]
    if not outcome.faults:
        issues = [{"severity": "error", "code": issue_type, "diagnostics": outcome.diagnostics}]
    else:
        issues = [
            {"severity": "error", "code": issue_type, "diagnostics": message, "expression": [where]}
            for where, message in outcome.faults
        ]
    return {"resourceType": "OperationOutcome", "issue": issues}


def fhir_response(
    body: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None
) -> HttpResponse:
    response = HttpResponse(json.dumps(body), status=status, content_type=FHIR_JSON)
    for name, value in (headers or {}).items():
        response[name] = value
    response["Cache-Control"] = "no-store"
    return response


def refuse(request: HttpRequest, caller: Caller | None, outcome: Outcome) -> HttpResponse:
    """The OperationOutcome's response, and its audit record (while the database is away the
    refusal cannot be recorded, and the answer is a 503 instead)."""
    faults = [where for where, _ in outcome.faults]
    if not record_refusal(request, caller, outcome.status, outcome.diagnostics, faults):
        outcome = Outcome(UNAVAILABLE.status, UNAVAILABLE.detail, headers=UNAVAILABLE.headers)
    return fhir_response(operation_outcome(outcome), outcome.status, outcome.headers)
