"""The Young Adult Support Offer's pages: naming a young adult's care coordinator, recording
their pathway, the coordinator's own caseload, and moving a leaving worker's caseload."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from onedoor import clock
from onedoor.access.records import care_records_visible_to, get_referral_for_user
from onedoor.accounts.decorators import roles_required, signed_in_user
from onedoor.accounts.navigation import roles_for
from onedoor.accounts.roles import Role
from onedoor.care.forms import CoordinatorForm, PathwayForm, ReassignForm
from onedoor.care.models import YoungAdultPathway
from onedoor.care.young_adults import (
    ASSIGNERS,
    PATHWAY_PARTS,
    all_coordinators_of,
    assign_coordinator,
    caseload_page,
    coordinator_history,
    coordinators_of,
    needs_named_coordinator,
    open_cases,
    reassign_caseload,
    record_pathway,
)

# Who records the pathway: those who may write care records (the access layer then says for
# which children).
PATHWAY_RECORDERS = (
    Role.TRIAGE_LEAD,
    Role.CARE_COORDINATOR,
    Role.CLINICAL_LEAD,
    Role.PRACTITIONER,
    Role.PARTNER_LEAD,
)


@roles_required(*ASSIGNERS)
@require_http_methods(["GET", "POST"])
def name_coordinator(request: HttpRequest, referral_uuid: UUID) -> HttpResponse:
    user = signed_in_user(request)
    referral = get_referral_for_user(user, referral_uuid)
    form = CoordinatorForm(
        request.POST if request.method == "POST" else None,
        coordinators=coordinators_of(referral.child.alliance_id),
    )
    if form.is_valid():
        try:
            chosen = form.cleaned_data["coordinator"]
            assign_coordinator(user=user, referral=referral, coordinator=chosen)
            messages.success(request, f"{chosen} is now the named care coordinator.")
            return redirect("care:record", referral_uuid=referral.uuid)
        except ValidationError as error:
            form.add_error(None, error.messages[0])
    context = {
        "referral": referral,
        "child": referral.child,
        "form": form,
        "needed": needs_named_coordinator(referral.child, clock.today()),
        "history": coordinator_history(referral),
    }
    return render(request, "care/coordinator.html", context, status=400 if form.errors else 200)


@roles_required(*PATHWAY_RECORDERS)
@require_http_methods(["GET", "POST"])
def pathway(request: HttpRequest, referral_uuid: UUID) -> HttpResponse:
    user = signed_in_user(request)
    referral = get_referral_for_user(user, referral_uuid)
    current = (
        care_records_visible_to(user, YoungAdultPathway)
        .filter(referral=referral)
        .select_related("recorded_by")
        .first()
    )
    initial = (
        {
            "parts": [part for part in PATHWAY_PARTS if getattr(current, part)],
            "local_offer_notes": current.local_offer_notes,
        }
        if current
        else {}
    )
    form = PathwayForm(request.POST if request.method == "POST" else None, initial=initial)
    if form.is_valid():
        parts = set(form.cleaned_data["parts"])
        try:
            record_pathway(
                user=user,
                referral=referral,
                local_offer_notes=form.cleaned_data["local_offer_notes"],
                notes=form.cleaned_data["notes"],
                **{part: part in parts for part in PATHWAY_PARTS},
            )
            messages.success(request, "Pathway saved.")
            return redirect("care:record", referral_uuid=referral.uuid)
        except ValidationError as error:
            form.add_error(None, error.messages[0])
    context = {"referral": referral, "child": referral.child, "form": form, "current": current}
    return render(request, "care/pathway.html", context, status=400 if form.errors else 200)


@roles_required(*roles_for("care:young_adults"))
@require_GET
def young_adults(request: HttpRequest) -> HttpResponse:
    """The care leavers the signed-in care coordinator is the named coordinator for."""
    page = caseload_page(signed_in_user(request), request.GET.get("after", ""))
    context = {
        "assignments": page.rows,
        "next_query": page.next_query(request),
        "first_page": page.first,
    }
    return render(request, "care/young_adults.html", context)


@roles_required(*roles_for("care:reassign"))
@require_http_methods(["GET", "POST"])
def reassign(request: HttpRequest) -> HttpResponse:
    """Move a leaving care coordinator's open cases: choose, confirm, and see how many moved."""
    user = signed_in_user(request)
    alliance = user.organisation.alliance_id if user.organisation else None
    form = ReassignForm(
        request.POST if request.method == "POST" else None,
        leaving=all_coordinators_of(alliance),
        receiving=coordinators_of(alliance),
    )
    confirming = None
    if form.is_valid():
        leaving, receiving = form.cleaned_data["leaving"], form.cleaned_data["receiving"]
        try:
            if request.POST.get("confirm") == "yes":
                moved = reassign_caseload(from_user=leaving, to_user=receiving, by=user)
                messages.success(
                    request,
                    f"Moved {moved} young adult{'s' if moved != 1 else ''} "
                    f"from {leaving} to {receiving}.",
                )
                return redirect("care:reassign")
            count = open_cases(leaving, user).count()
            if count == 0:
                raise ValidationError(f"{leaving} has no open cases to move")
            confirming = {"leaving": leaving, "receiving": receiving, "count": count}
        except ValidationError as error:
            form.add_error(None, error.messages[0])
    context = {"form": form, "confirming": confirming}
    return render(request, "care/reassign.html", context, status=400 if form.errors else 200)
