"""Emergency access: asking for it, and the clinical lead's review."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from onedoor.access.actions import break_glass, review_break_glass
from onedoor.access.forms import BreakGlassForm, ReviewForm
from onedoor.access.models import BreakGlassGrant
from onedoor.access.policy import AUDIT_REVIEWER_ROLES, BREAK_GLASS_ROLES
from onedoor.access.records import child_for_emergency, children_visible_to
from onedoor.accounts.decorators import roles_required
from onedoor.accounts.models import User
from onedoor.audit.trail import Action, record


@roles_required(*BREAK_GLASS_ROLES)
@require_http_methods(["GET", "POST"])
def request_emergency_access(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    form = BreakGlassForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        kind, value = form.cleaned_data["identifier"]
        child = child_for_emergency(user, **{kind: value})
        if child is None:
            record(
                Action.DENY,
                actor=user,
                record_type="child",
                detail={"wanted": "break-glass", "found": False},
            )
            form.add_error(
                "identifier", "No child in the alliance matches that number. Check it and try again"
            )
        elif children_visible_to(user).filter(pk=child.pk).exists():
            messages.info(request, "You can already see this child's record.")
            return redirect("web:child", child_uuid=child.uuid)
        else:
            grant = break_glass(user=user, child=child, reason=form.cleaned_data["reason"])
            messages.warning(
                request,
                f"Emergency access granted until {grant.expires_at:%H:%M on %d %B %Y}. "
                "The clinical lead will review it.",
            )
            return redirect("web:child", child_uuid=child.uuid)
    return render(
        request, "access/break_glass.html", {"form": form}, status=400 if form.errors else 200
    )


@roles_required(*AUDIT_REVIEWER_ROLES)
@require_http_methods(["GET"])
def review_list(request: HttpRequest) -> HttpResponse:
    grants = BreakGlassGrant.objects.select_related(
        "user", "user__organisation", "child", "reviewed_by"
    ).order_by(F("reviewed_at").asc(nulls_first=True), "-granted_at")[:200]
    return render(request, "access/review_list.html", {"grants": grants})


@roles_required(*AUDIT_REVIEWER_ROLES)
@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, grant_uuid: UUID) -> HttpResponse:
    reviewer = request.user
    assert isinstance(reviewer, User)
    grant = get_object_or_404(
        BreakGlassGrant.objects.select_related("user", "user__organisation", "child"),
        uuid=grant_uuid,
    )
    form = ReviewForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and grant.reviewed_at is None and form.is_valid():
        review_break_glass(
            reviewer=reviewer,
            grant=grant,
            outcome=form.cleaned_data["outcome"],
            note=form.cleaned_data["note"],
        )
        messages.success(request, "Review recorded.")
        return redirect("access:review_list")
    return render(
        request,
        "access/review.html",
        {"grant": grant, "form": form},
        status=400 if form.errors else 200,
    )
