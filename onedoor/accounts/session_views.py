"""The timeout warning's addresses and the drafts' (hazard H37), for the page's script
(`static/onedoor/session.js`). Without JavaScript none is needed: the timeout works as before.

The script marks its own requests with `BACKGROUND_HEADER`, so asking how long is left, or
saving a draft, never moves the idle clock; "Stay signed in" moves it on purpose.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from onedoor.accounts import drafts
from onedoor.accounts.decorators import any_signed_in, roles_required, signed_in_user
from onedoor.accounts.middleware import keep_alive, seconds_left
from onedoor.accounts.roles import STAFF_ROLES


def _session_state(request: HttpRequest) -> dict[str, Any]:
    idle, absolute = seconds_left(request)
    return {
        "seconds_left": min(idle, absolute),
        "idle_seconds_left": idle,
        "absolute_seconds_left": absolute,
        "ends": "absolute" if absolute <= idle else "idle",
    }


def _bad(message: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


@any_signed_in
@require_GET
def session_status(request: HttpRequest) -> JsonResponse:
    """How long the session has left (asked without moving the idle clock)."""
    return JsonResponse(_session_state(request))


@any_signed_in
@require_POST
def stay_signed_in(request: HttpRequest) -> JsonResponse:
    """Move the idle clock on now, never past the absolute limit: the warning's "Stay signed
    in". Answers the new time left. (A button that changes one thing, like signing out: a GET
    is refused. Without JavaScript there is no warning to answer.)"""
    keep_alive(request)
    return JsonResponse(_session_state(request))


def _restored_at(saved_at: Any) -> str:
    return timezone.localtime(saved_at).strftime("%H:%M")


@roles_required(*STAFF_ROLES)
@require_GET
def restore_drafts(request: HttpRequest) -> JsonResponse:
    """The signed-in user's drafts of the forms named (`?action=/path/`, repeated; none named,
    none found), each restore audited. Only ever their own: another person's are not found."""
    user = signed_in_user(request)
    actions = request.GET.getlist("action")
    if len(actions) > drafts.MAX_SLOT:
        return _bad(f"Name at most {drafts.MAX_SLOT} forms")
    try:
        checked = [drafts.check_action(action) for action in actions]
    except drafts.DraftError as error:
        return _bad(str(error))
    restored = drafts.restore(request, author=user, actions=checked)
    return JsonResponse(
        {
            "drafts": [
                {
                    "id": str(item.draft.uuid),
                    "action": item.draft.action,
                    "slot": item.draft.slot,
                    "fields": item.fields,
                    "saved_at": _restored_at(item.draft.saved_at),
                    "discard_url": reverse(
                        "accounts:discard_draft", kwargs={"draft_uuid": item.draft.uuid}
                    ),
                }
                for item in restored
            ]
        }
    )


@roles_required(*STAFF_ROLES)
@require_POST
def save_draft(request: HttpRequest) -> HttpResponse:
    """Keep what the user is writing in one form, encrypted, for them alone."""
    user = signed_in_user(request)
    try:
        action, slot, fields, author = drafts.parse(request.body)
    except drafts.DraftError as error:
        return _bad(str(error))
    if author and author != str(user.uuid):
        # The page was another person's (signed in again as someone else in another tab):
        # their words are never kept as this user's.
        return _bad("This page was opened by someone else: sign in as them to keep it", 409)
    draft = drafts.save_draft(request, author=user, action=action, slot=slot, fields=fields)
    if draft is None:
        return HttpResponse(status=204)
    return JsonResponse({"saved_at": _restored_at(draft.saved_at)})


@roles_required(*STAFF_ROLES)
@require_POST
def discard_draft(request: HttpRequest, draft_uuid: UUID) -> HttpResponse:
    """Delete one of the user's own drafts ("Discard"); anyone else's is not found."""
    if not drafts.discard(author=signed_in_user(request), draft_uuid=draft_uuid):
        raise Http404("No such draft")
    return HttpResponse(status=204)
