"""The clinical content library's pages: the list, adding an item, one item, and each change
to it on its own page (edit, sign off, retire). Library items are alliance configuration, not
records about a child, so they are read by alliance here rather than through the access
layer."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from onedoor import clock
from onedoor.accounts.decorators import roles_required, signed_in_user
from onedoor.accounts.models import User
from onedoor.accounts.roles import Role
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
    context = {"form": form, "item": None}
    return render(request, "content/edit.html", context, status=400 if form.errors else 200)


def _version(request: HttpRequest) -> int:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return 0


def _item_for(user: User, uuid: UUID) -> ContentItem:
    """One item of the user's alliance's library (configuration, not a child's record)."""
    return get_object_or_404(
        ContentItem.objects.select_related("owner", "signed_off_by"),
        uuid=uuid,
        alliance=alliance_of(user),
    )


@roles_required(*EDITORS)
@require_GET
def item(request: HttpRequest, uuid: UUID) -> HttpResponse:
    """One item: what it is, where it stands, and links to what the user may do with it."""
    user = signed_in_user(request)
    found = _item_for(user, uuid)
    open_ = found.retired_at is None
    context = {
        "item": found,
        "status": found.status(clock.today()),
        "needs": list(found.needs.all()),
        "editable": may_edit(user, found) and open_,
        "signable": may_sign_off(user, found) and open_,
    }
    return render(request, "content/item.html", context)


@roles_required(*EDITORS)
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, uuid: UUID) -> HttpResponse:
    user = signed_in_user(request)
    found = _item_for(user, uuid)
    if not may_edit(user, found):
        raise PermissionDenied("You may not edit this item.")
    form = ItemForm(
        request.POST if request.method == "POST" else None,
        alliance=found.alliance,
        initial=ItemForm.initial_for(found),
        prefix="edit",
    )
    if form.is_valid():
        try:
            edit_item(user=user, item=found, substance=form.substance(), version=_version(request))
            messages.success(request, "Item saved. A changed item needs signing off again.")
            return redirect("content:item", uuid=found.uuid)
        except ValidationError as error:
            form.add_error(None, error.messages[0])
    context = {"form": form, "item": found}
    return render(request, "content/edit.html", context, status=400 if form.errors else 200)


@roles_required(Role.CLINICAL_LEAD)
@require_http_methods(["GET", "POST"])
def sign_off_view(request: HttpRequest, uuid: UUID) -> HttpResponse:
    """The clinical lead signs off the version they read, with the date to review it by."""
    user = signed_in_user(request)
    found = _item_for(user, uuid)
    if not may_sign_off(user, found):
        raise PermissionDenied("Only the clinical lead signs off clinical content.")
    form = SignOffForm(
        request.POST if request.method == "POST" else None,
        initial={"review_by": default_review_by(clock.today())},
        prefix="sign_off",
    )
    if form.is_valid():
        try:
            sign_off(
                user=user, item=found, version=_version(request),
                review_by=form.cleaned_data["review_by"],
            )  # fmt: skip
            messages.success(request, "Signed off.")
            return redirect("content:item", uuid=found.uuid)
        except ValidationError as error:
            form.add_error(None, error.messages[0])
    context = {"form": form, "item": found, "status": found.status(clock.today())}
    return render(request, "content/sign_off.html", context, status=400 if form.errors else 200)


@roles_required(*EDITORS)
@require_http_methods(["GET", "POST"])
def retire_view(request: HttpRequest, uuid: UUID) -> HttpResponse:
    """Retire the item: it is no longer sent to families (what it was sent in is kept)."""
    user = signed_in_user(request)
    found = _item_for(user, uuid)
    if not may_edit(user, found):
        raise PermissionDenied("You may not retire this item.")
    problem = ""
    if request.method == "POST":
        try:
            retire(user=user, item=found)
            messages.success(request, "Retired. It can no longer be sent to families.")
            return redirect("content:item", uuid=found.uuid)
        except ValidationError as error:
            problem = error.messages[0]
    context = {"item": found, "problem": problem}
    return render(request, "content/retire.html", context, status=400 if problem else 200)
