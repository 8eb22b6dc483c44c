"""No 500 on bad input: whatever is typed into a form or into a list's address, the answer is
a page with a field error or a 400, never a 5xx.

Nothing here names a page. `tests/site_map.py` crawls the URLconf's pages as each role, and
every form it finds, every list's query parameters (those its links and filter forms use, and
those its view's module reads from `request.GET`) and each page of the public referral form
are sent hostile values: huge and negative numbers, twenty digits, unicode, NUL bytes, very
long text, malformed UUIDs, dates and cursors, and several values where one is expected, with
extra parameters no page asks for.
"""

from __future__ import annotations

import base64
import inspect
import re
import sys
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.db.models import IntegerField
from django.forms import BaseForm, ModelMultipleChoiceField
from django.test import Client
from django.urls import get_resolver, resolve
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from onedoor.accounts.models import User
from onedoor.alliance.models import Alliance, DirectoryService, IThriveGrouping, RiskRating
from onedoor.record_choices import RecordsChoiceField
from onedoor.referrals.models import Status
from onedoor.referrals.wizard import PAGES, START
from onedoor.triage.actions import screen_risk
from onedoor.triage.models import Outcome, TriageDecision
from tests.personas import People, make_child, sign_in
from tests.site_map import Form, SiteMap, build_world, crawl, name_of
from tests.test_referral_form import PARENT, PROFESSIONAL, SELF, Answers

# Never sent: signing out would end the run, and signing in again is not bad input.
NOT_SENT = {"accounts:logout"}
TWENTY_DIGITS = "9" * 20
NASTY = (
    TWENTY_DIGITS, f"-{TWENTY_DIGITS}", str(2**63), str(-(2**63) - 1), "0", "-1", "1e309", "nan",
    "-0", "1.5", "", " ", "\x00", "a\x00b", "x" * 20_000, "\u202e\ufeff\U0001f600",
    "00000000-0000-0000-0000-00000000000g", "{not-a-uuid}", "12345678123456781234567812345678",
    "t99999999999999999999_1", "d0_1", "1_2_3_4_5", "_", "t-1_d1", "d3652059_9", "31 2 2026",
    "0 0 0", f"{TWENTY_DIGITS} {TWENTY_DIGITS} 2020", "2026-13-45", "29/02/2025", "12 3 99999",
    "27 3 2027 25:61", "<script>alert(1)</script>", "' OR 1=1 --", "../../etc/passwd", "%00",
    "\r\nSet-Cookie: x=y",
)  # fmt: skip
HOSTILE_TEXT = st.one_of(
    st.sampled_from(NASTY),
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.text(max_size=40),
    st.binary(max_size=24).map(lambda raw: base64.urlsafe_b64encode(raw).decode()),
)
VALUE = st.one_of(HOSTILE_TEXT, st.lists(HOSTILE_TEXT, min_size=2, max_size=3))
EXTRA = st.dictionaries(st.text(min_size=1, max_size=12), VALUE, max_size=2)
# A few examples per page, each a single request, so a failure shrinks quickly and names its
# page. The `@given` functions are made inside the tests and take no fixtures, so hypothesis's
# function-scoped-fixture check has nothing to warn about: the one world built for a test is
# shared by its examples on purpose (the pages are under test, not the records).
HOSTILE = settings(
    max_examples=10,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
# Answers 503 when the service is unwell (a worker or the scheduler missing): its job.
OWN_503 = {"web:health"}


@pytest.fixture
def site(client: Client, alliance: Alliance, people: People) -> SiteMap:
    site = crawl(client, people, build_world(alliance, people))
    assert len(site.pages) - len(site.made_up) >= 60, site.made_up  # the crawl reached them
    assert len(site.forms) >= 30, sorted(site.forms)
    return site


class Visits:
    """One test client per persona, signed in once, for the whole run."""

    def __init__(self) -> None:
        self._clients: dict[User | None, Client] = {}

    def client_for(self, user: User | None) -> Client:
        if user not in self._clients:
            client = Client()
            if user is not None:
                sign_in(client, user)
            self._clients[user] = client
        return self._clients[user]


def _hostile(fields: list[tuple[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    """Each field kept as the page would send it, or made hostile; plus extra fields."""
    values = [st.one_of(st.just(value), VALUE) for _, value in fields]

    def sent(chosen: list[Any], extra: dict[str, Any]) -> dict[str, Any]:
        answers: dict[str, Any] = {}
        for (name, _), value in zip(fields, chosen, strict=True):
            answers[name] = [*answers[name], value] if name in answers else value
        return extra | answers

    return st.builds(sent, st.tuples(*values).map(list), EXTRA)


def _names_read_by_view(path: str) -> set[str]:
    """The query parameters the view's module reads: `request.GET.get("after")` and the like."""
    module = sys.modules[resolve(urlsplit(path).path).func.__module__]
    source = inspect.getsource(module)
    return set(re.findall(r"""GET(?:\.get|\.getlist)?[(\[]\s*["'](\w+)["']""", source))


def _never_5xx(
    client: Client,
    method: str,
    path: str,
    fields: list[tuple[str, Any]],
    examples: int = 10,
    **fixed: str,
) -> None:
    """Send `fields`, made hostile, a few times: the answer is never a 5xx."""
    name = name_of(path)

    @settings(HOSTILE, max_examples=examples)
    @given(answers=_hostile(fields))
    def answer(answers: dict[str, Any]) -> None:
        # A failure names the page and each field with what was sent (a crash in the view is
        # raised here, so the assertion's own message would not be seen).
        sent = answers | fixed
        note(f"{method.upper()} {path} {_shortened(sent)!r}")
        status = getattr(client, method)(path, sent).status_code
        assert status < 500 or (name in OWN_503 and status == 503), (method, path, status)

    answer()


def _shortened(answers: dict[str, Any]) -> dict[str, Any]:
    """Very long text as its start and length, so a failing example stays readable."""

    def short(value: Any) -> Any:
        if isinstance(value, list):
            return [short(item) for item in value]
        return value if len(value) <= 80 else f"{value[:40]}... ({len(value)} characters)"

    return {name: short(value) for name, value in answers.items()}


def test_no_list_or_form_answers_5xx_to_hostile_input(site: SiteMap) -> None:
    visits = Visits()
    posted = set()
    for name, reached in site.every_page():
        path = urlsplit(reached.path).path
        names = site.query_names.get(name, set()) | _names_read_by_view(path) | {"after"}
        _never_5xx(visits.client_for(reached.user), "get", path, [(n, "") for n in sorted(names)])
        if name in NOT_SENT:
            continue
        for form in site.forms.get(name) or [Form(path, (), reached.user)]:
            fields = [(key, value) for key, value in form.fields if key != "csrfmiddlewaretoken"]
            _never_5xx(visits.client_for(form.user), "post", form.action, fields)
            posted.add(name)
    assert set(site.forms) - NOT_SENT <= posted  # every form found was sent


def _walked(answers: Answers) -> Client:
    """A browser session that has answered every page of the route with good answers, so that
    each page is open to it (the answers are kept on the server, for the session)."""
    client = Client()
    for slug, data in answers.items():
        response = client.post("/refer/" if slug == "start" else f"/refer/{slug}/", data)
        assert response.status_code == 303, (slug, response.status_code)
    return client


def test_no_page_of_the_referral_form_answers_5xx_to_hostile_answers(db: None) -> None:
    steps = [page for page in PAGES if page is not START]
    assert len(steps) >= 8
    for good in (PARENT, PROFESSIONAL, SELF):
        client = _walked(good)
        for page in steps:
            answers = good.get(page.slug, {})
            fields = [(key, answers.get(key, "")) for key in page.form_class.base_fields]
            _never_5xx(client, "post", f"/refer/{page.slug}/", fields, 30)
            _never_5xx(client, "get", f"/refer/{page.slug}/", [("change", "1")])
        for path in ("/refer/send/", "/refer/"):
            _never_5xx(client, "post", path, [("action", "")])
        _never_5xx(client, "get", "/refer/check/", [("change", "")])


# The roots of the 500s this file found, each fixed once.


def test_a_date_of_birth_of_twenty_digits_is_a_field_error(db: None) -> None:
    client = _walked({"start": PARENT["start"], "about-you": PARENT["about-you"]})
    answers = {"given_name": "Maya", "family_name": "Example",
               "dob_day": TWENTY_DIGITS, "dob_month": "3", "dob_year": "2015"}  # fmt: skip
    response = client.post("/refer/young-person/", answers)
    assert response.status_code == 400
    assert "Date of birth must be a real date" in response.content.decode()


def test_a_hand_edited_cursor_is_a_400(client: Client, people: People) -> None:
    sign_in(client, people.clinical_lead)
    for after in ("1_1", f"d738000_{TWENTY_DIGITS}", "not-a-cursor", "t1_2_3_4"):
        response = client.get("/governance/meetings/", {"after": after})
        assert response.status_code == 400, after
        assert "<h1>Something is wrong with that request</h1>" in response.content.decode()


def test_an_id_too_big_for_the_database_is_a_field_error(client: Client, people: People) -> None:
    sign_in(client, people.triage)
    response = client.post("/referrals/advice/new/", {"signposted": [TWENTY_DIGITS, "1"]})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_a_triage_decision_signposting_to_an_id_too_big_is_a_field_error(
    client: Client, alliance: Alliance, people: People
) -> None:
    """Only the chosen outcome's fields are read, so this needs advice and signposting chosen:
    the random runs hit it only now and then."""
    referral = make_child(alliance, "Ren").referrals.get()
    screen_risk(
        user=people.triage, referral=referral, version=referral.version, rating=RiskRating.AMBER,
        indicators={"self_harm"}, rationale="Scratching, no intent.",
    )  # fmt: skip
    referral.refresh_from_db()
    version = referral.version
    service = DirectoryService.objects.fitting_age(12).filter(alliance=alliance).first()
    assert service is not None
    sign_in(client, people.triage)
    for chosen in ([TWENTY_DIGITS], [str(service.pk), str(2**63)], [f"-{TWENTY_DIGITS}"]):
        response = client.post(
            f"/triage/{referral.uuid}/decision/",
            {"version": referral.version, "grouping": IThriveGrouping.GETTING_HELP,
             "outcome": Outcome.ADVICE, "materials_sent": "A leaflet on sleep.",
             "signposted": chosen},
        )  # fmt: skip
        assert response.status_code == 400, chosen
        assert f"Select a valid choice. {chosen[-1]} is not one of the available choices." in (
            response.content.decode()
        )
    referral.refresh_from_db()
    assert (referral.status, referral.version) == (Status.AWAITING_TRIAGE, version)
    assert not TriageDecision.objects.filter(referral=referral).exists()


def test_every_choice_of_records_by_integer_id_refuses_an_id_too_big() -> None:
    """The root of both: Django's `ModelMultipleChoiceField` asks SQLite about every id at once
    (`pk__in`), which overflows on an id wider than its integers. Every form's choice of
    several records by integer id is a `RecordsChoiceField`, which refuses such an id first."""
    get_resolver().url_patterns  # noqa: B018 - imports every view, and so every form
    by_id = {
        f"{form.__module__}.{form.__qualname__}.{name}": isinstance(field, RecordsChoiceField)
        for form in _subclasses(BaseForm)
        if form.__module__.startswith("onedoor.")
        for name, field in getattr(form, "base_fields", {}).items()  # a Form's or ModelForm's
        if isinstance(field, ModelMultipleChoiceField)
        and field.to_field_name is None
        and (field.queryset is None or isinstance(field.queryset.model._meta.pk, IntegerField))
    }
    assert [name for name, guarded in by_id.items() if not guarded] == []
    assert {  # the walk found the forms: these three at least
        "onedoor.content.forms.ItemForm.needs",
        "onedoor.referrals.staff_forms.AdviceContactForm.signposted",
        "onedoor.triage.forms.DecisionForm.signposted",
    } <= set(by_id)


def _subclasses(kind: type[BaseForm]) -> Iterator[type[BaseForm]]:
    for sub in kind.__subclasses__():
        yield sub
        yield from _subclasses(sub)
