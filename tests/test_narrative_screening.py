"""The service manager's narrative is screened before the commissioners read it: an NHS
number, a full postcode, a date that could be a child's date of birth and a child's name are
refused, each quoted back; everything else a manager writes about a quarter is allowed.

The clock is pinned to Friday 20 November 2026 (`tests.personas.NOW`)."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from onedoor.alliance.models import Alliance
from onedoor.audit.models import AuditEvent
from onedoor.children.models import Child
from onedoor.insights.models import PackNarrative
from onedoor.insights.screening import (
    Problem,
    birth_dates,
    child_names,
    nhs_numbers,
    postcodes,
    problems,
)
from tests.personas import People, shown, sign_in

TODAY = date(2026, 11, 20)


# NHS numbers: ten digits whose check digit fits.


@pytest.mark.parametrize("written", ["943 476 5919", "943-476-5919", "9434765919"])
def test_a_valid_nhs_number_is_refused_in_each_format(written: str) -> None:
    assert nhs_numbers(f"One child (NHS {written}) waited longest.") == [
        Problem("NHS number", written)
    ]


@pytest.mark.parametrize(
    "text",
    [
        "943 476 5918 is not a number anyone has",  # the check digit does not fit
        "123 456 7890",  # no check digit fits 123456789
        "Call 01634 943476 or 94347659190",  # eleven digits: a phone number, not ten
        "943 476-5919",  # separators that differ are not one number
    ],
)
def test_ten_digits_without_a_valid_check_digit_are_allowed(text: str) -> None:
    assert nhs_numbers(text) == []


# Postcodes: full ones only.


@pytest.mark.parametrize("written", ["ME4 4AB", "me44ab", "SW1A 1AA", "gir 0aa"])
def test_a_full_postcode_is_refused_in_any_case_or_spacing(written: str) -> None:
    assert postcodes(f"A family at {written} waited.") == [Problem("postcode", written)]


@pytest.mark.parametrize(
    "text",
    ["Most referrals came from SW1 and ME4.", "In Q3 2026 we saw 40 children.", "QE1 1AA"],
)  # fmt: skip
def test_a_district_alone_or_a_shape_no_postcode_has_is_allowed(text: str) -> None:
    assert postcodes(text) == []


# Dates of birth: a full date on which someone born would be 4 to 25 today.


@pytest.mark.parametrize(
    "written",
    [
        "21/11/2000",  # 25 today, 26 tomorrow
        "21 November 2000",
        "2000-11-21",
        "21st of November 2000",
        "November 21, 2000",
        "03/04/2012",
        "3/4/12",
        "3 Apr 2012",
        "20 November 2022",  # 4 today
    ],
)
def test_a_date_that_could_be_a_childs_birth_date_is_refused(written: str) -> None:
    assert birth_dates(f"Born {written}, she waited.", TODAY) == [
        Problem("possible date of birth", written)
    ]


@pytest.mark.parametrize(
    "text",
    [
        "20/11/2000",  # 26 today
        "21 November 2022",  # 3 today: events of the last few years are how managers write
        "On 3 September 2026 we opened the Saturday clinic.",
        "1 July 2026 to 30 September 2026",
        "April 2012",  # a month and year alone
        "31/02/2012",  # no such date
        "1 January 2027",  # a date to come
    ],
)
def test_a_recent_event_an_older_date_or_no_full_date_is_allowed(text: str) -> None:
    assert birth_dates(text, TODAY) == []


# Children's names: a given name next to a family name, of a child of this alliance.


@pytest.fixture
def children(alliance: Alliance) -> None:
    for given, family, where in [
        ("Ava", "Zanzibar", alliance),
        ("Robert", "O'Neill-Hale", alliance),
        (
            "Ben",
            "Quayle",
            Alliance.objects.create(
                slug="elsewhere", name="Elsewhere", area_name="Elsewhere", min_age=5,
                max_age=18, extended_max_age=25,
            ),
        ),
    ]:  # fmt: skip
        child = Child(
            alliance=where, given_name=given, family_name=family,
            date_of_birth=date(2012, 6, 1), postcode="ME4 4AB",
        )  # fmt: skip
        child.set_match_names()
        child.save()


@pytest.mark.usefixtures("children")
@pytest.mark.parametrize(
    "written",
    ["Ava Zanzibar", "ava zanzibar", "Zanzibar Ava", "ZANZIBAR, Ava", "Bob O'Neill-Hale",
     "Robert O\u2019Neill Hale", "O'Neill-Hale, Robert"],
)  # fmt: skip
def test_a_childs_full_name_is_refused_in_either_order(
    alliance: Alliance, written: str, django_assert_num_queries: object
) -> None:
    with django_assert_num_queries(1):  # type: ignore[operator]
        found = child_names(alliance, f"We worked hard with {written} this quarter.")
    assert found == [Problem("child's name", written)]


@pytest.mark.usefixtures("children")
@pytest.mark.parametrize(
    "text",
    [
        "Ava waited longest.",  # a given name alone
        "Ava. Zanzibar Road is closed.",  # not next to each other
        "Ava and the Zanzibar group",
        "Ben Quayle, of another alliance",
        "Robert Hale",
    ],
)
def test_a_given_name_alone_or_another_alliances_child_is_allowed(
    alliance: Alliance, text: str
) -> None:
    assert child_names(alliance, text) == []


def test_a_text_without_words_asks_nothing(
    alliance: Alliance, django_assert_num_queries: object
) -> None:
    with django_assert_num_queries(0):  # type: ignore[operator]
        assert child_names(alliance, "42 - 7 = 35") == []


@pytest.mark.usefixtures("children")
def test_every_problem_is_named_once_in_the_rules_order(alliance: Alliance) -> None:
    text = (
        "Ava Zanzibar (born 3 April 2012, ME4 4AB, NHS 943 476 5919) waited; "
        "Ava Zanzibar was seen on 3 November 2026. NHS 943 476 5919 again."
    )
    assert [problem.message for problem in problems(alliance, text)] == [
        "Remove the NHS number 943 476 5919",
        "Remove the postcode ME4 4AB",
        "Remove the possible date of birth 3 April 2012",
        "Remove the child's name Ava Zanzibar",
    ]


# Through the page.


def test_a_narrative_with_personal_data_is_refused_and_nothing_is_written(
    client: Client, people: People, caplog: pytest.LogCaptureFixture
) -> None:
    sign_in(client, people.manager)
    before = AuditEvent.objects.count()
    response = client.post(
        "/insights/pack/?period=this-quarter",
        {"text": "Waits fell. One child, NHS 943 476 5919, of ME4 4AB, waited longest."},
    )
    assert response.status_code == 400
    page = shown(response)
    assert "Remove the NHS number 943 476 5919. Remove the postcode ME4 4AB" in page
    assert PackNarrative.objects.count() == 0
    assert AuditEvent.objects.count() == before
    assert "943 476 5919" not in caplog.text


def test_a_narrative_about_the_quarter_is_saved(client: Client, people: People) -> None:
    sign_in(client, people.manager)
    text = "From 1 October 2026 waits fell in ME4 and SW1; 12 children were seen by Kooth."
    response = client.post("/insights/pack/?period=this-quarter", {"text": text})
    assert response.status_code == 302
    assert PackNarrative.objects.get().text == text
