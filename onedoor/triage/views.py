"""The triage queue page (with the Referral and Advice Point's desk beside it)."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from onedoor import clock
from onedoor.access.records import get_referral_for_user, referrals_visible_to
from onedoor.accounts.decorators import roles_required
from onedoor.accounts.models import User
from onedoor.accounts.navigation import roles_for
from onedoor.accounts.roles import Role
from onedoor.alliance.models import EscalationLevel, Organisation, PriorityGroup
from onedoor.clock.calendar import ENGLAND_AND_WALES, TimeLeft, time_left
from onedoor.referrals.models import MatchStatus, Referral, Source, Status
from onedoor.triage import signposted
from onedoor.triage.complex_cases import decisions_for, record_complex_decision
from onedoor.triage.escalation import open_escalations
from onedoor.triage.models import ComplexDecision
from onedoor.triage.queue import (
    AGE_BANDS,
    STATE_FILTERS,
    Filters,
    Opened,
    Tag,
    counts_by_state,
    last_opened,
    page_of,
    risk_tag,
)

MATCHES_SHOWN = 50
CLOCK_TAGS = {"amber": "orange"}  # a clock's amber is NHS.UK's orange tag


@dataclass(frozen=True)
class Row:
    """One referral in the queue, as its columns show it."""

    referral: Referral
    clock: TimeLeft
    age: int  # today
    risk: Tag
    opened: Opened | None  # by a triage lead or clinical lead, last

    @property
    def clock_colour(self) -> str:
        return CLOCK_TAGS.get(self.clock.colour, self.clock.colour)


@roles_required(*roles_for("web:triage"))
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    filters = Filters.from_query(request.GET.dict())
    page = page_of(user, filters, request.GET.get("after", ""))
    now, today = clock.now(), clock.today()
    in_triage = [
        referral
        for referral in page.rows
        if referral.triage_due_at is not None and filters.state != Status.SIGNPOSTED
    ]
    opened = last_opened(in_triage)
    rows = [
        Row(
            referral,
            time_left(
                due=referral.triage_due_at,
                now=now,
                calendar=ENGLAND_AND_WALES,
                paused=referral.status == "more_information",
            ),
            age=referral.child.age_on(today),
            risk=risk_tag(referral),
            opened=opened.get(referral.uuid),
        )
        for referral in in_triage
        if referral.triage_due_at is not None  # for the type checker: filtered above
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
        # How many in each state, by the other filters chosen: links to that state.
        "counts": [
            (count, filters.query(state=count.state)) for count in counts_by_state(user, filters)
        ],
        "all_query": filters.query(state=""),
        "signposted_query": filters.query(state=Status.SIGNPOSTED),
        "age_bands": list(AGE_BANDS),
        "groups": PriorityGroup.objects.filter(
            alliance__organisations=user.organisation
        ).values_list("slug", "name"),
        "partners": Organisation.objects.filter(
            alliance__organisations=user.organisation, kind=Organisation.Kind.PARTNER
        ).values_list("slug", "name"),
    }
    return render(request, "triage/queue.html", context)


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
