"""One child's care record with a partner: contacts, check-ins and notes, and recording them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from onedoor import clock
from onedoor.access.records import (
    can_change_care,
    care_records_visible_to,
    get_referral_for_user,
    referrals_visible_to,
)
from onedoor.accounts.decorators import any_signed_in
from onedoor.accounts.models import User
from onedoor.care.actions import (
    STEP_DOWN_STATES,
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
from onedoor.care.forms import (
    AcknowledgeForm,
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
from onedoor.care.lists import cadences_for, with_check_in_due
from onedoor.care.models import (
    CarePlan,
    CheckIn,
    Contact,
    Discharge,
    RiskReview,
    SafetyPlan,
)
from onedoor.care.records import handovers_visible_to, notes_visible_to
from onedoor.care.young_adults import young_adult_for
from onedoor.clock.calendar import ENGLAND_AND_WALES, TimeLeft, end_of, time_left
from onedoor.content.actions import materials_for
from onedoor.referrals.models import Referral, Status

FORMS: dict[str, type[forms.Form]] = {
    "contact": ContactForm,
    "note": NoteForm,
    "check_in": CheckInForm,
    "care_plan": CarePlanForm,
    "risk_review": RiskReviewForm,
    "safety_plan": SafetyPlanForm,
    "discharge": DischargeForm,
    "transition": TransitionForm,
    "step_down": StepDownForm,
    "acknowledge": AcknowledgeForm,
}
DONE = {
    "contact": "Contact recorded.",
    "note": "Note saved.",
    "check_in": "Check-in recorded.",
    "care_plan": "Care plan saved.",
    "risk_review": "Risk review saved.",
    "safety_plan": "Safety plan saved.",
    "discharge": "Discharged. The family has been invited to give feedback.",
    "transition": "Handover sent. It stays on the care coordinator's list until acknowledged.",
    "step_down": "Step-down recorded. Its handover waits for the partner to acknowledge it.",
    "acknowledge": "Handover acknowledged.",
}


@any_signed_in
@require_http_methods(["GET", "POST"])
def care_record(request: HttpRequest, referral_uuid: UUID) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    referral = get_referral_for_user(user, referral_uuid)
    posted = request.POST.get("form", "") if request.method == "POST" else ""
    alliance = referral.child.alliance
    forms_: dict[str, forms.Form] = {
        name: (
            form(request.POST if posted == name else None, prefix=name, alliance=alliance)  # type: ignore[call-arg]
            if form in (TransitionForm, StepDownForm)
            else form(request.POST if posted == name else None, prefix=name)
        )
        for name, form in FORMS.items()
    }
    check_in = forms_["check_in"]  # offers the library's materials while the child waits
    if referral.status == Status.WAITING and isinstance(check_in, CheckInForm):
        check_in.offer(materials_for(referral.child, clock.today()))
    if posted in forms_ and forms_[posted].is_valid():
        try:
            _record(user, referral, posted, forms_[posted].cleaned_data)
            messages.success(request, DONE[posted])
            return redirect("care:record", referral_uuid=referral.uuid)
        except ValidationError as error:
            forms_[posted].add_error(None, error.messages[0])
    # One query: the handover waiting for an answer, and one declined that the sender has
    # not read yet (`care/handovers.py`).
    handovers = list(
        handovers_visible_to(user)
        .filter(referral=referral)
        .filter(
            Q(acknowledged_at__isnull=True)
            | Q(declined_at__isnull=False, decline_read_at__isnull=True)
        )
        .select_related("receiving_organisation")
        .order_by("-sent_at", "-pk")
    )
    open_handover = next((t for t in handovers if t.acknowledged_at is None), None)
    declined = next((t for t in handovers if t.declined_at is not None), None)
    risk_reviews = list(care_records_visible_to(user, RiskReview).filter(referral=referral)[:20])
    care_plans = list(
        care_records_visible_to(user, CarePlan)
        .filter(referral=referral)
        .prefetch_related("goals")[:20]
    )
    context = {
        "referral": referral,
        "child": referral.child,
        "forms": forms_,
        "due": _due(user, referral, risk_reviews, care_plans),
        "can_record": can_change_care(user, referral),
        "contacts": care_records_visible_to(user, Contact).filter(referral=referral)[:100],
        "check_ins": care_records_visible_to(user, CheckIn)
        .filter(referral=referral)
        .prefetch_related("content_items")[:100],
        "care_plans": care_plans,
        "risk_reviews": risk_reviews,
        "safety_plan": care_records_visible_to(user, SafetyPlan).filter(referral=referral).first(),
        "notes": notes_visible_to(user)
        .filter(referral=referral)
        .select_related("recorded_by", "organisation")[:100],
        "has_errors": any(form.errors for form in forms_.values()),
        "open_handover": open_handover,
        "declined_handover": declined,
        "may_acknowledge": open_handover is not None and may_acknowledge(user, open_handover),
        "young_adult": young_adult_for(user, referral),
        "may_record_step_down": user.at_advice_point
        and referral.status in STEP_DOWN_STATES
        and open_handover is None,
    }
    return render(
        request, "care/record.html", context, status=400 if context["has_errors"] else 200
    )


def _due(
    user: User, referral: Referral, risk_reviews: Sequence[RiskReview], plans: Sequence[CarePlan]
) -> list[tuple[str, TimeLeft]]:
    """What falls due for this child next, and how each clock stands (the same rules as My
    tasks): the Waiting Well check-in while waiting, the risk review and the care plan
    review that the latest of each set."""
    now = clock.now()
    due: list[tuple[str, datetime]] = []
    if referral.status == Status.WAITING:
        annotated = with_check_in_due(
            referrals_visible_to(user).filter(pk=referral.pk), cadences_for(user)
        )
        check_in = annotated.values_list("check_in_due", flat=True).first()  # type: ignore[misc]
        if check_in is not None:
            due.append(("Next Waiting Well check-in", check_in))
    if referral.status in (Status.WAITING, Status.IN_INTERVENTION):
        if risk_reviews:
            due.append(("Next risk review", end_of(risk_reviews[0].next_due)))
        if plans:
            due.append(("Care plan review", end_of(plans[0].review_due)))
    return [(what, time_left(due=when, now=now, calendar=ENGLAND_AND_WALES)) for what, when in due]


def _record(user: User, referral: Any, posted: str, values: dict[str, Any]) -> None:
    if posted == "contact":
        record_contact(
            user=user, referral=referral, happened_at=values["happened_at"],
            outcome=values["outcome"], mode=values["mode"],
            duration_minutes=values["duration_minutes"],
        )  # fmt: skip
    elif posted == "care_plan":
        record_care_plan(
            user=user, referral=referral, summary=values["summary"],
            goals=values["goals"].splitlines(), review_due=values["review_due"],
        )  # fmt: skip
    elif posted == "risk_review":
        record_risk_review(
            user=user, referral=referral, rating=values["rating"], rationale=values["rationale"]
        )
    elif posted == "safety_plan":
        record_safety_plan(user=user, referral=referral, **values)
    elif posted == "transition":
        start_transition(
            user=user, referral=referral, kind=values["kind"], reason=values["reason"],
            receiving_organisation=values["receiving_organisation"],
            receiving_offer=values["receiving_offer"], handover=values["handover"],
        )  # fmt: skip
    elif posted == "step_down":
        record_step_down(user=user, referral=referral, **values)
    elif posted == "acknowledge":
        waiting = (
            handovers_visible_to(user)
            .filter(referral=referral, acknowledged_at__isnull=True)
            .first()
        )
        if waiting is None:
            raise ValidationError("There is no handover waiting")
        acknowledge_handover(user=user, transition=waiting, note=values["note"])
    elif posted == "discharge":
        discharge(user=user, referral=referral, reason=values["reason"], summary=values["summary"])
    elif posted == "note":
        record_note(user=user, referral=referral, text=values["text"], sharing=values["sharing"])
    else:
        record_check_in(
            user=user, referral=referral, contact_made=values["contact_made"] == "yes",
            rating=values["rating"], notes=values["notes"],
            materials_sent=values["materials_sent"], content_items=values["content_items"],
        )  # fmt: skip


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
