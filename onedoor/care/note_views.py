"""Correcting a clinical note on its own page (`care/corrections.py`), from the care
record's history, with the note's earlier versions beside it."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from onedoor.access.policy import Do
from onedoor.accounts.decorators import any_signed_in, signed_in_user
from onedoor.care.corrections import correct_note, may_correct_note
from onedoor.care.forms import NoteCorrectionForm
from onedoor.care.records import get_note_for_user, note_corrections


@any_signed_in
@require_http_methods(["GET", "POST"])
def correct(request: HttpRequest, note_uuid: UUID) -> HttpResponse:
    """Who may correct is what the action checks (`may_correct_note`); anyone else who may
    read the note gets a 403 and nothing is written, and a note they may not read is a 404."""
    user = signed_in_user(request)
    posted = request.method == "POST"
    note = get_note_for_user(user, note_uuid, Do.CHANGE if posted else Do.VIEW)
    if not may_correct_note(user, note):
        raise PermissionDenied("Only the note's own organisation corrects it.")
    history = list(note_corrections(note).select_related("corrected_by__organisation"))
    form = NoteCorrectionForm(
        request.POST if posted else None, initial={"seen": len(history), "text": note.text}
    )
    if posted and form.is_valid():
        try:
            correct_note(user=user, note=note, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error.messages[0])
        else:
            messages.success(request, "Note corrected. The earlier text is kept with it.")
            return redirect("care:history", referral_uuid=note.referral.uuid)
    context = {
        "note": note,
        "referral": note.referral,
        "child": note.referral.child,
        "form": form,
        "history": history,
    }
    return render(request, "care/correct_note.html", context, status=400 if form.errors else 200)
