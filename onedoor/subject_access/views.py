"""The clinical lead's subject access pages, under `/governance/subject-access/`: the requests
with their one-month clocks, opening one, the review (every record gathered, each with
"Withhold"), disclosure and the downloads of what was disclosed. One write per address; for
anyone but the clinical lead, every page is a 404 with the denial audited (`records`)."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, IntegerField, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from onedoor import clock
from onedoor.access.search import search
from onedoor.accounts.decorators import signed_in_user
from onedoor.alliance import identity
from onedoor.clock.calendar import ENGLAND_AND_WALES, end_of, time_left
from onedoor.subject_access import actions, archive
from onedoor.subject_access.forms import (
    DiscloseForm,
    FindChildForm,
    OpenRequestForm,
    WithdrawForm,
    WithholdForm,
)
from onedoor.subject_access.gather import Section, fingerprint, gather, keys
from onedoor.subject_access.models import WAITING, Status, SubjectAccessRequest
from onedoor.subject_access.pdf import pdf_of
from onedoor.subject_access.records import (
    for_responders,
    get_child_for_request,
    get_redaction_for_user,
    get_request_for_user,
    requests_visible_to,
)

SHOWN = 200


def _errors(error: ValidationError | PermissionDenied) -> str:
    return " ".join(getattr(error, "messages", [str(error)]))


def _clock(request: SubjectAccessRequest) -> object:
    return time_left(due=end_of(request.due_on), now=clock.now(), calendar=ENGLAND_AND_WALES)


@for_responders
@require_GET
def request_list(request: HttpRequest) -> HttpResponse:
    """Those waiting for a response first, soonest due; then the latest answered."""
    waiting_first = Case(When(status__in=WAITING, then=0), default=1, output_field=IntegerField())
    found = (
        requests_visible_to(signed_in_user(request))
        .select_related("child", "carer")
        .order_by(waiting_first, "due_on", "pk")[:SHOWN]
    )
    rows = [(each, _clock(each) if each.waiting else None) for each in found]
    return render(request, "subject_access/list.html", {"rows": rows})


@for_responders
@require_GET
def find_child(request: HttpRequest) -> HttpResponse:
    form = FindChildForm(request.GET)
    found = None
    if form.is_valid() and form.cleaned_data["q"]:
        found = search(signed_in_user(request), form.cleaned_data["q"], typed=request.GET["q"])
    return render(request, "subject_access/find_child.html", {"form": form, "found": found})


@for_responders
@require_http_methods(["GET", "POST"])
def open_request(request: HttpRequest, child_uuid: UUID) -> HttpResponse:
    user = signed_in_user(request)
    child = get_child_for_request(user, child_uuid)
    carers = list(child.carers.all())
    form = OpenRequestForm(
        request.POST if request.method == "POST" else None, child=child, carers=carers
    )
    if request.method == "POST" and form.is_valid():
        try:
            opened = actions.open_request(
                user=user, child=child, carer=form.carer(),
                requester_name=form.cleaned_data["requester_name"],
                requester_contact=form.cleaned_data["requester_contact"],
                received_on=form.cleaned_data["received_on"],
            )  # fmt: skip
        except (PermissionDenied, ValidationError) as error:
            form.add_error(None, _errors(error))
        else:
            messages.success(request, "Request opened.")
            return redirect("subject_access:request", opened.uuid)
    return render(
        request,
        "subject_access/open.html",
        {"child": child, "form": form},
        status=400 if form.errors else 200,
    )


def _sections(request: HttpRequest, found: SubjectAccessRequest) -> list[Section]:
    return gather(found, signed_in_user(request))


@for_responders
@require_GET
def request_page(request: HttpRequest, request_uuid: UUID) -> HttpResponse:
    """The request, and while it is reviewed every record gathered with its redactions."""
    found = get_request_for_user(signed_in_user(request), request_uuid)
    reviewing = found.status in (Status.GATHERED, Status.REVIEWED)
    sections = _sections(request, found) if reviewing else []
    redactions = list(found.redactions.select_related("redacted_by")) if reviewing else []
    withheld = {(r.record_type, r.record_key, r.field): r for r in redactions}
    shown = [
        {
            "section": section,
            "items": [
                {
                    "item": item,
                    "whole": withheld.get((section.record_type, item.key, "")),
                    "fields": [
                        (field, withheld.get((section.record_type, item.key, field.name)))
                        for field in item.fields
                    ],
                    "withhold": f"{reverse('subject_access:withhold', args=[found.uuid])}?"
                    + urlencode({"record": section.record_type, "id": item.key}),
                }
                for item in section.items
            ],
        }
        for section in sections
    ]
    unreviewed = set(keys(sections)) - set(found.reviewed_items)
    return render(
        request,
        "subject_access/request.html",
        {
            "found": found,
            "clock": _clock(found) if found.waiting else None,
            "sections": shown,
            "redactions": redactions,
            "seen": fingerprint(sections),
            "unreviewed": len(unreviewed) if found.status == Status.REVIEWED else 0,
            "counts": sorted(found.item_counts.items()),
        },
    )


@for_responders
@require_POST
def start_review(request: HttpRequest, request_uuid: UUID) -> HttpResponse:
    found = get_request_for_user(signed_in_user(request), request_uuid)
    try:
        actions.start_review(user=signed_in_user(request), request=found)
    except (PermissionDenied, ValidationError) as error:
        messages.error(request, _errors(error))
    return redirect("subject_access:request", found.uuid)


def _item(sections: list[Section], record_type: str, key: str) -> tuple[Section, object]:
    for section in sections:
        if section.record_type == record_type:
            for item in section.items:
                if item.key == key:
                    return section, item
    raise Http404("No such record")


@for_responders
@require_http_methods(["GET", "POST"])
def withhold(request: HttpRequest, request_uuid: UUID) -> HttpResponse:
    user = signed_in_user(request)
    found = get_request_for_user(user, request_uuid)
    if found.status not in (Status.GATHERED, Status.REVIEWED):
        raise Http404("Not being reviewed")
    section, item = _item(
        _sections(request, found), request.GET.get("record", ""), request.GET.get("id", "")
    )
    form = WithholdForm(request.POST if request.method == "POST" else None, item=item)  # type: ignore[arg-type]
    if request.method == "POST" and form.is_valid():
        try:
            actions.withhold(
                user=user, request=found, section=section, item=item,  # type: ignore[arg-type]
                field=form.field(), reason=form.cleaned_data["reason"],
                reason_text=form.cleaned_data["reason_text"],
            )  # fmt: skip
        except (PermissionDenied, ValidationError) as error:
            form.add_error(None, _errors(error))
        else:
            messages.success(request, "Withheld.")
            return redirect("subject_access:request", found.uuid)
    return render(
        request,
        "subject_access/withhold.html",
        {"found": found, "section": section, "item": item, "form": form},
        status=400 if form.errors else 200,
    )


@for_responders
@require_POST
def remove_redaction(
    request: HttpRequest, request_uuid: UUID, redaction_uuid: UUID
) -> HttpResponse:
    user = signed_in_user(request)
    found = get_request_for_user(user, request_uuid)
    redaction = get_redaction_for_user(user, found, redaction_uuid)
    try:
        actions.remove_redaction(user=user, redaction=redaction)
    except (PermissionDenied, ValidationError) as error:
        messages.error(request, _errors(error))
    else:
        messages.success(request, "The redaction is removed.")
    return redirect("subject_access:request", found.uuid)


@for_responders
@require_POST
def mark_reviewed(request: HttpRequest, request_uuid: UUID) -> HttpResponse:
    user = signed_in_user(request)
    found = get_request_for_user(user, request_uuid)
    try:
        actions.mark_reviewed(
            user=user, request=found, sections=_sections(request, found),
            seen=request.POST.get("seen", ""),
        )  # fmt: skip
    except (PermissionDenied, ValidationError) as error:
        messages.error(request, _errors(error))
    else:
        messages.success(request, "Review complete.")
    return redirect("subject_access:request", found.uuid)


@for_responders
@require_http_methods(["GET", "POST"])
def disclose(request: HttpRequest, request_uuid: UUID) -> HttpResponse:
    user = signed_in_user(request)
    found = get_request_for_user(user, request_uuid)
    ready = found.status == Status.REVIEWED
    form = DiscloseForm(request.POST if request.method == "POST" and ready else None)
    if request.method == "POST" and ready and form.is_valid():
        try:
            actions.disclose(
                user=user, request=found, to=form.cleaned_data["disclosed_to"],
                sections=_sections(request, found),
                service=identity.of(found.alliance).public_name,
            )  # fmt: skip
        except (PermissionDenied, ValidationError) as error:
            form.add_error(None, _errors(error))
        else:
            messages.success(request, "Disclosure recorded.")
            return redirect("subject_access:request", found.uuid)
    return render(
        request,
        "subject_access/disclose.html",
        {"found": found, "form": form if ready else None},
        status=400 if form.errors else 200,
    )


@for_responders
@require_http_methods(["GET", "POST"])
def withdraw(request: HttpRequest, request_uuid: UUID) -> HttpResponse:
    user = signed_in_user(request)
    found = get_request_for_user(user, request_uuid)
    form = WithdrawForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.withdraw(user=user, request=found, reason=form.cleaned_data["reason"])
        except (PermissionDenied, ValidationError) as error:
            form.add_error(None, _errors(error))
        else:
            messages.success(request, "Request withdrawn.")
            return redirect("subject_access:request", found.uuid)
    return render(
        request,
        "subject_access/withdraw.html",
        {"found": found, "form": form if found.waiting else None},
        status=400 if form.errors else 200,
    )


def _disclosed(request: HttpRequest, request_uuid: UUID, kind: str) -> SubjectAccessRequest:
    user = signed_in_user(request)
    found = get_request_for_user(user, request_uuid)
    if found.status != Status.DISCLOSED:
        raise Http404("Not disclosed")
    actions.downloaded(user=user, request=found, kind=kind)
    return found


@for_responders
@require_GET
def archive_json(request: HttpRequest, request_uuid: UUID) -> HttpResponse:
    """The archive exactly as disclosed (its SHA-256 is the one recorded)."""
    found = _disclosed(request, request_uuid, "json")
    response = HttpResponse(found.archive.encode(), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="subject-access-{found.uuid}.json"'
    return response


@for_responders
@require_GET
def archive_pdf(request: HttpRequest, request_uuid: UUID) -> HttpResponse:
    """The readable copy of the archive as disclosed."""
    found = _disclosed(request, request_uuid, "pdf")
    response = HttpResponse(pdf_of(archive.loads(found.archive)), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="subject-access-{found.uuid}.pdf"'
    return response
