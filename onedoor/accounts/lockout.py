"""Sign-in lockouts: django-axes' database handler (`AXES_HANDLER`), with a second lockout
and an end that cannot be put off.

- A username at one address is locked after `LOCKOUT_FAILURES` wrong passwords (axes'
  own count, `AXES_LOCKOUT_PARAMETERS`).
- A username at any address is locked after `LOCKOUT_USERNAME_FAILURES`, so that a guesser
  who moves from address to address is slowed too.

Each lockout lasts `LOCKOUT_COOLOFF_MINUTES` from the moment it began. A try during a
lockout is refused without being counted (`AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT`
is off), so it cannot stretch the lockout. And when a lockout begins, its failures all take
that moment, so they leave the cool-off together when it ends, rather than one by one as
the earliest fall out of it, which would end the lockout early. A successful sign-in clears
the username's failures at that address only (axes' reset, by the same parameters).
"""

from __future__ import annotations

from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.db.models import QuerySet, Sum

# The request axes' AxesProxyHandler has given its attributes (axes_ip_address,
# axes_attempt_time, axes_locked_out, axes_credentials): an HttpRequest, typed loosely.
AxesRequest = Any


def _username_failures(
    request: AxesRequest, credentials: dict[str, Any] | None
) -> QuerySet[AccessAttempt]:
    """The username's failures within the cool-off, from every address."""
    return AccessAttempt.objects.filter(
        username=get_client_username(request, credentials),
        attempt_time__gte=get_cool_off_threshold(request),
    )


def _count(failures: QuerySet[AccessAttempt]) -> int:
    return failures.aggregate(total=Sum("failures_since_start"))["total"] or 0


def _across_addresses(request: AxesRequest, credentials: dict[str, Any] | None) -> bool:
    return _count(_username_failures(request, credentials)) >= settings.LOCKOUT_USERNAME_FAILURES


class Lockouts(AxesDatabaseHandler):
    def is_locked(self, request: AxesRequest, credentials: dict[str, Any] | None = None) -> bool:
        return bool(super().is_locked(request, credentials)) or _across_addresses(
            request, credentials
        )

    def user_login_failed(
        self,
        sender: object,
        credentials: dict[str, Any],
        request: AxesRequest | None = None,
        **kwargs: Any,
    ) -> None:
        # Refused during a lockout (by AxesStandaloneBackend): axes counts nothing.
        refused = request is not None and request.axes_locked_out
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is None or refused:
            return
        across_addresses = _across_addresses(request, credentials)
        if across_addresses and not request.axes_locked_out:
            request.axes_locked_out = True
            request.axes_credentials = credentials
            user_locked_out.send(
                "axes",
                request=request,
                username=get_client_username(request, credentials),
                ip_address=request.axes_ip_address,
            )
        if request.axes_locked_out:
            # The lockout begins now, and its failures leave the cool-off together, from now.
            failures = _username_failures(request, credentials)
            if not across_addresses:
                failures = failures.filter(ip_address=request.axes_ip_address)
            failures.update(attempt_time=request.axes_attempt_time)
