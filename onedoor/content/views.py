"""The clinical content library's pages: the list, adding an item, and one item with its
edit, sign-off and retire forms. Library items are alliance configuration, not records
about a child, so they are read by alliance here rather than through the access layer."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from onedoor import clock
from onedoor.accounts.decorators import roles_required, signed_in_user
from onedoor.content.actions import (
    EDITORS,
    add_item,
    alliance_of,
    default_review_by,
    edit_item,
    may_edit,
    may_sign_off,
    retire,
    sign_off,
)
from onedoor.content.forms import ItemForm, SignOffForm
from onedoor.content.models import ContentItem
from onedoor.paging import Keyset

IN_ORDER_ADDED = Keyset(("pk",), size=50)


@roles_required(*EDITORS)
@require_GET
def library(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    items = ContentItem.objects.filter(alliance=alliance_of(user)).select_related("owner")
    page = IN_ORDER_ADDED.page(items, request.GET.get("after", ""))
    today = clock.today()
    context = {
        "rows": [(item, item.status(today)) for item in page.rows],
        "next_query": page.next_query(request),
        "first_page": page.first,
    }
    return render(request, "content/library.html", context)


@roles_required(*EDITORS)
@require_http_methods(["GET", "POST"])
def new_item(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    form = ItemForm(request.POST or None, alliance=alliance_of(user))
    if form.is_valid():
        try:
            item = add_item(user=user, substance=form.substance())
            messages.success(request, "Item added. The clinical lead must sign it off.")
            return redirect("content:item", uuid=item.uuid)
        except ValidationError as error:
            form.add_error(None, error.messages[0])
    context = {"form": form, "item": None, "posted": "edit"}
    return render(request, "content/item.html", context, status=400 if form.errors else 200)


def _version(request: HttpRequest) -> int:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return 0


@roles_required(*EDITORS)
@require_http_methods(["GET", "POST"])
def item(request: HttpRequest, uuid: UUID) -> HttpResponse:
    user = signed_in_user(request)
    found = get_object_or_404(
        ContentItem.objects.select_related("owner", "signed_off_by"),
        uuid=uuid,
        alliance=alliance_of(user),
    )
    posted = request.POST.get("form", "") if request.method == "POST" else ""
    editable = may_edit(user, found) and found.retired_at is None
    signable = may_sign_off(user, found) and found.retired_at is None
    edit_form = ItemForm(
        request.POST if posted == "edit" else None,
        alliance=found.alliance,
        initial=ItemForm.initial_for(found),
        prefix="edit",
    )
    sign_off_form = SignOffForm(
        request.POST if posted == "sign_off" else None,
        initial={"review_by": f"{default_review_by(clock.today()):%-d %-m %Y}"},
        prefix="sign_off",
    )
    problem = ""
    try:
        if posted == "edit" and edit_form.is_valid():
            edit_item(
                user=user, item=found, substance=edit_form.substance(), version=_version(request)
            )
            messages.success(request, "Item saved. A changed item needs signing off again.")
            return redirect("content:item", uuid=found.uuid)
        if posted == "sign_off" and sign_off_form.is_valid():
            sign_off(
                user=user, item=found, version=_version(request),
                review_by=sign_off_form.cleaned_data["review_by"],
            )  # fmt: skip
            messages.success(request, "Signed off.")
            return redirect("content:item", uuid=found.uuid)
        if posted == "retire":
            retire(user=user, item=found)
            messages.success(request, "Retired. It can no longer be sent to families.")
            return redirect("content:item", uuid=found.uuid)
    except ValidationError as error:
        problem = error.messages[0]
    has_errors = bool(problem or edit_form.errors or sign_off_form.errors)
    context = {
        "item": found,
        "status": found.status(clock.today()),
        "needs": list(found.needs.all()),
        "form": edit_form,
        "sign_off_form": sign_off_form,
        "editable": editable,
        "signable": signable,
        "problem": problem,
        "has_errors": has_errors,
    }
    return render(request, "content/item.html", context, status=400 if has_errors else 200)
