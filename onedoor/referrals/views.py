"""The public referral form at /refer/: the alliance's one door.

Each step has its own address (`/refer/<step>/`, the first `/refer/`) and works by
post-redirect-get: a POST checks the step's answers, keeps them on the server
(`saved_answers`: encrypted, for this browser session alone, never in the page) and redirects
(303) to the next step, or back to the check page when the person came from there to change
an answer (`?change=1`). A GET shows the step with the answers kept, so Back, refresh and a
typed address all work; a step not yet reachable, or not asked on the person's route, sends
them to the page they should answer. Sending is idempotent (the submission key kept with the
answers), rate-limited per address, and refused when the honeypot field is filled; once sent,
the answers are deleted and the confirmation is at `/refer/sent/`. If the database fails, the
person sees their answers again and crisis contacts: never a thank-you or a reference.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.db import DatabaseError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from onedoor import clock
from onedoor.accounts.models import User
from onedoor.accounts.roles import Role
from onedoor.alliance.models import Alliance, DirectoryService, GpPractice, Need, PriorityGroup
from onedoor.audit.addresses import client_address
from onedoor.referrals import saved_answers
from onedoor.referrals.actions import RateLimited, submit_referral
from onedoor.referrals.form_parts import Choices, FormContext, PageForm, Practice
from onedoor.referrals.models import Route
from onedoor.referrals.more_about_forms import LGBTQIA
from onedoor.referrals.saved_answers import Lost
from onedoor.referrals.wizard import (
    BY_SLUG,
    START,
    Page,
    State,
    context,
    first_unanswered,
    last_page,
    next_page,
    pages_asked,
    previous_page,
    reachable,
    review,
    shown_form,
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


CHANGE = "1"  # `?change=1`: the person came from the check page and goes back there


def _url(page: Page, *, changing: bool = False) -> str:
    url = (
        reverse("referrals:start") if page is START else reverse("referrals:step", args=[page.slug])
    )
    return f"{url}?{urlencode({'change': CHANGE})}" if changing else url


def _see_other(url: str) -> HttpResponse:
    """After a POST: the browser GETs `url`, so Back and refresh never post again."""
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


def _go(request: HttpRequest, url: str) -> HttpResponse:
    return _see_other(url) if request.method == "POST" else redirect(url)


def _where_to_continue(state: State, ctx: FormContext) -> str:
    """The first page still to answer, or the check page."""
    missing = first_unanswered(state, ctx)
    return _url(missing) if missing else reverse("referrals:check")


def _back_url(state: State, page: Page, ctx: FormContext) -> str:
    if state.changing:
        return reverse("referrals:check")
    previous = previous_page(state, page, ctx)
    return _url(previous) if previous and page is not START else ""


def _render_page(
    request: HttpRequest,
    page: Page,
    state: State,
    form: PageForm,
    choices: Choices,
    *,
    status: int = 200,
    resume_url: str = "",
) -> HttpResponse:
    pages = pages_asked(state, form.ctx) if state.route else []
    context = {
        "page": page,
        "form": form,
        "title": page.title_for(form.words),
        "route": state.route,
        "action": _url(page, changing=state.changing),
        "back_url": _back_url(state, page, form.ctx),
        "step": pages.index(page) + 1 if page in pages else None,
        "steps": len(pages),
        "resume_url": resume_url,
        "choices": choices,
        "crisis": crisis_lines(form.ctx.age) if page.crisis else [],
        "save_for_later": SAVE_FOR_LATER if state.pages or page is not START else "",
    }
    return render(request, page.template, context, status=status)


def _check(
    request: HttpRequest, state: State, choices: Choices, *, problem: str = "", status: int = 200
) -> HttpResponse:
    """The check page; or a redirect to the first page still to answer, or to answer again."""
    result = review(state, choices, clock.today())
    if result.stop is not None:
        page, _ = result.stop
        return _go(request, _url(page, changing=True))
    context = {
        "sections": result.sections,
        "route": state.route,
        "problem": problem,
        "back_url": _url(last_page(state, choices, clock.today())),
        "change": CHANGE,
        "crisis": crisis_lines() if problem else [],
        "choices": choices,
    }
    return render(request, "referrals/check.html", context, status=status)


def _lost(request: HttpRequest, lost: Lost) -> HttpResponse:
    """Answers this session kept that are gone: say so, and start again."""
    minutes = int(settings.REFERRAL_ANSWERS_KEPT_FOR.total_seconds() // 60)
    hours, odd = divmod(minutes, 60)
    kept_for = (
        f"{minutes} minutes" if odd or not hours else f"{hours} hour{'s' if hours > 1 else ''}"
    )
    context = {
        "expired": lost.expired,
        "saved_for_later": lost.saved_for_later,
        "kept_for": kept_for,
        "crisis": crisis_lines(),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "referrals/start_again.html", context, status=status)


def _refused(request: HttpRequest) -> HttpResponse | None:
    """The honeypot filled in: a machine, not a person."""
    if request.method == "POST" and request.POST.get("website", "").strip():
        return render(request, "referrals/refused.html", status=400)
    return None


SAVE_FOR_LATER = "save-for-later"  # the name of each step's "Save and come back later" button


def _save_for_later_from(
    request: HttpRequest, page: Page, state: State, form: PageForm
) -> HttpResponse:
    """The step's "Save and come back later" button: the step's answers are saved first when
    they are right (otherwise those saved before are kept), then where to send the link is
    asked (`saved_for_later_views`)."""
    kept = form.is_valid()
    if kept:
        state.save(page, form)
        saved_answers.save(request, state)
    url = reverse("referrals:save_for_later")
    return _see_other(url if kept else f"{url}?{urlencode({'kept': 'earlier'})}")


def _new_state(request: HttpRequest) -> State:
    """A new form's answers: none, or for a signed-in professional referrer, the professional
    route and their details from their account (hazard H45), which they can still change."""
    state = State.new()
    user = request.user if isinstance(request.user, User) else None
    if user is None or user.role != Role.PROFESSIONAL_REFERRER:
        return state
    details = getattr(user, "referrer_details", None)
    if details is None:
        return state
    state.pages[START.slug] = {"who": Route.PROFESSIONAL}
    state.pages["about-you"] = {
        "name": user.get_full_name(),
        "role": details.job_title,
        "organisation": details.workplace,
        "source": details.works_in,
        "email": user.email,
        "phone": details.work_phone,
    }
    return state


def _step(request: HttpRequest, page: Page) -> HttpResponse:
    refused = _refused(request)
    if refused is not None:
        return refused
    loaded = saved_answers.load(request)
    if isinstance(loaded, Lost):
        return _lost(request, loaded)
    if loaded is None and page is not START:
        return _go(request, reverse("referrals:start"))
    state = loaded or _new_state(request)
    state.changing = request.GET.get("change") == CHANGE
    choices = form_choices()
    ctx = context(state, choices, clock.today())
    if not reachable(state, page, ctx):
        return _go(request, _where_to_continue(state, ctx))
    if request.method == "GET":
        resume = _where_to_continue(state, ctx) if page is START and loaded and state.pages else ""
        return _render_page(
            request, page, state, shown_form(page, state, ctx), choices, resume_url=resume
        )
    form = page.form_class(request.POST, ctx=ctx)
    if request.POST.get(SAVE_FOR_LATER) and (form.is_valid() or state.pages):
        return _save_for_later_from(request, page, state, form)
    if not form.is_valid():
        # An honest "not sure" to the competence questions is an answer, not a mistake.
        status = 200 if getattr(form, "needs_an_adult", False) else 400
        return _render_page(request, page, state, form, choices, status=status)
    state.save(page, form)
    saved_answers.save(request, state)
    ctx = context(state, choices, clock.today())
    following = next_page(state, page, ctx)
    if following is None:
        return _see_other(reverse("referrals:check"))
    return _see_other(_url(following, changing=state.changing))


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest) -> HttpResponse:
    return _step(request, START)


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def step(request: HttpRequest, slug: str) -> HttpResponse:
    page = BY_SLUG.get(slug)
    if page is None or page is START:
        raise Http404("No such page in the referral form")
    return _step(request, page)


@login_not_required
@never_cache
@require_http_methods(["GET"])
def check(request: HttpRequest) -> HttpResponse:
    loaded = saved_answers.load(request)
    if isinstance(loaded, Lost):
        return _lost(request, loaded)
    if loaded is None:
        return redirect("referrals:start")
    return _check(request, loaded, form_choices())


@login_not_required
@never_cache
@require_http_methods(["POST"])
def start_again(request: HttpRequest) -> HttpResponse:
    """Delete this session's answers, and begin again (a shared computer, or a referral for
    someone else)."""
    saved_answers.forget(request)
    return _see_other(reverse("referrals:start"))


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
        return redirect("referrals:check")
    refused = _refused(request)
    if refused is not None:
        return refused
    loaded = saved_answers.load(request)
    if isinstance(loaded, Lost):
        return _lost(request, loaded)
    if loaded is None:  # sent already (Send pressed twice, or Back and Send), or never begun
        done = saved_answers.sent_referral(request) is not None
        return _see_other(reverse("referrals:sent" if done else "referrals:start"))
    state, choices = loaded, form_choices()
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
    except RateLimited:
        return _check(request, state, choices, problem="rate_limited", status=429)
    except DatabaseError as error:
        # No answers in the log: only that it failed, and how.
        logger.warning("Referral not sent: database unavailable (%s)", type(error).__name__)
        return _check(request, state, choices, problem="unavailable", status=503)
    saved_answers.sent(request, referral)
    return _see_other(reverse("referrals:sent"))


@login_not_required
@never_cache
@require_http_methods(["GET"])
def sent(request: HttpRequest) -> HttpResponse:
    """The confirmation of the referral this browser session sent: nobody else's (the
    referral is found through the session, never the address)."""
    referral = saved_answers.sent_referral(request)
    if referral is None:
        return redirect("referrals:start")
    context = {
        "referral": referral,
        "signposted": [] if referral.eligible else list(referral.signposted_to.all()),
        "route": referral.route,
        "crisis": crisis_lines(referral.child.age_on(timezone.localdate(referral.received_at))),
        "choices": form_choices(),
    }
    return render(request, "referrals/sent.html", context)
