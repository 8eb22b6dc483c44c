"""The staff home page, the stable addresses later issues fill in, and operations pages."""

from __future__ import annotations

from uuid import UUID

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from onedoor import clock
from onedoor.access.records import open_child_record
from onedoor.accounts.decorators import any_signed_in, roles_required, signed_in_user
from onedoor.accounts.navigation import pages_for, roles_for
from onedoor.accounts.roles import Role
from onedoor.children.corrections import may_correct_details
from onedoor.operations.health import report as health_report
from onedoor.web.counts import governance_counts, home_counts
from onedoor.web.templatetags.banner import build_banner
from onedoor.web.timeline import corrections_by_record, timeline_for


@login_not_required
@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """The database and the background processes' heartbeats; 503 with the reasons."""
    status, body = health_report()
    return JsonResponse(body, status=status)


@any_signed_in
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """What waits for the user, counted (`counts.home_counts`), and the pages of their role."""
    user = signed_in_user(request)
    if user.role == Role.PROFESSIONAL_REFERRER:  # their own referrals are their home
        return redirect("referrers:home")
    context = {"pages": pages_for(user.role), "groups": home_counts(user, clock.now())}
    return render(request, "web/home.html", context)


@roles_required(*roles_for("web:governance"))
@require_GET
def governance(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    return render(request, "web/governance.html", {"counts": governance_counts(user, clock.now())})


@any_signed_in
@require_GET
def child(request: HttpRequest, child_uuid: UUID) -> HttpResponse:
    user = signed_in_user(request)
    record = open_child_record(user, child_uuid)
    details, of_notes = corrections_by_record(record)
    return render(
        request,
        "web/child.html",
        {
            "child": record.child,
            "banner": build_banner(user, child=record.child, visible=record.referrals),
            "referrals": record.referrals,
            "emergency_grant": record.emergency_grant,
            "timeline": timeline_for(record, of_notes),
            "corrections": details,
            "may_correct": may_correct_details(user),
        },
    )


@login_not_required
@require_GET
def nhsuk_asset(request: HttpRequest, path: str) -> HttpResponse:
    """NHS.UK frontend's stylesheet points at /assets/...: send it to the collected copy."""
    return redirect(f"{settings.STATIC_URL}nhsuk/assets/{path}", permanent=True)
