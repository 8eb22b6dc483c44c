from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from onedoor.audit.context import client_address


def request_address(request: HttpRequest) -> str | None:
    """The client's address as the server saw it (a trusted proxy sets REMOTE_ADDR)."""
    return request.META.get("REMOTE_ADDR") or None


class AuditContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = client_address.set(request_address(request))
        try:
            return self.get_response(request)
        finally:
            client_address.reset(token)
