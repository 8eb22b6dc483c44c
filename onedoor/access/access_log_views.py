"""Who viewed a child's record: the clinical lead's window on the audit trail."""

from __future__ import annotations

from uuid import UUID

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from onedoor.access.policy import AUDIT_REVIEWER_ROLES
from onedoor.access.records import get_child_for_user
from onedoor.accounts.decorators import roles_required
from onedoor.audit.models import AuditEvent

PAGE_SIZE = 100


@roles_required(*AUDIT_REVIEWER_ROLES)
@require_GET
def child_access_log(request: HttpRequest, child_uuid: UUID) -> HttpResponse:
    child = get_child_for_user(request.user, child_uuid)  # type: ignore[arg-type]
    events = AuditEvent.objects.filter(child_uuid=child.uuid).order_by("-sequence")
    before = request.GET.get("before", "")
    if before.isdigit():
        events = events.filter(sequence__lt=int(before))
    page = list(events[: PAGE_SIZE + 1])
    return render(
        request,
        "access/child_access_log.html",
        {
            "child": child,
            "events": page[:PAGE_SIZE],
            "next_before": page[PAGE_SIZE - 1].sequence if len(page) > PAGE_SIZE else None,
        },
    )
