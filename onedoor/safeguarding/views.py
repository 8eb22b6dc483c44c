"""Safeguarding pages: raise a concern from a child's referral; the concerns list; one
concern with its follow-up actions and outcome; and each change to it on its own page (add a
follow-up action, mark one done, close the concern)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from onedoor import clock
from onedoor.access.records import get_referral_for_user
from onedoor.accounts.decorators import any_signed_in, roles_required, signed_in_user
from onedoor.accounts.models import User
from onedoor.accounts.roles import Role
from onedoor.dates import DateField
from onedoor.governance.records import action_owners
from onedoor.safeguarding.actions import (
    add_follow_up,
    close_concern,
    complete_follow_up,
    raise_concern,
    safeguarding_leads,
)
from onedoor.safeguarding.models import Concern
from onedoor.safeguarding.records import concerns_visible_to, get_concern_for_user

WORKERS = (Role.SAFEGUARDING_LEAD, Role.CLINICAL_LEAD)
YES_NO = [("yes", "Yes"), ("no", "No")]


class ConcernForm(forms.Form):
    category = forms.ChoiceField(
        label="What kind of concern", choices=Concern.Category.choices, widget=forms.RadioSelect,
        error_messages={"required": "Choose the kind of concern"},
    )  # fmt: skip
    seen_or_said = forms.CharField(
        label="What was seen or said", max_length=8000, widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "Say what was seen or said"},
    )  # fmt: skip
    immediate_actions = forms.CharField(
        label="What was done straight away", max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say what was done straight away"},
    )  # fmt: skip
    referred = forms.ChoiceField(
        label="Was a referral made to children's social care?", choices=YES_NO,
        widget=forms.RadioSelect, error_messages={"required": "Say whether a referral was made"},
    )  # fmt: skip
    reference = forms.CharField(
        label="Children's social care's reference (if referred)", max_length=60, required=False
    )
    owner = forms.ChoiceField(
        label="Safeguarding lead who will own it", error_messages={"required": "Choose the owner"}
    )

    def __init__(self, *args: Any, leads: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.leads = {str(lead.uuid): lead for lead in leads}
        self.fields["owner"].choices = [("", "Choose")] + [  # type: ignore[attr-defined]
            (key, f"{lead} ({lead.organisation})") for key, lead in self.leads.items()
        ]


class FollowUpForm(forms.Form):
    text = forms.CharField(
        label="Action", max_length=500, error_messages={"required": "Say what is to be done"}
    )
    owner = forms.ChoiceField(label="Who will do it", error_messages={"required": "Choose who"})
    due = DateField(
        label="Due by", subject="The due date", required_message="Enter the due date",
        help_text="For example, 27 11 2026",
    )  # fmt: skip

    def __init__(self, *args: Any, people: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.people = {str(p.uuid): p for p in people}
        self.fields["owner"].choices = [("", "Choose")] + [  # type: ignore[attr-defined]
            (key, str(p)) for key, p in self.people.items()
        ]


class CloseForm(forms.Form):
    outcome = forms.CharField(
        label="Outcome", max_length=8000, widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Record the outcome"},
    )  # fmt: skip


@any_signed_in
@require_http_methods(["GET", "POST"])
def raise_view(request: HttpRequest, referral_uuid: UUID) -> HttpResponse:
    user = signed_in_user(request)
    referral = get_referral_for_user(user, referral_uuid)
    form = ConcernForm(
        request.POST if request.method == "POST" else None, leads=safeguarding_leads(referral)
    )
    if form.is_valid():
        values = form.cleaned_data
        try:
            concern = raise_concern(
                user=user, referral=referral, category=values["category"],
                seen_or_said=values["seen_or_said"], immediate_actions=values["immediate_actions"],
                referred_to_social_care=values["referred"] == "yes",
                social_care_reference=values["reference"], owner=form.leads[values["owner"]],
            )  # fmt: skip
            messages.success(request, f"Concern raised. {concern.owner} owns it.")
            return redirect("web:child", child_uuid=referral.child.uuid)
        except ValidationError as error:
            form.add_error(None, error.messages[0])
    context = {"referral": referral, "child": referral.child, "form": form}
    return render(request, "safeguarding/raise.html", context, status=400 if form.errors else 200)


@roles_required(*WORKERS)
@require_GET
def concerns(request: HttpRequest) -> HttpResponse:
    """Open concerns the user may see, oldest first, with their overdue actions."""
    today = clock.today()
    found = (
        concerns_visible_to(signed_in_user(request))
        .filter(closed_at__isnull=True)
        .select_related("referral__child", "owner")
        .annotate(
            overdue=Count(
                "follow_ups", filter=Q(follow_ups__done_at__isnull=True, follow_ups__due__lt=today)
            ),
        )
        .order_by("raised_at", "pk")[:200]
    )
    return render(request, "safeguarding/concerns.html", {"concerns": found})


# Who opens a concern's page (the access layer then says which concerns): its workers, and
# those who may raise one or own a follow-up action on it.
READERS = (*WORKERS, Role.PRACTITIONER, Role.PARTNER_LEAD, Role.TRIAGE_LEAD,
           Role.CARE_COORDINATOR)  # fmt: skip


@roles_required(*READERS)
@require_GET
def concern(request: HttpRequest, concern_uuid: UUID) -> HttpResponse:
    """One concern: what was seen, what was done, its follow-up actions and outcome, and links
    to what the user may do."""
    user = signed_in_user(request)
    found = get_concern_for_user(user, concern_uuid)
    context = {
        "concern": found,
        "follow_ups": found.follow_ups.select_related("owner"),
        "may_work": user.role in WORKERS and found.closed_at is None,
        "today": clock.today(),
    }
    return render(request, "safeguarding/concern.html", context)


@roles_required(*WORKERS)
@require_http_methods(["GET", "POST"])
def add_follow_up_view(request: HttpRequest, concern_uuid: UUID) -> HttpResponse:
    user = signed_in_user(request)
    found = get_concern_for_user(user, concern_uuid)
    form = FollowUpForm(
        request.POST if request.method == "POST" else None, people=list(action_owners(user))
    )
    if form.is_valid():
        values = form.cleaned_data
        try:
            add_follow_up(user=user, concern=found, text=values["text"],
                          owner=form.people[values["owner"]], due=values["due"])  # fmt: skip
            messages.success(request, "Action added.")
            return redirect("safeguarding:concern", concern_uuid=found.uuid)
        except ValidationError as error:
            form.add_error(None, error.messages[0])
    context = {"concern": found, "referral": found.referral, "form": form}
    return render(
        request, "safeguarding/follow_up.html", context, status=400 if form.errors else 200
    )


@roles_required(*READERS)
@require_http_methods(["GET", "POST"])
def follow_up_done(request: HttpRequest, concern_uuid: UUID, follow_up_uuid: UUID) -> HttpResponse:
    """Its owner, or a safeguarding lead or the clinical lead, marks an action done."""
    user = signed_in_user(request)
    found = get_concern_for_user(user, concern_uuid)
    action = found.follow_ups.select_related("owner").filter(uuid=follow_up_uuid).first()
    if action is None:
        raise Http404("No such action")
    if user != action.owner and user.role not in WORKERS:
        raise PermissionDenied("The action's owner or the safeguarding lead marks it done.")
    problem = ""
    if request.method == "POST":
        try:
            complete_follow_up(user=user, follow_up=action)
            messages.success(request, "Action done.")
            return redirect("safeguarding:concern", concern_uuid=found.uuid)
        except ValidationError as error:
            problem = error.messages[0]
    context = {"concern": found, "referral": found.referral, "action": action, "problem": problem}
    return render(
        request, "safeguarding/follow_up_done.html", context, status=400 if problem else 200
    )


@roles_required(*WORKERS)
@require_http_methods(["GET", "POST"])
def close(request: HttpRequest, concern_uuid: UUID) -> HttpResponse:
    """Close the concern with its outcome, once every follow-up action is done."""
    user = signed_in_user(request)
    found = get_concern_for_user(user, concern_uuid)
    form = CloseForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            close_concern(user=user, concern=found, outcome=form.cleaned_data["outcome"])
            messages.success(request, "Concern closed.")
            return redirect("safeguarding:concern", concern_uuid=found.uuid)
        except ValidationError as error:
            form.add_error(None, error.messages[0])
    context = {
        "concern": found,
        "referral": found.referral,
        "form": form,
        "open_actions": found.follow_ups.filter(done_at__isnull=True).count(),
    }
    return render(request, "safeguarding/close.html", context, status=400 if form.errors else 200)
