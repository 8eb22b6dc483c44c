"""The Referral and Advice Point for staff: possible matches to check, advice given."""

from __future__ import annotations

from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from onedoor.access.policy import Do
from onedoor.access.records import get_referral_for_user
from onedoor.accounts.decorators import any_signed_in, roles_required
from onedoor.accounts.models import User
from onedoor.accounts.roles import ADVICE_POINT, TRIAGE_TEAM
from onedoor.alliance.models import Alliance
from onedoor.referrals.actions import (
    confirm_match,
    record_advice_contact,
    record_consent_to_share,
    reject_match,
)
from onedoor.referrals.candidates import person_of
from onedoor.referrals.models import ConsentGivenBy, MatchCandidate
from onedoor.referrals.staff_forms import AdviceContactForm


@roles_required(*TRIAGE_TEAM)
@require_http_methods(["GET", "POST"])
def matches(request: HttpRequest, referral_uuid: UUID) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    referral = get_referral_for_user(
        user, referral_uuid, Do.CHANGE if request.method == "POST" else Do.VIEW
    )
    if request.method == "POST":
        candidate = get_object_or_404(
            MatchCandidate.objects.select_related("child"),
            referral=referral,
            pk=request.POST.get("candidate", "0")
            if request.POST.get("candidate", "").isdigit()
            else 0,
        )
        try:
            if request.POST.get("decision") == "same":
                confirm_match(user=user, candidate=candidate)
                messages.success(request, "Referral attached to the child already known.")
                return redirect("web:child", child_uuid=candidate.child.uuid)
            if request.POST.get("decision") == "different":
                reject_match(user=user, candidate=candidate)
                messages.success(request, "Possible match ruled out.")
                return redirect("referrals_staff:matches", referral_uuid=referral.uuid)
            messages.error(request, "Choose whether this is the same child")
        except ValidationError as error:
            messages.error(request, error.messages[0])
    candidates = referral.candidates.select_related("child").order_by("-score", "pk")
    return render(
        request,
        "referrals/staff/matches.html",
        {"referral": referral, "described": person_of(referral.child), "candidates": candidates},
    )


@roles_required(*ADVICE_POINT)
@require_http_methods(["GET", "POST"])
def advice(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    alliance = Alliance.objects.get(slug=settings.ALLIANCE_SLUG)
    form = AdviceContactForm(request.POST if request.method == "POST" else None, alliance=alliance)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        contact = record_advice_contact(
            user=user,
            alliance=alliance,
            given_name=data["given_name"],
            family_name=data["family_name"],
            date_of_birth=data["date_of_birth"],
            postcode=data["postcode"],
            nhs_number_value=data["nhs_number"],
            caller_name=data["caller_name"],
            caller_relationship=data["caller_relationship"],
            advice_given=data["advice_given"],
            signposted=list(data["signposted"]),
        )
        messages.success(request, "Advice recorded on the child's timeline.")
        return redirect("web:child", child_uuid=contact.child.uuid)
    return render(
        request, "referrals/staff/advice.html", {"form": form}, status=400 if form.errors else 200
    )


@any_signed_in
@require_http_methods(["GET", "POST"])
def referral(request: HttpRequest, referral_uuid: UUID) -> HttpResponse:
    """Everything a referral says, for those who may see it (the view is audited)."""
    user = request.user
    assert isinstance(user, User)
    if request.method == "POST":
        found = get_referral_for_user(user, referral_uuid, Do.CHANGE)
        given_by = request.POST.get("consent_given_by", "")
        try:
            record_consent_to_share(user=user, referral=found, given_by=given_by)
            messages.success(request, "Consent to share recorded.")
        except ValidationError as error:
            messages.error(request, error.messages[0])
        return redirect("referrals_staff:referral", referral_uuid=found.uuid)
    found = get_referral_for_user(user, referral_uuid)
    context = {
        "referral": found,
        "child": found.child,
        "needs": found.needs.all(),
        "signposted": found.signposted_to.all(),
        "carers": found.child.carers.all(),
        "can_record_consent": user.at_advice_point and not found.consent_to_share,
        "consent_choices": ConsentGivenBy.choices,
    }
    return render(request, "referrals/staff/referral.html", context)
