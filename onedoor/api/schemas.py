"""What the API reads and writes: pydantic schemas that refuse unknown fields."""

from __future__ import annotations

from ninja import Schema
from pydantic import ConfigDict


class Strict(Schema):
    """A request body: a field the API does not know is an error, never silently dropped."""

    model_config = ConfigDict(extra="forbid")


class FieldError(Schema):
    field: str
    message: str


class ProblemOut(Schema):
    """A problem-details body (RFC 9457)."""

    type: str
    title: str
    status: int
    detail: str
    instance: str
    errors: list[FieldError] | None = None


# The refusals every authenticated endpoint may answer with.
REFUSALS: dict[int, type[ProblemOut]] = {
    400: ProblemOut,
    401: ProblemOut,
    403: ProblemOut,
    404: ProblemOut,
    413: ProblemOut,
    422: ProblemOut,
    429: ProblemOut,
    503: ProblemOut,
}


def answers(ok: dict[int, object]) -> dict[int, object]:
    """An endpoint's responses: its own, and every refusal as a problem."""
    return {**ok, **REFUSALS}
