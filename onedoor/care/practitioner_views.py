"""Changing a child's named practitioner: one form on its own page, for the allocated
organisation's lead (`care/practitioners.py`)."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from onedoor.access.policy import Do
from onedoor.access.records import get_referral_for_user
from onedoor.accounts.decorators import roles_required, signed_in_user
from onedoor.care.practitioner_forms import ChangePractitionerForm
from onedoor.care.practitioners import (
    HELD_STATES,
    NAMERS,
    holder,
    may_name,
    name_practitioner,
    practising_at,
)
from onedoor.referrals.states import Conflict


@roles_required(*NAMERS)
@require_http_methods(["GET", "POST"])
def change_practitioner(request: HttpRequest, referral_uuid: UUID) -> HttpResponse:
    user = signed_in_user(request)
    posted = request.method == "POST"
    referral = get_referral_for_user(user, referral_uuid, Do.CHANGE if posted else Do.VIEW)
    if not may_name(user, referral):
        raise PermissionDenied(
            "Only the partner lead of the organisation the child is allocated to names the "
            "practitioner."
        )
    form = ChangePractitionerForm(
        request.POST if posted else None,
        practitioners=practising_at(referral.allocated_organisation_id),
        initial={"version": referral.version},
    )
    problem, status = "", 200
    if form.is_valid():
        chosen = form.cleaned_data["practitioner"]
        try:
            name_practitioner(
                user=user, referral=referral, practitioner=chosen,
                version=form.cleaned_data["version"], reason=form.cleaned_data["reason"],
            )  # fmt: skip
            messages.success(request, f"{chosen} is now the named practitioner.")
            return redirect("care:record", referral_uuid=referral.uuid)
        except Conflict as changed:
            problem, status = str(changed), 409
        except ValidationError as error:
            form.add_error(None, error.messages[0])
    if form.errors:
        status = 400
    context = {
        "referral": referral,
        "child": referral.child,
        "form": form,
        "problem": problem,
        "holder": holder(referral),
        "changeable": referral.status in HELD_STATES,
    }
    return render(request, "care/practitioner.html", context, status=status)
