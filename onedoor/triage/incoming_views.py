"""The partner's incoming allocations: the list, with how long each has waited for an
answer, and the two answers, each a form on its own page at its own address: accept (the
child joins the offer's waiting list, held by the practitioner named as it is accepted) or
decline with a reason (back to triage, the clock as it was)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from onedoor import clock
from onedoor.access.policy import Do
from onedoor.access.records import get_referral_for_user, referrals_visible_to
from onedoor.accounts.decorators import roles_required, signed_in_user
from onedoor.accounts.models import User
from onedoor.accounts.navigation import roles_for
from onedoor.accounts.roles import PARTNER_ANSWERS, Role
from onedoor.care.practitioner_forms import PractitionerForm
from onedoor.care.practitioners import practising_at
from onedoor.care.records import handovers_to
from onedoor.clock import LONDON
from onedoor.clock.calendar import ENGLAND_AND_WALES
from onedoor.referrals.models import Referral, Status
from onedoor.referrals.states import Conflict
from onedoor.triage.actions import accept_allocation, decline_allocation

SHOWN = 200
NOT_WAITING = "This child is no longer waiting for your answer"


@dataclass(frozen=True)
class Waiting:
    """An allocation waiting for the partner's answer, and for how many working days."""

    referral: Referral
    working_days: int

    @property
    def waited(self) -> str:
        if self.working_days == 0:
            return "Allocated today"
        return "1 working day" if self.working_days == 1 else f"{self.working_days} working days"


def waited(referral: Referral, today: Any) -> int:
    """Working days since the allocation, by the clock's calendar: 0 on the day itself."""
    if referral.allocated_at is None:
        return 0
    allocated = timezone.localtime(referral.allocated_at, LONDON).date()
    return ENGLAND_AND_WALES.working_days_between(allocated, today)


@roles_required(*roles_for("triage:incoming"))
@require_GET
def incoming(request: HttpRequest) -> HttpResponse:
    """Children allocated to the user's organisation, waiting for its answer (longest
    waiting first), and the handovers from other partners waiting for its answer: one query
    each, whatever their number."""
    user = signed_in_user(request)
    allocated = (
        referrals_visible_to(user, Do.CHANGE)
        .filter(status=Status.ALLOCATED, allocated_organisation=user.organisation)
        .select_related("child", "allocated_offer")
        .order_by("allocated_at", "pk")[:SHOWN]
    )
    today = clock.today()
    context = {
        "allocated": [Waiting(referral, waited(referral, today)) for referral in allocated],
        "handovers": handovers_to(user)[:SHOWN],
        "may_answer": user.role in PARTNER_ANSWERS,
    }
    return render(request, "triage/incoming.html", context)


def _allocation(user: User, referral_uuid: UUID, posted: bool) -> Referral:
    """The allocation to answer, through the access layer (outside the user's organisation,
    a 404 with the denial audited)."""
    return get_referral_for_user(user, referral_uuid, Do.CHANGE if posted else Do.VIEW)


def _waiting_for(user: User, referral: Referral) -> bool:
    return (
        referral.status == Status.ALLOCATED
        and referral.allocated_organisation_id == user.organisation_id
    )


def _answer_page(
    request: HttpRequest,
    referral: Referral,
    template: str,
    form: forms.Form,
    problem: str = "",
    status: int = 200,
) -> HttpResponse:
    if form.errors and status == 200:
        status = 400
    context = {
        "referral": referral,
        "child": referral.child,
        "form": form,
        "problem": problem,
        "waiting": _waiting_for(signed_in_user(request), referral),
    }
    return render(request, template, context, status=status)


@roles_required(*PARTNER_ANSWERS)
@require_http_methods(["GET", "POST"])
def accept(request: HttpRequest, referral_uuid: UUID) -> HttpResponse:
    """Accept an allocation, naming the practitioner who holds the child: a practitioner is
    named by default; a partner lead chooses."""
    user = signed_in_user(request)
    posted = request.method == "POST"
    referral = _allocation(user, referral_uuid, posted)
    form = PractitionerForm(
        request.POST if posted else None,
        practitioners=practising_at(user.organisation_id),
        initial={
            "version": referral.version,
            "practitioner": user.uuid if user.role == Role.PRACTITIONER else None,
        },
    )
    if not _waiting_for(user, referral):
        # Answered already: the page says so, and a posted answer is refused.
        problem, status = (NOT_WAITING, 409) if posted else ("", 200)
        return _answer_page(request, referral, "triage/accept.html", form, problem, status)
    if form.is_valid():
        chosen = form.cleaned_data["practitioner"]
        try:
            accept_allocation(
                user=user, referral=referral, version=form.cleaned_data["version"],
                practitioner=chosen,
            )  # fmt: skip
        except Conflict as changed:
            return _answer_page(request, referral, "triage/accept.html", form, str(changed), 409)
        except ValidationError as error:
            form.add_error(None, error.messages[0])
        else:
            messages.success(
                request,
                f"Accepted {referral.reference_display}: {chosen} is the named practitioner.",
            )
            return redirect("care:record", referral_uuid=referral.uuid)
    return _answer_page(request, referral, "triage/accept.html", form)


class DeclineForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label="Why you are declining", max_length=2000,
        help_text="The triage team reads it, and it goes on the child's timeline.",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Say why you are declining, for the triage team"},
    )  # fmt: skip


@roles_required(*PARTNER_ANSWERS)
@require_http_methods(["GET", "POST"])
def decline(request: HttpRequest, referral_uuid: UUID) -> HttpResponse:
    """Decline an allocation with a reason: the child goes back to triage."""
    user = signed_in_user(request)
    posted = request.method == "POST"
    referral = _allocation(user, referral_uuid, posted)
    form = DeclineForm(request.POST if posted else None, initial={"version": referral.version})
    if not _waiting_for(user, referral):
        # Answered already: the page says so, and a posted answer is refused.
        problem, status = (NOT_WAITING, 409) if posted else ("", 200)
        return _answer_page(request, referral, "triage/decline.html", form, problem, status)
    if form.is_valid():
        try:
            decline_allocation(
                user=user, referral=referral, version=form.cleaned_data["version"],
                reason=form.cleaned_data["reason"],
            )  # fmt: skip
        except Conflict as changed:
            return _answer_page(request, referral, "triage/decline.html", form, str(changed), 409)
        except ValidationError as error:
            form.add_error(None, error.messages[0])
        else:
            messages.success(request, f"Declined {referral.reference_display}: back to triage.")
            return redirect("triage:incoming")
    return _answer_page(request, referral, "triage/decline.html", form)
