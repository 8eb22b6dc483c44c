"""Clinical governance's pages: supervision records and their compliance, incidents and
their review, and the learning log. Each view parses, fetches through `records`, calls at
most one action and renders."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from onedoor import clock
from onedoor.access.records import referrals_visible_to
from onedoor.accounts.decorators import roles_required, signed_in_user
from onedoor.accounts.roles import Role
from onedoor.governance import actions
from onedoor.governance.compliance import due_on, is_overdue, supervisees
from onedoor.governance.forms import IncidentForm, PracticeChangeForm, ReviewForm, SupervisionForm
from onedoor.governance.records import (
    COMPLIANCE_READERS,
    STAFF,
    SUPERVISION_READERS,
    SUPERVISORS,
    action_owners,
    get_incident_for_user,
    get_supervision_for_user,
    incidents_visible_to,
    learning_log,
    linked_referral,
    supervisable_by,
    supervision_visible_to,
)
from onedoor.paging import Keyset

COMPLIANCE_PAGES = Keyset(("pk",), size=50)
LATEST_HELD = Keyset(("-held_on", "-pk"), size=25)
LATEST_REPORTED = Keyset(("-reported_at", "-pk"), size=25)
LATEST_SHARED = Keyset(("-shared_at", "-pk"), size=25)


def _paged(request: HttpRequest, page: Any, **context: Any) -> dict[str, Any]:
    return {
        "rows": page.rows,
        "next_query": page.next_query(request),
        "first_page": page.first,
        **context,
    }


def _form_page(
    request: HttpRequest, template: str, form: Any, save: Callable[[], object], **context: Any
) -> HttpResponse | None:
    """Run `save` for a valid form; a refusal becomes a form error. None means saved."""
    if form.is_valid():
        try:
            save()
            return None
        except ValidationError as error:
            form.add_error(None, error.messages[0])
    status = 400 if form.errors else 200
    return render(request, template, {"form": form, **context}, status=status)


# Clinical supervision


@roles_required(*SUPERVISION_READERS)
@require_GET
def supervision_list(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    page = LATEST_HELD.page(supervision_visible_to(user), request.GET.get("after", ""))
    context = _paged(request, page, may_record=user.role in SUPERVISORS)
    return render(request, "governance/supervision_list.html", context)


@roles_required(*SUPERVISORS)
@require_http_methods(["GET", "POST"])
def new_supervision(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    form = SupervisionForm(
        request.POST if request.method == "POST" else None,
        people=supervisable_by(user),
        cases=referrals_visible_to(user),
    )

    def save() -> object:
        values = form.cleaned_data
        return actions.record_supervision(
            user=user, practitioner=values["practitioner"], held_on=values["held_on"],
            cases=values["cases"], actions=values["actions"], reflections=values["reflections"],
        )  # fmt: skip

    response = _form_page(request, "governance/supervision_new.html", form, save)
    if response is not None:
        return response
    messages.success(request, "Supervision recorded.")
    return redirect("governance:supervision")


@roles_required(*SUPERVISION_READERS)
@require_GET
def supervision_record(request: HttpRequest, uuid: UUID) -> HttpResponse:
    found = get_supervision_for_user(signed_in_user(request), uuid)
    return render(request, "governance/supervision_record.html", {"supervision": found})


@roles_required(*COMPLIANCE_READERS)
@require_GET
def compliance(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    today = clock.today()
    assert user.organisation is not None
    every = user.organisation.alliance.supervision_every_days
    overdue_only = request.GET.get("show") == "overdue"
    people = supervisees(user, today, overdue_only=overdue_only)
    page = COMPLIANCE_PAGES.page(people, request.GET.get("after", ""))
    rows = [
        {
            "person": person,
            "last": person.last_supervised,  # type: ignore[attr-defined]
            "due": due_on(person.last_supervised, every),  # type: ignore[attr-defined]
            "overdue": is_overdue(person.last_supervised, today, every),  # type: ignore[attr-defined]
        }
        for person in page.rows
    ]
    context = _paged(request, page, every=every, overdue_only=overdue_only)
    context["rows"] = rows
    return render(request, "governance/compliance.html", context)


# Incidents and the learning log


@roles_required(*STAFF)
@require_GET
def incident_list(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    incidents = incidents_visible_to(user).select_related("organisation")
    page = LATEST_REPORTED.page(incidents, request.GET.get("after", ""))
    return render(request, "governance/incident_list.html", _paged(request, page))


@roles_required(*STAFF)
@require_http_methods(["GET", "POST"])
def report_incident(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    visible = referrals_visible_to(user).select_related("child")
    form = IncidentForm(request.POST if request.method == "POST" else None, visible=visible)
    reported: list[Any] = []

    def save() -> object:
        values = form.cleaned_data
        incident = actions.report_incident(
            user=user, kind=values["kind"], severity=values["severity"], title=values["title"],
            what_happened=values["what_happened"], occurred_on=values["occurred_on"],
            referral=values["referral"],
        )  # fmt: skip
        reported.append(incident)
        return incident

    response = _form_page(request, "governance/incident_new.html", form, save)
    if response is not None:
        return response
    messages.success(request, "Incident reported. The clinical lead will review it.")
    return redirect("governance:incident", uuid=reported[0].uuid)


@roles_required(*STAFF)
@require_GET
def incident(request: HttpRequest, uuid: UUID) -> HttpResponse:
    user = signed_in_user(request)
    found = get_incident_for_user(user, uuid)
    context = {
        "incident": found,
        "referral": linked_referral(user, found),
        "changes": found.changes.select_related("owner"),  # type: ignore[attr-defined]
        "may_review": user.role == Role.CLINICAL_LEAD,
    }
    return render(request, "governance/incident.html", context)


@roles_required(Role.CLINICAL_LEAD)
@require_http_methods(["GET", "POST"])
def review_incident(request: HttpRequest, uuid: UUID) -> HttpResponse:
    user = signed_in_user(request)
    found = get_incident_for_user(user, uuid)
    initial = {"findings": found.findings, "lessons": found.lessons}
    form = ReviewForm(request.POST if request.method == "POST" else None, initial=initial)

    def save() -> object:
        values = form.cleaned_data
        return actions.review_incident(
            user=user, incident=found, findings=values["findings"], lessons=values["lessons"]
        )

    response = _form_page(request, "governance/incident_review.html", form, save, incident=found)
    if response is not None:
        return response
    messages.success(request, "Review saved.")
    return redirect("governance:incident", uuid=found.uuid)


@roles_required(Role.CLINICAL_LEAD)
@require_http_methods(["GET", "POST"])
def add_practice_change(request: HttpRequest, uuid: UUID) -> HttpResponse:
    user = signed_in_user(request)
    found = get_incident_for_user(user, uuid)
    owners = action_owners(user)
    form = PracticeChangeForm(request.POST if request.method == "POST" else None, owners=owners)

    def save() -> object:
        values = form.cleaned_data
        return actions.add_practice_change(
            user=user, incident=found, change=values["change"], owner=values["owner"],
            due_on=values["due_on"],
        )  # fmt: skip

    response = _form_page(request, "governance/practice_change.html", form, save, incident=found)
    if response is not None:
        return response
    messages.success(request, "Practice change recorded.")
    return redirect("governance:incident", uuid=found.uuid)


def _step(request: HttpRequest, uuid: UUID, step: Callable[..., object], done: str) -> HttpResponse:
    user = signed_in_user(request)
    found = get_incident_for_user(user, uuid)
    try:
        step(user=user, incident=found)
        messages.success(request, done)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    return redirect("governance:incident", uuid=found.uuid)


@roles_required(Role.CLINICAL_LEAD)
@require_POST
def close_incident(request: HttpRequest, uuid: UUID) -> HttpResponse:
    return _step(request, uuid, actions.close_incident, "Incident closed.")


@roles_required(Role.CLINICAL_LEAD)
@require_POST
def share_learning(request: HttpRequest, uuid: UUID) -> HttpResponse:
    return _step(request, uuid, actions.share_learning, "Lessons shared on the learning log.")


@roles_required(*STAFF)
@require_GET
def learning(request: HttpRequest) -> HttpResponse:
    page = LATEST_SHARED.page(learning_log(signed_in_user(request)), request.GET.get("after", ""))
    return render(request, "governance/learning.html", _paged(request, page))
