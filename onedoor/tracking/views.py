"""The public tracking pages: /track/ (reference and date of birth), /track/code/ (the code
emailed) and /track/status/ (the status in plain words). No account: the browser's session
carries the lookup and, after the right code, the one referral it may see (`codes.py`)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from onedoor import clock
from onedoor.audit.addresses import client_address
from onedoor.referrals.progress import facts_of, progress
from onedoor.referrals.views import crisis_lines
from onedoor.tracking import codes
from onedoor.tracking.forms import CodeForm, LookupForm

LOOKUP = "tracking:lookup"  # the session's last lookup (`codes.Lookup`)
SHOWN = "tracking:shown"  # the token whose used code shows a status
TOO_MANY = (
    "There have been too many requests for a code from this internet connection or for this "
    "reference in the last hour. Try again in an hour, or contact the Referral and Advice Point."
)
NO_LOOKUP = "Enter the reference number and date of birth first. We will then send a code."


def _see_other(url: str) -> HttpResponse:
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


def _start_page(
    request: HttpRequest, form: LookupForm, *, problem: str = "", status: int = 200
) -> HttpResponse:
    context = {"form": form, "problem": problem, "ended": request.GET.get("ended") == "1"}
    return render(request, "tracking/start.html", context, status=status)


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _start_page(request, LookupForm())
    form = LookupForm(request.POST)
    if not form.is_valid():
        return _start_page(request, form, status=400)
    try:
        lookup = codes.look_up(
            reference=form.cleaned_data["reference"],
            date_of_birth=form.cleaned_data["date_of_birth"],
            address=client_address(request) or "",
        )
    except codes.RateLimited:
        return _start_page(request, form, problem=TOO_MANY, status=429)
    request.session[LOOKUP] = lookup.as_session()
    request.session.pop(SHOWN, None)
    return _see_other(reverse("tracking:code"))


def _code_page(
    request: HttpRequest, form: CodeForm, *, problem: str = "", status: int = 200
) -> HttpResponse:
    context = {"form": form, "problem": problem, "minutes": codes.code_minutes()}
    return render(request, "tracking/code.html", context, status=status)


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def code(request: HttpRequest) -> HttpResponse:
    lookup = codes.Lookup.from_session(request.session.get(LOOKUP))
    if lookup is None:
        if request.method == "GET":
            return redirect("tracking:start")
        return _start_page(request, LookupForm(), problem=NO_LOOKUP, status=400)
    if request.method == "GET":
        return _code_page(request, CodeForm())
    form = CodeForm(request.POST)
    if not form.is_valid():
        return _code_page(request, form, status=400)
    try:
        codes.use_code(lookup, form.cleaned_data["code"])
    except codes.CodeProblem as problem:
        request.session[LOOKUP] = lookup.as_session()
        form.add_error("code", problem.message)
        return _code_page(request, form, status=400)
    request.session.pop(LOOKUP, None)
    request.session[SHOWN] = lookup.token
    return _see_other(reverse("tracking:status"))


@login_not_required
@never_cache
@require_http_methods(["GET"])
def status(request: HttpRequest) -> HttpResponse:
    token = request.session.get(SHOWN)
    referral = codes.shown_referral(token) if isinstance(token, str) else None
    if referral is None:
        request.session.pop(SHOWN, None)
        return redirect(reverse("tracking:start") + ("?ended=1" if token else ""))
    codes.status_viewed(referral)
    age = referral.child.age_on(clock.today())
    context = {
        "referral": referral,
        "progress": progress(facts_of(referral)),
        "crisis": crisis_lines(age),
    }
    return render(request, "tracking/status.html", context)
