"""The triage page: what the referral says, beside the work on it (hazard H35); and its five
writes, each at its own address (`writes.py`). The page builds one form, for what the person
does next, and links to the other writes that apply. A write's GET shows the page with its
form; its POST checks the form, calls one action and goes back to the page saying what was
saved; a problem shows the page again with that one form and its errors (400), and a page
loaded before someone else changed the referral is told what changed (409)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from onedoor import clock
from onedoor.access.policy import Do
from onedoor.access.records import get_referral_for_user
from onedoor.accounts.decorators import roles_required, signed_in_user
from onedoor.accounts.models import User
from onedoor.accounts.roles import TRIAGE_TEAM, Role
from onedoor.alliance.models import DirectoryService, Offer, external_services
from onedoor.care.young_adults import require_named_coordinator
from onedoor.referrals.joins import may_undo
from onedoor.referrals.models import RISK_INDICATORS, Referral
from onedoor.referrals.places import place_held
from onedoor.referrals.states import Conflict
from onedoor.triage.actions import (
    information_received,
    record_decision,
    require_current,
    review_red,
    screen_risk,
    sign_off,
)
from onedoor.triage.forms import (
    OUTCOME_FIELDS,
    DecisionForm,
    InformationForm,
    ReviewForm,
    ScreeningForm,
    SignOffForm,
)
from onedoor.triage.models import TriageDecision
from onedoor.triage.offers import OfferFit, offers_for
from onedoor.triage.queue import TRIAGE_STATES
from onedoor.triage.summary import summary_of
from onedoor.triage.writes import DONE, LINKS, Write, next_write, open_writes, refusal

# The page


@roles_required(*TRIAGE_TEAM)
@require_GET
def triage_referral(request: HttpRequest, referral_uuid: UUID) -> HttpResponse:
    """One referral in triage: what it says, and the form for what comes next."""
    user, referral = _referral(request, referral_uuid)
    write = next_write(user, referral, waiting_decision=_waiting(referral) is not None)
    if write is None:
        return _page(request, referral, None, None)
    form, fits = _form(write, referral, None)
    return _page(request, referral, write, form, fits=fits)


# The five writes


@roles_required(*TRIAGE_TEAM)
@require_http_methods(["GET", "POST"])
def screen(request: HttpRequest, referral_uuid: UUID) -> HttpResponse:
    """Rate the risk red, amber or green, with the indicators and why."""
    user, referral = _referral(request, referral_uuid)
    form, _ = _form(Write.SCREEN, referral, _posted(request))
    if not form.is_bound or not form.is_valid():
        return _form_page(request, referral, Write.SCREEN, form)
    values = form.cleaned_data
    try:
        require_current(referral, values["version"])  # a stale page is told what changed
        screen_risk(
            user=user, referral=referral, version=values["version"], rating=values["rating"],
            indicators=set(values["indicators"]), other_indicators=values["other_indicators"],
            rationale=values["rationale"],
        )  # fmt: skip
    except (Conflict, ValidationError) as problem:
        return _refused(request, referral, Write.SCREEN, form, problem)
    return _saved(request, referral, Write.SCREEN)


@roles_required(Role.CLINICAL_LEAD)
@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, referral_uuid: UUID) -> HttpResponse:
    """A clinician's review of a red rating: it leaves the top of the queue."""
    user, referral = _referral(request, referral_uuid)
    form, _ = _form(Write.REVIEW, referral, _posted(request))
    if not form.is_bound or not form.is_valid():
        return _form_page(request, referral, Write.REVIEW, form)
    values = form.cleaned_data
    try:
        require_current(referral, values["version"])
        review_red(user=user, referral=referral, version=values["version"], note=values["note"])
    except (Conflict, ValidationError) as problem:
        return _refused(request, referral, Write.REVIEW, form, problem)
    return _saved(request, referral, Write.REVIEW)


@roles_required(*TRIAGE_TEAM)
@require_http_methods(["GET", "POST"])
def decision(request: HttpRequest, referral_uuid: UUID) -> HttpResponse:
    """The triage decision: an outcome, with only that outcome's fields read."""
    user, referral = _referral(request, referral_uuid)
    form, fits = _form(Write.DECISION, referral, _posted(request))
    if not form.is_bound or not form.is_valid():
        return _form_page(request, referral, Write.DECISION, form, fits)
    values = form.cleaned_data
    try:
        require_current(referral, values["version"])
        record_decision(
            user=user, referral=referral, version=values["version"], grouping=values["grouping"],
            outcome=values["outcome"], offer=values["offer"],
            receiving_service=values["receiving_service"], reason=values["reason"],
            materials_sent=values["materials_sent"],
            information_requested=values["information_requested"],
            information_due=values["information_due"], complex=values["complex"],
            signposted=values["signposted"],
        )  # fmt: skip
    except (Conflict, ValidationError) as problem:
        return _refused(request, referral, Write.DECISION, form, problem, fits)
    return _saved(request, referral, Write.DECISION)


@roles_required(Role.CLINICAL_LEAD)
@require_http_methods(["GET", "POST"])
def sign_off_decision(request: HttpRequest, referral_uuid: UUID) -> HttpResponse:
    """The clinical lead signs the waiting decision off (it takes effect) or returns it."""
    user, referral = _referral(request, referral_uuid)
    form, _ = _form(Write.SIGN_OFF, referral, _posted(request))
    if not form.is_bound or not form.is_valid():
        return _form_page(request, referral, Write.SIGN_OFF, form)
    values = form.cleaned_data
    try:
        require_current(referral, values["version"])  # before "nothing waiting": H28
        waiting = _waiting(referral)
        if waiting is None:
            raise ValidationError("There is no decision waiting for sign-off")
        sign_off(
            user=user, decision=waiting, version=values["version"],
            approve=values["approve"] == "yes", note=values["note"],
        )  # fmt: skip
    except (Conflict, ValidationError) as problem:
        return _refused(request, referral, Write.SIGN_OFF, form, problem)
    return _saved(request, referral, Write.SIGN_OFF)


@roles_required(*TRIAGE_TEAM)
@require_http_methods(["GET", "POST"])
def information(request: HttpRequest, referral_uuid: UUID) -> HttpResponse:
    """The information asked for has arrived: back to triage, the clock restarted."""
    user, referral = _referral(request, referral_uuid)
    form, _ = _form(Write.INFORMATION, referral, _posted(request))
    if not form.is_bound or not form.is_valid():
        return _form_page(request, referral, Write.INFORMATION, form)
    values = form.cleaned_data
    try:
        require_current(referral, values["version"])
        information_received(
            user=user, referral=referral, version=values["version"], note=values["note"]
        )
    except (Conflict, ValidationError) as problem:
        return _refused(request, referral, Write.INFORMATION, form, problem)
    return _saved(request, referral, Write.INFORMATION)


# What the views share


def _referral(request: HttpRequest, referral_uuid: UUID) -> tuple[User, Referral]:
    """The person, and the referral through the access layer: a view is audited, a write is
    checked against what the person may change."""
    user = signed_in_user(request)
    action = Do.CHANGE if request.method == "POST" else Do.VIEW
    return user, get_referral_for_user(user, referral_uuid, action)


def _posted(request: HttpRequest) -> QueryDict | None:
    return request.POST if request.method == "POST" else None


def _waiting(referral: Referral) -> TriageDecision | None:
    return (
        referral.decisions.filter(sign_off=TriageDecision.SignOff.WAITING)
        .select_related("offer", "receiving_service", "decided_by")
        .first()
    )


def _form(
    write: Write, referral: Referral, data: QueryDict | None
) -> tuple[forms.Form, list[OfferFit]]:
    """The write's one form (bound to `data` when posted), and for a decision the offers
    with their fit and capacity, which its offer choice shows."""
    initial: dict[str, Any] = {"version": referral.version}
    if write is Write.SCREEN:
        indicators = [field for field in RISK_INDICATORS if getattr(referral, field)]
        return ScreeningForm(data, initial={**initial, "indicators": indicators}), []
    if write is Write.REVIEW:
        return ReviewForm(data, initial=initial), []
    if write is Write.SIGN_OFF:
        return SignOffForm(data, initial=initial), []
    if write is Write.INFORMATION:
        return InformationForm(data, initial=initial), []
    alliance = referral.child.alliance
    fits = offers_for(referral, today=clock.today())
    # Advice and signposting: the wider services for someone of the child's age today.
    directory = DirectoryService.objects.fitting_age(referral.child.age_on(clock.today()))
    form = DecisionForm(
        data,
        initial=initial,
        offers=Offer.objects.filter(pk__in=[fit.offer.pk for fit in fits]),
        services=external_services(alliance).order_by("name"),
        directory=directory.filter(alliance=alliance),
        full={fit.offer.pk: fit.capacity_words for fit in fits if fit.over_capacity},
    )
    return form, fits


def _form_page(
    request: HttpRequest,
    referral: Referral,
    write: Write,
    form: forms.Form,
    fits: list[OfferFit] | None = None,
) -> HttpResponse:
    """A write's page: its form, empty (GET) or with its errors (POST); a write that does not
    apply to the referral now goes back to the page, saying why."""
    if not form.is_bound:
        why = refusal(write, referral, waiting_decision=_waiting(referral) is not None)
        if why:
            messages.info(request, f"{why}.")
            return redirect("triage:referral", referral_uuid=referral.uuid)
    return _page(request, referral, write, form, fits=fits or [])


def _refused(
    request: HttpRequest,
    referral: Referral,
    write: Write,
    form: forms.Form,
    problem: Conflict | ValidationError,
    fits: list[OfferFit] | None = None,
) -> HttpResponse:
    """The action refused: the page again, with what was typed. A stale page shows the
    referral as it is now, and what they typed on its current version, to send again (or
    not) having seen what changed."""
    if isinstance(problem, Conflict):
        _on_version(form, referral.version)
        return _page(request, referral, write, form, fits=fits or [], conflict=problem)
    form.add_error(None, problem.messages[0])
    return _page(request, referral, write, form, fits=fits or [])


def _saved(request: HttpRequest, referral: Referral, write: Write) -> HttpResponse:
    messages.success(request, DONE[write])
    return redirect("triage:referral", referral_uuid=referral.uuid)


def _on_version(form: forms.Form, version: int) -> None:
    """`form` keeps what was posted, but on the referral's current version."""
    posted = form.data
    assert isinstance(posted, QueryDict)  # a bound form of this page is bound to its POST
    data = posted.copy()
    data["version"] = str(version)
    form.data = data


def _page(
    request: HttpRequest,
    referral: Referral,
    write: Write | None,
    form: forms.Form | None,
    *,
    fits: list[OfferFit] | None = None,
    conflict: Conflict | None = None,
) -> HttpResponse:
    user = signed_in_user(request)
    waiting = _waiting(referral)
    writes = open_writes(user, referral, waiting_decision=waiting is not None)
    if conflict is not None and write not in writes:
        form = None  # it no longer applies: the conflict says what happened instead
    has_errors = conflict is not None or bool(form is not None and form.errors)
    context = {
        "referral": referral,
        "child": referral.child,
        "summary": summary_of(user, referral, today=clock.today()),
        "write": write if form is not None else None,
        "form": form,
        "fits": fits or [],
        "outcome_fields": OUTCOME_FIELDS,
        "links": [
            (reverse(f"triage:{other}", args=[referral.uuid]), _link(other, referral))
            for other in writes
            if form is None or other != write
        ],
        "conflict": conflict,
        "conflict_detail": f"What changed: {conflict.latest.summary}"
        if conflict and conflict.latest
        else "",
        "waiting_decision": waiting,
        "asked": referral.decisions.exclude(information_requested="").first(),
        "screenings": referral.screenings.select_related("screened_by")[:5],
        "decisions": referral.decisions.exclude(
            sign_off=TriageDecision.SignOff.WAITING
        ).select_related("offer", "receiving_service", "decided_by", "signed_off_by")[:5],
        "can_sign_off": user.role == Role.CLINICAL_LEAD,
        "has_errors": has_errors,
        "coordinator_needed": _coordinator_needed(referral),
        "place_held": _place_held(referral),
        "joined": referral.joined.order_by("received_at", "pk"),
        "may_undo_match": may_undo(referral),
    }
    status = 409 if conflict else 400 if has_errors else 200
    return render(request, "triage/referral.html", context, status=status)


def _link(write: Write, referral: Referral) -> str:
    if write is Write.SCREEN and referral.risk_rating:
        return "Screen the risk again"
    return LINKS[write]


def _place_held(referral: Referral) -> Referral | None:
    """Where the child already waits, while this referral could still be allocated: the page
    says so before the allocation is refused, by the rule that would refuse it."""
    if referral.status not in TRIAGE_STATES:
        return None
    return place_held(referral.child_id, besides=referral)


def _coordinator_needed(referral: Referral) -> bool:
    """A young adult (a care leaver aged 18 to 25) with no named care coordinator: the page
    says so before the allocation is refused, by the same gate that would refuse it."""
    if referral.status not in TRIAGE_STATES:
        return False
    try:
        require_named_coordinator(referral)
    except ValidationError:
        return True
    return False
