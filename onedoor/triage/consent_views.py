"""The page where the triage team confirms or revisits a young person's own consent to a
referral (the rules are in `referrals/consent.py`, the write in `consent_reviews.py`)."""

from __future__ import annotations

from uuid import UUID

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from onedoor.access.policy import Do
from onedoor.access.records import get_referral_for_user
from onedoor.accounts.decorators import roles_required, signed_in_user
from onedoor.accounts.roles import TRIAGE_TEAM
from onedoor.referrals.states import Conflict
from onedoor.triage.consent_reviews import IN_TRIAGE, review_consent
from onedoor.triage.models import ConsentReview

REVIEWS_SHOWN = 20
BIGGEST_VERSION = 2**31 - 1  # what every database's integer column holds


class ConsentReviewForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=BIGGEST_VERSION)
    result = forms.ChoiceField(
        label="What did you find?",
        choices=ConsentReview.Result.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose what you found",
            "invalid_choice": "Choose what you found",
        },
    )
    note = forms.CharField(
        label="Note",
        help_text="Who you spoke to and what you found: for example, that they understand what "
        "support means, what happens next and who may be told. It is kept with this review, "
        "not on the child's timeline.",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Write a note: who you spoke to, and what you found"},
    )


@roles_required(*TRIAGE_TEAM)
@require_http_methods(["GET", "POST"])
def consent_review(request: HttpRequest, referral_uuid: UUID) -> HttpResponse:
    """The young person's consent, its reviews so far, and a new review."""
    user = signed_in_user(request)
    posted = request.method == "POST"
    referral = get_referral_for_user(user, referral_uuid, Do.CHANGE if posted else Do.VIEW)
    form = ConsentReviewForm(
        request.POST if posted else None, initial={"version": referral.version}
    )
    conflict: Conflict | None = None
    if form.is_valid():
        try:
            review_consent(user=user, referral=referral, **form.cleaned_data)
            messages.success(request, "Consent review saved.")
            return redirect("triage:referral", referral_uuid=referral.uuid)
        except Conflict as changed:
            conflict = changed
        except ValidationError as error:
            form.add_error(None, error.messages[0])
    context = {
        "referral": referral,
        "child": referral.child,
        "form": form,
        "conflict": conflict,
        "reviewable": referral.competence_to_review and referral.status in IN_TRIAGE,
        "reviews": referral.consent_reviews.select_related("reviewed_by")[:REVIEWS_SHOWN],  # type: ignore[attr-defined]
    }
    status = 409 if conflict else 400 if form.errors else 200
    return render(request, "triage/consent.html", context, status=status)
