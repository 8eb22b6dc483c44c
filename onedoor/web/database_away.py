"""While the database is away, every page answers 503 with the designed page and the crisis
lines, and the service recovers by itself when the database returns.

Django turns an exception into a response at each layer of middleware, so an outer middleware
never sees an inner one's exception. The outage is therefore caught where it happens:

- `DatabaseAwayMiddleware`, straight after the authentication middleware, loads the session
  and the signed-in user before any other middleware reads them; its `process_exception`
  catches a view and its template;
- `onedoor.web.errors.server_error` (handler500) catches the rest: the second factor's device
  loaded in a later middleware, the session saved on the way out, the database lost halfway.

The page never touches the database: it is rendered without the request (no user, navigation
or messages), and the crisis lines come from the alliance's configuration file, read once; the
service's name and contacts are the last this process read, or the file's (`alliance.identity`).
A connection left broken is closed when the request ends (`close_old_connections`, on
`request_finished`), and `CONN_HEALTH_CHECKS` replaces one that died while idle, so the first
request after the database returns is answered normally.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from functools import cache

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.utils.cache import add_never_cache_headers

from onedoor.alliance import identity
from onedoor.alliance.loader import DEFAULT_FILE, ConfigurationError, parse
from onedoor.referrals.views import FIXED_CRISIS_LINES, CrisisLine

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30
TEMPLATE = "errors/503.html"


def is_database_away(error: BaseException | None) -> bool:
    """The database can't be reached or has gone: not a mistake in a query (an integrity,
    data or programming error is a bug, and stays a 500)."""
    return isinstance(error, OperationalError | InterfaceError) or type(error) is DatabaseError


@cache
def crisis_lines() -> Sequence[CrisisLine]:
    """The directory's crisis lines from the alliance's file, without the database; the
    fixed lines when the file is another alliance's or can't be read."""
    try:
        configuration = parse(DEFAULT_FILE)
    except ConfigurationError:
        return FIXED_CRISIS_LINES
    if configuration.alliance.slug != settings.ALLIANCE_SLUG:
        return FIXED_CRISIS_LINES
    lines = tuple(
        CrisisLine(entry.name, entry.phone, entry.description)
        for entry in configuration.directory
        if entry.crisis
    )
    return lines or FIXED_CRISIS_LINES


def page(error: BaseException) -> HttpResponse:
    """The 503 page. Only the kind of error is logged: never the query or the request."""
    logger.warning("Database unavailable: answered 503 (%s)", type(error).__name__)
    context = {"crisis": crisis_lines(), "service": identity.without_database()}
    body = loader.render_to_string(TEMPLATE, context)
    response = HttpResponse(body, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    add_never_cache_headers(response)
    return response


class DatabaseAwayMiddleware:
    """Straight after the authentication middleware, before anything reads the user."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            # Loads the session and the user, as the next middleware would.
            request.user.is_authenticated  # noqa: B018
        except DatabaseError as error:
            if not is_database_away(error):
                raise
            return page(error)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        return page(exception) if is_database_away(exception) else None
