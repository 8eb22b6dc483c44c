"""One child's care record with a partner: contacts, check-ins and notes, and recording them."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from onedoor.access.records import (
    can_change_care,
    care_records_visible_to,
    get_referral_for_user,
    notes_visible_to,
)
from onedoor.accounts.decorators import any_signed_in
from onedoor.accounts.models import User
from onedoor.care.actions import record_check_in, record_contact, record_note
from onedoor.care.forms import CheckInForm, ContactForm, NoteForm
from onedoor.care.models import CheckIn, Contact

FORMS = {"contact": ContactForm, "note": NoteForm, "check_in": CheckInForm}
DONE = {"contact": "Contact recorded.", "note": "Note saved.", "check_in": "Check-in recorded."}


@any_signed_in
@require_http_methods(["GET", "POST"])
def care_record(request: HttpRequest, referral_uuid: UUID) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    referral = get_referral_for_user(user, referral_uuid)
    posted = request.POST.get("form", "") if request.method == "POST" else ""
    forms_ = {name: form(request.POST if posted == name else None) for name, form in FORMS.items()}
    if posted in forms_ and forms_[posted].is_valid():
        try:
            _record(user, referral, posted, forms_[posted].cleaned_data)
            messages.success(request, DONE[posted])
            return redirect("care:record", referral_uuid=referral.uuid)
        except ValidationError as error:
            forms_[posted].add_error(None, error.messages[0])
    context = {
        "referral": referral,
        "child": referral.child,
        "forms": forms_,
        "can_record": can_change_care(user, referral),
        "contacts": care_records_visible_to(user, Contact).filter(referral=referral)[:100],
        "check_ins": care_records_visible_to(user, CheckIn).filter(referral=referral)[:100],
        "notes": notes_visible_to(user)
        .filter(referral=referral)
        .select_related("recorded_by", "organisation")[:100],
        "has_errors": any(form.errors for form in forms_.values()),
    }
    return render(
        request, "care/record.html", context, status=400 if context["has_errors"] else 200
    )


def _record(user: User, referral: Any, posted: str, values: dict[str, Any]) -> None:
    if posted == "contact":
        record_contact(
            user=user, referral=referral, happened_at=values["happened_at"],
            outcome=values["outcome"], mode=values["mode"],
            duration_minutes=values["duration_minutes"],
        )  # fmt: skip
    elif posted == "note":
        record_note(user=user, referral=referral, text=values["text"], sharing=values["sharing"])
    else:
        record_check_in(
            user=user, referral=referral, contact_made=values["contact_made"] == "yes",
            rating=values["rating"], notes=values["notes"],
            materials_sent=values["materials_sent"],
        )  # fmt: skip
