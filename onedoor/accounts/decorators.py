"""Page-level access: which roles may open a page at all.

Record-level access is the access layer's job; this only says who a page is for. Every view
is either public (`login_not_required`), for given roles (`roles_required`), or for anyone
signed in whose records the access layer then filters (`any_signed_in`). A test fails when
a URL is none of these.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse

from onedoor.accounts.models import User
from onedoor.accounts.roles import Role

View = TypeVar("View", bound=Callable[..., HttpResponse | StreamingHttpResponse])


def roles_required(*roles: Role) -> Callable[[View], View]:
    allowed = frozenset(roles)

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(
            request: HttpRequest, *args: Any, **kwargs: Any
        ) -> HttpResponse | StreamingHttpResponse:
            if getattr(request.user, "role", None) not in allowed:
                raise PermissionDenied("This page is not part of your role.")
            return view(request, *args, **kwargs)

        wrapped.allowed_roles = allowed  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator


def any_signed_in(view: View) -> View:
    """For pages whose content the access layer scopes to the user (and audits)."""
    view.allowed_roles = frozenset(Role)  # type: ignore[attr-defined]
    return view


def allowed_roles(view: Callable[..., Any]) -> Iterable[Role] | None:
    return getattr(view, "allowed_roles", None)


def signed_in_user(request: HttpRequest) -> User:
    """The signed-in member of staff, for views behind `roles_required` or `any_signed_in`."""
    user = request.user
    assert isinstance(user, User)
    return user
