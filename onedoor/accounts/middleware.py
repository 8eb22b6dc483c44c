"""Idle and absolute session timeouts, the second factor for staff, and no caching of
what a signed-in user sees."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.http import urlencode

from onedoor import clock
from onedoor.accounts.drafts import forget_sent
from onedoor.audit.trail import Action, record

SIGNED_IN_AT = "onedoor_signed_in_at"
LAST_SEEN_AT = "onedoor_last_seen_at"
# The idle clock is moved on at most this often, so most requests don't write the session.
LAST_SEEN_PRECISION = timedelta(seconds=30)
# Sent by the page's own script (session.js) on requests a person did not make (saving a
# draft, asking how long is left): they never move the idle clock, so a page left open does
# not keep its session alive. Only pages, forms, htmx and "Stay signed in" do.
BACKGROUND_HEADER = "X-OneDoor-Background"


def start_session_clock(request: HttpRequest) -> None:
    now = clock.now().isoformat()
    request.session[SIGNED_IN_AT] = now
    request.session[LAST_SEEN_AT] = now


def seconds_left(request: HttpRequest) -> tuple[int, int]:
    """Seconds (to the nearest) until the idle timeout and until the absolute one (never below
    0)."""
    now = clock.now()
    idle_ends = (
        datetime.fromisoformat(request.session[LAST_SEEN_AT]) + settings.SESSION_IDLE_TIMEOUT
    )
    signed_in = datetime.fromisoformat(request.session[SIGNED_IN_AT])
    absolute_ends = signed_in + settings.SESSION_ABSOLUTE_TIMEOUT
    return (
        max(0, round((idle_ends - now).total_seconds())),
        max(0, round((absolute_ends - now).total_seconds())),
    )


def keep_alive(request: HttpRequest) -> None:
    """Move the idle clock on now ("Stay signed in"). The absolute limit stays where it is."""
    request.session[LAST_SEEN_AT] = clock.now().isoformat()


class SessionTimeoutMiddleware:
    """Sign a user out after SESSION_IDLE_TIMEOUT idle, or SESSION_ABSOLUTE_TIMEOUT in all."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            now = clock.now()
            if SIGNED_IN_AT not in request.session:
                # Every sign-in rotates the session key, so a session without a clock has
                # only just been signed in to.
                start_session_clock(request)
            signed_in = request.session[SIGNED_IN_AT]
            last_seen = request.session[LAST_SEEN_AT]
            expired = (
                now - datetime.fromisoformat(last_seen) > settings.SESSION_IDLE_TIMEOUT
                or now - datetime.fromisoformat(signed_in) > settings.SESSION_ABSOLUTE_TIMEOUT
            )
            if expired:
                record(Action.SESSION_EXPIRED, actor=user, record_type="user", record_id=user.uuid)
                logout(request)
                messages.info(request, "You were signed out to keep records safe. Sign in again.")
                login_url = reverse(settings.LOGIN_URL)
                return redirect(f"{login_url}?{urlencode({'next': request.get_full_path()})}")
            if (
                now - datetime.fromisoformat(last_seen) > LAST_SEEN_PRECISION
                and BACKGROUND_HEADER not in request.headers
            ):
                request.session[LAST_SEEN_AT] = now.isoformat()
        return self.get_response(request)


class DraftsMiddleware:
    """A form sent and accepted loses its draft (`accounts/drafts.py`). After the timeout
    middleware, so an expired session's POST (kept as a draft) never gets this far."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        forget_sent(request, response)
        return response


# Pages a signed-in user can reach before their second factor is verified.
SECOND_FACTOR_EXEMPT = ("accounts:two_factor", "accounts:two_factor_setup", "accounts:logout")


class SecondFactorMiddleware:
    """Send staff who have signed in with a password to the second factor until verified."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._exempt: set[str] | None = None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., HttpResponse], *a: object
    ) -> HttpResponse | None:
        user = request.user
        if not user.is_authenticated or not user.needs_second_factor:  # type: ignore[union-attr]
            return None
        if user.is_verified():  # type: ignore[union-attr,attr-defined]
            return None
        if getattr(view_func, "login_required", True) is False:
            return None  # public pages stay public
        if self._exempt is None:
            self._exempt = {reverse(name) for name in SECOND_FACTOR_EXEMPT}
        if request.path in self._exempt:
            return None
        return redirect("accounts:two_factor")


class NoStoreWhenSignedInMiddleware:
    """Nothing shown to a signed-in user is kept by the browser or a cache on the way, as on
    a shared computer: every response to a request made signed in (pages, downloads,
    redirects and error pages) is `no-store`. Pages seen signed out keep their own caching."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        signed_in = request.user.is_authenticated
        response = self.get_response(request)
        if signed_in or request.user.is_authenticated:  # signed out, or just signed in
            add_never_cache_headers(response)
        return response
