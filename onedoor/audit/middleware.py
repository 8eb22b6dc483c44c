from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from onedoor.audit import addresses
from onedoor.audit.context import client_address


class AuditContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = client_address.set(addresses.client_address(request))
        try:
            return self.get_response(request)
        finally:
            client_address.reset(token)
