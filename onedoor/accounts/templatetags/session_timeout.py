"""`{% session_timeout_meta %}`: what the page's script needs to warn before a timeout and to
keep drafts (hazard H37), as one `<meta>` in the head of every signed-in page. No query."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings
from django.utils.html import format_html
from django.utils.safestring import SafeString

from onedoor.accounts.middleware import SIGNED_IN_AT, seconds_left
from onedoor.accounts.models import User
from onedoor.accounts.roles import STAFF_ROLES
from onedoor.fixed_urls import fixed_url

register = template.Library()


@register.simple_tag(takes_context=True)
def session_timeout_meta(context: dict[str, Any]) -> SafeString | str:
    request = context.get("request")
    user = getattr(request, "user", None)
    if request is None or not isinstance(user, User) or SIGNED_IN_AT not in request.session:
        return ""
    idle, absolute = seconds_left(request)
    staff = user.role in STAFF_ROLES
    return format_html(
        '<meta name="onedoor-session" content="signed-in" data-idle-seconds="{}"'
        ' data-absolute-seconds="{}" data-warn-seconds="{}" data-user="{}" data-csrf="{}"'
        ' data-status-url="{}" data-stay-url="{}" data-sign-out-url="{}" data-sign-in-url="{}"'
        ' data-drafts-url="{}" data-save-draft-url="{}" data-restore="{}">',
        idle,
        absolute,
        int(settings.SESSION_WARNING_BEFORE.total_seconds()),
        user.uuid,
        # The page's one masked token (the template context's), not a second one.
        context["csrf_token"],
        fixed_url("accounts:session_status"),
        fixed_url("accounts:stay_signed_in"),
        fixed_url("accounts:logout"),
        fixed_url(settings.LOGIN_URL),
        fixed_url("accounts:drafts") if staff else "",
        fixed_url("accounts:save_draft") if staff else "",
        # A page shown again after a POST (a form with errors) holds the freshest words.
        "no" if request.method == "POST" else "yes",
    )
