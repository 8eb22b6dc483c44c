"""Every page of the URLconf with real arguments, reached the way people reach them.

`build_world` records one of everything a page can be about (a care record, a concern, a
break-glass grant, a meeting, an audit round, an incident, feedback and its links...). `crawl`
then starts from each persona's home page (and, for a visitor, from the public pages and the
links sent by email), follows every link and form on every page it reaches, and keeps for each
URL name the first real address someone could open, who opened it, the forms that post to it
and the query parameters its links and forms use. A page no link reaches gets an address made
up from its pattern (a UUID no record has, "x"), so a new page is in the map without editing a
test.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from urllib.parse import parse_qsl, urlsplit

from django.test import Client
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve, reverse

from onedoor.access.actions import break_glass
from onedoor.access.roles import save_account
from onedoor.accounts.models import User
from onedoor.accounts.roles import Role
from onedoor.alliance.models import Alliance, IThriveGrouping, Offer, PriorityGroup, RiskRating
from onedoor.care.actions import discharge, record_note, start_transition
from onedoor.care.corrections import correct_note
from onedoor.care.models import Transition
from onedoor.case_audits.actions import add_action, start_round
from onedoor.children.corrections import correct_details
from onedoor.content.actions import Substance, add_item
from onedoor.coproduction.actions import leave_feedback, record_entry, set_themes
from onedoor.coproduction.models import Theme
from onedoor.governance.actions import record_supervision, report_incident, review_incident
from onedoor.integrations.clients import issue_token, register_client
from onedoor.meetings.actions import ActionEntry, AttendeeEntry, ChildDiscussed, record_meeting
from onedoor.outcomes.actions import invite
from onedoor.referrals.actions import confirm_match
from onedoor.referrals.models import MatchCandidate, MatchStatus, Referral, Status
from onedoor.referrals.sharing import withdraw_consent_to_share
from onedoor.referrals.wizard import PAGES, START
from onedoor.safeguarding.actions import add_follow_up, raise_concern
from onedoor.subject_access import actions as subject_access
from onedoor.subject_access.gather import fingerprint, gather
from onedoor.subject_access.models import SubjectAccessRequest
from onedoor.triage.actions import record_decision, screen_risk
from onedoor.triage.models import Outcome
from onedoor.webhooks.subscriptions import subscribe
from tests.forms_built import forms_built
from tests.personas import People, make_child, organisation, sign_in

TODAY = date(2026, 11, 20)  # personas.NOW
# Never followed while crawling: signing out would end the crawl; the admin site is Django's.
NOT_FOLLOWED = {"accounts:logout", "admin"}
# Who crawls, one of each role, those who see most first. Each opens every list they reach,
# but a record only when no one before them could.
CRAWLERS = ("clinical_lead", "kooth_lead", "kooth_practitioner", "triage", "coordinator",
            "manager", "safeguarding", "analyst", "commissioner", "admin", "referrer")  # fmt: skip
# What a made-up address puts for each kind of path converter.
MADE_UP = {"uuid": "00000000-0000-4000-8000-000000000000", "path": "x", "slug": "x", "str": "x"}
MADE_UP["uuidstr"] = MADE_UP["uuid"]  # Django Ninja's UUID converter (`{uuid:name}`)


# The world


def _taken_on(
    alliance: Alliance, name: str, partner: str, status: Status, **extra: object
) -> Referral:
    referral = make_child(
        alliance,
        name,
        allocated_to=partner,
        status=status,
        **extra,  # type: ignore[arg-type]
    ).referrals.get()
    referral.allocated_at = datetime.combine(date(2026, 11, 10), time(12), tzinfo=UTC)
    referral.consent_to_share = True
    referral.save(update_fields=["allocated_at", "consent_to_share"])
    return referral


def build_world(alliance: Alliance, people: People) -> list[str]:
    """One of everything a page can be about; returns the addresses only an email leads to
    (a feedback link, an outcome measure link)."""
    kai = _taken_on(alliance, "Kai", "kooth", Status.IN_INTERVENTION)
    cas = _taken_on(alliance, "Cas", "chums", Status.IN_INTERVENTION, nhs_number="9434765919")
    # awaiting triage, its clock running (so in the queue, and its triage page reached); made
    # by the professional referrer (so their own referral's page is reached)
    make_child(alliance, "Tia", referred_by=people.referrer).referrals.update(
        triage_due_at=datetime(2026, 11, 27, 17, tzinfo=UTC)
    )
    # awaiting triage on a young person's own consent, competence to be confirmed
    make_child(alliance, "Jo", born=date(2011, 1, 1)).referrals.update(
        consent_to_refer=True, consent_given_by="young_person", competence="to_confirm",
        triage_due_at=datetime(2026, 11, 30, 17, tzinfo=UTC),
    )  # fmt: skip
    # in triage and screened, each with a different write next: Ren red and not yet reviewed
    # by a clinician (a decision; the clinical lead's review), Mo waiting for information,
    # Sol's decision waiting for the clinical lead's sign-off
    for name, rating, outcome in (
        ("Ren", RiskRating.RED, None),
        ("Mo", RiskRating.AMBER, Outcome.MORE_INFORMATION),
        ("Sol", RiskRating.AMBER, Outcome.NOT_ACCEPTED),
    ):
        screened = make_child(alliance, name).referrals.get()
        screened.triage_due_at = datetime(2026, 11, 27, 17, tzinfo=UTC)
        screened.save(update_fields=["triage_due_at"])
        screen_risk(
            user=people.triage, referral=screened, version=screened.version, rating=rating,
            indicators={"self_harm"}, rationale="Scratching, no intent.",
        )  # fmt: skip
        if outcome is not None:
            screened.refresh_from_db()
            record_decision(
                user=people.triage, referral=screened, version=screened.version,
                grouping=IThriveGrouping.GETTING_HELP, outcome=outcome,
                reason="With CAMHS already.", information_requested="GP letter",
                information_due=date(2026, 12, 4),
            )  # fmt: skip
    leaver = _taken_on(alliance, "Jordan", "kooth", Status.WAITING, born=date(2006, 1, 1))
    leaver.child.priority_groups.set(
        PriorityGroup.objects.filter(alliance=alliance, slug="care-leaver")
    )
    ended = _taken_on(alliance, "Dee", "kooth", Status.IN_INTERVENTION)
    concern = raise_concern(
        user=people.kooth_practitioner, referral=kai, category="neglect",
        seen_or_said="Came to session hungry.", immediate_actions="Spoke to the school.",
        referred_to_social_care=False, social_care_reference="", owner=people.safeguarding,
    )  # fmt: skip
    add_follow_up(
        user=people.safeguarding, concern=concern, text="Call the school.",
        owner=people.safeguarding, due=date(2026, 11, 27),
    )  # fmt: skip
    break_glass(
        user=people.kooth_practitioner,
        child=cas.child,
        reason="Attended A&E overnight; need the history before calling the family.",
    )
    # rectification and consent to share withdrawn (issue 18): Kai's town corrected and a
    # note of Kai's corrected (their histories shown); CHUMS alone keeps Cas (the banner says)
    correct_details(
        user=people.triage, child=kai.child, details={"town": "Chatham"},
        reason="The family gave the town.", seen=0,
    )  # fmt: skip
    kai_note = record_note(
        user=people.kooth_practitioner, referral=kai, text="Seen with mum.", sharing="alliance"
    )
    correct_note(
        user=people.kooth_practitioner, note=kai_note, text="Seen with dad.", reason="It was dad.",
        seen=0,
    )  # fmt: skip
    withdraw_consent_to_share(
        user=people.coordinator, child=cas.child, keep_working_partner=True,
        reason="The family asked that only CHUMS sees Cas's record.",
    )  # fmt: skip
    # a new practitioner's account waiting for a clinical lead's approval (issue 18)
    newcomer = User(username="nia-new", role=Role.PRACTITIONER, first_name="Nia",
                    organisation=organisation(alliance, "kooth"))  # fmt: skip
    newcomer.set_unusable_password()
    save_account(by=people.admin, user=newcomer, before=None)
    feedback = leave_feedback(alliance=alliance, helpful=4, comments="A quick reply.")
    theme = Theme.objects.create(alliance=alliance, slug="waiting", name="Waiting times")
    set_themes(user=people.manager, feedback=feedback, themes=[theme])
    record_entry(
        user=people.manager, theme=theme, you_said="Waits were long.",
        we_did="We added evening sessions.", changed_on=TODAY, any_time_feedback=[feedback],
        published=True,
    )  # fmt: skip
    add_item(
        user=people.clinical_lead,
        substance=Substance(
            title="Sleep well leaflet",
            kind="leaflet",
            description="Sleep tips.",
            link="https://example.org/sleep",
            min_age=5,
            max_age=18,
            needs=[],
        ),
    )
    record_meeting(
        user=people.coordinator, kind="multi_agency", held_on=date(2026, 11, 2),
        title="Support at school and at home", chair_name="Pat Example, social care",
        attendees=[AttendeeEntry("Lee Sample", "School"), AttendeeEntry(user=people.kooth_lead)],
        children=[ChildDiscussed(kai, "Weekly check-ins.")],
        actions=[ActionEntry("Call the school.", people.kooth_lead, date(2026, 11, 27), kai)],
        today=TODAY,
    )  # fmt: skip
    audit_round = start_round(
        user=people.clinical_lead, title="Quarterly audit", allocated_from=date(2026, 11, 1),
        allocated_to=date(2026, 11, 19), organisations=[organisation(alliance, "kooth")],
        seed=2027, today=TODAY,
    )  # fmt: skip
    add_action(
        user=people.clinical_lead, audit_round=audit_round, action="Refresh the training.",
        owner=people.kooth_lead, due_on=date(2026, 12, 18), today=TODAY,
    )  # fmt: skip
    record_supervision(
        user=people.kooth_lead, practitioner=people.kooth_practitioner,
        held_on=date(2026, 11, 16), cases=[kai], actions="Review the plan.",
        reflections="Felt stretched.", today=TODAY,
    )  # fmt: skip
    report_incident(
        user=people.kooth_practitioner, kind="incident", severity="low",
        title="Letter to an old address", what_happened="A letter went astray.",
        occurred_on=date(2026, 11, 19), today=TODAY,
    )  # fmt: skip
    invitation = invite(
        user=people.kooth_practitioner, referral=kai, measure="yp-core",
        respondent="young_person", email="kai@example.org",
    )  # fmt: skip
    ended_with = discharge(
        user=people.kooth_practitioner, referral=ended, reason="goals_met", summary="Done."
    )
    _pages_of_their_own(alliance, people, kai)
    _subject_access_requests(people, kai, cas)
    return [
        reverse("care:feedback", args=[ended_with.feedback_token]),
        reverse("outcomes:complete", args=[invitation.token]),
    ]


def _pages_of_their_own(alliance: Alliance, people: People, kai: Referral) -> None:
    """What the remaining pages are about: a referral that may be about Kai (its matches) and
    one confirmed to be (undoing the match); a referral the eligibility rules turned away (its
    overrule); an allocation waiting for Kooth's answer; a handover from CHUMS waiting for
    Kooth's, and a step-up to specialist CAMHS waiting for theirs; an incident under review
    (its practice change); an API client with a token."""
    for name, confirmed in (("Rio", False), ("Kaiden", True)):
        maybe = make_child(alliance, name).referrals.get()
        maybe.match_status = MatchStatus.POSSIBLE
        maybe.save(update_fields=["match_status"])
        candidate = MatchCandidate.objects.create(
            referral=maybe, child=kai.child, score=80, reasons=["Same date of birth and postcode"]
        )
        if confirmed:
            confirm_match(user=people.triage, candidate=candidate)
    make_child(alliance, "Sol", status=Status.SIGNPOSTED).referrals.update(
        eligible=False, ineligibility_reason="Lives outside the area."
    )
    _taken_on(alliance, "Noa", "kooth", Status.ALLOCATED)
    start_transition(
        user=people.kooth_practitioner,
        referral=_taken_on(alliance, "Eli", "kooth", Status.IN_INTERVENTION),
        kind=Transition.Kind.STEP_UP, reason="Risk has risen.",
        receiving_organisation=organisation(alliance, "specialist-camhs"),
        receiving_offer=None, handover="Daily self-harm urges.",
    )  # fmt: skip
    ash = _taken_on(alliance, "Ash", "chums", Status.IN_INTERVENTION)
    kooth = organisation(alliance, "kooth")
    start_transition(
        user=people.chums_practitioner, referral=ash, kind=Transition.Kind.BETWEEN_PARTNERS,
        reason="Closer to home.", receiving_organisation=kooth,
        receiving_offer=Offer.objects.filter(organisation=kooth).first(), handover="Weekly.",
    )  # fmt: skip
    reviewed = report_incident(
        user=people.kooth_lead, kind="near_miss", severity="no_harm", title="Wrong room booked",
        what_happened="Two sessions in one room.", occurred_on=date(2026, 11, 18), today=TODAY,
    )  # fmt: skip
    review_incident(
        user=people.clinical_lead, incident=reviewed, findings="Double booking.", lessons=""
    )
    # an API client with a token in use (its page, and each change to it)
    api_client = register_client(
        user=people.admin, organisation=organisation(alliance, "kooth"), name="Kooth online",
        scopes=["cases:read", "contacts:write"],
    )  # fmt: skip
    issue_token(user=people.admin, client=api_client)
    # ... and its system's event subscription, which its page lists
    subscribe(
        client=api_client,
        url="https://kooth.example/onedoor/events/a-long-path-that-must-wrap-at-320-pixels",
        events=["referral.allocated", "handover.requested"],
    )


def _subject_access_requests(people: People, kai: Referral, cas: Referral) -> None:
    """Kai's request under review with a redaction (the first on the list: its writes); Cas's
    reviewed (its disclosure page); and Kai's earlier one disclosed (its downloads)."""
    lead = people.clinical_lead

    def opened(referral: Referral, received: date) -> SubjectAccessRequest:
        request = subject_access.open_request(
            user=lead, child=referral.child, carer=None, requester_name="Sam Example",
            requester_contact="sam@example.org", received_on=received,
        )  # fmt: skip
        return subject_access.start_review(user=lead, request=request)

    def reviewed(request: SubjectAccessRequest) -> SubjectAccessRequest:
        sections = gather(request, lead)
        return subject_access.mark_reviewed(
            user=lead, request=request, sections=sections, seen=fingerprint(sections)
        )

    reviewing = opened(kai, date(2026, 11, 2))
    section = next(s for s in gather(reviewing, lead) if s.record_type == "referral")
    subject_access.withhold(
        user=lead, request=reviewing, section=section, item=section.items[0],
        field="referrer_name", reason="third_party",
    )  # fmt: skip
    reviewed(opened(cas, date(2026, 11, 10)))
    earlier = reviewed(opened(kai, date(2026, 10, 1)))
    subject_access.disclose(
        user=lead, request=earlier, to="Sam Example", sections=gather(earlier, lead),
        service="Medway",
    )  # fmt: skip


# The URLconf


def url_names() -> dict[str, URLPattern]:
    """Every named address outside the admin site (which is Django's own)."""

    def walk(resolver: URLResolver, namespace: str) -> Iterator[tuple[str, URLPattern]]:
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                if entry.namespace == "admin":
                    continue
                inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                yield from walk(entry, inner)
            elif isinstance(entry, URLPattern) and entry.name:
                yield f"{namespace}{entry.name}", entry

    return dict(walk(get_resolver(), ""))


def arguments_of(name: str) -> dict[str, object]:
    """The address's arguments: name -> converter."""
    return url_names()[name].pattern.converters  # type: ignore[attr-defined,no-any-return]


# What makes a page a record page (which carries the child banner): its address names one
# referral, child, transition (a handover), safeguarding concern, break-glass grant or audited
# case.
RECORD_ARGUMENTS = {
    "referral_uuid", "child_uuid", "transition_uuid", "concern_uuid", "grant_uuid", "case_uuid",
}  # fmt: skip


def is_record_page(name: str) -> bool:
    return bool(set(arguments_of(name)) & RECORD_ARGUMENTS)


def made_up_path(name: str) -> str:
    """An address for `name` with an argument of the right kind in each place."""
    converters = url_names()[name].pattern.converters  # type: ignore[attr-defined]
    return reverse(name, kwargs={key: _made_up(c) for key, c in converters.items()})


def _made_up(converter: object) -> str:
    return MADE_UP.get(type(converter).__name__.removesuffix("Converter").lower(), "x")


def name_of(path: str) -> str | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.view_name


# The crawl


@dataclass(frozen=True)
class Form:
    action: str  # the path it posts to
    fields: tuple[tuple[str, str], ...]  # what the page would send, before anyone types
    user: User | None  # who saw it (None: a visitor)


@dataclass
class Reached:
    path: str
    user: User | None  # the first who opened it (None: a visitor)
    status: int
    per_persona: bool = False  # a list (no arguments): each persona sees their own


@dataclass
class SiteMap:
    pages: dict[str, Reached] = field(default_factory=dict)  # by URL name
    forms: dict[str, list[Form]] = field(default_factory=dict)  # by the URL name they post to
    query_names: dict[str, set[str]] = field(default_factory=dict)  # by URL name
    made_up: set[str] = field(default_factory=set)  # names no link reached
    # the most unbound Django forms one GET of the page built (its blank forms), by URL name
    blank_forms: dict[str, int] = field(default_factory=dict)

    def every_page(self) -> list[tuple[str, Reached]]:
        return sorted(self.pages.items())


_ATTRIBUTE = re.compile(r'([a-zA-Z_:-]+)\s*=\s*"([^"]*)"')
_TAG = re.compile(r"<(form|/form|input|select|/select|option|textarea|button|a)\b([^>]*)>", re.I)


def _attributes(text: str) -> dict[str, str]:
    return {key.lower(): html.unescape(value) for key, value in _ATTRIBUTE.findall(text)}


def _internal(href: str, here: str) -> str | None:
    if href.startswith("?"):
        href = here.split("?")[0] + href
    if not href.startswith("/") or href.startswith("//") or href.startswith("/static/"):
        return None
    return href.split("#")[0]


def _read(site: SiteMap, page: str, here: str, user: User | None) -> list[str]:
    """The forms on `page`, and the internal links to follow."""
    links: list[str] = []
    form: dict[str, str] | None = None
    fields: list[tuple[str, str]] = []
    select: str | None = None
    for tag, rest in _TAG.findall(page):
        tag, attributes = tag.lower(), _attributes(rest)
        if tag == "a" and (link := _internal(attributes.get("href", ""), here)):
            links.append(link)
        elif tag == "form":
            form, fields = attributes, []
        elif tag == "/form" and form is not None:
            action = _internal(form.get("action") or here, here) or here
            name = name_of(urlsplit(action).path)
            if name is not None and form.get("method", "get").lower() == "post":
                known = site.forms.setdefault(name, [])
                if all([n for n, _ in f.fields] != [n for n, _ in fields] for f in known):
                    known.append(Form(action, tuple(fields), user))
            elif name is not None:
                site.query_names.setdefault(name, set()).update(n for n, _ in fields)
                links.append(action)
            form = None
        elif form is None:
            continue
        elif tag == "input" and "name" in attributes:
            kind = attributes.get("type", "text")
            if kind not in {"checkbox", "radio"} or "checked" in rest:
                fields.append((attributes["name"], attributes.get("value", "")))
            elif not any(n == attributes["name"] for n, _ in fields):
                fields.append((attributes["name"], attributes.get("value", "on")))
        elif tag in {"textarea", "button"} and "name" in attributes:
            fields.append((attributes["name"], attributes.get("value", "")))
        elif tag == "select" and "name" in attributes:
            select = attributes["name"]
            fields.append((select, ""))
        elif tag == "/select":
            select = None
        elif tag == "option" and select is not None and fields[-1] == (select, ""):
            fields[-1] = (select, attributes.get("value", ""))  # the first choice with a value
    return links


def crawl(
    client: Client, people: People, entry_points: list[str], records_per_name: int = 1
) -> SiteMap:
    """Open every page a visitor and the personas can reach (a list once per persona, a record
    once in all, or up to `records_per_name` records of a kind, to find the links only some
    records have); then an address for each name none of them reached: where its form posts,
    or one made up."""
    site = SiteMap()
    records: dict[str, set[str]] = {}  # the addresses opened of each record page
    public = ["/refer/", "/feedback/", "/you-said-we-did/", "/track/", "/accounts/login/"]
    steps = [reverse("referrals:step", args=[page.slug]) for page in PAGES if page is not START]
    visitors: list[tuple[User | None, list[str]]] = [(None, public + steps + entry_points)]
    crawlers = [getattr(people, persona) for persona in CRAWLERS]
    assert {user.role for user in crawlers} == {user.role for user in people.by_role().values()}
    # "/" sends a professional referrer to their own referrals, a redirect the crawl doesn't follow.
    visitors += [
        (user, ["/", "/referrers/"] if user.role == Role.PROFESSIONAL_REFERRER else ["/"])
        for user in crawlers
    ]
    for user, starts in visitors:
        if user is None:
            client.logout()
        else:
            sign_in(client, user)
        queue, seen, opened = list(starts), set(starts), set[str]()
        while queue:
            path = queue.pop(0)
            name = name_of(urlsplit(path).path)
            if name is None or {name, name.split(":")[0]} & NOT_FOLLOWED:
                continue
            query = {key for key, _ in parse_qsl(urlsplit(path).query, keep_blank_values=True)}
            site.query_names.setdefault(name, set()).update(query)
            known = site.pages.get(name)
            if known and known.status == 200 and not known.per_persona:
                opened_records = records.setdefault(name, set())
                if path in opened_records or len(opened_records) >= records_per_name:
                    continue  # a record or download someone has opened (often enough)
            elif name in opened:
                continue  # opened by this persona
            opened.add(name)
            with forms_built() as built:
                response = client.get(path)
            blank = sum(not form.is_bound for form in built)
            site.blank_forms[name] = max(site.blank_forms.get(name, 0), blank)
            html_page = "html" in response.get("Content-Type", "")
            if known is None or (response.status_code == 200 and known.status != 200):
                is_list = html_page and not resolve(urlsplit(path).path).kwargs
                site.pages[name] = Reached(path, user, response.status_code, is_list)
            if response.status_code == 200 and not site.pages[name].per_persona:
                records.setdefault(name, set()).add(path)
            if response.status_code != 200 or not html_page:
                continue
            for link in _read(site, response.content.decode(), path, user):
                if link not in seen:
                    seen.add(link)
                    queue.append(link)
    for name in url_names():
        if name in site.pages:
            continue
        if name in site.forms:  # a page that only takes a form: where the form goes
            form = site.forms[name][0]
            site.pages[name] = Reached(form.action, form.user, 0)
        else:
            site.made_up.add(name)
            site.pages[name] = Reached(made_up_path(name), None, 0)
    return site
