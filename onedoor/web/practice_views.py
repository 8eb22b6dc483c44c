"""The Referral and Advice Point corrects a referral's GP practice (`referrals/gp_practice.py`),
from the staff referral page."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from onedoor.access.policy import Do
from onedoor.access.records import get_referral_for_user
from onedoor.accounts.decorators import roles_required
from onedoor.accounts.models import User
from onedoor.accounts.roles import ADVICE_POINT
from onedoor.alliance.models import GpPractice
from onedoor.referrals.form_parts import Practice, listed_practice_named
from onedoor.referrals.gp_practice import (
    NAME_LIMIT,
    correct_gp_practice,
    described,
    turned_away_by_the_rules,
)
from onedoor.referrals.states import Conflict

BIGGEST_VERSION = 2**31 - 1  # what every database's integer column holds


class PracticeForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=BIGGEST_VERSION)
    gp_practice = forms.ChoiceField(
        label="GP practice",
        required=False,
        help_text="Type the name of the practice or its town, and choose it from the list.",
        error_messages={
            "invalid_choice": "Choose the GP practice from the list, or type its name in the "
            "box below it"
        },
    )
    gp_practice_name = forms.CharField(
        label="If the GP practice is not in the list: its name and town",
        required=False,
        max_length=NAME_LIMIT,
        error_messages={"max_length": f"GP practice must be {NAME_LIMIT} characters or less"},
    )

    def __init__(self, *args: Any, practices: list[GpPractice], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.practices = {p.ods_code: p for p in practices}
        self.fields["gp_practice"].choices = [  # type: ignore[attr-defined]
            ("", "None chosen"),
            *((p.ods_code, p.label) for p in practices),
        ]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if "gp_practice" in self.errors or "gp_practice_name" in self.errors:
            return data
        # A practice chosen from the list is the answer; one typed that is on it is chosen.
        typed = " ".join(data.get("gp_practice_name", "").split())
        offered = [Practice(p.ods_code, p.name, p.label) for p in self.practices.values()]
        named = listed_practice_named(offered, typed)
        if not data.get("gp_practice") and named is not None:
            data["gp_practice"] = named.ods_code
        data["gp_practice_name"] = "" if data.get("gp_practice") else typed
        return data

    @property
    def practice(self) -> GpPractice | None:
        return self.practices.get(self.cleaned_data.get("gp_practice", ""))


@roles_required(*ADVICE_POINT)
@require_http_methods(["GET", "POST"])
def gp_practice(request: HttpRequest, referral_uuid: UUID) -> HttpResponse:
    """Correct the GP practice; the eligibility rules run again (see the action)."""
    user = request.user
    assert isinstance(user, User)
    posted = request.method == "POST"
    referral = get_referral_for_user(user, referral_uuid, Do.CHANGE if posted else Do.VIEW)
    practices = list(GpPractice.objects.offered().filter(alliance_id=referral.child.alliance_id))
    initial = {
        "version": referral.version,
        "gp_practice": referral.gp_practice.ods_code if referral.gp_practice else "",
        "gp_practice_name": referral.gp_practice_not_listed,
    }
    form = PracticeForm(request.POST if posted else None, practices=practices, initial=initial)
    conflict: Conflict | None = None
    if form.is_valid():
        try:
            corrected = correct_gp_practice(
                user=user,
                referral=referral,
                version=form.cleaned_data["version"],
                practice=form.practice,
                not_listed=form.cleaned_data["gp_practice_name"],
            )
            messages.success(request, corrected.summary)
            return redirect("referrals_staff:referral", referral_uuid=referral.uuid)
        except Conflict as changed:
            conflict = changed  # shown, with the form again on the referral as it is now
            form = PracticeForm(
                {**request.POST.dict(), "version": changed.referral.version},
                practices=practices,
            )
        except ValidationError as error:
            form.add_error(None, error.messages[0])
    context = {
        "referral": referral,
        "child": referral.child,
        "form": form,
        "conflict": conflict,
        "now": described(referral.gp_practice, referral.gp_practice_not_listed),
        "turned_away": turned_away_by_the_rules(referral),
    }
    status = 409 if conflict else 400 if form.errors else 200
    return render(request, "referrals/staff/gp_practice.html", context, status=status)
