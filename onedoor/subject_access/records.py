"""Who may read subject access requests: the clinical lead, for their own alliance only.

Everyone else is answered 404 (never 403), the denial audited (`access.records.denied`), as
for any record outside a person's scope: a page of this app does not say it exists."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from uuid import UUID

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

from onedoor.access.records import alliance_of, denied, get_child_for_user
from onedoor.accounts.models import User
from onedoor.accounts.roles import Role
from onedoor.children.models import Child
from onedoor.subject_access.models import Redaction, SubjectAccessRequest

RECORD_TYPE = "subject_access.request"
# Who opens, reviews and discloses a request (issue 18: the clinical lead, or an information
# governance role, which the product does not have yet).
RESPONDERS = frozenset({Role.CLINICAL_LEAD})

View = TypeVar("View", bound=Callable[..., HttpResponse])


def for_responders(view: View) -> View:
    """A page for the responders only: for anyone else signed in, a 404 and the denial
    audited. Declares its roles as `roles_required` does (`tests/test_url_policy.py`)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not isinstance(user, User) or user.role not in RESPONDERS:
            wanted = kwargs.get("request_uuid") or kwargs.get("child_uuid") or ""
            raise denied(user, RECORD_TYPE, wanted, {"wanted": view.__name__})  # type: ignore[arg-type]
        return view(request, *args, **kwargs)

    wrapped.allowed_roles = RESPONDERS  # type: ignore[attr-defined]
    return wrapped  # type: ignore[return-value]


def requests_visible_to(user: User) -> QuerySet[SubjectAccessRequest]:
    alliance = alliance_of(user)
    if user.role not in RESPONDERS or alliance is None:
        return SubjectAccessRequest.objects.none()
    return SubjectAccessRequest.objects.filter(alliance_id=alliance)


def get_request_for_user(user: User, request_uuid: UUID) -> SubjectAccessRequest:
    found = (
        requests_visible_to(user)
        .select_related("alliance", "child", "carer", "opened_by", "reviewed_by", "disclosed_by")
        .filter(uuid=request_uuid)
        .first()
    )
    if found is None:
        raise denied(user, RECORD_TYPE, request_uuid)
    return found


def get_redaction_for_user(
    user: User, request: SubjectAccessRequest, redaction_uuid: UUID
) -> Redaction:
    found = Redaction.objects.filter(request=request, uuid=redaction_uuid).first()
    if found is None:
        raise denied(user, "subject_access.redaction", redaction_uuid)
    return found


def get_child_for_request(user: User, child_uuid: UUID) -> Child:
    """A child of the responder's own alliance (the view audited by the access layer)."""
    alliance = alliance_of(user)
    if (
        user.role not in RESPONDERS
        or alliance is None
        or not Child.objects.filter(uuid=child_uuid, alliance_id=alliance).exists()
    ):
        raise denied(user, "child", child_uuid)
    return get_child_for_user(user, child_uuid)
