"""The NHS.UK date input (`onedoor/dates.py`): what it reads, what it refuses and in which
words, and how `includes/field.html` draws it. The clock is pinned at Friday 20 November 2026,
12:00 in London (`tests.personas.NOW`)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from django import forms
from django.http import QueryDict
from django.template.loader import render_to_string
from hypothesis import given, settings
from hypothesis import strategies as st

from onedoor.dates import DateField, DateTimeField


class DueForm(forms.Form):
    due = DateField(label="Due by", subject="The due date")
    optional = DateField(label="Follow up by", required=False)


class BoundsForm(forms.Form):
    happened = DateField(label="When it happened", subject="The date it happened", past=True)
    review = DateField(label="Review by", subject="The review date", future=True)


class ContactForm(forms.Form):
    when = DateTimeField(
        label="When", subject="The date of the contact", required_message="Enter when", past=True
    )


def _due(day: Any, month: Any, year: Any, **more: Any) -> DueForm:
    return DueForm({"due_day": day, "due_month": month, "due_year": year, **more})


def _errors(form: forms.Form) -> dict[str, list[str]]:
    assert not form.is_valid()
    return {name: [str(error) for error in errors] for name, errors in form.errors.items()}


# What it reads


def test_the_three_parts_make_the_date() -> None:
    form = _due("7", "03", "2027")
    assert form.is_valid()
    assert form.cleaned_data == {"due": date(2027, 3, 7), "optional": None}


def test_spaces_around_a_part_are_ignored() -> None:
    form = _due(" 7 ", "3 ", " 2027")
    assert form.is_valid()
    assert form.cleaned_data["due"] == date(2027, 3, 7)


@pytest.mark.parametrize(
    ("whole", "expected"),
    [
        ("2027-03-07", date(2027, 3, 7)),  # ISO 8601, as another system posts it
        ("7 3 2027", date(2027, 3, 7)),  # day month year, as the one box took it
        ("7/3/2027", date(2027, 3, 7)),  # the 7th of March, never the 3rd of July
        (" 2027-3-7 ", date(2027, 3, 7)),
    ],
)
def test_a_date_posted_whole_is_read_day_first(whole: str, expected: date) -> None:
    form = DueForm({"due": whole})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["due"] == expected


@pytest.mark.parametrize("whole", ["3/20/2027", "2027/03/07", "07-03-2027", "7 March 2027", "soon"])
def test_a_date_posted_whole_in_any_other_shape_is_refused(whole: str) -> None:
    assert _errors(DueForm({"due": whole})) == {"due": ["The due date must be a real date"]}


def test_the_parts_win_over_a_whole_value_sent_beside_them() -> None:
    form = _due("7", "3", "2027", due="2030-01-01")
    assert form.is_valid()
    assert form.cleaned_data["due"] == date(2027, 3, 7)


def test_a_form_built_in_code_takes_a_date() -> None:
    form = DueForm({"due": date(2027, 3, 7)})
    assert form.is_valid()
    assert form.cleaned_data["due"] == date(2027, 3, 7)


# What it refuses, in which words


def test_nothing_typed_is_the_required_message() -> None:
    assert _errors(_due("", "", "")) == {"due": ["Enter the due date"]}
    assert _errors(DueForm({})) == {"due": ["Enter the due date"]}


def test_nothing_typed_in_an_optional_date_is_no_date() -> None:
    form = _due("7", "3", "2027", optional_day="", optional_month="", optional_year="")
    assert form.is_valid()
    assert form.cleaned_data["optional"] is None


@pytest.mark.parametrize(
    ("day", "month", "year", "message"),
    [
        ("7", "", "2027", "The due date must include a month"),
        ("", "3", "2027", "The due date must include a day"),
        ("7", "3", "", "The due date must include a year"),
        ("", "", "2027", "The due date must include a day and month"),
        ("", "3", "", "The due date must include a day and year"),
    ],
)
def test_a_missing_part_is_named(day: str, month: str, year: str, message: str) -> None:
    assert _errors(_due(day, month, year)) == {"due": [message]}


def test_the_subject_defaults_to_the_label() -> None:
    form = _due("7", "3", "2027", optional_day="7")
    assert _errors(form) == {"optional": ["The follow up by must include a month and year"]}


@pytest.mark.parametrize(
    ("day", "month", "year"),
    [
        ("31", "2", "2027"),  # no 31st of February
        ("29", "2", "2027"),  # not a leap year
        ("31", "4", "2027"),
        ("0", "3", "2027"),
        ("7", "13", "2027"),
        ("7", "0", "2027"),
        ("-7", "3", "2027"),
        ("7.5", "3", "2027"),
        ("seven", "3", "2027"),
        ("²", "3", "2027"),  # a digit to str.isdigit, but not a number
        ("\u0667", "3", "2027"),  # an Arabic-Indic seven
    ],
)
def test_an_impossible_date_must_be_a_real_date(day: str, month: str, year: str) -> None:
    assert _errors(_due(day, month, year)) == {"due": ["The due date must be a real date"]}


def test_the_29th_of_february_of_a_leap_year_is_a_real_date() -> None:
    form = _due("29", "2", "2028")
    assert form.is_valid()
    assert form.cleaned_data["due"] == date(2028, 2, 29)


@pytest.mark.parametrize("year", ["27", "202", "20270", "99999"])
def test_a_year_must_have_four_numbers(year: str) -> None:
    assert _errors(_due("7", "3", year)) == {
        "due": ["The due date must include a year of 4 numbers, like 2027"]
    }


@pytest.mark.parametrize(
    ("year", "message"),
    [
        ("1899", "The due date must be in 1900 or later"),
        ("0207", "The due date must be in 1900 or later"),  # 2027 with a slip
        ("2100", "The due date must be in 2099 or earlier"),
        ("2207", "The due date must be in 2099 or earlier"),
    ],
)
def test_a_year_outside_1900_to_2099_is_a_slip(year: str, message: str) -> None:
    assert _errors(_due("7", "3", year)) == {"due": [message]}


def test_the_first_and_last_years_are_allowed() -> None:
    assert _due("1", "1", "1900").is_valid()
    assert _due("31", "12", "2099").is_valid()


def test_a_date_that_must_have_happened_is_today_or_before() -> None:
    today = {"happened_day": "20", "happened_month": "11", "happened_year": "2026"}
    review = {"review_day": "20", "review_month": "11", "review_year": "2026"}
    assert BoundsForm({**today, **review}).is_valid()
    tomorrow = {**today, "happened_day": "21"}
    assert _errors(BoundsForm({**tomorrow, **review})) == {
        "happened": ["The date it happened must be today or in the past"]
    }


def test_a_date_to_come_is_today_or_after() -> None:
    today = {"happened_day": "20", "happened_month": "11", "happened_year": "2026"}
    yesterday = {"review_day": "19", "review_month": "11", "review_year": "2026"}
    assert _errors(BoundsForm({**today, **yesterday})) == {
        "review": ["The review date must be today or in the future"]
    }


# Hostile values: a field error, never an exception


@pytest.mark.parametrize(
    "value",
    ["9" * 20, "-" + "9" * 20, str(2**63), "1e309", "nan", "\x00", "a\x00b", "x" * 20_000,
     "\u202e\ufeff\U0001f600", "<script>alert(1)</script>", "' OR 1=1 --"],
)  # fmt: skip
def test_a_hostile_part_is_a_field_error(value: str) -> None:
    for form in (_due(value, "3", "2027"), _due("7", value, "2027"), _due("7", "3", value)):
        errors = _errors(form)
        assert list(errors) == ["due"]
        assert errors["due"][0].startswith("The due date must "), errors


def test_several_values_for_one_part_take_the_last_as_django_does() -> None:
    data = QueryDict("due_day=1&due_day=7&due_month=3&due_year=2027")
    form = DueForm(data)
    assert form.is_valid()
    assert form.cleaned_data["due"] == date(2027, 3, 7)


TEXT = st.one_of(st.text(max_size=30), st.integers(-(10**30), 10**30).map(str))


@settings(max_examples=200, deadline=None)
@given(day=TEXT, month=TEXT, year=TEXT, time=TEXT, whole=TEXT)
def test_anything_typed_is_a_date_or_a_message(
    day: str, month: str, year: str, time: str, whole: str
) -> None:
    for form in (
        DueForm({"due_day": day, "due_month": month, "due_year": year}),
        DueForm({"due": whole}),
        ContactForm({"when_day": day, "when_month": month, "when_year": year, "when_time": time}),
        ContactForm({"when": whole}),
    ):
        if form.is_valid():
            assert isinstance(next(iter(form.cleaned_data.values())), date)
        else:
            messages = [str(message) for errors in form.errors.values() for message in errors]
            assert messages and all(message.startswith(("The ", "Enter ")) for message in messages)


# A date and a time


NOT_A_TIME = "The date of the contact must include a real time, like 14:30"
CLOCKS_CHANGE = (
    "The date of the contact is in the hour the clocks change: enter a time outside 1am to 2am"
)


def _contact(day: str, month: str, year: str, time: str) -> ContactForm:
    return ContactForm({"when_day": day, "when_month": month, "when_year": year, "when_time": time})


@pytest.mark.parametrize("time", ["09:05", "9:05", "9.05", "0905"])
def test_a_date_and_time_is_read_in_london(time: str) -> None:
    form = _contact("20", "11", "2026", time)  # GMT in November
    assert form.is_valid(), form.errors
    assert form.cleaned_data["when"] == datetime(2026, 11, 20, 9, 5, tzinfo=UTC)


def test_a_summer_time_is_an_hour_ahead_of_utc() -> None:
    form = _contact("1", "7", "2026", "14:30")
    assert form.is_valid()
    assert form.cleaned_data["when"] == datetime(2026, 7, 1, 13, 30, tzinfo=UTC)


def test_a_date_and_time_posted_whole() -> None:
    for whole, expected in (
        ("2026-11-20 10:00", datetime(2026, 11, 20, 10, tzinfo=UTC)),
        ("2 11 2026 10:00", datetime(2026, 11, 2, 10, tzinfo=UTC)),
        ("2026-07-01T14:30:00+01:00", datetime(2026, 7, 1, 13, 30, tzinfo=UTC)),
        ("2026-11-20 11:00:00+00:00", datetime(2026, 11, 20, 11, tzinfo=UTC)),
    ):
        form = ContactForm({"when": whole})
        assert form.is_valid(), (whole, form.errors)
        assert form.cleaned_data["when"] == expected


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        (("20", "11", "2026", ""), "The date of the contact must include a time"),
        (("", "11", "2026", ""), "The date of the contact must include a day and time"),
        (("20", "11", "2026", "25:00"), NOT_A_TIME),
        (("20", "11", "2026", "14:60"), NOT_A_TIME),
        (("20", "11", "2026", "2pm"), NOT_A_TIME),
        (("31", "11", "2026", "10:00"), "The date of the contact must be a real date and time"),
        (("20", "11", "2026", "12:30"), "The date of the contact must be now or in the past"),
        (("21", "11", "2026", "09:00"), "The date of the contact must be today or in the past"),
        (("25", "10", "2026", "01:30"),  # the clocks went back: 01:30 happened twice
         CLOCKS_CHANGE),
        (("29", "3", "2026", "01:30"),  # the clocks went forward: no 01:30 that night
         CLOCKS_CHANGE),
    ],
)  # fmt: skip
def test_a_bad_date_and_time_says_what_is_wrong(
    parts: tuple[str, str, str, str], message: str
) -> None:
    assert _errors(_contact(*parts)) == {"when": [message]}


def test_a_date_without_a_time_posted_whole_is_refused() -> None:
    assert _errors(ContactForm({"when": "2026-11-20"})) == {
        "when": ["The date of the contact must include a time"]
    }
    assert _errors(DueForm({"due": "2027-03-07 10:00"})) == {
        "due": ["The due date must be a real date"]
    }


# How it is drawn


def _drawn(form: forms.Form, name: str) -> str:
    return " ".join(render_to_string("includes/field.html", {"field": form[name]}).split())


def test_it_is_drawn_as_the_nhs_date_input() -> None:
    page = _drawn(DueForm(), "due")
    assert page.startswith(
        '<div class="nhsuk-form-group"> <fieldset class="nhsuk-fieldset" role="group" '
        'aria-describedby="id_due-hint"> <legend class="nhsuk-fieldset__legend '
        'nhsuk-fieldset__legend--s">Due by</legend> <div class="nhsuk-hint" id="id_due-hint">'
        "For example, 27 3 2027</div>"
    )
    assert (
        '<label class="nhsuk-label nhsuk-date-input__label" for="id_due">Day</label> '
        '<input class="nhsuk-input nhsuk-date-input__input nhsuk-input--width-2" id="id_due" '
        'name="due_day" type="text" inputmode="numeric" value="" autocomplete="off">'
    ) in page
    assert (
        '<label class="nhsuk-label nhsuk-date-input__label" for="id_due_month">Month</label>'
    ) in page
    assert (
        '<input class="nhsuk-input nhsuk-date-input__input nhsuk-input--width-4" '
        'id="id_due_year" name="due_year" type="text" inputmode="numeric" value="" '
        'autocomplete="off">'
    ) in page
    assert "nhsuk-error-message" not in page


def test_an_error_is_on_the_fieldset_and_outlines_the_part_it_is_about() -> None:
    form = _due("7", "", "2027")
    form.is_valid()
    page = _drawn(form, "due")
    assert page.startswith(
        '<div class="nhsuk-form-group nhsuk-form-group--error"> <fieldset class="nhsuk-fieldset" '
        'role="group" aria-describedby="id_due-hint id_due-error">'
    )
    assert (
        '<span class="nhsuk-error-message" id="id_due-error"><span class="nhsuk-u-visually-hidden">'
        "Error:</span> The due date must include a month</span>"
    ) in page
    assert 'id="id_due" name="due_day" type="text" inputmode="numeric" value="7"' in page
    assert (
        'class="nhsuk-input nhsuk-date-input__input nhsuk-input--width-2 nhsuk-input--error" '
        'id="id_due_month" name="due_month"'
    ) in page
    assert page.count("nhsuk-input--error") == 1
    assert 'name="due_year" type="text" inputmode="numeric" value="2027"' in page


def test_an_impossible_date_outlines_every_part() -> None:
    form = _due("31", "2", "2027")
    form.is_valid()
    assert _drawn(form, "due").count("nhsuk-input--error") == 3


def test_a_date_posted_whole_or_given_as_initial_is_shown_in_its_parts() -> None:
    posted = DueForm({"due": "2027-03-07", "optional": "x"})
    posted.is_valid()
    assert 'name="due_day" type="text" inputmode="numeric" value="7"' in _drawn(posted, "due")
    initial = DueForm(initial={"due": date(2027, 3, 7)})
    page = _drawn(initial, "due")
    assert 'name="due_month" type="text" inputmode="numeric" value="3"' in page
    assert 'name="due_year" type="text" inputmode="numeric" value="2027"' in page


def test_a_date_and_time_has_a_box_for_the_time() -> None:
    form = ContactForm(initial={"when": datetime(2026, 7, 1, 13, 30, tzinfo=UTC)})
    page = _drawn(form, "when")
    assert "For example, 27 3 2027 and 14:30 (the time on the 24-hour clock)</div>" in page
    assert 'name="when_day" type="text" inputmode="numeric" value="1"' in page
    assert (
        '<label class="nhsuk-label nhsuk-date-input__label" for="id_when_time">Time</label> '
        '<input class="nhsuk-input nhsuk-date-input__input nhsuk-input--width-5" '
        'id="id_when_time" name="when_time" type="text" value="14:30" autocomplete="off">'
    ) in page


def test_the_error_summary_links_to_the_first_box() -> None:
    form = _due("", "", "")
    form.is_valid()
    summary = render_to_string("includes/error_summary.html", {"form": form})
    assert '<li><a href="#id_due">Enter the due date</a></li>' in summary
    assert 'id="id_due" name="due_day"' in _drawn(form, "due")


# Where staff type dates


def _form_classes() -> list[type[forms.BaseForm]]:
    """Every form class of the product's (the URLconf imports every view, and so every form)."""
    import onedoor.urls  # noqa: F401

    found, stack = [], [forms.BaseForm]
    while stack:
        for sub in stack.pop().__subclasses__():
            stack.append(sub)
            if sub.__module__.startswith("onedoor."):
                found.append(sub)
    return found


# A date no person types: the signposted list's day, sent back by the page in a hidden field.
NOT_TYPED = {("onedoor.triage.signposted_views", "ReviewedForm", "day")}


def test_every_date_staff_type_is_the_date_input() -> None:
    single_boxes = sorted(
        (form.__module__, form.__name__, name)
        for form in _form_classes()
        for name, field in getattr(form, "base_fields", {}).items()
        if isinstance(field, forms.DateField | forms.DateTimeField | forms.SplitDateTimeField)
    )
    assert single_boxes == sorted(NOT_TYPED)
    date_inputs = {
        (form.__name__, name)
        for form in _form_classes()
        for name, field in getattr(form, "base_fields", {}).items()
        if isinstance(field, DateField)
    }
    assert {
        ("AdviceContactForm", "date_of_birth"),
        ("ContactForm", "happened_at"),
        ("CarePlanForm", "review_due"),
        ("DecisionForm", "information_due"),
        ("SupervisionForm", "held_on"),
        ("IncidentForm", "occurred_on"),
        ("SignOffForm", "review_by"),
        ("EntryForm", "changed_on"),
        ("FollowUpForm", "due"),
    } <= date_inputs


def test_a_contact_cannot_be_recorded_as_happening_later_today() -> None:
    from onedoor.care.forms import ContactForm as CareContactForm

    when = CareContactForm.base_fields["happened_at"]
    assert when.clean(("20", "11", "2026", "11:59")) == datetime(2026, 11, 20, 11, 59, tzinfo=UTC)
    with pytest.raises(forms.ValidationError) as refused:
        when.clean(("20", "11", "2026", "12:30"))
    assert refused.value.messages == ["The date of the contact must be now or in the past"]


def test_information_cannot_be_asked_for_by_a_day_already_gone() -> None:
    from onedoor.triage.forms import DecisionForm

    due = DecisionForm.base_fields["information_due"]
    assert due.clean(("20", "11", "2026")) == date(2026, 11, 20)
    assert due.clean(("", "", "")) is None  # optional: asked for only with "more information"
    with pytest.raises(forms.ValidationError) as refused:
        due.clean(("19", "11", "2026"))
    assert refused.value.messages == [
        "The date the information is due by must be today or in the future"
    ]
