"""Case audits' pages: the rounds, starting one, a round with its sample and figures,
scoring a sampled record, and compliance over time. Each view parses, fetches through
`records`, calls at most one action and renders."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from onedoor import clock
from onedoor.accounts.decorators import roles_required, signed_in_user
from onedoor.accounts.models import User
from onedoor.alliance.models import AuditCriterion, Organisation
from onedoor.case_audits import actions
from onedoor.case_audits.compliance import Figure, figures
from onedoor.case_audits.forms import ActionForm, RoundForm, ScoreForm
from onedoor.case_audits.models import AuditCase, AuditRound, Result
from onedoor.case_audits.records import (
    AUDITORS,
    READERS,
    cases_visible_to,
    get_action_for_user,
    get_case_for_user,
    get_round_for_user,
    own_organisations,
    round_actions,
    round_criteria,
    round_organisations,
    rounds_visible_to,
)
from onedoor.governance.records import STAFF, action_owners
from onedoor.paging import Keyset

ROUNDS_COMPARED = 6
LATEST_STARTED = Keyset(("-started_at", "-pk"), size=25)


def _audited_organisations(user: User) -> Any:
    assert user.organisation is not None
    return Organisation.objects.filter(
        alliance_id=user.organisation.alliance_id, active=True, kind__in=actions.AUDITED_KINDS
    ).order_by("name")


@roles_required(*READERS)
@require_GET
def rounds(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    own = own_organisations(user)
    mine = Q() if own is None else Q(cases__organisation_id__in=own)
    visible = rounds_visible_to(user).annotate(
        sampled=Count("cases", filter=mine),
        scored=Count("cases", filter=mine & Q(cases__scored_at__isnull=False)),
    )
    page = LATEST_STARTED.page(visible, request.GET.get("after", ""))
    context = {
        "rows": page.rows,
        "next_query": page.next_query(request),
        "first_page": page.first,
        "may_run": user.role in AUDITORS,
    }
    return render(request, "case_audits/rounds.html", context)


@roles_required(*AUDITORS)
@require_http_methods(["GET", "POST"])
def new_round(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    assert user.organisation is not None
    organisations = _audited_organisations(user)
    initial = {
        "sample_size": user.organisation.alliance.audit_sample_size,
        "organisations": list(organisations),
    }
    form = RoundForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        organisations=organisations,
    )
    if form.is_valid():
        values = form.cleaned_data
        try:
            started = actions.start_round(
                user=user, title=values["title"], allocated_from=values["allocated_from"],
                allocated_to=values["allocated_to"], organisations=list(values["organisations"]),
                sample_size=values["sample_size"], seed=values["seed"],
            )  # fmt: skip
        except ValidationError as error:
            form.add_error(None, error.messages[0])
        else:
            messages.success(request, f"Audit round started with seed {started.seed}.")
            return redirect("case_audits:round", uuid=started.uuid)
    status = 400 if form.errors else 200
    return render(request, "case_audits/new_round.html", {"form": form}, status=status)


@dataclass(frozen=True)
class CaseRow:
    case: AuditCase
    results: list[str]  # in the order of the round's criteria; "" where not yet scored


@dataclass(frozen=True)
class Line:
    """One row of a compliance table: a label and a figure per column (None: nothing)."""

    label: str
    cells: list[Figure | None]


def _case_rows(cases: list[AuditCase], criteria: list[AuditCriterion]) -> list[CaseRow]:
    labels = dict(Result.choices)
    rows = []
    for case in cases:
        found = {score.criterion_id: score.result for score in case.scores.all()}
        rows.append(CaseRow(case, [labels.get(found.get(c.pk, ""), "") for c in criteria]))
    return rows


def _round_context(user: User, audit_round: AuditRound) -> dict[str, Any]:
    criteria = round_criteria(audit_round)
    organisations = round_organisations(user, audit_round)
    cases = list(cases_visible_to(user, audit_round))
    found = figures([audit_round.pk], own_organisations(user))
    columns = [*criteria, None]  # each criterion, then all of them
    lines = [
        Line(o.name, [found.get((audit_round.pk, o.pk, c.pk if c else None)) for c in columns])
        for o in organisations
    ]
    if own_organisations(user) is None:
        lines.append(
            Line(
                "All organisations",
                [found.get((audit_round.pk, None, c.pk if c else None)) for c in columns],
            )
        )
    return {
        "round": audit_round,
        "criteria": criteria,
        "rows": _case_rows(cases, criteria),
        "unscored": sum(1 for case in cases if case.scored_at is None),
        "lines": lines,
        "actions": list(round_actions(user, audit_round)),
        "may_run": user.role in AUDITORS and audit_round.closed_at is None,
    }


def _action_form(user: User, audit_round: AuditRound, data: Any = None) -> ActionForm:
    return ActionForm(
        data,
        organisations=audit_round.organisations.order_by("name"),
        owners=action_owners(user),
    )


@roles_required(*READERS)
@require_GET
def round_page(request: HttpRequest, uuid: UUID) -> HttpResponse:
    user = signed_in_user(request)
    audit_round = get_round_for_user(user, uuid)
    context = _round_context(user, audit_round)
    if context["may_run"]:
        context["action_form"] = _action_form(user, audit_round)
    return render(request, "case_audits/round.html", context)


@roles_required(*AUDITORS)
@require_POST
def add_action(request: HttpRequest, uuid: UUID) -> HttpResponse:
    user = signed_in_user(request)
    audit_round = get_round_for_user(user, uuid)
    form = _action_form(user, audit_round, request.POST)
    if form.is_valid():
        values = form.cleaned_data
        try:
            actions.add_action(
                user=user, audit_round=audit_round, action=values["action"],
                owner=values["owner"], due_on=values["due_on"],
                organisation=values["organisation"],
            )  # fmt: skip
        except ValidationError as error:
            form.add_error(None, error.messages[0])
        else:
            messages.success(request, "Action recorded.")
            return redirect("case_audits:round", uuid=audit_round.uuid)
    context = {**_round_context(user, audit_round), "action_form": form}
    return render(request, "case_audits/round.html", context, status=400)


@roles_required(*AUDITORS)
@require_POST
def close_round(request: HttpRequest, uuid: UUID) -> HttpResponse:
    user = signed_in_user(request)
    audit_round = get_round_for_user(user, uuid)
    try:
        actions.close_round(user=user, audit_round=audit_round)
        messages.success(request, "Audit round closed: its figures are final.")
    except ValidationError as error:
        messages.error(request, error.messages[0])
    return redirect("case_audits:round", uuid=audit_round.uuid)


@roles_required(*STAFF)
@require_GET
def action_page(request: HttpRequest, action_uuid: UUID) -> HttpResponse:
    """One action from a round, for its owner: what, for whom, by when; no records."""
    user = signed_in_user(request)
    found = get_action_for_user(user, action_uuid)
    may_mark = found.done_at is None and (found.owner_id == user.pk or user.role in AUDITORS)
    may_read_round = rounds_visible_to(user).filter(pk=found.round_id).exists()
    context = {"action": found, "may_mark": may_mark, "may_read_round": may_read_round}
    return render(request, "case_audits/action.html", context)


@roles_required(*STAFF)
@require_POST
def action_done(request: HttpRequest, action_uuid: UUID) -> HttpResponse:
    user = signed_in_user(request)
    found = get_action_for_user(user, action_uuid)
    try:
        actions.mark_action_done(user=user, action=found)
        messages.success(request, "Action marked done.")
    except ValidationError as error:
        messages.error(request, error.messages[0])
    return redirect("case_audits:action", action_uuid=found.uuid)


@roles_required(*AUDITORS)
@require_http_methods(["GET", "POST"])
def score_case(request: HttpRequest, uuid: UUID, case_uuid: UUID) -> HttpResponse:
    user = signed_in_user(request)
    case = get_case_for_user(user, uuid, case_uuid)
    audit_round = case.round
    criteria = round_criteria(audit_round)
    scores = {score.criterion_id: score.result for score in case.scores.all()}
    initial = {**ScoreForm.initial_for(criteria, scores), "comment": case.comment}
    form = ScoreForm(
        request.POST if request.method == "POST" else None, initial=initial, criteria=criteria
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.score_case(
                user=user, case=case, results=form.results(), comment=form.cleaned_data["comment"]
            )
        except ValidationError as error:
            form.add_error(None, error.messages[0])
        else:
            messages.success(request, f"Scores saved for {case.referral.reference_display}.")
            return redirect("case_audits:round", uuid=audit_round.uuid)
    context = {"form": form, "case": case, "round": audit_round}
    return render(request, "case_audits/score.html", context, status=400 if form.errors else 200)


@roles_required(*READERS)
@require_GET
def compliance(request: HttpRequest) -> HttpResponse:
    """Compliance per organisation and criterion, over the latest rounds, oldest first."""
    user = signed_in_user(request)
    own = own_organisations(user)
    compared = list(rounds_visible_to(user).order_by("-started_at", "-pk")[:ROUNDS_COMPARED])
    compared.reverse()
    ids = [r.pk for r in compared]
    organisations = Organisation.objects.filter(audit_rounds__in=ids).distinct().order_by("name")
    if own is not None:
        organisations = organisations.filter(pk__in=own)
    criteria = list(
        AuditCriterion.objects.filter(audit_rounds__in=ids).distinct().order_by("position", "pk")
    )
    found = figures(ids, own)
    tables = []
    for criterion in [*criteria, None]:
        key = criterion.pk if criterion else None
        lines = [
            Line(o.name, [found.get((r, o.pk, key)) for r in ids]) for o in list(organisations)
        ]
        if own is None:
            lines.append(Line("All organisations", [found.get((r, None, key)) for r in ids]))
        tables.append((criterion.name if criterion else "All criteria", lines))
    context = {"rounds": compared, "tables": tables, "today": clock.today()}
    return render(request, "case_audits/compliance.html", context)
