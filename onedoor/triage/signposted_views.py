"""The pages that keep signposted referrals in sight: the daily list (and marking it
reviewed), and a triage lead overruling the eligibility rules. The rules are in
`triage/signposted.py`."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from onedoor import clock
from onedoor.access.policy import Do
from onedoor.access.records import get_referral_for_user
from onedoor.accounts.decorators import roles_required
from onedoor.accounts.models import User
from onedoor.accounts.roles import TRIAGE_TEAM, Role
from onedoor.referrals.models import Status
from onedoor.referrals.states import Conflict
from onedoor.triage import signposted


def _day(value: str, today: date) -> tuple[date | None, str]:
    """The working day asked for (a weekend's date gives the Friday's list), or a problem."""
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return None, "Enter the day as year-month-day, like 2026-11-19"
    if not signposted.FIRST_DAY <= day <= today:
        return None, f"Choose a day from {signposted.FIRST_DAY:%Y-%m-%d} to today"
    return signposted.list_day(day), ""


@roles_required(*TRIAGE_TEAM)
@require_GET
def signposted_list(request: HttpRequest) -> HttpResponse:
    """One working day's signposted referrals, to review: the day before today's by default."""
    user = request.user
    assert isinstance(user, User)
    now = clock.now()
    today = timezone.localdate(now)
    asked = request.GET.get("day", "")
    day, problem = _day(asked, today) if asked else (signposted.to_review(today), "")
    if day is None:
        context = {"problem": problem, "latest": signposted.to_review(today)}
        return render(request, "triage/signposted.html", context, status=400)
    page = signposted.page_of_day(user, day, request.GET.get("after", ""))
    following = signposted.next_list_day(day)
    review = signposted.review_of(user, day)
    context = {
        "day": day,
        "ends": following,
        "rows": signposted.rows(page.rows),
        "next_query": page.next_query(request),
        "first_page": page.first,
        "first_query": f"day={day.isoformat()}",
        "previous_day": signposted.previous_list_day(day),
        "next_day": following if following <= today else None,
        "review": review,
        "over": signposted.is_over(day, now),
    }
    return render(request, "triage/signposted.html", context)


class ReviewedForm(forms.Form):
    day = forms.DateField(input_formats=["%Y-%m-%d"])


@roles_required(*TRIAGE_TEAM)
@require_POST
def signposted_reviewed(request: HttpRequest) -> HttpResponse:
    """Mark one working day's list reviewed."""
    user = request.user
    assert isinstance(user, User)
    form = ReviewedForm(request.POST)
    if not form.is_valid():
        messages.error(request, "That is not a day's list: choose the day again.")
        return redirect("triage:signposted")
    day = form.cleaned_data["day"]
    try:
        signposted.mark_reviewed(user=user, day=day)
        messages.success(request, "List marked reviewed.")
    except ValidationError as error:
        messages.error(request, error.messages[0])
        if not signposted.FIRST_DAY <= day <= clock.today():
            return redirect("triage:signposted")
    return redirect(f"{reverse('triage:signposted')}?day={day.isoformat()}")


class OverruleForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label="Why the alliance should take this referral",
        help_text="For example, the child is registered with a GP practice in the area. It is "
        "kept on the referral and shown on its triage page and timeline.",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say why the alliance should take this referral"},
    )


@roles_required(Role.TRIAGE_LEAD)
@require_http_methods(["GET", "POST"])
def overrule(request: HttpRequest, referral_uuid: UUID) -> HttpResponse:
    """A triage lead overrules the eligibility rules: the referral comes into triage."""
    user = request.user
    assert isinstance(user, User)
    posted = request.method == "POST"
    referral = get_referral_for_user(user, referral_uuid, Do.CHANGE if posted else Do.VIEW)
    form = OverruleForm(request.POST if posted else None, initial={"version": referral.version})
    conflict: Conflict | None = None
    if form.is_valid():
        try:
            signposted.overrule_eligibility(
                user=user,
                referral=referral,
                version=form.cleaned_data["version"],
                reason=form.cleaned_data["reason"],
            )
            messages.success(
                request, "Eligibility overruled: the referral is in triage, its clock from now."
            )
            return redirect("triage:referral", referral_uuid=referral.uuid)
        except Conflict as changed:
            conflict = changed
        except ValidationError as error:
            form.add_error(None, error.messages[0])
    context = {
        "referral": referral,
        "child": referral.child,
        "age": referral.age_when_referred,
        "form": form,
        "conflict": conflict,
        "may_overrule": referral.status == Status.SIGNPOSTED and not referral.eligible,
    }
    status = 409 if conflict else 400 if form.errors else 200
    return render(request, "triage/overrule.html", context, status=status)
