"""Writing a child's care record, one write per address, and its full history.

Each write has its own page and view: GET shows its one form (under the child banner, with a
link back to the care record), POST validates, calls one action in `actions.py` and goes back
to the care record with what was done. Who may write is what the actions check (the access
layer's `can_change_care`, the Referral and Advice Point for a step-down, the receiving side
for an acknowledgement): anyone else gets a 403 and nothing is written, and a child outside
their scope is a 404 (the denial audited). The care record itself, a summary gathering risk,
plans, outcome measures and tasks, is `web/care_record.py`, above the apps it reads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from onedoor import clock
from onedoor.access.records import can_change_care, care_records_visible_to, get_referral_for_user
from onedoor.accounts.decorators import any_signed_in, signed_in_user
from onedoor.accounts.models import User
from onedoor.care.actions import (
    acknowledge_handover,
    discharge,
    give_feedback,
    may_acknowledge,
    record_care_plan,
    record_check_in,
    record_contact,
    record_note,
    record_risk_review,
    record_safety_plan,
    record_step_down,
    start_transition,
)
from onedoor.care.appointments import record_appointment_offer
from onedoor.care.forms import (
    AcknowledgeForm,
    AppointmentOfferForm,
    CarePlanForm,
    CheckInForm,
    ContactForm,
    DischargeForm,
    FeedbackForm,
    NoteForm,
    RiskReviewForm,
    SafetyPlanForm,
    StepDownForm,
    TransitionForm,
)
from onedoor.care.models import (
    AppointmentOffer,
    CarePlan,
    CheckIn,
    ClinicalNote,
    Contact,
    Discharge,
    RiskReview,
    SafetyPlan,
    Transition,
)
from onedoor.care.records import handovers_visible_to, note_corrections_of, notes_visible_to
from onedoor.children.models import Correction
from onedoor.content.actions import materials_for
from onedoor.referrals.models import Referral, Status
from onedoor.referrals.states import Conflict

HISTORY_SHOWN = 100  # of each kind of record, newest first


@dataclass(frozen=True)
class Write:
    """One write's page: its fields' template (in `care/writes/`), its h1 (the child's name
    follows), its button, and what the care record says once it is done."""

    fields: str
    heading: str
    button: str
    done: str


CONTACT = Write("contact", "Record a contact", "Save contact", "Contact recorded.")
APPOINTMENT_OFFER = Write(
    "appointment_offer", "Record a first appointment offered", "Save appointment offered",
    "First appointment offered recorded.",
)  # fmt: skip
NOTE = Write("note", "Write a note", "Save note", "Note saved.")
CHECK_IN = Write(
    "check_in", "Record a Waiting Well check-in", "Save check-in", "Check-in recorded."
)
CARE_PLAN = Write("care_plan", "Record a care plan", "Save care plan", "Care plan saved.")
SAFETY_PLAN = Write("safety_plan", "Record a safety plan", "Save safety plan", "Safety plan saved.")
RISK_REVIEW = Write("risk_review", "Record a risk review", "Save risk review", "Risk review saved.")
TRANSITION = Write(
    "transition", "Transition to another service", "Send the handover",
    "Handover sent. It stays on the care coordinator's list until acknowledged.",
)  # fmt: skip
STEP_DOWN = Write(
    "step_down", "Record a step-down into the alliance", "Record the step-down",
    "Step-down recorded. Its handover waits for the partner to acknowledge it.",
)  # fmt: skip
DISCHARGE = Write(
    "discharge", "Discharge", "Discharge",
    "Discharged. The family has been invited to give feedback.",
)  # fmt: skip
ACKNOWLEDGE = Write(
    "acknowledge", "Acknowledge the handover", "Acknowledge the handover",
    "Handover acknowledged.",
)  # fmt: skip


def _posted(request: HttpRequest) -> QueryDict | None:
    return request.POST if request.method == "POST" else None


def _recorder(request: HttpRequest, referral_uuid: UUID) -> tuple[User, Referral]:
    """The user and the referral, if they may record this child's care (as the actions
    check: `can_change_care`); otherwise a 403, or a 404 for a child they may not see."""
    user = signed_in_user(request)
    referral = get_referral_for_user(user, referral_uuid)
    if not can_change_care(user, referral):
        raise PermissionDenied("This child is not on your organisation's caseload.")
    return user, referral


def _write(
    request: HttpRequest,
    referral: Referral,
    form: forms.Form,
    write: Write,
    action: Callable[[dict[str, Any]], object],
    **context: object,
) -> HttpResponse:
    """POST: validate, call the one action, and back to the care record saying what was
    done. Otherwise, or when the form or the action refuses, the form on its own page."""
    if form.is_bound and form.is_valid():
        try:
            action(form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error.messages[0])
        except Conflict as error:  # the referral moved on since this request loaded it
            form.add_error(None, str(error))
        else:
            messages.success(request, write.done)
            return redirect("care:record", referral_uuid=referral.uuid)
    page = {"referral": referral, "child": referral.child, "form": form, "write": write}
    return render(
        request,
        f"care/writes/{write.fields}.html",
        {**page, **context},
        status=400 if form.errors else 200,
    )


@any_signed_in
@require_http_methods(["GET", "POST"])
def contact(request: HttpRequest, referral_uuid: UUID) -> HttpResponse:
    user, referral = _recorder(request, referral_uuid)
    return _write(
        request, referral, ContactForm(_posted(request)), CONTACT,
        lambda values: record_contact(user=user, referral=referral, **values),
    )  # fmt: skip


@any_signed_in
@require_http_methods(["GET", "POST"])
def appointment_offer(request: HttpRequest, referral_uuid: UUID) -> HttpResponse:
    user, referral = _recorder(request, referral_uuid)
    return _write(
        request, referral, AppointmentOfferForm(_posted(request)), APPOINTMENT_OFFER,
        lambda values: record_appointment_offer(user=user, referral=referral, **values),
    )  # fmt: skip


@any_signed_in
@require_http_methods(["GET", "POST"])
def note(request: HttpRequest, referral_uuid: UUID) -> HttpResponse:
    user, referral = _recorder(request, referral_uuid)
    return _write(
        request, referral, NoteForm(_posted(request)), NOTE,
        lambda values: record_note(user=user, referral=referral, **values),
    )  # fmt: skip


@any_signed_in
@require_http_methods(["GET", "POST"])
def check_in(request: HttpRequest, referral_uuid: UUID) -> HttpResponse:
    """A Waiting Well check-in, offering the library's materials that fit the child now."""
    user, referral = _recorder(request, referral_uuid)
    form = CheckInForm(_posted(request))
    if referral.status == Status.WAITING:
        form.offer(materials_for(referral.child, clock.today()))
    return _write(
        request, referral, form, CHECK_IN,
        lambda values: record_check_in(
            user=user, referral=referral, contact_made=values["contact_made"] == "yes",
            rating=values["rating"], notes=values["notes"],
            materials_sent=values["materials_sent"], content_items=values["content_items"],
        ),
    )  # fmt: skip


@any_signed_in
@require_http_methods(["GET", "POST"])
def care_plan(request: HttpRequest, referral_uuid: UUID) -> HttpResponse:
    user, referral = _recorder(request, referral_uuid)
    return _write(
        request, referral, CarePlanForm(_posted(request)), CARE_PLAN,
        lambda values: record_care_plan(
            user=user, referral=referral, summary=values["summary"],
            goals=values["goals"].splitlines(), review_due=values["review_due"],
        ),
    )  # fmt: skip


@any_signed_in
@require_http_methods(["GET", "POST"])
def safety_plan(request: HttpRequest, referral_uuid: UUID) -> HttpResponse:
    user, referral = _recorder(request, referral_uuid)
    return _write(
        request, referral, SafetyPlanForm(_posted(request)), SAFETY_PLAN,
        lambda values: record_safety_plan(user=user, referral=referral, **values),
    )  # fmt: skip


@any_signed_in
@require_http_methods(["GET", "POST"])
def risk_review(request: HttpRequest, referral_uuid: UUID) -> HttpResponse:
    user, referral = _recorder(request, referral_uuid)
    return _write(
        request, referral, RiskReviewForm(_posted(request)), RISK_REVIEW,
        lambda values: record_risk_review(user=user, referral=referral, **values),
    )  # fmt: skip


@any_signed_in
@require_http_methods(["GET", "POST"])
def transition(request: HttpRequest, referral_uuid: UUID) -> HttpResponse:
    user, referral = _recorder(request, referral_uuid)
    form = TransitionForm(_posted(request), alliance=referral.child.alliance)
    return _write(
        request, referral, form, TRANSITION,
        lambda values: start_transition(user=user, referral=referral, **values),
    )  # fmt: skip


@any_signed_in
@require_http_methods(["GET", "POST"])
def step_down(request: HttpRequest, referral_uuid: UUID) -> HttpResponse:
    """The Referral and Advice Point records a service outside the alliance's handover for
    the partner the child is allocated to (`actions.record_step_down`)."""
    user = signed_in_user(request)
    referral = get_referral_for_user(user, referral_uuid)
    if not user.at_advice_point:
        raise PermissionDenied("The Referral and Advice Point records a step-down.")
    form = StepDownForm(_posted(request), alliance=referral.child.alliance)
    return _write(
        request, referral, form, STEP_DOWN,
        lambda values: record_step_down(user=user, referral=referral, **values),
    )  # fmt: skip


@any_signed_in
@require_http_methods(["GET", "POST"])
def discharge_child(request: HttpRequest, referral_uuid: UUID) -> HttpResponse:
    user, referral = _recorder(request, referral_uuid)
    return _write(
        request, referral, DischargeForm(_posted(request)), DISCHARGE,
        lambda values: discharge(user=user, referral=referral, **values),
    )  # fmt: skip


@any_signed_in
@require_http_methods(["GET", "POST"])
def acknowledge(request: HttpRequest, referral_uuid: UUID) -> HttpResponse:
    """The receiving side acknowledges the handover waiting (`actions.may_acknowledge`); a
    move between partners is accepted or declined on the handover's own page instead."""
    user = signed_in_user(request)
    referral = get_referral_for_user(user, referral_uuid)
    waiting = (
        handovers_visible_to(user)
        .filter(referral=referral, acknowledged_at__isnull=True)
        .select_related("receiving_organisation", "sending_organisation", "sent_by")
        .first()
    )
    if waiting is None:
        messages.info(request, "There is no handover waiting to be acknowledged.")
        return redirect("care:record", referral_uuid=referral.uuid)
    if waiting.kind == Transition.Kind.BETWEEN_PARTNERS:
        return redirect("care:handover", transition_uuid=waiting.uuid)
    if not may_acknowledge(user, waiting):
        raise PermissionDenied("Only the receiving side acknowledges a handover.")
    return _write(
        request, referral, AcknowledgeForm(_posted(request)), ACKNOWLEDGE,
        lambda values: acknowledge_handover(user=user, transition=waiting, note=values["note"]),
        handover=waiting,
    )  # fmt: skip


@any_signed_in
@require_GET
def history(request: HttpRequest, referral_uuid: UUID) -> HttpResponse:
    """Everything recorded in the child's care that the user may read, newest first: the
    contacts, appointments offered, check-ins, care plans, safety plans, risk reviews and
    notes (each kind to its newest `HISTORY_SHOWN`)."""
    user = signed_in_user(request)
    referral = get_referral_for_user(user, referral_uuid)

    def newest(model: type[Any]) -> Any:
        return care_records_visible_to(user, model).filter(referral=referral)

    context = {
        "referral": referral,
        "child": referral.child,
        "shown": HISTORY_SHOWN,
        "contacts": newest(Contact).select_related("recorded_by")[:HISTORY_SHOWN],
        "appointment_offers": newest(AppointmentOffer).select_related("recorded_by")[
            :HISTORY_SHOWN
        ],
        "check_ins": newest(CheckIn)
        .select_related("recorded_by")
        .prefetch_related("content_items")[:HISTORY_SHOWN],
        "care_plans": newest(CarePlan)
        .select_related("recorded_by")
        .prefetch_related("goals")[:HISTORY_SHOWN],
        "safety_plans": newest(SafetyPlan).select_related("recorded_by")[:HISTORY_SHOWN],
        "risk_reviews": newest(RiskReview).select_related("recorded_by")[:HISTORY_SHOWN],
        "notes": _notes_shown(
            user,
            referral,
            notes_visible_to(user)
            .filter(referral=referral)
            .select_related("recorded_by", "organisation")[:HISTORY_SHOWN],
        ),
    }
    return render(request, "care/history.html", context)


@dataclass(frozen=True)
class NoteShown:
    note: ClinicalNote
    corrections: list[Correction]  # its earlier versions, newest first
    correctable: bool  # the user may correct it (`care.corrections.may_correct_note`)


def _notes_shown(user: User, referral: Referral, notes: Iterable[ClinicalNote]) -> list[NoteShown]:
    """The notes with their corrections (one query) and whether the user may correct each:
    their own organisation's, when they may write this child's care."""
    notes = list(notes)
    corrections: dict[UUID, list[Correction]] = {}
    for made in note_corrections_of(notes).select_related("corrected_by__organisation"):
        corrections.setdefault(made.record_uuid, []).append(made)
    writes = bool(notes) and can_change_care(user, referral)
    return [
        NoteShown(
            note,
            corrections.get(note.uuid, []),
            writes and note.organisation_id == user.organisation_id,
        )
        for note in notes
    ]


@login_not_required
@require_http_methods(["GET", "POST"])
def feedback(request: HttpRequest, token: str) -> HttpResponse:
    """The single-use feedback page from the discharge email: no account needed."""
    ended = Discharge.objects.filter(feedback_token=token).first()
    usable = (
        ended is not None
        and ended.feedback_used_at is None
        and ended.feedback_expires_at > clock.now()
    )
    form = FeedbackForm(request.POST if request.method == "POST" and usable else None)
    if usable and request.method == "POST" and form.is_valid():
        try:
            give_feedback(
                token=token,
                helpful=int(form.cleaned_data["helpful"]),
                comments=form.cleaned_data["comments"],
            )
            return render(request, "care/feedback_thanks.html")
        except ValidationError:
            usable = False
    status = 200 if usable and not form.errors else 400 if usable else 410
    return render(request, "care/feedback.html", {"form": form, "usable": usable}, status=status)
