"""The meetings pages: the list of meetings the user may see, "record a meeting", and one
meeting with its actions. Each view parses, fetches through `records`, calls at most one
action and renders."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from onedoor import clock
from onedoor.access.records import referrals_visible_to
from onedoor.accounts.decorators import roles_required, signed_in_user
from onedoor.meetings import actions
from onedoor.meetings.forms import MeetingForm, Rows
from onedoor.meetings.records import (
    MEETING_STAFF,
    RECORDERS,
    get_meeting_for_user,
    meeting_staff,
    meetings_visible_to,
)
from onedoor.paging import Keyset

LATEST_HELD = Keyset(("-held_on", "-pk"), size=25)


@roles_required(*MEETING_STAFF)
@require_GET
def meeting_list(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    meetings = meetings_visible_to(user).annotate(
        open_actions=Count("actions", filter=Q(actions__completed_at__isnull=True))
    )
    page = LATEST_HELD.page(meetings, request.GET.get("after", ""))
    context = {
        "rows": page.rows,
        "next_query": page.next_query(request),
        "first_page": page.first,
        "may_record": user.role in RECORDERS,
    }
    return render(request, "meetings/list.html", context)


@roles_required(*RECORDERS)
@require_http_methods(["GET", "POST"])
def new_meeting(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    posted = request.method == "POST"
    rows = Rows.posted(request.POST) if posted else Rows()
    adding = posted and bool(request.POST.get("add"))
    staff, visible = meeting_staff(user), referrals_visible_to(user)
    if adding:  # one more row: the answers so far shown again, not checked yet
        form = MeetingForm(initial=request.POST.dict(), staff=staff, visible=visible, rows=rows)
    else:
        data = request.POST if posted else None
        form = MeetingForm(data, staff=staff, visible=visible, rows=rows)
    if posted and not adding and form.is_valid():
        values = form.cleaned_data
        try:
            meeting = actions.record_meeting(
                user=user, kind=values["kind"], held_on=values["held_on"],
                title=values["title"], chair=values["chair"], chair_name=values["chair_name"],
                attendees=form.attendees, children=form.children,
                decisions=values["decisions"], actions=form.actions,
            )  # fmt: skip
            messages.success(request, "Meeting recorded.")
            return redirect("meetings:meeting", uuid=meeting.uuid)
        except ValidationError as error:
            form.add_error(None, error.messages[0])
    status = 400 if form.errors else 200
    return render(request, "meetings/new.html", {"form": form, "rows": rows}, status=status)


@roles_required(*MEETING_STAFF)
@require_GET
def meeting(request: HttpRequest, uuid: UUID) -> HttpResponse:
    user = signed_in_user(request)
    found = get_meeting_for_user(user, uuid)
    children = {d.referral_id: d.referral for d in found.discussed}  # type: ignore[attr-defined]
    agreed = [
        {
            "action": action,
            "about": children.get(action.referral_id),  # shown only if they may see it
            "may_complete": action.completed_at is None
            and actions.may_complete(user, action, found),
        }
        for action in found.actions.all()  # type: ignore[attr-defined]
    ]
    context = {"meeting": found, "agreed": agreed, "today": clock.today()}
    return render(request, "meetings/meeting.html", context)


@roles_required(*MEETING_STAFF)
@require_POST
def complete(request: HttpRequest, uuid: UUID, action_uuid: UUID) -> HttpResponse:
    user = signed_in_user(request)
    found = get_meeting_for_user(user, uuid, audit=False)
    action = next((a for a in found.actions.all() if a.uuid == action_uuid), None)  # type: ignore[attr-defined]
    if action is None:
        raise Http404("No such action")
    try:
        actions.complete_action(user=user, action=action)
        messages.success(request, "Action marked done.")
    except ValidationError as error:
        messages.error(request, error.messages[0])
    return redirect("meetings:meeting", uuid=found.uuid)
