"""Safeguarding pages: raise a concern from a child's referral; the concerns list; one
concern with its follow-up actions and outcome."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from onedoor import clock
from onedoor.access.records import get_referral_for_user
from onedoor.accounts.decorators import any_signed_in, roles_required, signed_in_user
from onedoor.accounts.models import User
from onedoor.accounts.roles import Role
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
    due = forms.DateField(
        label="Due by", input_formats=["%d %m %Y", "%d/%m/%Y", "%Y-%m-%d"],
        help_text="For example, 27 11 2026",
        error_messages={"required": "Enter the due date", "invalid": "Enter a real date"},
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


@roles_required(*WORKERS, Role.PRACTITIONER, Role.PARTNER_LEAD, Role.TRIAGE_LEAD,
                Role.CARE_COORDINATOR)  # fmt: skip
@require_http_methods(["GET", "POST"])
def concern(request: HttpRequest, concern_uuid: UUID) -> HttpResponse:
    user = signed_in_user(request)
    found = get_concern_for_user(user, concern_uuid)
    people = list(action_owners(user))
    posted = request.POST.get("form", "") if request.method == "POST" else ""
    follow_form = FollowUpForm(request.POST if posted == "follow_up" else None, people=people)
    close_form = CloseForm(request.POST if posted == "close" else None)
    try:
        if posted == "follow_up" and follow_form.is_valid():
            values = follow_form.cleaned_data
            add_follow_up(user=user, concern=found, text=values["text"],
                          owner=follow_form.people[values["owner"]], due=values["due"])  # fmt: skip
            messages.success(request, "Action added.")
            return redirect("safeguarding:concern", concern_uuid=found.uuid)
        if posted == "done":
            action = found.follow_ups.filter(uuid=request.POST.get("follow_up", "")).first()
            if action is None:
                raise Http404("No such action")
            complete_follow_up(user=user, follow_up=action)
            messages.success(request, "Action done.")
            return redirect("safeguarding:concern", concern_uuid=found.uuid)
        if posted == "close" and close_form.is_valid():
            close_concern(user=user, concern=found, outcome=close_form.cleaned_data["outcome"])
            messages.success(request, "Concern closed.")
            return redirect("safeguarding:concern", concern_uuid=found.uuid)
    except ValidationError as error:
        (close_form if posted == "close" else follow_form).add_error(None, error.messages[0])
    context = {
        "concern": found,
        "follow_ups": found.follow_ups.select_related("owner"),
        "follow_form": follow_form,
        "close_form": close_form,
        "may_work": user.role in WORKERS and found.closed_at is None,
        "today": clock.today(),
    }
    errors = follow_form.errors or close_form.errors
    return render(request, "safeguarding/concern.html", context, status=400 if errors else 200)
