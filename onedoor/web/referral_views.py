"""The Referral and Advice Point for staff: possible matches to check, advice given."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from onedoor.access.policy import Do
from onedoor.access.records import get_referral_for_user, referrals_visible_to
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
from onedoor.referrals.joins import may_undo, undo_match
from onedoor.referrals.models import ConsentGivenBy, MatchCandidate, Referral, RetiredChild
from onedoor.referrals.places import open_referrals
from onedoor.referrals.staff_forms import AdviceContactForm, StatusSharingForm, UndoMatchForm
from onedoor.referrals.states import Conflict
from onedoor.referrals.status_sharing import (
    WITHHELD,
    may_change_sharing,
    share_status_again,
    withhold_status,
)


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
                return _confirmed(request, confirm_match(user=user, candidate=candidate))
            if request.POST.get("decision") == "different":
                reject_match(user=user, candidate=candidate)
                messages.success(request, "Possible match ruled out.")
                return redirect("referrals_staff:matches", referral_uuid=referral.uuid)
            messages.error(request, "Choose whether this is the same child")
        except ValidationError as error:
            messages.error(request, error.messages[0])
        except Conflict as error:
            messages.error(request, str(error))
    candidates = list(referral.candidates.select_related("child").order_by("-score", "pk"))
    # Where confirming would lead: the known child's open referral, which one of the two joins.
    opens = open_referrals([c.child_id for c in candidates], besides=referral)
    return render(
        request,
        "referrals/staff/matches.html",
        {
            "referral": referral,
            "described": person_of(referral.child),
            "candidates": [(candidate, opens.get(candidate.child_id)) for candidate in candidates],
        },
    )


def _confirmed(request: HttpRequest, referral: Referral) -> HttpResponse:
    """Where a confirmed match leads: the open referral that one of the two joined, or else
    the child's record."""
    joined = referral if referral.joined_to_id else referral.joined.first()
    if joined is None or joined.joined_to is None:
        messages.success(request, "Referral attached to the child already known.")
        return redirect("web:child", child_uuid=referral.child.uuid)
    messages.success(
        request,
        f"Referral {joined.reference_display} joined referral "
        f"{joined.joined_to.reference_display}, the child's open referral: it has left the "
        "triage queue, and what it says is shown below.",
    )
    return redirect("referrals_staff:referral", referral_uuid=joined.joined_to.uuid)


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
        "may_change_sharing": may_change_sharing(user),
        "consent_choices": ConsentGivenBy.choices,
        **_joins(user, found),
    }
    return render(request, "referrals/staff/referral.html", context)


def _joins(user: User, referral: Referral) -> dict[str, object]:
    """The referrals that joined this one, as this viewer may read them (those they may see
    themselves, and, for a partner holding the child, those with consent to share with
    alliance partners; the others are counted, not shown), and which match a triage lead
    may undo from here."""
    joined = list(referral.joined.prefetch_related("needs").order_by("received_at", "pk"))
    readable = set(
        referrals_visible_to(user).filter(joined_to=referral).values_list("pk", flat=True)
    )
    undoable = set(
        RetiredChild.objects.filter(referral__joined_to=referral).values_list(
            "referral_id", flat=True
        )
        if user.in_triage_team
        else []
    )
    shown = [
        (other, other.pk in readable, other.pk in undoable)
        for other in joined
        if other.pk in readable or other.consent_to_share
    ]
    undo = None
    if user.in_triage_team:
        if may_undo(referral):
            undo = referral
        elif referral.joined_to is not None and may_undo(referral.joined_to):
            undo = referral.joined_to
    return {"joined": shown, "withheld": len(joined) - len(shown), "undo": undo}


def _described(kept: RetiredChild | None) -> dict[str, object]:
    """The child as the referral described them, from the record the match retired."""
    fields: dict[str, object] = dict(kept.record.get("fields", {})) if kept else {}
    born = fields.get("date_of_birth")
    if isinstance(born, str):
        fields["date_of_birth"] = date.fromisoformat(born)
    return fields


@roles_required(*TRIAGE_TEAM)
@require_http_methods(["GET", "POST"])
def undo_match_page(request: HttpRequest, referral_uuid: UUID) -> HttpResponse:
    """Undo a mistaken match, with the reason: the referral is about another child."""
    user = request.user
    assert isinstance(user, User)
    posted = request.method == "POST"
    referral = get_referral_for_user(user, referral_uuid, Do.CHANGE if posted else Do.VIEW)
    form = UndoMatchForm(request.POST if posted else None, initial={"version": referral.version})
    conflict: Conflict | None = None
    if posted and form.is_valid():
        try:
            undone = undo_match(
                user=user,
                referral=referral,
                version=form.cleaned_data["version"],
                reason=form.cleaned_data["reason"],
            )
            messages.success(
                request,
                f"Match undone: referral {undone.reference_display} is back in triage, about "
                "its own child.",
            )
            return redirect("triage:referral", referral_uuid=undone.uuid)
        except Conflict as changed:
            conflict = changed
            referral.refresh_from_db()
        except ValidationError as error:
            form.add_error(None, error.messages[0])
    kept = RetiredChild.objects.filter(referral=referral).first()
    context = {
        "referral": referral,
        "child": referral.child,
        "form": form,
        "conflict": conflict,
        "kept": kept,
        "described": _described(kept),
        "may_undo": may_undo(referral),
        "version": referral.version,
    }
    status = 409 if conflict else 400 if form.errors else 200
    return render(request, "referrals/staff/undo_match.html", context, status=status)


DECISIONS_SHOWN = 20  # of a referral's status-sharing decisions, newest first


@roles_required(*TRIAGE_TEAM)
@require_http_methods(["GET", "POST"])
def status_sharing(request: HttpRequest, referral_uuid: UUID) -> HttpResponse:
    """The triage team decides whether the family may hear how the referral is going: "do not
    share status with the family", or share it again (`referrals/status_sharing.py`)."""
    user = request.user
    assert isinstance(user, User)
    posted = request.method == "POST"
    referral = get_referral_for_user(user, referral_uuid, Do.CHANGE if posted else Do.VIEW)
    withheld = referral.status_withheld_at is not None
    form = StatusSharingForm(
        request.POST if posted else None, initial={"version": referral.version}, withheld=withheld
    )
    conflict: Conflict | None = None
    if posted and form.is_valid():
        decide = share_status_again if withheld else withhold_status
        try:
            decide(
                user=user,
                referral=referral,
                version=form.cleaned_data["version"],
                reason=form.cleaned_data["reason"],
            )
            messages.success(
                request,
                "The family may be told how the referral is going again."
                if withheld
                else f"Marked: {WITHHELD.lower()}.",
            )
            return redirect("referrals_staff:referral", referral_uuid=referral.uuid)
        except Conflict as changed:
            conflict = changed
        except ValidationError as error:
            form.add_error(None, error.messages[0])
    context = {
        "referral": referral,
        "child": referral.child,
        "form": form,
        "conflict": conflict,
        "withheld": withheld,
        "decisions": referral.status_sharing.select_related("decided_by")[:DECISIONS_SHOWN],
    }
    status = 409 if conflict else 400 if form.errors else 200
    return render(request, "referrals/staff/status_sharing.html", context, status=status)
