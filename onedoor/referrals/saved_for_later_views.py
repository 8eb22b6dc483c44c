"""The pages of the referral form's "save and come back later" (`saved_for_later`): where to send
the link (`/refer/save/`), the confirmation (`/refer/saved/`), removing the answers from this
device (`/refer/saved/leave/`) and the link itself (`/refer/come-back/<token>/`: a page with a
button; the POST uses the link). Each works without JavaScript, by post-redirect-get."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cryptography.fernet import InvalidToken
from django import forms
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from onedoor import clock
from onedoor.accounts.drafts import fernet
from onedoor.audit.addresses import client_address
from onedoor.referrals import saved_answers, saved_for_later
from onedoor.referrals.form_parts import NONE, email_field
from onedoor.referrals.models import Route
from onedoor.referrals.saved_answers import Lost
from onedoor.referrals.views import (
    _lost,
    _see_other,
    _where_to_continue,
    crisis_lines,
    form_choices,
)
from onedoor.referrals.wizard import State, context

# The link just sent, for the confirmation page: the address encrypted, never plain.
SENT_KEY = "onedoor_referral_link_sent"


class SendLinkForm(forms.Form):
    email = email_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["email"]
        field.required = True
        field.label = "Email address"
        field.help_text = (
            "We will email you a link to come back to your answers. The email will not "
            "include any of your answers."
        )
        field.error_messages["required"] = "Enter the email address to send the link to"


def _given_email(state: State) -> str:
    """The email address the person gave on the form: their own."""
    page = "young-person" if state.route == Route.SELF else "about-you"
    return str(state.pages.get(page, {}).get("email", ""))


def _discloses_risk(state: State) -> bool:
    risks = state.pages.get("safety", {}).get("risks", [])
    return any(risk != NONE for risk in risks) if isinstance(risks, list) else False


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def save_for_later(request: HttpRequest) -> HttpResponse:
    loaded = saved_answers.load(request)
    if isinstance(loaded, Lost):
        return _lost(request, loaded)
    row = saved_answers.current_row(request)
    if loaded is None or row is None:
        return redirect("referrals:start")
    state = loaded
    data = request.POST if request.method == "POST" else None
    form = SendLinkForm(data, initial={"email": _given_email(state)})
    problem, status = "", 200
    if request.method == "POST":
        if form.is_valid():
            try:
                sent = saved_for_later.send_link(
                    request,
                    row,
                    email=form.cleaned_data["email"],
                    address=client_address(request),
                )
            except saved_for_later.TooManyLinks:
                problem, status = "rate_limited", 429
            except saved_for_later.NotSent:
                problem, status = "not_sent", 503
            else:
                request.session[SENT_KEY] = {
                    "email": fernet().encrypt(sent.email.encode()).decode(),
                    "expires_at": sent.expires_at.isoformat(),
                }
                return _see_other(reverse("referrals:link_sent"))
        else:
            status = 400
    ctx = context(state, form_choices(), clock.today())
    page_context = {
        "form": form,
        "problem": problem,
        "kept_earlier": request.GET.get("kept") == "earlier",
        "discloses_risk": _discloses_risk(state),
        "continue_url": _where_to_continue(state, ctx),
        "crisis": crisis_lines(ctx.age),
        "days": saved_for_later.kept_days(),
    }
    return render(request, "referrals/save_for_later.html", page_context, status=status)


def _link_sent(request: HttpRequest) -> tuple[str, datetime] | None:
    remembered = request.session.get(SENT_KEY)
    if not isinstance(remembered, dict):
        return None
    try:
        email = fernet().decrypt(str(remembered["email"]).encode()).decode()
        expires_at = datetime.fromisoformat(str(remembered["expires_at"]))
    except (InvalidToken, KeyError, ValueError):
        return None
    return email, expires_at


@login_not_required
@never_cache
@require_http_methods(["GET"])
def link_sent(request: HttpRequest) -> HttpResponse:
    """The confirmation: where the link went, when it expires, what to do."""
    sent = _link_sent(request)
    if sent is None:
        return redirect("referrals:save_for_later")
    email, expires_at = sent
    loaded = saved_answers.load(request)
    state = loaded if isinstance(loaded, State) else None
    continue_url = (
        _where_to_continue(state, context(state, form_choices(), clock.today())) if state else ""
    )
    page_context = {
        "email": email,
        "expires_at": expires_at,
        "continue_url": continue_url,
        "crisis": crisis_lines(),
    }
    return render(request, "referrals/link_sent.html", page_context)


@login_not_required
@never_cache
@require_POST
def leave_device(request: HttpRequest) -> HttpResponse:
    """Remove the answers from this browser (a shared computer): they stay kept for the link."""
    request.session.pop(saved_answers.SESSION_KEY, None)
    return _see_other(reverse("referrals:link_sent"))


def _gone(request: HttpRequest) -> HttpResponse:
    """Used, expired or unknown: the same page, the same status, whichever it is."""
    context = {"crisis": crisis_lines(), "days": saved_for_later.kept_days()}
    return render(request, "referrals/link_gone.html", context, status=404)


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def come_back(request: HttpRequest, token: str) -> HttpResponse:
    """The emailed link. A GET only shows the page (link scanners fetch it); the button's
    POST uses the link and continues where the person left off."""
    if request.method == "GET":
        row = saved_for_later.usable_link(token)
        if row is None:
            return _gone(request)
        replaces = request.session.get(saved_answers.SESSION_KEY) not in (None, str(row.uuid))
        page_context = {"expires_at": row.kept_until, "replaces": replaces}
        return render(request, "referrals/come_back.html", page_context)
    state = saved_for_later.use_link(request, token)
    if state is None:
        return _gone(request)
    return _see_other(_where_to_continue(state, context(state, form_choices(), clock.today())))
