"""The triage queue page (with the Referral and Advice Point's desk beside it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from onedoor import clock
from onedoor.access.policy import Do
from onedoor.access.records import get_referral_for_user, referrals_visible_to
from onedoor.accounts.decorators import roles_required
from onedoor.accounts.models import User
from onedoor.accounts.navigation import roles_for
from onedoor.accounts.roles import TRIAGE_TEAM, Role
from onedoor.alliance.models import (
    DirectoryService,
    EscalationLevel,
    Offer,
    Organisation,
    PriorityGroup,
)
from onedoor.care.records import handovers_to
from onedoor.care.young_adults import require_named_coordinator
from onedoor.clock.calendar import ENGLAND_AND_WALES, TimeLeft, time_left
from onedoor.referrals.joins import may_undo
from onedoor.referrals.models import RISK_INDICATORS, MatchStatus, Referral, Source, Status
from onedoor.referrals.places import place_held
from onedoor.referrals.states import Conflict
from onedoor.triage import signposted
from onedoor.triage.actions import (
    accept_allocation,
    decline_allocation,
    information_received,
    record_decision,
    require_current,
    review_red,
    screen_risk,
    sign_off,
)
from onedoor.triage.complex_cases import decisions_for, record_complex_decision
from onedoor.triage.escalation import open_escalations
from onedoor.triage.forms import (
    AnswerForm,
    DecisionForm,
    InformationForm,
    ReviewForm,
    ScreeningForm,
    SignOffForm,
)
from onedoor.triage.models import ComplexDecision, TriageDecision
from onedoor.triage.offers import offers_for
from onedoor.triage.queue import AGE_BANDS, STATE_FILTERS, TRIAGE_STATES, Filters, page_of

MATCHES_SHOWN = 50


@dataclass(frozen=True)
class Row:
    referral: Referral
    clock: TimeLeft


@roles_required(*roles_for("web:triage"))
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    filters = Filters.from_query(request.GET.dict())
    page = page_of(user, filters, request.GET.get("after", ""))
    now = clock.now()
    rows = [
        Row(
            referral,
            time_left(
                due=referral.triage_due_at,
                now=now,
                calendar=ENGLAND_AND_WALES,
                paused=referral.status == "more_information",
            ),
        )
        for referral in page.rows
        if referral.triage_due_at is not None and filters.state != Status.SIGNPOSTED
    ]
    to_check = (
        referrals_visible_to(user)
        .filter(match_status=MatchStatus.POSSIBLE)
        .select_related("child")
        .order_by("received_at", "pk")[:MATCHES_SHOWN]
    )
    context = {
        "rows": rows,
        "signposted": signposted.rows(page.rows) if filters.state == Status.SIGNPOSTED else [],
        "filters": filters,
        "next_query": page.next_query(request),
        "first_page": page.first,
        "to_check": to_check,
        "shown": MATCHES_SHOWN,
        "sources": Source.choices,
        "states": [(state.value, state.label) for state in STATE_FILTERS],
        "age_bands": list(AGE_BANDS),
        "groups": PriorityGroup.objects.filter(
            alliance__organisations=user.organisation
        ).values_list("slug", "name"),
        "partners": Organisation.objects.filter(
            alliance__organisations=user.organisation, kind=Organisation.Kind.PARTNER
        ).values_list("slug", "name"),
    }
    return render(request, "triage/queue.html", context)


@roles_required(*TRIAGE_TEAM)
@require_http_methods(["GET", "POST"])
def triage_referral(request: HttpRequest, referral_uuid: UUID) -> HttpResponse:
    """One referral in triage: screen the risk, review red, decide, sign off."""
    user = request.user
    assert isinstance(user, User)
    action = Do.CHANGE if request.method == "POST" else Do.VIEW
    referral = get_referral_for_user(user, referral_uuid, action)
    posted = request.POST.get("form", "") if request.method == "POST" else ""
    data = request.POST if posted else None
    offers = Offer.objects.filter(organisation__alliance=referral.child.alliance, active=True)
    services = Organisation.objects.filter(
        alliance=referral.child.alliance, kind=Organisation.Kind.EXTERNAL
    )
    # Advice and signposting: the wider services for someone of the child's age today.
    directory = DirectoryService.objects.fitting_age(referral.child.age_on(clock.today()))
    directory = directory.filter(alliance=referral.child.alliance)
    indicators = [field for field in RISK_INDICATORS if getattr(referral, field)]
    initial = {"version": referral.version}
    forms_ = {
        "screen": ScreeningForm(
            data if posted == "screen" else None, initial={**initial, "indicators": indicators}
        ),
        "review": ReviewForm(data if posted == "review" else None, initial=initial),
        "information": InformationForm(data if posted == "information" else None, initial=initial),
        "decide": DecisionForm(
            data if posted == "decide" else None,
            initial=initial,
            offers=offers,
            services=services,
            directory=directory,
        ),
        "sign_off": SignOffForm(data if posted == "sign_off" else None, initial=initial),
    }
    conflict: Conflict | None = None
    if posted in forms_ and forms_[posted].is_valid():
        form = forms_[posted]
        values = form.cleaned_data
        try:
            _act(user, referral, posted, values)
            messages.success(request, DONE[posted])
            return redirect("triage:referral", referral_uuid=referral.uuid)
        except Conflict as changed:
            conflict = changed
            # The page now shows the referral as it is; what they typed is kept, on the
            # current version, to decide again (or not) having seen what changed.
            _on_version(form, referral.version)
        except ValidationError as error:
            form.add_error(None, error.messages[0])
    waiting = referral.decisions.filter(sign_off=TriageDecision.SignOff.WAITING).first()
    context = {
        "referral": referral,
        "child": referral.child,
        "forms": forms_,
        "conflict": conflict,
        "conflict_detail": f"What changed: {conflict.latest.summary}"
        if conflict and conflict.latest
        else "",
        "waiting_decision": waiting,
        "fits": offers_for(referral, today=clock.today()),
        "screenings": referral.screenings.select_related("screened_by")[:5],
        "can_sign_off": user.role == Role.CLINICAL_LEAD,
        "has_errors": any(f.errors for f in forms_.values()) or conflict is not None,
        "coordinator_needed": _coordinator_needed(referral),
        "place_held": _place_held(referral),
        "joined": referral.joined.order_by("received_at", "pk"),
        "may_undo_match": may_undo(referral),
    }
    status = 409 if conflict else 400 if context["has_errors"] else 200
    return render(request, "triage/referral.html", context, status=status)


def _on_version(form: forms.Form, version: int) -> None:
    """`form` keeps what was posted, but on the referral's current version."""
    posted = form.data
    assert isinstance(posted, QueryDict)  # a bound form of this page is bound to its POST
    data = posted.copy()
    data["version"] = str(version)
    form.data = data


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


DONE = {
    "screen": "Risk screening saved.",
    "review": "Red rating reviewed.",
    "information": "Information recorded: the referral is back in triage.",
    "decide": "Decision saved.",
    "sign_off": "Sign-off saved.",
}


def _act(user: User, referral: Referral, posted: str, values: dict[str, Any]) -> None:
    version = values["version"]
    require_current(referral, version)  # a stale page is told what changed, before all else
    if posted == "screen":
        screen_risk(
            user=user, referral=referral, version=version, rating=values["rating"],
            indicators=set(values["indicators"]), other_indicators=values["other_indicators"],
            rationale=values["rationale"],
        )  # fmt: skip
    elif posted == "review":
        review_red(user=user, referral=referral, version=version, note=values["note"])
    elif posted == "information":
        information_received(user=user, referral=referral, version=version, note=values["note"])
    elif posted == "decide":
        record_decision(
            user=user, referral=referral, version=version, grouping=values["grouping"],
            outcome=values["outcome"], offer=values["offer"],
            receiving_service=values["receiving_service"], reason=values["reason"],
            materials_sent=values["materials_sent"],
            information_requested=values["information_requested"],
            information_due=values["information_due"], complex=values["complex"],
            signposted=values["signposted"],
        )  # fmt: skip
    elif posted == "sign_off":
        decision = referral.decisions.filter(sign_off=TriageDecision.SignOff.WAITING).first()
        if decision is None:
            raise ValidationError("There is no decision waiting for sign-off")
        sign_off(
            user=user, decision=decision, version=version, approve=values["approve"] == "yes",
            note=values["note"],
        )  # fmt: skip


@roles_required(*roles_for("triage:incoming"))
@require_http_methods(["GET", "POST"])
def incoming(request: HttpRequest) -> HttpResponse:
    """The partner's incoming allocations: accept, or decline back to triage; and the
    handovers from other partners waiting for its answer (answered on their own page)."""
    user = request.user
    assert isinstance(user, User)
    problem: str = ""
    if request.method == "POST":
        try:
            referral_uuid = UUID(request.POST.get("referral", ""))
        except ValueError as error:
            raise Http404("No such referral") from error
        referral = get_referral_for_user(user, referral_uuid, Do.CHANGE)
        form = AnswerForm(request.POST)
        if form.is_valid():
            try:
                if form.cleaned_data["answer"] == "accept":
                    accept_allocation(
                        user=user, referral=referral, version=form.cleaned_data["version"]
                    )
                    messages.success(request, f"Accepted {referral.reference_display}.")
                else:
                    decline_allocation(
                        user=user, referral=referral, version=form.cleaned_data["version"],
                        reason=form.cleaned_data["reason"],
                    )  # fmt: skip
                    messages.success(
                        request, f"Declined {referral.reference_display}: back to triage."
                    )
                return redirect("triage:incoming")
            except (ValidationError, Conflict) as error:
                problem = error.messages[0] if isinstance(error, ValidationError) else str(error)
        else:
            problem = str(next(iter(form.errors.values()))[0])
    allocated = (
        referrals_visible_to(user, Do.CHANGE)
        .filter(status="allocated", allocated_organisation=user.organisation)
        .select_related("child", "allocated_offer")
        .order_by("allocated_at", "pk")[:200]
    )
    return render(
        request,
        "triage/incoming.html",
        {"allocated": allocated, "handovers": handovers_to(user)[:200], "problem": problem},
        status=400 if problem else 200,
    )


@roles_required(Role.CLINICAL_LEAD)
@require_GET
def escalations(request: HttpRequest) -> HttpResponse:
    """Every open escalation in the alliance, its owner and its age."""
    user = request.user
    assert isinstance(user, User) and user.organisation is not None
    now = clock.now()
    rows = [
        (item, time_left(due=item.since, now=now, calendar=ENGLAND_AND_WALES))
        for item in open_escalations(user)
    ]
    levels = dict(
        EscalationLevel.objects.filter(alliance_id=user.organisation.alliance_id).values_list(
            "level", "name"
        )
    )
    return render(request, "triage/escalations.html", {"rows": rows, "levels": levels})


class ComplexDecisionForm(forms.Form):
    kind = forms.ChoiceField(
        label="What the decision is about", choices=ComplexDecision.Kind.choices,
        widget=forms.RadioSelect, error_messages={"required": "Choose what the decision is about"},
    )  # fmt: skip
    decision = forms.CharField(
        label="Decision", max_length=4000, widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Write the decision"},
    )  # fmt: skip
    rationale = forms.CharField(
        label="Rationale", max_length=8000, widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "Write the rationale"},
    )  # fmt: skip


@roles_required(Role.CLINICAL_LEAD)
@require_http_methods(["GET", "POST"])
def complex_decisions(request: HttpRequest, referral_uuid: UUID) -> HttpResponse:
    """The clinical lead's decisions on a complex case, and a new one."""
    user = request.user
    assert isinstance(user, User)
    referral = get_referral_for_user(user, referral_uuid)
    form = ComplexDecisionForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            record_complex_decision(user=user, referral=referral, **form.cleaned_data)
            messages.success(request, "Decision recorded. It is on the child's timeline.")
            return redirect("web:complex_decisions", referral_uuid=referral.uuid)
        except ValidationError as error:
            form.add_error(None, error.messages[0])
    context = {
        "referral": referral,
        "child": referral.child,
        "form": form,
        "decisions": decisions_for(user, referral)[:50],
    }
    return render(
        request, "triage/complex_decisions.html", context, status=400 if form.errors else 200
    )
