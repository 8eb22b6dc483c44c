"""Error pages in the design system; no stack trace outside DEBUG."""

import sys

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from onedoor.alliance import identity
from onedoor.web import database_away


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/400.html", status=400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/403.html", status=403)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent from an old or foreign page: say what to do, in the design system."""
    return render(request, "errors/csrf.html", status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # Django calls this inside its `except`: an outage in a middleware is a 503, not a 500.
    error = sys.exc_info()[1]
    if error is not None and database_away.is_database_away(error):
        return database_away.page(error)
    # Rendered without the request context, and the service's name and contacts read without
    # the database: whatever failed may be in either.
    from django.template import loader

    context = {"service": identity.without_database()}
    return HttpResponse(loader.get_template("errors/500.html").render(context), status=500)
