"""The measures page of a child's care record, each write on its own page (choose and record
a measure, send a link, mark a response reviewed), and the public page a link opens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from onedoor import clock
from onedoor.access.policy import Do
from onedoor.access.records import can_change_care, care_records_visible_to, get_referral_for_user
from onedoor.accounts.decorators import any_signed_in, signed_in_user
from onedoor.accounts.models import User
from onedoor.outcomes.actions import (
    complete_by_link,
    invite,
    record_response,
    review_response,
    usable_invitation,
)
from onedoor.outcomes.chart import Chart, line_chart
from onedoor.outcomes.forms import InviteForm, measure_form, recipients
from onedoor.outcomes.measures import Measure, all_measures, get_measure
from onedoor.outcomes.models import MeasureResponse, Respondent
from onedoor.outcomes.scoring import Change, Reason, Result, reliable_change
from onedoor.referrals.models import Referral


@dataclass(frozen=True)
class Row:
    response: MeasureResponse
    measure_name: str
    result: Result
    reasons: tuple[str, ...]  # why it needs a review, in words


@dataclass(frozen=True)
class History:
    """One measure's responses for this child, oldest first, with the chart and the change."""

    measure: Measure
    rows: tuple[Row, ...]
    chart: Chart
    changes: tuple[Change, ...]


def _histories(responses: list[MeasureResponse]) -> list[History]:
    by_measure: dict[str, list[MeasureResponse]] = {}
    for response in responses:
        by_measure.setdefault(response.measure, []).append(response)
    histories = []
    for slug, group in by_measure.items():
        measure = get_measure(slug)
        if measure is None:
            continue  # a measure an alliance has since removed: its rows stay in the database
        rows = tuple(
            Row(
                r,
                measure.short_name,
                Result.from_json(r.scores),
                tuple(Reason(x).words for x in r.review_reasons),
            )
            for r in group
        )
        taken: list[tuple[datetime, Result]] = [
            (timezone.localtime(row.response.recorded_at), row.result) for row in rows
        ]
        changes = reliable_change(measure, rows[0].result, rows[-1].result) if len(rows) > 1 else ()
        histories.append(History(measure, rows, line_chart(measure, taken), changes))
    return sorted(histories, key=lambda h: h.measure.name)


def _offered(referral: Referral) -> list[Measure]:
    """The measures that fit the child's age today."""
    age = referral.child.age_on(clock.today())
    return [m for m in all_measures().values() if m.fits_age(age)]


@any_signed_in
@require_GET
def measures(request: HttpRequest, referral_uuid: UUID) -> HttpResponse:
    """The child's measures: each one's scores, chart and change, what needs a review, and
    links to record a measure or send a link (for those who may)."""
    user = signed_in_user(request)
    referral = get_referral_for_user(user, referral_uuid)
    responses = list(
        care_records_visible_to(user, MeasureResponse)
        .filter(referral=referral)
        .select_related("recorded_by")
        .order_by("recorded_at", "pk")
    )
    histories = _histories(responses)
    context = {
        "referral": referral,
        "child": referral.child,
        "histories": histories,
        "to_review": [row for h in histories for row in h.rows if _open(row.response)],
        "may_record": can_change_care(user, referral),
    }
    return render(request, "outcomes/measures.html", context)


def _for_recording(request: HttpRequest, referral_uuid: UUID) -> tuple[User, Referral]:
    """The referral, if the user may record its measures: a 404 outside their scope, a 403
    for a reader."""
    user = signed_in_user(request)
    referral = get_referral_for_user(user, referral_uuid)
    if not can_change_care(user, referral):
        raise PermissionDenied("This child is not on your organisation's caseload.")
    return user, referral


@any_signed_in
@require_GET
def choose_measure(request: HttpRequest, referral_uuid: UUID) -> HttpResponse:
    """Which measure to record: those that fit the child's age today."""
    _, referral = _for_recording(request, referral_uuid)
    context = {"referral": referral, "child": referral.child, "offered": _offered(referral)}
    return render(request, "outcomes/choose.html", context)


@any_signed_in
@require_http_methods(["GET", "POST"])
def record_measure(request: HttpRequest, referral_uuid: UUID, slug: str) -> HttpResponse:
    user, referral = _for_recording(request, referral_uuid)
    chosen = get_measure(slug)
    if chosen is None:
        raise Http404("No such measure")
    form = measure_form(chosen, request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            record_response(
                user=user, referral=referral, measure=chosen.slug, answers=form.answers(),
                completed_by=form.cleaned_data["completed_by"],
                risk_declined=form.risk_declined(),
            )  # fmt: skip
            messages.success(request, f"{chosen.short_name} saved.")
            return redirect("outcomes:measures", referral_uuid=referral.uuid)
        except ValidationError as error:
            form.add_error(None, error.messages[0])
    context = {"referral": referral, "child": referral.child, "chosen": chosen, "form": form}
    return render(request, "outcomes/record.html", context, status=400 if form.errors else 200)


@any_signed_in
@require_http_methods(["GET", "POST"])
def invite_view(request: HttpRequest, referral_uuid: UUID) -> HttpResponse:
    """Send the young person or a parent a single-use link to complete a measure."""
    user, referral = _for_recording(request, referral_uuid)
    form = InviteForm(
        request.POST if request.method == "POST" else None,
        measures=[m for m in _offered(referral) if not m.scores_only],
        to=recipients(referral.child),
    )
    if form.is_valid():
        respondent, email = form.respondent_and_email()
        try:
            invite(
                user=user, referral=referral, measure=form.cleaned_data["measure"],
                respondent=respondent, email=email,
            )  # fmt: skip
            messages.success(request, "Link sent. It works once, for 14 days.")
            return redirect("outcomes:measures", referral_uuid=referral.uuid)
        except ValidationError as error:
            form.add_error(None, error.messages[0])
    context = {"referral": referral, "child": referral.child, "form": form}
    return render(request, "outcomes/invite.html", context, status=400 if form.errors else 200)


@any_signed_in
@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, referral_uuid: UUID, response_uuid: UUID) -> HttpResponse:
    """Mark a response that needed a review as reviewed: the task goes."""
    user, referral = _for_recording(request, referral_uuid)
    found = (
        care_records_visible_to(user, MeasureResponse, Do.CHANGE)
        .filter(referral=referral, uuid=response_uuid)
        .first()
    )
    measure = get_measure(found.measure) if found is not None else None
    if found is None or measure is None:
        raise Http404("No such response")
    problem = ""
    if request.method == "POST":
        try:
            review_response(user=user, response=found)
            messages.success(request, "Marked as reviewed.")
            return redirect("outcomes:measures", referral_uuid=referral.uuid)
        except ValidationError as error:
            problem = error.messages[0]
    row = Row(
        found,
        measure.short_name,
        Result.from_json(found.scores),
        tuple(Reason(x).words for x in found.review_reasons),
    )
    context = {
        "referral": referral,
        "child": referral.child,
        "row": row,
        "open": _open(found),
        "problem": problem,
    }
    return render(request, "outcomes/review.html", context, status=400 if problem else 200)


def _open(response: MeasureResponse) -> bool:
    return response.needs_review and response.reviewed_at is None


@login_not_required
@require_http_methods(["GET", "POST"])
def complete(request: HttpRequest, token: str) -> HttpResponse:
    """The public page a link opens: no account needed; it works once, until it expires."""
    invitation = usable_invitation(token)
    measure = get_measure(invitation.measure) if invitation else None
    if invitation is None or measure is None:
        return render(request, "outcomes/link_used.html", status=410)
    form = measure_form(measure, request.POST if request.method == "POST" else None, public=True)
    if request.method == "POST" and form.is_valid():
        try:
            complete_by_link(token=token, answers=form.answers())
        except ValidationError:
            return render(request, "outcomes/link_used.html", status=410)
        return render(request, "outcomes/thanks.html")
    context = {
        "measure": measure,
        "form": form,
        "for_parent": invitation.respondent == Respondent.PARENT,
    }
    return render(request, "outcomes/complete.html", context, status=400 if form.errors else 200)
