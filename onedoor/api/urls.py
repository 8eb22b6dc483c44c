from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.urls import path, re_path
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from onedoor.api.problems import CONTENT_TYPE, Problem, respond
from onedoor.api.v1 import api

patterns, ninja_app, namespace = api.urls
# The API's own token decides who may call (`auth.ClientToken`); the sign-in pages' session
# never does, so the site-wide sign-in requirement stands aside here.


def _refused_methods_as_problems(view: Any) -> Any:
    """Django Ninja answers a method an address does not take with a bare 405: make it a
    problem like every other refusal, keeping its `Allow` header."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response: HttpResponse = view(request, *args, **kwargs)
        if response.status_code != 405 or response.get("Content-Type") == CONTENT_TYPE:
            return response
        allowed = response.get("Allow", "")
        refused = Problem(
            405, f"This address takes {allowed or 'no'} requests", headers={"Allow": allowed}
        )
        return respond(request, refused)

    return wrapper


for pattern in patterns:
    view: Any = pattern.callback
    pattern.callback = login_not_required(never_cache(_refused_methods_as_problems(view)))


@csrf_exempt  # no session or cookie path into the API: nothing for CSRF to protect
@login_not_required
@never_cache
def no_such_address(request: HttpRequest) -> HttpResponse:
    """An address under the API that no endpoint has (a path part that is not a UUID, say):
    a problem, like every other refusal, never the site's HTML page."""
    return respond(request, Problem(404, "There is no such address in the API"))


# Last, after every endpoint: any other address under /api/v1/.
patterns = [*patterns, re_path(r"^.", no_such_address, name="no-such-address")]
urlpatterns = [path("api/v1/", (patterns, ninja_app, namespace))]
