"""Co-production's pages: the public feedback page and the published "you said, we did"
log, and for the service manager and the clinical lead, the feedback list, its themes and
the log's entries."""

from __future__ import annotations

from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from onedoor.accounts.decorators import roles_required, signed_in_user
from onedoor.accounts.models import User
from onedoor.alliance.models import Alliance
from onedoor.audit.addresses import client_address
from onedoor.care.models import Feedback
from onedoor.coproduction.actions import (
    RateLimited,
    leave_feedback,
    record_entry,
    set_themes,
    update_entry,
)
from onedoor.coproduction.experience import (
    PAGE_SIZE,
    READERS,
    FeedbackItem,
    as_item,
    feedback_for,
    feedback_page,
    tagged_feedback,
)
from onedoor.coproduction.forms import EntryForm, FeedbackForm, ThemesForm
from onedoor.coproduction.models import ServiceFeedback, Theme, YouSaidWeDid, theme_tags
from onedoor.paging import Keyset

LATEST_PUBLISHED = Keyset(("-published_at", "-pk"), size=PAGE_SIZE)
LATEST_CHANGED = Keyset(("-updated_at", "-pk"), size=PAGE_SIZE)


def _public_alliance() -> Alliance:
    return get_object_or_404(Alliance, slug=settings.ALLIANCE_SLUG)


def _alliance_id(user: User) -> int:
    if user.organisation is None:
        raise Http404("No alliance")
    return user.organisation.alliance_id


@login_not_required
@require_http_methods(["GET", "POST"])
def give_feedback(request: HttpRequest) -> HttpResponse:
    """Feedback at any time: no account, no personal data asked."""
    alliance = _public_alliance()
    form = FeedbackForm(request.POST if request.method == "POST" else None, alliance=alliance)
    problem = ""
    status = 200
    if request.POST.get("website", "").strip():
        problem, status = "This feedback could not be sent.", 400
    elif form.is_valid():
        try:
            leave_feedback(
                alliance=alliance,
                helpful=int(form.cleaned_data["helpful"]),
                organisation=form.cleaned_data["organisation"],
                comments=form.cleaned_data["comments"],
                address=client_address(request),
            )
            return render(request, "coproduction/feedback_thanks.html")
        except RateLimited:
            problem = (
                "A lot of feedback has been sent from this internet connection in the last "
                "hour, so we could not send this. Try again in an hour."
            )
            status = 429
        except ValidationError as error:
            form.add_error(None, error.messages[0])
    if form.errors:
        status = 400
    context = {"form": form, "problem": problem, "alliance": alliance}
    return render(request, "coproduction/give_feedback.html", context, status=status)


@login_not_required
@require_GET
def published_log(request: HttpRequest) -> HttpResponse:
    """The published "you said, we did" entries, the newest published first. Staff-written
    summaries only: never anything a child or family wrote."""
    alliance = _public_alliance()
    entries = YouSaidWeDid.objects.filter(alliance=alliance, published=True).select_related("theme")
    page = LATEST_PUBLISHED.page(entries, request.GET.get("after", ""))
    context = {
        "alliance": alliance,
        "entries": page.rows,
        "next_query": page.next_query(request),
        "first_page": page.first,
    }
    return render(request, "coproduction/published_log.html", context)


@roles_required(*READERS)
@require_GET
def feedback_list(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    page = feedback_page(_alliance_id(user), request.GET.get("after", ""))
    context = {
        "rows": page.rows,
        "next_query": page.next_query(request),
        "first_page": page.first,
    }
    return render(request, "coproduction/feedback_list.html", context)


def _themes_in_use(alliance: int, keep: QuerySet[Theme] | None = None) -> QuerySet[Theme]:
    """The alliance's active themes, and any inactive ones already on the record."""
    themes = Theme.objects.filter(alliance_id=alliance)
    if keep is None:
        return themes.filter(active=True)
    return themes.filter(pk__in=keep.values("pk")) | themes.filter(active=True)


@roles_required(*READERS)
@require_http_methods(["GET", "POST"])
def feedback_themes(request: HttpRequest, source: str, uuid: UUID) -> HttpResponse:
    user = signed_in_user(request)
    feedback = feedback_for(user, source, uuid)
    themes = _themes_in_use(_alliance_id(user), theme_tags(feedback).all())
    form = ThemesForm(
        request.POST if request.method == "POST" else None,
        themes=themes,
        initial={"themes": list(theme_tags(feedback).all())},
    )
    if form.is_valid():
        try:
            set_themes(user=user, feedback=feedback, themes=list(form.cleaned_data["themes"]))
            messages.success(request, "Themes saved.")
            return redirect("coproduction:feedback")
        except ValidationError as error:
            form.add_error(None, error.messages[0])
    context = {"item": as_item(feedback), "form": form}
    return render(
        request, "coproduction/feedback_themes.html", context, status=400 if form.errors else 200
    )


@roles_required(*READERS)
@require_GET
def log(request: HttpRequest) -> HttpResponse:
    """Every entry of the log, published or not, the latest changed first."""
    user = signed_in_user(request)
    entries = YouSaidWeDid.objects.filter(alliance_id=_alliance_id(user)).select_related("theme")
    page = LATEST_CHANGED.page(entries, request.GET.get("after", ""))
    context = {
        "entries": page.rows,
        "next_query": page.next_query(request),
        "first_page": page.first,
    }
    return render(request, "coproduction/log.html", context)


def _linked(
    chosen: list[str], offered: list[FeedbackItem]
) -> tuple[list[ServiceFeedback], list[Feedback]]:
    by_key = {f"{item.source.value}:{item.uuid}": item.record for item in offered}
    records = [by_key[key] for key in chosen]
    any_time = [r for r in records if isinstance(r, ServiceFeedback)]
    at_discharge = [r for r in records if isinstance(r, Feedback)]
    return any_time, at_discharge


@roles_required(*READERS)
@require_http_methods(["GET", "POST"])
def new_entry(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    alliance = _alliance_id(user)
    offered = tagged_feedback(alliance)
    form = EntryForm(
        request.POST if request.method == "POST" else None,
        themes=_themes_in_use(alliance),
        feedback=offered,
    )
    if form.is_valid():
        values = form.cleaned_data
        any_time, at_discharge = _linked(values["feedback"], offered)
        try:
            record_entry(
                user=user, theme=values["theme"], you_said=values["you_said"],
                we_did=values["we_did"], changed_on=values["changed_on"],
                any_time_feedback=any_time, discharge_feedback=at_discharge,
                published=values["published"],
            )  # fmt: skip
            messages.success(request, "Entry saved.")
            return redirect("coproduction:log")
        except ValidationError as error:
            form.add_error(None, error.messages[0])
    context = {"form": form, "entry": None}
    return render(request, "coproduction/entry.html", context, status=400 if form.errors else 200)


@roles_required(*READERS)
@require_http_methods(["GET", "POST"])
def entry(request: HttpRequest, uuid: UUID) -> HttpResponse:
    user = signed_in_user(request)
    alliance = _alliance_id(user)
    found = get_object_or_404(
        YouSaidWeDid.objects.select_related("theme"), uuid=uuid, alliance_id=alliance
    )
    linked: list[ServiceFeedback | Feedback] = [
        *found.any_time_feedback.select_related("organisation").prefetch_related("themes"),
        *found.discharge_feedback.select_related(
            "discharge__referral__allocated_organisation"
        ).prefetch_related("themes"),
    ]
    offered = {
        (item.source, item.uuid): item
        for item in [*tagged_feedback(alliance, found.theme), *map(as_item, linked)]
    }
    items = sorted(offered.values(), key=lambda i: i.key, reverse=True)
    form = EntryForm(
        request.POST if request.method == "POST" else None,
        themes=_themes_in_use(alliance),
        feedback=items,
        fixed_theme=True,
        initial={
            "you_said": found.you_said,
            "we_did": found.we_did,
            "changed_on": found.changed_on.strftime("%-d %-m %Y"),
            "published": found.published,
            "feedback": [f"{item.source.value}:{item.uuid}" for item in map(as_item, linked)],
        },
    )
    if form.is_valid():
        values = form.cleaned_data
        any_time, at_discharge = _linked(values["feedback"], items)
        try:
            update_entry(
                user=user, entry=found, you_said=values["you_said"], we_did=values["we_did"],
                changed_on=values["changed_on"], any_time_feedback=any_time,
                discharge_feedback=at_discharge, published=values["published"],
            )  # fmt: skip
            messages.success(request, "Entry saved.")
            return redirect("coproduction:log")
        except ValidationError as error:
            form.add_error(None, error.messages[0])
    context = {"form": form, "entry": found}
    return render(request, "coproduction/entry.html", context, status=400 if form.errors else 200)
