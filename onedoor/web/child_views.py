"""A child's own writes, each on its own page linked from the child's page: correcting their
details (`children/corrections.py`) and consent to share withdrawn or given again
(`referrals/sharing.py`). The Referral and Advice Point's (the triage team and the care
coordinators): anyone else gets a 403; a child outside their scope is a 404."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from onedoor.access.policy import Do
from onedoor.access.records import get_child_for_user
from onedoor.accounts.decorators import roles_required, signed_in_user
from onedoor.accounts.roles import ADVICE_POINT
from onedoor.children.corrections import correct_details, corrections_made
from onedoor.children.sharing import WITHDRAWN
from onedoor.referrals.sharing import (
    give_consent_to_share_again,
    withdraw_consent_to_share,
    working_partner,
)
from onedoor.web.child_forms import DetailsForm, SharingForm, details_of

DECISIONS_SHOWN = 20


@roles_required(*ADVICE_POINT)
@require_http_methods(["GET", "POST"])
def correct(request: HttpRequest, child_uuid: UUID) -> HttpResponse:
    """Correct the child's details, keeping the earlier values (who, when, why)."""
    user = signed_in_user(request)
    posted = request.method == "POST"
    child = get_child_for_user(user, child_uuid, Do.CHANGE if posted else Do.VIEW)
    form = DetailsForm(
        request.POST if posted else None,
        initial={**details_of(child), "seen": corrections_made(child)},
    )
    if posted and form.is_valid():
        try:
            changed = correct_details(
                user=user,
                child=child,
                details=form.details,
                reason=form.cleaned_data["reason"],
                seen=form.cleaned_data["seen"],
            )
        except ValidationError as error:
            form.add_error(None, error.messages[0])
        else:
            said = ", ".join(item.label.lower() for item in changed)
            messages.success(request, f"Corrected: {said}. The earlier values are kept.")
            return redirect("web:child", child_uuid=child.uuid)
    status = 400 if form.errors else 200
    return render(
        request, "web/correct_details.html", {"child": child, "form": form}, status=status
    )


@roles_required(*ADVICE_POINT)
@require_http_methods(["GET", "POST"])
def consent_to_share(request: HttpRequest, child_uuid: UUID) -> HttpResponse:
    """Record consent to share withdrawn, or given again, for the child as a whole."""
    user = signed_in_user(request)
    posted = request.method == "POST"
    child = get_child_for_user(user, child_uuid, Do.CHANGE if posted else Do.VIEW)
    withdrawn = child.sharing_withdrawn_at is not None
    partner = None if withdrawn else working_partner(child)
    form = SharingForm(
        request.POST if posted else None, withdrawn=withdrawn, partner=str(partner or "")
    )
    if posted and form.is_valid():
        reason = form.cleaned_data["reason"]
        try:
            if withdrawn:
                give_consent_to_share_again(user=user, child=child, reason=reason)
            else:
                withdraw_consent_to_share(
                    user=user, child=child, reason=reason, keep_working_partner=form.keeps_partner
                )
        except ValidationError as error:
            form.add_error(None, error.messages[0])
        else:
            said = "Consent to share given again." if withdrawn else f"{WITHDRAWN}."
            messages.success(request, said)
            return redirect("web:child", child_uuid=child.uuid)
    context = {
        "child": child,
        "form": form,
        "withdrawn": withdrawn,
        "partner": partner,
        "kept_by": child.sharing_kept_by if withdrawn else None,
        "decisions": child.sharing_decisions.select_related("decided_by__organisation", "kept_by")[
            :DECISIONS_SHOWN
        ],
    }
    status = 400 if form.errors else 200
    return render(request, "web/consent_to_share.html", context, status=status)
