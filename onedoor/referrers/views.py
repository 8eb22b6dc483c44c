"""Professional referrer accounts: registering, the emailed link, and the referrer's own
referrals (hazard H45). Registering and the link are public; the rest is for professional
referrers, each seeing only the referrals they made (the access layer's OWN_REFERRALS)."""

from __future__ import annotations

from uuid import UUID

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from onedoor.access.records import denied, get_referral_for_user, referrals_visible_to
from onedoor.accounts.decorators import roles_required, signed_in_user
from onedoor.accounts.roles import Role
from onedoor.alliance import identity
from onedoor.alliance.models import Alliance
from onedoor.audit.addresses import client_address
from onedoor.audit.trail import Action, record
from onedoor.paging import Keyset
from onedoor.referrals.progress import facts_of, progress
from onedoor.referrers import registration
from onedoor.referrers.forms import NOT_ALLOWED, PasswordForm, RegistrationForm
from onedoor.referrers.pdf import copy_of
from onedoor.referrers.sent_copy import initials, sections

NEWEST_FIRST = Keyset(("-received_at", "-pk"), size=25)


def _see_other(url: str) -> HttpResponse:
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


def _alliance() -> Alliance:
    return get_object_or_404(Alliance, slug=settings.ALLIANCE_SLUG)


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    form = RegistrationForm(request.POST if request.method == "POST" else None)
    problem, status = "", 200
    if request.method == "POST" and form.is_valid():
        try:
            registration.register(_alliance(), form.registration(), address=client_address(request))
        except registration.DomainNotAllowed:
            form.add_error("email", NOT_ALLOWED)
        except registration.RateLimited:
            problem, status = "rate_limited", 429
        except registration.RegistrationClosed:
            problem, status = "closed", 503
        else:
            return _see_other(reverse("referrers:check_email"))
    if form.errors:
        status = 400
    context = {"form": form, "problem": problem, "refused": NOT_ALLOWED in str(form.errors)}
    return render(request, "referrers/register.html", context, status=status)


@login_not_required
@require_GET
def check_email(request: HttpRequest) -> HttpResponse:
    hours = int(registration.LINK_LASTS.total_seconds() // 3600)
    return render(request, "referrers/check_email.html", {"hours": hours})


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest, token: str) -> HttpResponse:
    verification = registration.pending(token)
    if verification is None:
        return render(request, "referrers/link_not_valid.html", status=400)
    form = PasswordForm(request.POST if request.method == "POST" else None, user=verification.user)
    if request.method == "POST" and form.is_valid():
        try:
            registration.verify(token, form.cleaned_data["password"])
        except registration.LinkNotValid:
            return render(request, "referrers/link_not_valid.html", status=400)
        return _see_other(reverse("referrers:verified"))
    context = {"form": form, "account": verification.user}
    return render(
        request, "referrers/choose_password.html", context, status=400 if form.errors else 200
    )


@login_not_required
@require_GET
def verified(request: HttpRequest) -> HttpResponse:
    return render(request, "referrers/verified.html")


@roles_required(Role.PROFESSIONAL_REFERRER)
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The referrals this professional made, newest first (keyset pages, a fixed number of
    queries), each with its status in plain words."""
    user = signed_in_user(request)
    mine = (
        referrals_visible_to(user)
        .select_related("child", "allocated_organisation")
        .prefetch_related("signposted_to")
    )
    page = NEWEST_FIRST.page(mine, request.GET.get("after", ""))
    rows = [(referral, initials(referral), progress(facts_of(referral))) for referral in page.rows]
    context = {"rows": rows, "next_query": page.next_query(request), "first_page": page.first}
    return render(request, "referrers/home.html", context)


@roles_required(Role.PROFESSIONAL_REFERRER)
@require_GET
def referral(request: HttpRequest, referral_uuid: UUID) -> HttpResponse:
    """One referral this professional made (any other is a 404, the denial audited)."""
    user = signed_in_user(request)
    found = get_referral_for_user(user, referral_uuid)
    context = {
        "referral": found,
        "initials": initials(found),
        "progress": progress(facts_of(found)),
        "sections": sections(found),
    }
    return render(request, "referrers/referral.html", context)


@roles_required(Role.PROFESSIONAL_REFERRER)
@require_GET
def referral_copy(request: HttpRequest, referral_uuid: UUID) -> HttpResponse:
    """A PDF copy of what the professional sent, audited as a view (an export) of it."""
    user = signed_in_user(request)
    found = (
        referrals_visible_to(user)
        .select_related("child__alliance")
        .filter(uuid=referral_uuid)
        .first()
    )
    if found is None:
        raise denied(user, "referral", referral_uuid, {"wanted": "copy"})
    record(
        Action.VIEW,
        actor=user,
        record_type="referral",
        record_id=found.uuid,
        child_uuid=found.child.uuid,
        detail={"export": "pdf copy"},
    )
    content = copy_of(found, identity.of(found.child.alliance).public_name)
    response = HttpResponse(content, content_type="application/pdf")
    name = f"referral-{found.reference}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response
