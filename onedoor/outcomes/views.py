"""The measures page of a child's care record, and the public page a link opens."""

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
from django.views.decorators.http import require_http_methods

from onedoor import clock
from onedoor.access.policy import Do
from onedoor.access.records import can_change_care, care_records_visible_to, get_referral_for_user
from onedoor.accounts.decorators import any_signed_in
from onedoor.accounts.models import User
from onedoor.outcomes.actions import (
    complete_by_link,
    invite,
    record_response,
    review_response,
    usable_invitation,
)
from onedoor.outcomes.chart import Chart, line_chart
from onedoor.outcomes.forms import InviteForm, MeasureForm, measure_form, recipients
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
@require_http_methods(["GET", "POST"])
def measures(request: HttpRequest, referral_uuid: UUID) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    referral = get_referral_for_user(user, referral_uuid)
    may_record = can_change_care(user, referral)
    posted = request.POST.get("form", "") if request.method == "POST" else ""
    if posted and not may_record:
        raise PermissionDenied("This child is not on your organisation's caseload.")
    offered = _offered(referral)
    chosen = get_measure(request.GET.get("measure", "")) if may_record else None
    form: MeasureForm | None = None
    if chosen is not None:
        form = measure_form(chosen, request.POST if posted == "response" else None)
    invite_form: InviteForm | None = None
    if may_record:
        linkable = [m for m in offered if not m.scores_only]
        invite_form = InviteForm(
            request.POST if posted == "invite" else None,
            measures=linkable,
            to=recipients(referral.child),
        )
    if posted == "response" and form is not None and chosen is not None and form.is_valid():
        try:
            record_response(
                user=user,
                referral=referral,
                measure=chosen.slug,
                answers=form.answers(),
                completed_by=form.cleaned_data["completed_by"],
                risk_declined=form.risk_declined(),
            )
            messages.success(request, f"{chosen.short_name} saved.")
            return redirect("outcomes:measures", referral_uuid=referral.uuid)
        except ValidationError as error:
            form.add_error(None, error.messages[0])
    elif posted == "invite" and invite_form is not None and invite_form.is_valid():
        respondent, email = invite_form.respondent_and_email()
        try:
            invite(
                user=user,
                referral=referral,
                measure=invite_form.cleaned_data["measure"],
                respondent=respondent,
                email=email,
            )
            messages.success(request, "Link sent. It works once, for 14 days.")
            return redirect("outcomes:measures", referral_uuid=referral.uuid)
        except ValidationError as error:
            invite_form.add_error(None, error.messages[0])
    elif posted == "review":
        to_review = (
            care_records_visible_to(user, MeasureResponse, Do.CHANGE)
            .filter(referral=referral, uuid=request.POST.get("response", ""))
            .first()
            if _is_uuid(request.POST.get("response", ""))
            else None
        )
        if to_review is None:
            raise Http404("No such response")
        try:
            review_response(user=user, response=to_review)
            messages.success(request, "Marked as reviewed.")
        except ValidationError as error:
            messages.error(request, error.messages[0])
        return redirect("outcomes:measures", referral_uuid=referral.uuid)
    responses = list(
        care_records_visible_to(user, MeasureResponse)
        .filter(referral=referral)
        .select_related("recorded_by")
        .order_by("recorded_at", "pk")
    )
    histories = _histories(responses)
    has_errors = bool((form and form.errors) or (invite_form and invite_form.errors))
    context = {
        "referral": referral,
        "child": referral.child,
        "histories": histories,
        "to_review": [row for h in histories for row in h.rows if _open(row.response)],
        "may_record": may_record,
        "offered": offered,
        "chosen": chosen,
        "form": form,
        "invite_form": invite_form,
        "has_errors": has_errors,
    }
    return render(request, "outcomes/measures.html", context, status=400 if has_errors else 200)


def _open(response: MeasureResponse) -> bool:
    return response.needs_review and response.reviewed_at is None


def _is_uuid(value: str) -> bool:
    try:
        UUID(value)
    except ValueError:
        return False
    return True


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
