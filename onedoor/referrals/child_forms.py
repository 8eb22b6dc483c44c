"""The referral form's page about the child or young person: who they are, where they live,
their date of birth and their GP practice."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django import forms
from django.utils.formats import date_format

from onedoor.children import nhs_number
from onedoor.children.models import Ethnicity, Gender
from onedoor.children.postcode import normalise_postcode
from onedoor.referrals.eligibility import age_on
from onedoor.referrals.form_parts import (
    LONG_NAME_LIMIT,
    NOT_GIVEN,
    OLDEST,
    PageForm,
    PhoneField,
    Practice,
    Value,
    email_field,
    listed_practice_named,
    radios_field,
    text_field,
)
from onedoor.referrals.models import Route

GENDER_CHOICES = [
    (Gender.FEMALE, "Female"),
    (Gender.MALE, "Male"),
    (Gender.NON_BINARY, "Non-binary"),
    (Gender.SELF_DESCRIBED, "In another way"),
    (Gender.NOT_STATED, "Prefer not to say"),
]
ETHNICITY_CHOICES = [
    ("", "Select an ethnic group"),
    *[(code, label) for code, label in Ethnicity.choices if code != Ethnicity.Z],
    (Ethnicity.Z, "Prefer not to say"),
]
DATE_PARTS = ("dob_day", "dob_month", "dob_year")


def date_from(saved: dict[str, Value]) -> date | None:
    """The date of birth in saved answers about the child, if it is a real date."""
    try:
        return date(*(int(str(saved.get(part, ""))) for part in reversed(DATE_PARTS)))
    except (ValueError, OverflowError):  # a day or month of twenty digits overflows
        return None


class ChildForm(PageForm):
    """The child or young person: who they are, where they live, who knows them."""

    given_name = text_field("First name", autocomplete="off", spellcheck="false")
    family_name = text_field("Last name", autocomplete="off", spellcheck="false")
    dob_day = forms.CharField(required=False, strip=True)
    dob_month = forms.CharField(required=False, strip=True)
    dob_year = forms.CharField(required=False, strip=True)
    gender = radios_field(GENDER_CHOICES)
    ethnicity = forms.ChoiceField(choices=ETHNICITY_CHOICES)
    address_line_1 = text_field("Address line 1", LONG_NAME_LIMIT, autocomplete="address-line1")
    address_line_2 = text_field(
        "Address line 2", LONG_NAME_LIMIT, required=False, autocomplete="address-line2"
    )
    town = text_field("Town or city", required=False, autocomplete="address-level2")
    postcode = forms.CharField(
        max_length=20, widget=forms.TextInput(attrs={"autocomplete": "postal-code"})
    )
    nhs_number = forms.CharField(
        required=False, max_length=20, widget=forms.TextInput(attrs={"inputmode": "numeric"})
    )
    school = text_field("School or college", LONG_NAME_LIMIT, required=False)
    gp_practice = forms.ChoiceField(
        required=False,
        error_messages={
            "invalid_choice": "Choose the GP practice from the list, or type its name in the box "
            "below it"
        },
    )
    gp_practice_name = text_field("GP practice", LONG_NAME_LIMIT, required=False)
    phone = PhoneField()
    email = email_field()

    date_error_parts: tuple[str, ...] = ()

    def setup(self) -> None:
        self.dob_legend = "{Whose} date of birth".format_map(self.words)
        self.word("given_name", "First name", required="Enter {whose} first name")
        self.word("family_name", "Last name", required="Enter {whose} last name")
        self.word(
            "gender",
            "How do you describe your gender?"
            if self.ctx.route == Route.SELF
            else "How {does} describe their gender?",
            required="Select {whose} gender, or 'Prefer not to say'",
        )
        self.word(
            "ethnicity",
            "{Whose} ethnic group",
            required="Select {whose} ethnic group, or 'Prefer not to say'",
            hint="We ask everyone this, to check that our services are fair to everyone.",
        )
        self.word(
            "address_line_1",
            "Address line 1",
            required="Enter the first line of {whose} address",
        )
        self.word("address_line_2", "Address line 2 (optional)")
        self.word("town", "Town or city (optional)")
        self.word(
            "postcode",
            "Postcode",
            required="Enter {whose} postcode",
            hint="If you have no fixed address, give the postcode of where you stay most."
            if self.ctx.route == Route.SELF
            else "If they have no fixed address, give the postcode of where they stay most.",
        )
        self.word(
            "nhs_number",
            "{Whose} NHS number (optional)",
            hint="If you know it. It is 10 digits, like 485 777 3456.",
        )
        self.word("school", "School or college (optional)")
        self.word(
            "gp_practice",
            "{Whose} GP practice (optional)",
            hint="The GP surgery where {who} can see a doctor. Choose it from the list of "
            f"practices in {self.ctx.choices.area_name or 'the area'}, or, if it is not there, "
            "type its name in the box below.",
        )
        self.fields["gp_practice"].choices = [  # type: ignore[attr-defined]
            ("", "None chosen"),
            *((practice.ods_code, practice.label) for practice in self.ctx.choices.practices),
        ]
        self.word(
            "gp_practice_name",
            "If the GP practice is not in the list: its name and town (optional)",
        )
        if self.ctx.route == Route.SELF:
            self.word("phone", "Your phone number", hint="For example, 07700 900 982")
            self.word("email", "Your email address")
        else:
            self.word(
                "phone",
                "{Whose} own phone number (optional)",
                hint="Only if they have their own and are happy to be contacted on it.",
            )
            self.word("email", "{Whose} own email address (optional)")

    @property
    def date_parts(self) -> list[tuple[forms.BoundField, str, int, str]]:
        return [
            (self["dob_day"], "Day", 2, "bday-day" if self.ctx.route == Route.SELF else "off"),
            (
                self["dob_month"],
                "Month",
                2,
                "bday-month" if self.ctx.route == Route.SELF else "off",
            ),
            (self["dob_year"], "Year", 4, "bday-year" if self.ctx.route == Route.SELF else "off"),
        ]

    @property
    def date_error(self) -> str:
        for part in DATE_PARTS:
            if self.errors.get(part):
                return str(self.errors[part][0])
        return ""

    def clean_postcode(self) -> str:
        postcode = normalise_postcode(self.cleaned_data["postcode"])
        if postcode is None:
            raise forms.ValidationError("Enter a full UK postcode, like ME4 4AB")
        return postcode

    def clean_nhs_number(self) -> str:
        number = nhs_number.normalise(self.cleaned_data["nhs_number"])
        if not number:
            return ""
        if not re.fullmatch(r"\d{10}", number):
            raise forms.ValidationError("NHS number must be 10 digits, like 485 777 3456")
        problem = nhs_number.problem(number)
        if problem is not None:
            raise forms.ValidationError(problem)
        return number

    def clean_gp_practice_name(self) -> str:
        return " ".join(self.cleaned_data["gp_practice_name"].split())

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        self._clean_practice(data)
        problem = self._date_of_birth_problem(data)
        if problem is not None:
            self.date_error_parts, message = problem
            self.add_error(self.date_error_parts[0], message.format_map(self.words))
        contact = ("phone", "email")
        missing = not data.get("phone") and not data.get("email")
        if self.ctx.route == Route.SELF and missing and not self._any_errors(contact):
            self.add_error(
                "phone", "Enter a phone number or an email address, so we can contact you"
            )
        return data

    def _clean_practice(self, data: dict[str, Any]) -> None:
        """A practice typed that is on the list (its name or code, in any case) is chosen.
        One chosen from the list is the answer, whatever is typed beside it (the check page
        shows which)."""
        if self._any_errors(("gp_practice", "gp_practice_name")) or data.get("gp_practice"):
            return
        named = listed_practice_named(self.ctx.choices.practices, data["gp_practice_name"])
        data["gp_practice"] = named.ods_code if named else ""

    @property
    def practice(self) -> Practice | None:
        """The practice chosen from the list, once the form is valid."""
        code = self.cleaned_data.get("gp_practice", "")
        return next((p for p in self.ctx.choices.practices if p.ods_code == code), None)

    def _date_of_birth_problem(self, data: dict[str, Any]) -> tuple[tuple[str, ...], str] | None:
        """Which of day, month and year to mark, and the message; or None, with the date."""
        parts = {part: data.get(part, "") for part in DATE_PARTS}
        missing = tuple(part for part, value in parts.items() if not value)
        if len(missing) == len(DATE_PARTS):
            return DATE_PARTS, "Enter {whose} date of birth"
        if missing:
            names = " and ".join(part.removeprefix("dob_") for part in missing)
            return missing, f"Date of birth must include a {names}"
        if not all(value.isdigit() for value in parts.values()):
            return DATE_PARTS, "Date of birth must be a real date"
        if len(parts["dob_year"]) != 4:
            return ("dob_year",), "Year must include 4 numbers"
        born = date_from(parts)
        if born is None:
            return DATE_PARTS, "Date of birth must be a real date"
        if born > self.ctx.today:
            return DATE_PARTS, "Date of birth must be in the past"
        if age_on(born, self.ctx.today) > OLDEST:
            return (
                "dob_year",
            ), f"Check the year: this date of birth would make {{who}} older than {OLDEST}"
        data["date_of_birth"] = born
        return None

    def rows(self) -> list[tuple[str, str]]:
        data = self.cleaned_data
        address = [data["address_line_1"], data["address_line_2"], data["town"], data["postcode"]]
        return [
            ("Name", f"{data['given_name']} {data['family_name']}"),
            ("Date of birth", date_format(data["date_of_birth"], "j F Y")),
            ("Gender", self.label_of("gender", data["gender"])),
            ("Ethnic group", self.label_of("ethnicity", data["ethnicity"])),
            ("Address", "\n".join(line for line in address if line)),
            ("NHS number", nhs_number.format_nhs_number(data["nhs_number"]) or NOT_GIVEN),
            ("School or college", data["school"] or NOT_GIVEN),
            ("GP practice", self._practice_row(data)),
            ("Phone number", data["phone"] or NOT_GIVEN),
            ("Email address", data["email"] or NOT_GIVEN),
        ]

    def answers(self) -> dict[str, Any]:
        data = self.cleaned_data
        fields = [
            *("given_name", "family_name", "date_of_birth", "gender", "ethnicity"),
            *("address_line_1", "address_line_2", "town", "postcode", "nhs_number"),
            "school",
        ]
        practice = self.practice
        return {
            **{name: data[name] for name in fields},
            "gp_ods_code": practice.ods_code if practice else "",
            "gp_practice": practice.name if practice else data["gp_practice_name"],
            "young_person_phone": data["phone"],
            "young_person_email": data["email"],
        }

    def _practice_row(self, data: dict[str, Any]) -> str:
        practice = self.practice
        if practice is not None:
            return practice.label
        if data["gp_practice_name"]:
            return f"{data['gp_practice_name']} (not in the list)"
        return NOT_GIVEN
