"""The referral form's pages, in order, and the answers carried from page to page.

Each page has its own address and the answers so far are kept on the server between pages,
encrypted (`saved_answers`), never in the page. Each page's answers are kept as they were
typed and checked again, all together, before the referral is sent (`review`), so a later
change (a date of birth, the route) can't leave an earlier answer standing that no longer fits.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from onedoor.referrals.answers import ReferralAnswers
from onedoor.referrals.carer_forms import CarersForm
from onedoor.referrals.child_forms import ChildForm, date_from
from onedoor.referrals.consent import asks_competence_questions
from onedoor.referrals.consent_forms import ConsentForm, OwnConsentForm
from onedoor.referrals.form_parts import Choices, FormContext, PageForm, Value, Words
from onedoor.referrals.models import ConsentGivenBy, Route, Source
from onedoor.referrals.more_about_forms import CommunicationForm, MoreAboutForm
from onedoor.referrals.reasons_forms import ReasonsForm, SafetyForm
from onedoor.referrals.referrer_forms import ReferrerForm, StartForm

ALL_ROUTES = frozenset(Route.values)


@dataclass(frozen=True)
class Page:
    slug: str
    form_class: type[PageForm]
    template: str
    title: str  # may say {who}, {Who}, {whose}, {Whose}: see form_parts.Words
    routes: frozenset[str] = ALL_ROUTES
    summary: str = ""  # the heading on the check page, when not the title
    # Asked only when this says so, from the answers so far (None: always, on its routes).
    asked: Callable[[State, FormContext], bool] | None = None
    crisis: bool = False  # shows the crisis lines

    def title_for(self, words: Words) -> str:
        return self.title.format_map(words)

    def summary_for(self, words: Words) -> str:
        return (self.summary or self.title).format_map(words)


START = Page(
    "start",
    StartForm,
    "referrals/start.html",
    "Ask for help for a child or young person",
    summary="Who is asking",
    crisis=True,
)


def _asks_competence_questions(state: State, ctx: FormContext) -> bool:
    """A young person of 12 to 15 referring themselves on their own consent, whose parent or
    carer does not know and agree: asked whether they understand what they agree to."""
    consent = state.pages.get("consent", {})
    return consent.get("agreed") == ConsentGivenBy.YOUNG_PERSON and asks_competence_questions(
        age=ctx.age, parent_agrees=consent.get("parent_agrees") == "yes"
    )


PAGES = (
    START,
    Page(
        "about-you",
        ReferrerForm,
        "referrals/about_you.html",
        "About you",
        frozenset({Route.PARENT, Route.PROFESSIONAL}),
    ),
    Page("young-person", ChildForm, "referrals/young_person.html", "About {who}"),
    Page("parents-and-carers", CarersForm, "referrals/carers.html", "Parents and carers"),
    Page("reasons", ReasonsForm, "referrals/reasons.html", "Why you are asking for help"),
    Page("safety", SafetyForm, "referrals/safety.html", "{Whose} safety"),
    Page("communication", CommunicationForm, "referrals/communication.html", "Communication needs"),
    Page("more-about", MoreAboutForm, "referrals/more_about.html", "More about {who}"),
    Page("consent", ConsentForm, "referrals/consent.html", "Consent"),
    Page(
        "own-consent",
        OwnConsentForm,
        "referrals/own_consent.html",
        "Agreeing to this yourself",
        frozenset({Route.SELF}),
        asked=_asks_competence_questions,
        crisis=True,
    ),
)
BY_SLUG = {page.slug: page for page in PAGES}
# Pages whose questions depend on who is asking: asked again when the route changes.
ROUTE_PAGES = ("about-you", "consent", "own-consent")


@dataclass
class State:
    """Everything typed so far, page by page, and the key that makes sending idempotent."""

    key: str
    pages: dict[str, dict[str, Value]] = field(default_factory=dict)
    changing: bool = False  # came from the check page (its address says so): go back there

    @classmethod
    def new(cls) -> State:
        return cls(key=str(uuid.uuid4()))

    @property
    def route(self) -> str:
        return str(self.pages.get(START.slug, {}).get("who", ""))

    @property
    def submission_key(self) -> uuid.UUID:
        return uuid.UUID(self.key)

    def save(self, page: Page, form: PageForm) -> None:
        before = self.route
        self.pages[page.slug] = form.saved()
        if page is START and before and self.route != before:
            for slug in ROUTE_PAGES:
                self.pages.pop(slug, None)

    def born(self) -> date | None:
        return date_from(self.pages.get("young-person", {}))


def pages_for(route: str) -> list[Page]:
    return [page for page in PAGES if page is START or route in page.routes]


def pages_asked(state: State, ctx: FormContext) -> list[Page]:
    """The pages of the route that the answers so far call for, in order."""
    return [page for page in pages_for(state.route) if page.asked is None or page.asked(state, ctx)]


def last_page(state: State, choices: Choices, today: date) -> Page:
    """The last page asked: where "Back" goes from the check page."""
    return pages_asked(state, context(state, choices, today))[-1]


def context(state: State, choices: Choices, today: date) -> FormContext:
    carers = state.pages.get("parents-and-carers", {})
    referrer = state.pages.get("about-you", {})
    named = " ".join(str(carers.get("carer_name", "")).split()).casefold()
    return FormContext(
        route=state.route,
        today=today,
        choices=choices,
        born=state.born(),
        carer_pr=str(carers.get("parental_responsibility", "")) if named else "",
        carer_is_referrer=bool(named)
        and named == " ".join(str(referrer.get("name", "")).split()).casefold(),
        no_parent_details=bool(carers.get("own_consent")),
    )


def blank_form(page: Page, state: State, ctx: FormContext) -> PageForm:
    """The page as last answered (or, for a parent's first visit to the carers page, with
    the parent's own details to start from)."""
    initial: dict[str, Any] = dict(state.pages.get(page.slug, {}))
    referrer = state.pages.get("about-you", {})
    if page.slug == "parents-and-carers" and not initial and state.route == Route.PARENT:
        initial = {
            "carer_name": referrer.get("name", ""),
            "carer_relationship": referrer.get("relationship", ""),
            "carer_phone": referrer.get("phone", ""),
            "carer_email": referrer.get("email", ""),
        }
    return page.form_class(ctx=ctx, initial=initial)


def shown_form(page: Page, state: State, ctx: FormContext) -> PageForm:
    """The page as it was answered, checked again (a later change can unsettle it), or, when
    it has not been, as `blank_form`."""
    saved = state.pages.get(page.slug)
    if saved is None:
        return blank_form(page, state, ctx)
    form = page.form_class(saved, ctx=ctx)
    form.is_valid()
    return form


def first_unanswered(state: State, ctx: FormContext) -> Page | None:
    """The first page the answers so far call for that has no answer yet (None: all have)."""
    return next((page for page in pages_asked(state, ctx) if page.slug not in state.pages), None)


def reachable(state: State, page: Page, ctx: FormContext) -> bool:
    """Whether the person may answer `page` now: it is asked on their route, with their
    answers so far, and every page before it has an answer."""
    pages = pages_asked(state, ctx)
    if page not in pages:
        return False
    missing = first_unanswered(state, ctx)
    return missing is None or pages.index(missing) >= pages.index(page)


def next_page(state: State, after: Page, ctx: FormContext) -> Page | None:
    """The page to ask next, or None for the check page."""
    pages = pages_asked(state, ctx)
    if state.changing:
        return first_unanswered(state, ctx)
    later = pages[pages.index(after) + 1 :] if after in pages else []
    return later[0] if later else None


def previous_page(state: State, page: Page, ctx: FormContext) -> Page | None:
    """Where "Back" goes: the page before, or None for the check page when changing."""
    pages = pages_asked(state, ctx)
    if state.changing or page not in pages:
        return None
    return pages[max(pages.index(page) - 1, 0)]


@dataclass(frozen=True)
class Section:
    page: Page
    title: str
    rows: list[tuple[str, str]]


@dataclass(frozen=True)
class Review:
    """Every answer checked again: the sections to show, or the first page to answer."""

    sections: list[Section]
    answers: ReferralAnswers | None
    stop: tuple[Page, PageForm] | None = None


def review(state: State, choices: Choices, today: date) -> Review:
    ctx = context(state, choices, today)
    sections: list[Section] = []
    parts: dict[str, Any] = {}
    for page in pages_asked(state, ctx):
        saved = state.pages.get(page.slug)
        if saved is None:
            return Review(sections, None, (page, blank_form(page, state, ctx)))
        form = page.form_class(saved, ctx=ctx)
        if not form.is_valid():
            return Review(sections, None, (page, form))
        sections.append(Section(page, page.summary_for(ctx.words), form.rows()))
        parts.update(form.answers())
    route = Route(state.route)
    source = {Route.SELF: Source.SELF, Route.PARENT: Source.PARENT}.get(route)
    answers = ReferralAnswers(**{"route": route, **({"source": source} if source else {}), **parts})
    return Review(sections, answers)
