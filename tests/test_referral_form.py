"""The public referral form at /refer/: its pages, their messages, and what it sends.

Each step has its own address and the answers are kept on the server for the browser session
(`referrals/saved_answers.py`), so these tests keep one client (its session) for one person and
follow each redirect, as a browser would.
"""

from __future__ import annotations

import html
import re
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from ipaddress import ip_network
from typing import Any
from unittest import mock

import pytest
import time_machine
from django.core.cache import cache
from django.db import OperationalError, connection
from django.test import Client

from onedoor import clock
from onedoor.alliance.models import Alliance
from onedoor.children.models import Child
from onedoor.children.nhs_number import is_valid
from onedoor.referrals import views
from onedoor.referrals.actions import PUBLIC_SUBMISSIONS_PER_HOUR, submit_referral
from onedoor.referrals.form_parts import uk_phone_number
from onedoor.referrals.models import Referral, SavedAnswers, SubmissionAttempt
from onedoor.referrals.saved_answers import SESSION_KEY, opened
from onedoor.referrals.wizard import State
from tests.personas import NOW, shown

Answers = dict[str, dict[str, Any]]
Response = Any  # the test client's response (a stubs-only type)
NHS_NUMBER = "943 476 5919"
YEAR = NOW.year  # the pinned clock's year (tests/conftest.py)


def born(years: int) -> dict[str, str]:
    """A date of birth (1 January) that makes someone `years` old today."""
    return {"dob_day": "1", "dob_month": "1", "dob_year": str(YEAR - years)}


CHILD = {
    "given_name": "Maya",
    "family_name": "Example",
    **born(9),
    "gender": "female",
    "ethnicity": "A",
    "address_line_1": "1 High Street",
    "town": "Chatham",
    "postcode": "me4 4ab",
    "nhs_number": "",
    "school": "Chatham Primary",
}
LATER_PAGES: Answers = {
    "reasons": {"reasons": "Worries a lot and has stopped going to school.", "needs": ["anxiety"]},
    "safety": {"risks": ["none"]},
    "communication": {"interpreter": "no"},
    "more-about": {},
}
PARENT: Answers = {
    "start": {"who": "parent"},
    "about-you": {"name": "Priya Example", "relationship": "Mother", "email": "priya@example.org"},
    "young-person": CHILD,
    "parents-and-carers": {
        "carer_name": "Priya Example",
        "carer_relationship": "Mother",
        "carer_email": "priya@example.org",
        "parental_responsibility": "yes",
    },
    **LATER_PAGES,
    "consent": {"agreed": "parent_carer", "share": "yes"},
}
PROFESSIONAL: Answers = {
    "start": {"who": "professional"},
    "about-you": {
        "name": "Sam Teacher",
        "role": "Designated safeguarding lead",
        "organisation": "Chatham Grammar",
        "source": "school",
        "email": "sam@school.example.org",
    },
    "young-person": {**CHILD, "given_name": "Leo", **born(15)},
    "parents-and-carers": {
        "carer_name": "Ana Example",
        "carer_relationship": "Mother",
        "carer_phone": "07700 900982",
        "parental_responsibility": "yes",
    },
    **LATER_PAGES,
    "consent": {
        "agreed": "young_person",
        "competent": "yes",
        "share": "yes",
        "contact_family": "no",
    },
}
SELF: Answers = {
    "start": {"who": "self"},
    "young-person": {**CHILD, "given_name": "Jo", **born(17), "email": "jo@example.org"},
    "parents-and-carers": {},
    **LATER_PAGES,
    "consent": {"agreed": "young_person", "share": "no", "contact_family": "no"},
}


def errors(response: Response) -> list[tuple[str, str]]:
    """The error summary: where each message links to, and the message."""
    found = re.findall(r'<li><a href="#([^"]+)">(.*?)</a></li>', response.content.decode())
    return [(target, html.unescape(message)) for target, message in found]


def messages(response: Response) -> list[str]:
    return [message for _, message in errors(response)]


def heading(response: Response) -> str:
    match = re.search(r"<h1[^>]*>(.*?)</h1>", response.content.decode(), re.S)
    assert match is not None, response.content.decode()
    return html.unescape(match.group(1).strip())


def path(slug: str) -> str:
    return "/refer/" if slug == "start" else f"/refer/{slug}/"


def saved(client: Client) -> State:
    """The answers the client's session has kept on the server, opened."""
    state = opened(SavedAnswers.objects.get(uuid=client.session[SESSION_KEY]))
    assert state is not None
    return state


class Journey:
    """One person filling in the form in one browser session, following each redirect."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.response: Response = client.get("/refer/")

    @property
    def saved(self) -> State:
        return saved(self.client)

    @property
    def changing(self) -> bool:
        """The page shown was opened from the check page (`?change=1`)."""
        return "change=1" in self.response.request.get("QUERY_STRING", "")

    def get(self, url: str) -> Response:
        self.response = self.client.get(url, follow=True)
        return self.response

    def post(self, url: str, data: dict[str, Any] | None = None) -> Response:
        self.response = self.client.post(url, data or {}, follow=True)
        return self.response

    def answer(self, slug: str, data: dict[str, Any]) -> Response:
        """Answer the page `slug` as its form posts it (to the check page's change address
        when the page shown came from there)."""
        return self.post(path(slug) + ("?change=1" if self.changing else ""), data)

    def walk(self, answers: Answers, *, until: str = "") -> Response:
        for slug, data in answers.items():
            if slug == until:
                break
            response = self.answer(slug, data)
            assert messages(response) == [], (slug, messages(response))
        return self.response

    def send(self, data: dict[str, Any] | None = None) -> Response:
        return self.post("/refer/send/", data)


@pytest.fixture(autouse=True)
def _no_cached_choices() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def journey(client: Client, alliance: Alliance) -> Journey:
    return Journey(client)


@pytest.fixture
def database_down() -> Callable[[], Any]:
    """Every query fails while the returned context is open, as when the database is down."""

    def refuse(*args: object) -> None:
        raise OperationalError("the database is unavailable")

    return lambda: connection.execute_wrapper(refuse)


def crisis_line(name: str, number: str, href: str, *, strong: bool = True) -> str:
    """A crisis line as the page gives it: its number a link to call (hazard H40)."""
    link = f'<a href="{href}" aria-label="Call {name} on {number}">{number}</a>'
    return f"{'<strong>' if strong else ''}{name}</strong>: {link}."


# The start page


def test_the_start_page_asks_who_is_asking_and_gives_the_crisis_lines(journey: Journey) -> None:
    page = journey.response.content.decode()

    assert heading(journey.response) == "Ask for help for a child or young person"
    assert crisis_line("Childline", "0800 1111", "tel:08001111") in page
    assert crisis_line("NHS 111, option 2", "111", "tel:111") in page
    assert (
        '<input type="text" id="website" name="website" value="" tabindex="-1" autocomplete="off">'
        in page
    )
    assert '<label for="website">Leave this empty</label>' in page
    assert SESSION_KEY not in journey.client.session  # nothing kept until an answer is given
    assert SavedAnswers.objects.count() == 0


def test_without_the_database_the_start_page_gives_fixed_crisis_lines(
    client: Client, db: None, database_down: Callable[[], Any]
) -> None:
    with database_down():
        response = client.get("/refer/")

    page = response.content.decode()
    assert response.status_code == 200
    for line in (
        crisis_line("Emergency services", "999", "tel:999", strong=False),
        crisis_line("NHS 111, option 2", "111", "tel:111", strong=False),
    ):
        assert line in page
    for line in (
        crisis_line("Childline", "0800 1111", "tel:08001111", strong=False),
        crisis_line("Samaritans", "116 123", "tel:116123", strong=False),
    ):
        assert line in page


def test_each_new_form_gets_its_own_submission_key(alliance: Alliance) -> None:
    first, second = Journey(Client()), Journey(Client())
    first.answer("start", PARENT["start"])
    second.answer("start", PARENT["start"])

    assert first.saved.key != second.saved.key


# Each page's messages


@pytest.mark.parametrize(
    ("answers", "slug", "data", "expected"),
    [
        (PARENT, "start", {}, [("id_who", "Select who you are")]),
        (
            PARENT,
            "about-you",
            {},
            [
                ("id_name", "Enter your full name"),
                (
                    "id_relationship",
                    "Enter your relationship to the child, like mother or foster carer",
                ),
                (
                    "id_email",
                    "Enter an email address or a phone number, so the team can contact you",
                ),
            ],
        ),
        (
            PARENT,
            "about-you",
            {"name": "x" * 101, "relationship": "Mother", "email": "priya@", "phone": "12345"},
            [
                ("id_name", "Your name must be 100 characters or less"),
                ("id_email", "Enter an email address in the correct format, like name@example.com"),
                (
                    "id_phone",
                    "Enter a phone number, like 01632 960 001, 07700 900 982 or +44 808 157 0192",
                ),
            ],
        ),
        (
            PROFESSIONAL,
            "about-you",
            {},
            [
                ("id_name", "Enter your full name"),
                ("id_role", "Enter your job title or role, like school nurse"),
                ("id_organisation", "Enter the name of your organisation"),
                ("id_source", "Select where you work"),
                ("id_email", "Enter your work email address"),
            ],
        ),
        (
            PARENT,
            "young-person",
            {},
            [
                ("id_given_name", "Enter your child's first name"),
                ("id_family_name", "Enter your child's last name"),
                ("id_dob_day", "Enter your child's date of birth"),
                ("id_gender", "Select your child's gender, or 'Prefer not to say'"),
                ("id_ethnicity", "Select your child's ethnic group, or 'Prefer not to say'"),
                ("id_address_line_1", "Enter the first line of your child's address"),
                ("id_postcode", "Enter your child's postcode"),
            ],
        ),
        (
            SELF,
            "young-person",
            {**CHILD, "postcode": "ME4", "nhs_number": "943 476 5918", "phone": "020 7946"},
            [
                ("id_postcode", "Enter a full UK postcode, like ME4 4AB"),
                (
                    "id_nhs_number",
                    "This is not an NHS number that could have been issued: the last digit is a "
                    "check digit, and it does not fit the nine before it (check for a mistyped "
                    "digit, or two digits the wrong way round)",
                ),
                (
                    "id_phone",
                    "Enter a phone number, like 01632 960 001, 07700 900 982 or +44 808 157 0192",
                ),
            ],
        ),
        (
            SELF,
            "young-person",
            {**CHILD, "given_name": "J" * 101, "nhs_number": "12345"},
            [
                ("id_given_name", "First name must be 100 characters or less"),
                ("id_nhs_number", "NHS number must be 10 digits, like 485 777 3456"),
                ("id_phone", "Enter a phone number or an email address, so we can contact you"),
            ],
        ),
        (
            SELF,
            "young-person",
            {**CHILD, "nhs_number": "310 299 1238", "phone": "07700 900982"},  # 31 February
            [
                (
                    "id_nhs_number",
                    "This is not an NHS number that could have been issued: numbers from 010 to "
                    "311 are Scottish CHI numbers, which start with the date of birth, and "
                    "31/02/99 is not a real date",
                ),
            ],
        ),
        (
            PARENT,
            "parents-and-carers",
            {},
            [
                ("id_carer_name", "Enter the parent or carer's full name"),
                (
                    "id_carer_relationship",
                    "Enter their relationship to your child, like mother or foster carer",
                ),
                (
                    "id_parental_responsibility",
                    "Select whether they have parental responsibility, or 'I do not know'",
                ),
            ],
        ),
        (
            SELF,
            "parents-and-carers",
            {"carer_phone": "07700 900982"},
            [
                ("id_carer_name", "Enter the parent or carer's full name"),
                (
                    "id_carer_relationship",
                    "Enter their relationship to you, like mother or foster carer",
                ),
                (
                    "id_parental_responsibility",
                    "Select whether they have parental responsibility, or 'I do not know'",
                ),
            ],
        ),
        (PARENT, "reasons", {}, [("id_reasons", "Tell us why you are asking for help")]),
        (SELF, "reasons", {}, [("id_reasons", "Tell us what you would like help with")]),
        (
            PARENT,
            "reasons",
            {"reasons": "x" * 2001, "what_tried": "y" * 2001},
            [
                ("id_reasons", "Why you are asking for help must be 2,000 characters or less"),
                ("id_what_tried", "What has been tried must be 2,000 characters or less"),
            ],
        ),
        (PARENT, "safety", {}, [("id_risks", "Select any that apply, or select 'None of these'")]),
        (
            PARENT,
            "safety",
            {"risks": ["self_harm", "none"]},
            [("id_risks", "Select the ones that apply, or select 'None of these' on its own")],
        ),
        (
            PARENT,
            "communication",
            {"accessibility_needs": "z" * 2001},
            [
                ("id_interpreter", "Select yes if an interpreter is needed"),
                (
                    "id_accessibility_needs",
                    "Accessibility needs must be 2,000 characters or less",
                ),
            ],
        ),
        (
            PARENT,
            "consent",
            {},
            [
                ("id_agreed", "Select who has agreed to this referral"),
                ("id_share", "Select yes if we can share this referral with partner organisations"),
            ],
        ),
        (
            PROFESSIONAL,
            "consent",
            {"share": "yes"},
            [
                ("id_agreed", "Select who has agreed to this referral"),
                ("id_contact_family", "Select yes if we can contact the family"),
            ],
        ),
        (
            SELF,
            "consent",
            {},
            [
                ("id_agreed", "Select yes if you agree to this referral"),
                ("id_share", "Select yes if we can share this referral with partner organisations"),
                ("id_contact_family", "Select yes if we can contact your parent or carer"),
            ],
        ),
    ],
)
def test_each_page_says_how_to_put_each_answer_right(
    journey: Journey, answers: Answers, slug: str, data: dict[str, Any], expected: list[Any]
) -> None:
    journey.walk(answers, until=slug)

    response = journey.answer(slug, data)

    assert response.status_code == 400
    assert errors(response) == expected
    assert response.content.decode().count("<title>Error: ") == 1


@pytest.mark.parametrize(
    ("day", "month", "year", "expected"),
    [
        ("", "", "", [("id_dob_day", "Enter the young person's date of birth")]),
        ("", "3", "2015", [("id_dob_day", "Date of birth must include a day")]),
        ("4", "", "2015", [("id_dob_month", "Date of birth must include a month")]),
        ("", "", "2015", [("id_dob_day", "Date of birth must include a day and month")]),
        ("4", "", "", [("id_dob_month", "Date of birth must include a month and year")]),
        ("31", "2", "2015", [("id_dob_day", "Date of birth must be a real date")]),
        ("4", "13", "2015", [("id_dob_day", "Date of birth must be a real date")]),
        ("four", "3", "2015", [("id_dob_day", "Date of birth must be a real date")]),
        ("4", "3", "15", [("id_dob_year", "Year must include 4 numbers")]),
        ("1", "1", str(YEAR + 1), [("id_dob_day", "Date of birth must be in the past")]),
        (
            "1",
            "1",
            str(YEAR - 31),
            [
                (
                    "id_dob_year",
                    "Check the year: this date of birth would make the young person older than 30",
                )
            ],
        ),
    ],
)
def test_the_date_of_birth_must_be_a_real_date_in_a_young_life(
    journey: Journey, day: str, month: str, year: str, expected: list[tuple[str, str]]
) -> None:
    journey.walk(PROFESSIONAL, until="young-person")

    response = journey.answer(
        "young-person",
        {**PROFESSIONAL["young-person"], "dob_day": day, "dob_month": month, "dob_year": year},
    )

    assert errors(response) == expected
    page = response.content.decode()
    assert 'class="nhsuk-form-group nhsuk-form-group--error"' in page
    assert f'value="{day}"' in page and f'value="{year}"' in page  # what was typed is kept


def test_a_date_of_birth_today_is_accepted_and_30_is_the_oldest(journey: Journey) -> None:
    today = clock.today()
    journey.walk(PROFESSIONAL, until="young-person")
    child = PROFESSIONAL["young-person"]

    newborn = journey.answer(
        "young-person",
        {**child, "dob_day": today.day, "dob_month": today.month, "dob_year": today.year},
    )
    assert messages(newborn) == []
    journey.post("/refer/young-person/", {"action": "show"})
    thirty = journey.answer("young-person", {**child, **born(30)})
    assert messages(thirty) == []


@pytest.mark.parametrize(
    ("typed", "number"),
    [
        ("07700 900982", "07700900982"),
        ("+44 7700 900982", "07700900982"),
        ("+44 (0)7700 900982", "07700900982"),
        ("01632-960-001", "01632960001"),
        ("020 7946 0018", "02079460018"),
        ("0800 111 999", "0800111999"),
        ("7700 900982", None),
        ("+33 1 23 45 67 89", None),
        ("077009009821", None),
        ("call me", None),
    ],
)
def test_phone_numbers_are_uk_numbers_of_10_or_11_digits(typed: str, number: str | None) -> None:
    assert uk_phone_number(typed) == number


def test_the_consent_rules_are_explained_in_the_readers_words(
    client: Client, alliance: Alliance
) -> None:
    parent = Journey(Client())
    parent.walk(PARENT, until="consent")
    assert messages(parent.answer("consent", {"agreed": "no", "share": "yes"})) == [
        "The referral needs consent to be made. Ask the young person, or a parent or carer if "
        "they are under 16, whether they agree to the referral."
    ]
    assert messages(parent.answer("consent", {"agreed": "young_person", "share": "yes"})) == [
        "Because your child is under 16, a parent or carer needs to agree to this referral. "
        "Select 'I have agreed, as their parent or carer' if you agree."
    ]

    professional = Journey(Client())
    professional.walk(PROFESSIONAL, until="consent")
    answers = {"agreed": "young_person", "share": "yes", "contact_family": "no"}
    assert errors(professional.answer("consent", answers)) == [
        (
            "id_competent",
            "Under 16, a young person can consent for themselves only when they are judged "
            "competent to. Say whether they are, or ask a parent or carer for consent.",
        )
    ]
    assert messages(professional.answer("consent", {**answers, "competent": "no"})) == [
        "This young person has not been judged competent to consent for themselves, so a "
        "parent or carer needs to give consent."
    ]

    young = Journey(Client())
    young.walk({**SELF, "young-person": {**SELF["young-person"], **born(11)}}, until="consent")
    answers = {"agreed": "young_person", "share": "yes", "contact_family": "no"}
    assert errors(young.answer("consent", {**answers, "parent_agrees": "no"})) == [
        (
            "id_parent_agrees",
            "Because you are under 12, a parent or carer needs to agree to this referral. If you "
            "cannot ask them, phone the Referral and Advice Point, or talk to someone you trust, "
            "like a teacher, school nurse or GP: they can ask for help with you.",
        )
    ]
    assert messages(young.answer("consent", {**answers, "parent_agrees": "yes"})) == []
    assert heading(young.response) == "Check your answers before sending your referral"

    fourteen = Journey(Client())
    fourteen.walk({**SELF, "young-person": {**SELF["young-person"], **born(14)}}, until="consent")
    assert messages(fourteen.answer("consent", {**answers, "parent_agrees": "no"})) == []
    assert heading(fourteen.response) == "Agreeing to this yourself"


def test_a_17_year_old_agrees_for_themselves_not_their_parent(journey: Journey) -> None:
    older = {**PROFESSIONAL, "young-person": {**PROFESSIONAL["young-person"], **born(17)}}
    journey.walk(older, until="consent")

    response = journey.answer(
        "consent", {"agreed": "parent_carer", "share": "yes", "contact_family": "yes"}
    )

    assert messages(response) == [
        "At 16 and over, young people agree to a referral themselves: a parent or carer's "
        "consent is not enough. Ask the young person for their consent."
    ]
    assert 'name="competent"' not in response.content.decode()  # asked only under 16


# The three routes


@pytest.mark.parametrize(
    ("answers", "titles"),
    [
        (
            PARENT,
            [
                "About you",
                "About your child",
                "Parents and carers",
                "Why you are asking for help",
                "Your child's safety",
                "Communication needs",
                "More about your child",
                "Consent",
                "Check your answers before sending your referral",
            ],
        ),
        (
            PROFESSIONAL,
            [
                "About you",
                "About the young person",
                "Parents and carers",
                "Why you are asking for help",
                "The young person's safety",
                "Communication needs",
                "More about the young person",
                "Consent",
                "Check your answers before sending your referral",
            ],
        ),
        (
            SELF,
            [
                "About you",
                "Parents and carers",
                "Why you are asking for help",
                "Your safety",
                "Communication needs",
                "More about you",
                "Consent",
                "Check your answers before sending your referral",
            ],
        ),
    ],
    ids=["parent", "professional", "self"],
)
def test_each_route_reaches_the_check_page_in_its_own_words(
    journey: Journey, answers: Answers, titles: list[str]
) -> None:
    seen = []
    for slug, data in answers.items():
        response = journey.answer(slug, data)
        assert messages(response) == [], slug
        assert "{#" not in response.content.decode()  # no template comment shows
        seen.append(heading(response))

    assert seen == titles
    page = journey.response.content.decode()
    assert page.count('?change=1">Change<') == len(answers)
    assert "Who is asking" in page
    assert "ME4 4AB" in page  # normalised


def test_the_check_page_shows_every_answer_with_markup_as_text(journey: Journey) -> None:
    reasons = '<script>alert("hi")</script> & <b>worried</b>'
    journey.walk({**PARENT, "reasons": {"reasons": reasons, "needs": ["anxiety", "school"]}})

    page = journey.response.content.decode()
    assert (
        "&lt;script&gt;alert(&quot;hi&quot;)&lt;/script&gt; &amp; &lt;b&gt;worried&lt;/b&gt;"
        in page
    )
    assert "<script>alert" not in page and "<b>worried" not in page
    row = r'<dt class="nhsuk-summary-list__key">(.*?)</dt>\s*<dd class="nhsuk-summary-list__value">'
    rows = {
        html.unescape(key): html.unescape(value.strip())
        for key, value in re.findall(row + r"(.*?)</dd>", page, re.S)
    }
    assert rows["Date of birth"] == f"1 January {YEAR - 9}"
    assert rows["Address"] == "1 High Street<br>Chatham<br>ME4 4AB"
    assert rows["Finding difficult"] == "Anxiety and worry<br>School worries and attendance"
    assert rows["Parental responsibility"] == "Yes"
    assert rows["Worries about safety"] == "None of these"
    assert rows["Agreed to the referral"] == "I have agreed, as their parent or carer"


def test_a_parent_starts_the_carers_page_with_their_own_details(journey: Journey) -> None:
    response = journey.walk(PARENT, until="parents-and-carers")

    page = response.content.decode()
    assert heading(response) == "Parents and carers"
    assert 'name="carer_name" type="text" value="Priya Example"' in page
    assert 'name="carer_email" type="email" value="priya@example.org"' in page


def test_back_shows_the_page_before_with_its_answers(journey: Journey) -> None:
    journey.walk(PARENT, until="parents-and-carers")

    response = journey.get("/refer/young-person/")

    assert heading(response) == "About your child"
    assert 'value="1 High Street"' in response.content.decode()
    assert messages(response) == []


# Change links


def test_change_goes_back_to_the_check_page_after_saving(journey: Journey) -> None:
    journey.walk(PARENT)

    page = journey.get("/refer/young-person/?change=1")
    assert heading(page) == "About your child"
    assert 'value="Maya"' in page.content.decode()
    back = re.search(r'<a class="nhsuk-back-link" href="([^"]+)">', page.content.decode())
    assert back is not None and back.group(1) == "/refer/check/"

    response = journey.answer("young-person", {**CHILD, "given_name": "Mia"})

    assert heading(response) == "Check your answers before sending your referral"
    assert "Mia Example" in response.content.decode()
    assert "Maya" not in shown(response)


def test_changing_the_route_asks_the_route_questions_again(journey: Journey) -> None:
    journey.walk(PARENT)

    journey.get("/refer/?change=1")
    response = journey.answer("start", {"who": "professional"})

    assert heading(response) == "About you"
    assert 'name="organisation"' in response.content.decode()
    journey.answer("about-you", PROFESSIONAL["about-you"])
    assert heading(journey.response) == "Consent"
    journey.answer("consent", {"agreed": "parent_carer", "share": "yes", "contact_family": "yes"})
    assert heading(journey.response) == "Check your answers before sending your referral"
    assert "Chatham Grammar" in journey.response.content.decode()


def test_a_change_that_unsettles_a_later_answer_sends_you_back_to_it(journey: Journey) -> None:
    """A 17-year-old's own consent stops counting when the date of birth makes them 12."""
    older = {**PROFESSIONAL, "young-person": {**PROFESSIONAL["young-person"], **born(17)}}
    older["consent"] = {"agreed": "young_person", "share": "yes", "contact_family": "yes"}
    journey.walk(older)

    journey.get("/refer/young-person/?change=1")
    response = journey.answer("young-person", {**older["young-person"], **born(12)})

    assert heading(response) == "Consent"
    assert messages(response)[0].startswith("Under 16, a young person can consent")


# The answers kept between pages


def test_each_step_answers_303_to_the_next_steps_address(journey: Journey) -> None:
    seen = []
    for slug, data in PARENT.items():
        response = journey.client.post(path(slug), data)
        seen.append((response.status_code, response["Location"]))

    assert seen == [
        (303, "/refer/about-you/"),
        (303, "/refer/young-person/"),
        (303, "/refer/parents-and-carers/"),
        (303, "/refer/reasons/"),
        (303, "/refer/safety/"),
        (303, "/refer/communication/"),
        (303, "/refer/more-about/"),
        (303, "/refer/consent/"),
        (303, "/refer/check/"),
    ]


def test_a_later_step_before_the_earlier_ones_sends_you_to_the_first_unanswered(
    journey: Journey,
) -> None:
    journey.walk(PARENT, until="young-person")

    for method in ("get", "post"):
        response = getattr(journey.client, method)("/refer/safety/", PARENT["safety"])
        assert (response.status_code, response["Location"]) == (
            302 if method == "get" else 303,
            "/refer/young-person/",
        )
    assert "safety" not in journey.saved.pages


def test_a_step_not_on_the_route_sends_you_where_you_are(journey: Journey) -> None:
    """A parent has no "Agreeing to this yourself" page; a young person no "About you"."""
    journey.walk(PARENT)

    own = journey.client.get("/refer/own-consent/")
    journey.answer("start", {"who": "self"})  # now a young person: about-you is not asked
    about = journey.client.get("/refer/about-you/")

    assert (own.status_code, own["Location"]) == (302, "/refer/check/")
    assert (about.status_code, about["Location"]) == (302, "/refer/consent/")


def test_the_step_says_where_you_are_and_the_count_follows_the_route(journey: Journey) -> None:
    journey.walk(PARENT, until="young-person")
    parent = journey.response.content.decode()
    self_referral = Journey(Client())
    self_referral.walk(SELF, until="reasons")

    assert '<span class="nhsuk-caption-l">Step 3 of 9</span>' in parent
    assert (
        '<span class="nhsuk-caption-l">Step 4 of 8</span>'
        in self_referral.response.content.decode()
    )


def test_the_answers_are_kept_encrypted_and_no_answer_is_in_the_page(journey: Journey) -> None:
    journey.walk(PARENT, until="safety")

    row = SavedAnswers.objects.get()
    assert row.content.startswith("gAAAAA")  # a Fernet token
    for typed in ("Maya", "Example", "priya@example.org", "Worries a lot", "ME4"):
        assert typed not in row.content
    assert journey.saved.pages["young-person"]["given_name"] == "Maya"
    page = journey.get("/refer/reasons/").content.decode()
    assert 'name="state"' not in page and 'type="hidden"' not in page.replace(
        'type="hidden" name="csrfmiddlewaretoken"', ""
    )


def test_another_session_does_not_find_the_answers(journey: Journey) -> None:
    journey.walk(PARENT, until="safety")
    other = Client()

    responses = [other.get(url) for url in ("/refer/reasons/", "/refer/check/")]
    sent = other.post("/refer/send/")

    assert [(r.status_code, r["Location"]) for r in responses] == [(302, "/refer/")] * 2
    assert (sent.status_code, sent["Location"]) == (303, "/refer/")
    assert "Maya" not in other.get("/refer/").content.decode()
    assert Referral.objects.count() == 0


def test_answers_copied_from_another_form_do_not_open_and_nothing_is_sent(
    journey: Journey,
) -> None:
    other = Journey(Client())
    other.walk({**PARENT, "young-person": {**CHILD, "given_name": "Someone else"}})
    journey.walk(PARENT)
    mine, theirs = (
        SavedAnswers.objects.get(uuid=j.client.session[SESSION_KEY]) for j in (journey, other)
    )
    SavedAnswers.objects.filter(pk=mine.pk).update(content=theirs.content)

    with mock.patch.object(views, "submit_referral") as submit:
        response = journey.client.post("/refer/send/")

    assert response.status_code == 400
    assert heading(response) == "We could not read your answers"
    assert "Start again" in response.content.decode()
    submit.assert_not_called()
    assert Referral.objects.count() == 0
    assert not SavedAnswers.objects.filter(pk=mine.pk).exists()  # nobody could read them


def test_answers_not_saved_to_for_two_hours_are_deleted(
    journey: Journey, time_machine: time_machine.TimeMachineFixture
) -> None:
    journey.walk(PARENT, until="safety")
    time_machine.move_to(NOW + timedelta(hours=1, minutes=59))
    assert heading(journey.get("/refer/safety/")) == "Your child's safety"  # still kept
    time_machine.move_to(NOW + timedelta(hours=2, minutes=1))

    response = journey.get("/refer/safety/")

    assert heading(response) == "This referral form has expired"
    assert "It was not used for 2 hours, so we deleted your answers" in response.content.decode()
    assert SavedAnswers.objects.count() == 0
    assert heading(journey.get("/refer/safety/")) == "Ask for help for a child or young person"


def test_the_scheduler_deletes_answers_past_their_time(
    alliance: Alliance, time_machine: time_machine.TimeMachineFixture
) -> None:
    from onedoor.operations.scheduler import JOBS
    from onedoor.referrals.saved_answers import delete_expired_answers

    Journey(Client()).walk(PARENT, until="reasons")
    time_machine.move_to(NOW + timedelta(hours=1))
    Journey(Client()).walk(PARENT, until="reasons")
    assert delete_expired_answers() == 0

    time_machine.move_to(NOW + timedelta(hours=2, minutes=1))

    assert "delete_expired_answers" in [job.name for job in JOBS]
    assert delete_expired_answers() == 1
    assert SavedAnswers.objects.count() == 1


def test_leaving_and_coming_back_continues_where_you_were(journey: Journey) -> None:
    journey.walk(PARENT, until="reasons")

    start = journey.get("/refer/")
    page = start.content.decode()
    assert "You have started a referral on this device and not sent it yet." in page
    assert '<a href="/refer/reasons/">Continue where you left off</a>' in page
    assert 'value="parent" checked' in page  # the start page keeps its own answer
    assert heading(journey.get("/refer/reasons/")) == "Why you are asking for help"


def test_deleting_the_answers_starts_again_with_nothing_kept(journey: Journey) -> None:
    journey.walk(PARENT, until="reasons")
    assert "Delete your answers and start again" in journey.get("/refer/").content.decode()

    response = journey.client.post("/refer/start-again/")

    assert (response.status_code, response["Location"]) == (303, "/refer/")
    assert SavedAnswers.objects.count() == 0
    assert SESSION_KEY not in journey.client.session
    page = journey.get("/refer/reasons/")
    assert heading(page) == "Ask for help for a child or young person"
    assert "You have started a referral" not in page.content.decode()
    assert 'value="parent" checked' not in page.content.decode()


def test_opening_a_page_of_the_form_directly_starts_again(client: Client, db: None) -> None:
    for url in ("/refer/reasons/", "/refer/check/", "/refer/sent/"):
        response = client.get(url)
        assert (response.status_code, response["Location"]) == (302, "/refer/")
    sending = client.get("/refer/send/")
    assert (sending.status_code, sending["Location"]) == (302, "/refer/check/")
    assert client.get("/refer/no-such-page/").status_code == 404


def test_without_the_database_a_step_answers_503_with_crisis_lines_and_keeps_the_answers(
    journey: Journey, database_down: Callable[[], Any]
) -> None:
    journey.walk(PARENT, until="reasons")

    with database_down():
        response = journey.client.post("/refer/reasons/", PARENT["reasons"])

    page = response.content.decode()
    assert response.status_code == 503
    assert crisis_line("Childline", "0800 1111", "tel:08001111") in page
    assert "reasons" not in journey.saved.pages
    assert journey.saved.pages["young-person"]["given_name"] == "Maya"
    journey.answer("reasons", PARENT["reasons"])  # the database is back: it goes on
    assert heading(journey.response) == "Your child's safety"


# The honeypot


@pytest.mark.parametrize("url", ["/refer/", "/refer/reasons/", "/refer/send/"])
def test_a_filled_honeypot_is_refused_and_nothing_is_created(journey: Journey, url: str) -> None:
    journey.walk(PARENT)
    children = Child.objects.count()

    with mock.patch.object(views, "submit_referral", wraps=submit_referral) as submit:
        response = journey.post(url, {"website": "https://spam.example", **PARENT["reasons"]})

    assert response.status_code == 400
    assert heading(response) == "We could not accept this form"
    submit.assert_not_called()
    assert (Referral.objects.count(), Child.objects.count()) == (0, children)
    assert SubmissionAttempt.objects.count() == 0


# Sending


def test_a_parents_referral_is_sent_with_every_answer(journey: Journey) -> None:
    answers = {
        **PARENT,
        "young-person": {**CHILD, "nhs_number": NHS_NUMBER, "phone": "+44 7700 900123"},
        "safety": {"risks": ["self_harm", "eating_difficulties"], "risk_details": "Since May."},
        "communication": {"language": "Polish", "interpreter": "yes"},
        "more-about": {"groups": ["care-experienced", "send"], "lgbtqia": "yes_record"},
    }
    journey.walk(answers)
    key = journey.saved.submission_key

    response = journey.send()

    assert response.status_code == 200
    referral = Referral.objects.get()
    assert heading(response) == "Referral sent"
    assert referral.reference_display in response.content.decode()
    assert 'check how your referral is going on the <a href="/track/">' in response.content.decode()
    assert (referral.route, referral.source, referral.eligible) == ("parent", "parent", True)
    assert referral.submission_key == key
    assert SavedAnswers.objects.count() == 0  # deleted once sent
    assert SESSION_KEY not in journey.client.session
    assert (referral.referrer_name, referral.referrer_relationship) == ("Priya Example", "Mother")
    child = referral.child
    assert (child.full_name, child.postcode, child.nhs_number, child.phone) == (
        "Maya Example", "ME4 4AB", "9434765919", "07700900123",
    )  # fmt: skip
    assert [(c.name, c.parental_responsibility) for c in child.carers.all()] == [
        ("Priya Example", "yes")
    ]
    assert referral.risk_indicators == ["Self-harm", "Eating difficulties"]
    assert (referral.language, referral.interpreter_needed) == ("Polish", True)
    assert sorted(child.priority_groups.values_list("slug", flat=True)) == [
        "care-experienced", "lgbtqia", "send",
    ]  # fmt: skip
    assert (referral.consent_to_refer, referral.consent_given_by) == (True, "parent_carer")
    assert (referral.consent_to_share, referral.family_may_be_contacted) == (True, True)


def test_lgbtqia_is_recorded_only_when_the_young_person_agrees(journey: Journey) -> None:
    journey.walk({**SELF, "more-about": {"groups": ["send"], "lgbtqia": "yes_private"}})

    journey.send()

    child = Referral.objects.get().child
    assert list(child.priority_groups.values_list("slug", flat=True)) == ["send"]


def test_a_young_person_under_16_whose_parent_agrees_is_referred_with_parent_consent(
    journey: Journey,
) -> None:
    fourteen = {**SELF, "young-person": {**SELF["young-person"], **born(14)}}
    fourteen["consent"] = {**SELF["consent"], "parent_agrees": "yes"}
    journey.walk(fourteen)

    journey.send()

    referral = Referral.objects.get()
    assert (referral.route, referral.source) == ("self", "self")
    # No parent or carer was named, so whether the one who agrees has parental responsibility
    # is not known: recorded as another adult's consent, for triage to check.
    assert (referral.consent_given_by, referral.judged_competent) == ("other_adult", None)
    assert (referral.consent_parental_responsibility, referral.competence) == ("not_known", "")
    assert referral.referrer_email == "jo@example.org"


def test_a_professional_records_the_young_persons_competence(journey: Journey) -> None:
    journey.walk(PROFESSIONAL)

    journey.send()

    referral = Referral.objects.get()
    assert (referral.source, referral.referrer_organisation) == ("school", "Chatham Grammar")
    assert (referral.consent_given_by, referral.judged_competent) == ("young_person", True)
    assert referral.family_may_be_contacted is False


def test_a_referral_the_alliance_cannot_take_is_kept_and_signposted(journey: Journey) -> None:
    adult = {**SELF, "young-person": {**SELF["young-person"], **born(22)}}
    journey.walk(adult)

    response = journey.send()

    referral = Referral.objects.get()
    page = response.content.decode()
    assert referral.eligible is False
    assert heading(response) == "Referral received"
    assert "The alliance is not the right service this time" in page
    assert html.escape(referral.ineligibility_reason) in page
    signposted = list(referral.signposted_to.all())
    assert signposted != []
    for service in signposted:
        assert html.escape(service.name) in page
    assert referral.reference_display in page


def test_sending_the_same_form_twice_makes_one_referral(journey: Journey) -> None:
    journey.walk(PARENT)
    key = journey.saved.submission_key

    with mock.patch.object(views, "submit_referral", wraps=submit_referral) as submit:
        first = journey.client.post("/refer/send/")
        second = journey.client.post("/refer/send/")  # pressed again, or Back and Send
        back = journey.client.get("/refer/check/")  # the answers are gone: a new form
        again = journey.client.post("/refer/send/", follow=True)

    assert [call.kwargs["submission_key"] for call in submit.call_args_list] == [key]
    assert [(r.status_code, r["Location"]) for r in (first, second)] == [(303, "/refer/sent/")] * 2
    assert (back.status_code, back["Location"]) == (302, "/refer/")
    referral = Referral.objects.get()
    assert heading(again) == "Referral sent"
    assert referral.reference_display in again.content.decode()


def test_when_the_database_fails_the_answers_are_kept_and_nothing_is_claimed(
    journey: Journey,
) -> None:
    journey.walk(PARENT)
    before = journey.saved

    with mock.patch.object(views, "submit_referral", side_effect=OperationalError("gone")):
        response = journey.send()

    page = response.content.decode()
    assert response.status_code == 503
    assert heading(response) == "Your referral has not been sent yet"
    assert "Maya Example" in page and "Worries a lot" in page
    assert "Thank you" not in page and "thank you" not in page
    assert "reference" not in page.lower()
    assert ">Try again</button>" in page
    assert journey.saved == before
    assert Referral.objects.count() == 0


def test_with_the_database_down_no_referral_and_fixed_crisis_lines(
    journey: Journey, database_down: Callable[[], Any]
) -> None:
    journey.walk(PARENT)

    with database_down():
        response = journey.send()

    page = response.content.decode()
    assert response.status_code == 503
    assert crisis_line("Childline", "0800 1111", "tel:08001111") in page
    assert crisis_line("Samaritans", "116 123", "tel:116123") in page
    assert crisis_line("NHS 111, option 2", "111", "tel:111") in page
    assert "Thank you" not in page
    assert Referral.objects.count() == 0

    again = journey.send()  # the database is back: "Try again" sends it

    assert heading(again) == "Referral sent"
    assert Referral.objects.get().child.full_name == "Maya Example"


def test_too_many_referrals_from_one_address_keeps_the_answers(journey: Journey) -> None:
    now = clock.now()
    SubmissionAttempt.objects.bulk_create(
        SubmissionAttempt(address="127.0.0.1", at=now - timedelta(minutes=n))
        for n in range(PUBLIC_SUBMISSIONS_PER_HOUR)
    )
    journey.walk(PARENT)

    response = journey.send()

    page = response.content.decode()
    assert response.status_code == 429
    assert heading(response) == "Your referral has not been sent yet"
    assert "Too many referrals have been sent from this internet connection" in page
    assert "can take the referral over the phone" in page
    assert crisis_line("Childline", "0800 1111", "tel:08001111") in page
    assert "Maya Example" in page and ">Try again</button>" in page
    assert "Thank you" not in page
    assert Referral.objects.count() == 0


def _fill_the_hour(address: str) -> None:
    now = clock.now()
    SubmissionAttempt.objects.bulk_create(
        SubmissionAttempt(address=address, at=now - timedelta(minutes=n))
        for n in range(PUBLIC_SUBMISSIONS_PER_HOUR)
    )


def _through(remote_addr: str, forwarded_for: str) -> Journey:
    return Journey(Client(REMOTE_ADDR=remote_addr, HTTP_X_FORWARDED_FOR=forwarded_for))


def test_behind_a_trusted_proxy_each_family_has_its_own_rate_limit(
    alliance: Alliance,
    settings,  # type: ignore[no-untyped-def]
) -> None:
    settings.TRUSTED_PROXIES = [ip_network("10.0.0.2")]
    _fill_the_hour("203.0.113.5")
    busy = _through("10.0.0.2", "203.0.113.5")
    busy.walk(PARENT)
    other = _through("10.0.0.2", "198.51.100.9")
    other.walk(PARENT)

    refused, sent = busy.send(), other.send()

    assert (refused.status_code, heading(sent)) == (429, "Referral sent")
    assert Referral.objects.get().child.full_name == "Maya Example"
    recorded = SubmissionAttempt.objects.order_by("address").values_list("address", flat=True)
    assert list(recorded) == ["198.51.100.9"] + ["203.0.113.5"] * PUBLIC_SUBMISSIONS_PER_HOUR


def test_a_forwarded_for_header_not_from_a_trusted_proxy_is_ignored_by_the_rate_limit(
    alliance: Alliance,
) -> None:
    _fill_the_hour("192.0.2.10")
    spoofing = _through("192.0.2.10", "198.51.100.9")
    spoofing.walk(PARENT)

    response = spoofing.send()

    assert response.status_code == 429
    assert Referral.objects.count() == 0
    assert SubmissionAttempt.objects.filter(address="198.51.100.9").count() == 0


def test_a_check_page_sent_without_every_answer_asks_for_the_missing_page(
    journey: Journey,
) -> None:
    journey.walk(PARENT, until="safety")

    response = journey.send()

    assert heading(response) == "Your child's safety"
    assert Referral.objects.count() == 0


def test_the_submission_key_is_a_uuid_carried_from_the_first_page(journey: Journey) -> None:
    journey.answer("start", PARENT["start"])
    key = journey.saved.key

    journey.walk(PARENT)

    assert journey.saved.key == key
    assert uuid.UUID(key).version == 4
    assert is_valid(NHS_NUMBER)


def test_a_triage_lead_signed_in_records_a_referral_taken_by_phone(
    client: Client, alliance: Alliance
) -> None:
    from tests.personas import make_people, sign_in

    people = make_people(alliance)
    sign_in(client, people.triage)
    journey = Journey(client)
    assert "recorded as taken by phone by you" in journey.response.content.decode()
    journey.walk(PARENT)
    response = journey.send()
    assert response.status_code == 200
    referral = Referral.objects.get()
    assert (referral.channel, referral.taken_by) == ("phone", people.triage)
    event = referral.child.timeline.get()
    assert (event.kind, event.actor) == ("referral_by_phone", people.triage)
