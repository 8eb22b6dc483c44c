"""A handover between partners: its page, and the receiving partner's answer (accept, on its
own page naming the practitioner who will hold the child, or decline with a reason), each
posted to its own address; and the sending partner reading a decline."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from onedoor import clock
from onedoor.access.policy import Do
from onedoor.accounts.decorators import any_signed_in, roles_required, signed_in_user
from onedoor.accounts.models import User
from onedoor.accounts.roles import PARTNER_ANSWERS, Role
from onedoor.care.forms import HandoverDeclineForm
from onedoor.care.handovers import (
    accept_handover,
    decline_handover,
    may_answer,
    read_decline,
    returns_to,
)
from onedoor.care.models import Transition
from onedoor.care.practitioner_forms import PractitionerForm
from onedoor.care.practitioners import practising_at
from onedoor.care.records import get_handover_for_user
from onedoor.clock.calendar import ENGLAND_AND_WALES, time_left
from onedoor.referrals.states import Conflict


def _page(
    request: HttpRequest,
    user: User,
    transition: Transition,
    *,
    decline: HandoverDeclineForm | None = None,
    problem: str = "",
    status: int = 200,
) -> HttpResponse:
    referral = transition.referral
    answering = may_answer(user, transition)
    context = {
        "transition": transition,
        "referral": referral,
        "child": referral.child,
        "may_answer": answering,
        "returns_to": returns_to(transition).label if answering else "",
        "clock": time_left(due=transition.due_at, now=clock.now(), calendar=ENGLAND_AND_WALES)
        if transition.acknowledged_at is None
        else None,
        "decline": decline or HandoverDeclineForm(initial={"version": referral.version}),
        "problem": problem,
    }
    return render(request, "care/handover.html", context, status=status)


@any_signed_in
@require_GET
def handover(request: HttpRequest, transition_uuid: UUID) -> HttpResponse:
    user = signed_in_user(request)
    return _page(request, user, get_handover_for_user(user, transition_uuid))


@roles_required(*PARTNER_ANSWERS)
@require_http_methods(["GET", "POST"])
def accept(request: HttpRequest, transition_uuid: UUID) -> HttpResponse:
    """Accept the handover on its own page, naming the practitioner who holds the child at
    the receiving partner (a practitioner is named by default; a partner lead chooses)."""
    user = signed_in_user(request)
    posted = request.method == "POST"
    transition = get_handover_for_user(user, transition_uuid, Do.CHANGE if posted else Do.VIEW)
    if user.organisation_id != transition.receiving_organisation_id:
        raise PermissionDenied("Only the receiving partner answers a handover.")
    form = PractitionerForm(
        request.POST if posted else None,
        practitioners=practising_at(transition.receiving_organisation_id),
        initial={
            "version": transition.referral.version,
            "practitioner": user.uuid if user.role == Role.PRACTITIONER else None,
        },
    )
    problem, status = "", 200
    if form.is_valid():
        chosen = form.cleaned_data["practitioner"]
        try:
            accept_handover(
                user=user, transition=transition, version=form.cleaned_data["version"],
                practitioner=chosen,
            )  # fmt: skip
        except Conflict as changed:
            problem, status = str(changed), 409
        except ValidationError as error:
            problem, status = error.messages[0], 400
        else:
            messages.success(
                request,
                f"Accepted {transition.referral.reference_display}: the child is on your "
                f"waiting list, and {chosen} is the named practitioner.",
            )
            return redirect("care:record", referral_uuid=transition.referral.uuid)
    elif form.errors:
        status = 400
    context = {
        "transition": transition,
        "referral": transition.referral,
        "child": transition.referral.child,
        "form": form,
        "problem": problem,
        "may_answer": may_answer(user, transition),
    }
    return render(request, "care/handover_accept.html", context, status=status)


@roles_required(*PARTNER_ANSWERS)
@require_POST
def decline(request: HttpRequest, transition_uuid: UUID) -> HttpResponse:
    user = signed_in_user(request)
    transition = get_handover_for_user(user, transition_uuid, Do.CHANGE)
    form = HandoverDeclineForm(request.POST)
    if not form.is_valid():
        return _page(request, user, transition, decline=form, status=400)
    try:
        decline_handover(
            user=user, transition=transition, version=form.cleaned_data["version"],
            reason=form.cleaned_data["reason"],
        )  # fmt: skip
    except Conflict as changed:
        return _page(request, user, transition, decline=form, problem=str(changed), status=409)
    except ValidationError as error:
        form.add_error(None, error.messages[0])
        return _page(request, user, transition, decline=form, status=400)
    sender = transition.referral.allocated_organisation
    messages.success(
        request,
        f"Declined {transition.referral.reference_display}: the child is back with {sender}.",
    )
    return redirect("triage:incoming")


@any_signed_in
@require_POST
def read(request: HttpRequest, transition_uuid: UUID) -> HttpResponse:
    """Someone at the sending partner has read why their handover was declined."""
    user = signed_in_user(request)
    transition = get_handover_for_user(user, transition_uuid, Do.CHANGE)
    try:
        read_decline(user=user, transition=transition)
        messages.success(request, "Marked as read.")
    except ValidationError as error:
        messages.info(request, error.messages[0])
    return redirect("care:record", referral_uuid=transition.referral.uuid)
