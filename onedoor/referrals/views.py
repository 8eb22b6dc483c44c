"""The public referral form at /refer/: the alliance's one door.

Every page posts its answers with the signed state (see `wizard`), so nothing is kept on
the server until the referral is sent, and the form works without the database until then.
Sending is idempotent (the state's submission key), rate-limited per address, and refused
when the honeypot field is filled. If the database fails, the person sees their answers
again and crisis contacts: never a thank-you or a reference.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.db import DatabaseError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from onedoor import clock
from onedoor.accounts.models import User
from onedoor.accounts.roles import Role
from onedoor.alliance.models import Alliance, DirectoryService, GpPractice, Need, PriorityGroup
from onedoor.audit.addresses import client_address
from onedoor.referrals.actions import RateLimited, submit_referral
from onedoor.referrals.form_parts import Choices, FormContext, PageForm, Practice
from onedoor.referrals.forms import LGBTQIA
from onedoor.referrals.wizard import (
    BY_SLUG,
    START,
    BadState,
    Page,
    State,
    blank_form,
    context,
    last_page,
    next_page,
    pages_for,
    previous_page,
    review,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CrisisLine:
    name: str
    phone: str
    description: str


# When the directory can't be read: the lines every alliance would list.
FIXED_CRISIS_LINES = (
    CrisisLine(
        "Emergency services",
        "999",
        "If someone is in immediate danger or has seriously hurt themselves, call 999 or go "
        "to A&E.",
    ),
    CrisisLine("NHS 111, option 2", "111", "Urgent mental health help, 24 hours a day."),
    CrisisLine("Childline", "0800 1111", "Free, confidential support for anyone under 19."),
    CrisisLine("Samaritans", "116 123", "Someone to talk to, any time, about anything."),
)
CHOICES_KEY = "referrals:form-choices"


def crisis_lines(age: int | None = None) -> list[CrisisLine]:
    """The directory's crisis lines; those for someone of `age`, when it is known."""
    try:
        services = DirectoryService.objects.filter(
            alliance__slug=settings.ALLIANCE_SLUG, crisis=True
        )
        if age is not None:
            services = services.fitting_age(age)
        lines = [CrisisLine(s.name, s.phone, s.description) for s in services]
    except DatabaseError:
        return list(FIXED_CRISIS_LINES)
    return lines or list(FIXED_CRISIS_LINES)


def form_choices() -> Choices:
    """The alliance's needs and groups; the last ones seen when the database is down."""
    try:
        alliance = Alliance.objects.filter(slug=settings.ALLIANCE_SLUG).first()
        if alliance is None:
            return Choices(needs=(), groups=(), lgbtqia=False)
        groups = list(PriorityGroup.objects.filter(alliance=alliance))
        choices = Choices(
            needs=tuple(Need.objects.filter(alliance=alliance).values_list("slug", "name")),
            groups=tuple((g.slug, g.name) for g in groups if not g.needs_consent_to_record),
            lgbtqia=any(g.slug == LGBTQIA and g.needs_consent_to_record for g in groups),
            alliance_name=alliance.name,
            area_name=alliance.area_name,
            extended_max_age=alliance.extended_max_age,
            practices=tuple(
                Practice(practice.ods_code, practice.name, practice.label)
                for practice in GpPractice.objects.offered().filter(alliance=alliance)
            ),
        )
    except DatabaseError:
        return cache.get(CHOICES_KEY) or Choices(needs=None, groups=None, lgbtqia=False)
    cache.set(CHOICES_KEY, choices, timeout=None)
    return choices


def _url(page: Page) -> str:
    if page is START:
        return reverse("referrals:start")
    return reverse("referrals:step", args=[page.slug])


def _back_url(state: State, page: Page, ctx: FormContext) -> str:
    if state.changing:
        return reverse("referrals:check")
    previous = previous_page(state, page, ctx)
    return _url(previous) if previous and page is not START else ""


def _render_page(
    request: HttpRequest, page: Page, state: State, form: PageForm, choices: Choices
) -> HttpResponse:
    context = {
        "page": page,
        "form": form,
        "title": page.title_for(form.words),
        "route": state.route,
        "token": state.sign(),
        "action": _url(page),
        "back_url": _back_url(state, page, form.ctx),
        "choices": choices,
        "crisis": crisis_lines(form.ctx.age) if page.crisis else [],
    }
    return render(request, page.template, context)


def _check(
    request: HttpRequest, state: State, choices: Choices, *, problem: str = "", status: int = 200
) -> HttpResponse:
    """The check page; or the first page still to answer, or to answer again."""
    result = review(state, choices, clock.today())
    if result.stop is not None:
        page, form = result.stop
        state.changing = True
        return _render_page(request, page, state, form, choices)
    state.changing = False
    context = {
        "sections": result.sections,
        "route": state.route,
        "token": state.sign(),
        "problem": problem,
        "back_url": _url(last_page(state, choices, clock.today())),
        "crisis": crisis_lines() if problem else [],
        "choices": choices,
    }
    return render(request, "referrals/check.html", context, status=status)


def _load(request: HttpRequest) -> State | HttpResponse:
    """The state sent back with the page, or the page that says why it can't be used."""
    try:
        state = State.load(request.POST.get("state", ""))
    except BadState as bad:
        context = {"expired": bad.expired, "crisis": crisis_lines()}
        return render(request, "referrals/start_again.html", context, status=400)
    if request.POST.get("website", "").strip():
        return render(request, "referrals/refused.html", status=400)
    return state


def _answer(request: HttpRequest, page: Page) -> HttpResponse:
    state = _load(request)
    if isinstance(state, HttpResponse):
        return state
    choices = form_choices()
    if page not in pages_for(state.route):
        return _check(request, state, choices)
    ctx = context(state, choices, clock.today())
    action = request.POST.get("action", "")
    if action in {"show", "change"}:  # "Back", or "Change" on the check page
        state.changing = state.changing or action == "change"
        return _render_page(request, page, state, blank_form(page, state, ctx), choices)
    form = page.form_class(request.POST, ctx=ctx)
    if not form.is_valid():
        return _render_page(request, page, state, form, choices)
    state.save(page, form)
    ctx = context(state, choices, clock.today())
    following = next_page(state, page, ctx)
    if following is None:
        return _check(request, state, choices)
    return _render_page(request, following, state, blank_form(following, state, ctx), choices)


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _answer(request, START)
    state, choices = State.new(), form_choices()
    form = blank_form(START, state, context(state, choices, clock.today()))
    return _render_page(request, START, state, form, choices)


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def step(request: HttpRequest, slug: str) -> HttpResponse:
    page = BY_SLUG.get(slug)
    if page is None or page is START:
        raise Http404("No such page in the referral form")
    if request.method == "GET":  # the answers travel with the form: begin again
        return redirect("referrals:start")
    return _answer(request, page)


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def check(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return redirect("referrals:start")
    state = _load(request)
    if isinstance(state, HttpResponse):
        return state
    return _check(request, state, form_choices())


def _recorded_by(request: HttpRequest) -> tuple[User | None, User | None]:
    """(taken_by, referred_by): a triage-team member signed in is recording a phone
    referral; a professional referrer signed in is referring under their own account."""
    user = request.user if isinstance(request.user, User) else None
    return (
        user if user and user.at_advice_point else None,
        user if user and user.role == Role.PROFESSIONAL_REFERRER else None,
    )


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def send(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return redirect("referrals:start")
    state = _load(request)
    if isinstance(state, HttpResponse):
        return state
    choices = form_choices()
    result = review(state, choices, clock.today())
    if result.answers is None:
        return _check(request, state, choices)
    taken_by, referred_by = _recorded_by(request)
    try:
        referral = submit_referral(
            answers=result.answers,
            submission_key=state.submission_key,
            address=client_address(request),
            taken_by=taken_by,
            referred_by=referred_by,
        )
        signposted = [] if referral.eligible else list(referral.signposted_to.all())
    except RateLimited:
        return _check(request, state, choices, problem="rate_limited", status=429)
    except DatabaseError as error:
        # No answers in the log: only that it failed, and how.
        logger.warning("Referral not sent: database unavailable (%s)", type(error).__name__)
        return _check(request, state, choices, problem="unavailable", status=503)
    context = {
        "referral": referral,
        "signposted": signposted,
        "route": state.route,
        "crisis": crisis_lines(referral.child.age_on(timezone.localdate(referral.received_at))),
        "choices": choices,
    }
    return render(request, "referrals/sent.html", context)
