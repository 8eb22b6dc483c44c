"""The clinical lead's approval of roles that see case data (`access.roles`)."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from onedoor.access.forms import RoleDecisionForm
from onedoor.access.models import RoleRequest
from onedoor.access.roles import decide_role_request
from onedoor.accounts.decorators import roles_required, signed_in_user
from onedoor.accounts.roles import Role

SHOWN = 100


@roles_required(Role.CLINICAL_LEAD)
@require_GET
def role_requests(request: HttpRequest) -> HttpResponse:
    """Requests waiting for a decision, oldest first, then the latest decided."""
    requests = RoleRequest.objects.select_related(
        "user", "organisation", "requested_by", "decided_by"
    ).order_by(F("decided_at").desc(nulls_first=True), "requested_at", "pk")[:SHOWN]
    return render(request, "access/role_requests.html", {"requests": requests})


@roles_required(Role.CLINICAL_LEAD)
@require_http_methods(["GET", "POST"])
def role_request(request: HttpRequest, request_uuid: UUID) -> HttpResponse:
    lead = signed_in_user(request)
    asked = get_object_or_404(
        RoleRequest.objects.select_related(
            "user", "user__organisation", "organisation", "requested_by", "decided_by"
        ),
        uuid=request_uuid,
    )
    form = RoleDecisionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            decide_role_request(
                by=lead,
                request=asked,
                approve=form.cleaned_data["decision"] == "approve",
                note=form.cleaned_data["note"],
            )
        except (PermissionDenied, ValidationError) as error:
            form.add_error(None, " ".join(getattr(error, "messages", [str(error)])))
        else:
            messages.success(request, "Decision recorded.")
            return redirect("access:role_requests")
    own = lead.pk in (asked.requested_by_id, asked.user_id)
    return render(
        request,
        "access/role_request.html",
        {"asked": asked, "form": form, "own": own},
        status=400 if form.errors else 200,
    )
