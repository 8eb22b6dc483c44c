"""The public referral form's questions: one Django form per page, validated on the server.

Every message says how to put the answer right, in the NHS service manual's words. Labels
and messages fit the reader (`Words`): "you" for a young person, "your child" for a parent or
carer, "the young person" for a professional. Each form keeps what was typed (`saved`),
lists its answers for the check page (`rows`) and gives its part of `ReferralAnswers`
(`answers`). None of them touches the database: the alliance's lists arrive in `Choices`.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django import forms
from django.utils.formats import date_format

from onedoor.children import nhs_number
from onedoor.children.models import CarerContact, Ethnicity, Gender
from onedoor.children.postcode import normalise_postcode
from onedoor.referrals.answers import CarerAnswers
from onedoor.referrals.consent import SELF_CONSENT_AGE
from onedoor.referrals.eligibility import age_on
from onedoor.referrals.form_parts import (
    ADULT_AGE,
    LONG_NAME_LIMIT,
    NONE,
    NOT_GIVEN,
    OLDEST,
    TEXT_LIMIT,
    YES_NO,
    PageForm,
    PhoneField,
    Practice,
    Value,
    email_field,
    listed_practice_named,
    radios_field,
    text_field,
)
from onedoor.referrals.models import RISK_INDICATORS, Route, Source


class StartForm(PageForm):
    who = radios_field(
        [
            (Route.SELF, "I'm a young person asking for help for myself"),
            (Route.PARENT, "I'm a parent or carer asking for help for my child"),
            (Route.PROFESSIONAL, "I'm a professional, for example a GP, teacher or social worker"),
        ]
    )

    def setup(self) -> None:
        self.word("who", "Who are you?", required="Select who you are")

    def rows(self) -> list[tuple[str, str]]:
        return [("Who is asking", self.label_of("who", self.cleaned_data["who"]))]


SOURCE_CHOICES = [
    (Source.GP, "A GP practice"),
    (Source.SCHOOL, "A school or college"),
    (Source.SOCIAL_CARE, "Children's social care"),
    (Source.HEALTH, "Another health service"),
    (Source.YOUTH_JUSTICE, "Youth justice"),
    (Source.OTHER, "Somewhere else"),
]


class ReferrerForm(PageForm):
    """The parent or carer, or the professional, who is asking."""

    name = text_field("Your name", autocomplete="name", spellcheck="false")
    relationship = text_field("Your relationship")
    role = text_field("Your job title or role", autocomplete="organization-title")
    organisation = text_field("Organisation name", LONG_NAME_LIMIT, autocomplete="organization")
    source = radios_field(SOURCE_CHOICES)
    email = email_field()
    phone = PhoneField()

    def setup(self) -> None:
        professional = self.ctx.route == Route.PROFESSIONAL
        self.word("name", "Your full name", required="Enter your full name")
        if professional:
            del self.fields["relationship"]
            self.word(
                "role",
                "Your job title or role",
                required="Enter your job title or role, like school nurse",
                hint="For example, school nurse, designated safeguarding lead or GP",
            )
            self.word(
                "organisation", "Your organisation", required="Enter the name of your organisation"
            )
            self.word("source", "Where do you work?", required="Select where you work")
            self.word("email", "Your work email address", required="Enter your work email address")
            self.fields["email"].required = True
            self.word("phone", "Your work phone number (optional)")
        else:
            for name in ("role", "organisation", "source"):
                del self.fields[name]
            self.word(
                "relationship",
                "Your relationship to the child or young person",
                required="Enter your relationship to the child, like mother or foster carer",
                hint="For example, mother, father, foster carer or grandparent",
            )
            self.word("email", "Email address")
            self.word("phone", "Phone number")
        self.fields["phone"].help_text = "For example, 01632 960 001 or 07700 900 982"

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        contact = ("phone", "email")
        missing = not data.get("email") and not data.get("phone")
        if self.ctx.route == Route.PARENT and missing and not self._any_errors(contact):
            self.add_error(
                "email", "Enter an email address or a phone number, so the team can contact you"
            )
        return data

    def rows(self) -> list[tuple[str, str]]:
        data = self.cleaned_data
        rows = [("Name", data["name"])]
        if self.ctx.route == Route.PROFESSIONAL:
            rows += [
                ("Job title or role", data["role"]),
                ("Organisation", data["organisation"]),
                ("Where you work", self.label_of("source", data["source"])),
            ]
        else:
            rows.append(("Relationship to the child or young person", data["relationship"]))
        return [*rows, ("Email address", data["email"]), ("Phone number", data["phone"])]

    def answers(self) -> dict[str, Any]:
        data = self.cleaned_data
        answers = {
            "referrer_name": data["name"],
            "referrer_email": data["email"],
            "referrer_phone": data["phone"],
        }
        if self.ctx.route == Route.PROFESSIONAL:
            return {
                **answers,
                "source": Source(data["source"]),
                "referrer_role": data["role"],
                "referrer_organisation": data["organisation"],
            }
        return {**answers, "referrer_relationship": data["relationship"]}


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


PR_CHOICES = [
    (CarerContact.ParentalResponsibility.YES, "Yes"),
    (CarerContact.ParentalResponsibility.NO, "No"),
    (CarerContact.ParentalResponsibility.NOT_KNOWN, "I do not know"),
]


CARER_FIELDS = ("carer_name", "carer_relationship", "carer_phone", "carer_email")


class CarersForm(PageForm):
    """One parent or carer: optional on the self route, for young adults, and when a
    professional says the young person consents themselves (judged competent, under 16)."""

    carer_name = text_field("Their name", spellcheck="false")
    carer_relationship = text_field("Their relationship")
    carer_phone = PhoneField()
    carer_email = email_field()
    parental_responsibility = radios_field(PR_CHOICES)
    own_consent = forms.BooleanField(required=False)

    @property
    def optional(self) -> bool:
        age = self.ctx.age
        adult = age is not None and age >= ADULT_AGE
        return self.ctx.route == Route.SELF or adult or self.own_consent_given

    @property
    def own_consent_given(self) -> bool:
        """A professional gives no parent or carer: the young person consents themselves."""
        if "own_consent" not in self.fields:
            return False
        if not self.is_bound:
            return bool(self.initial.get("own_consent"))
        name = self.add_prefix("own_consent")
        widget = self.fields["own_consent"].widget
        return bool(widget.value_from_datadict(self.data, self.files, name))

    def setup(self) -> None:
        self.word("carer_name", "Their full name", required="Enter the parent or carer's full name")
        self.word(
            "carer_relationship",
            "Their relationship to {who}",
            required="Enter their relationship to {who}, like mother or foster carer",
            hint="For example, mother, father, foster carer or grandparent",
        )
        self.word("carer_phone", "Their phone number", hint="For example, 07700 900 982")
        self.word("carer_email", "Their email address")
        self.word(
            "parental_responsibility",
            "Do they have parental responsibility for {who}?",
            required="Select whether they have parental responsibility, or 'I do not know'",
            hint="Parental responsibility is the legal right to make decisions about a child. "
            "Mothers, and most fathers, have it. Foster carers usually do not.",
        )
        age = self.ctx.age
        if self.ctx.route == Route.PROFESSIONAL and (age is None or age < ADULT_AGE):
            competent = age is None or age < SELF_CONSENT_AGE
            self.word(
                "own_consent",
                "The young person consents to this referral themselves"
                + (", and I judge them competent to" if competent else "")
                + ": I am not giving a parent or carer's details",
                hint="Only when the young person does not want a parent or carer involved. "
                "If we are worried about their safety, we may still need to contact a parent "
                "or carer.",
            )
        else:
            del self.fields["own_consent"]
        if self.ctx.route == Route.SELF:
            self.fields["carer_name"].label = "Their full name (optional)"
        if self.optional:
            for field in self.fields.values():
                field.required = False

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        given = (*CARER_FIELDS, "parental_responsibility")
        if self.optional and any(data.get(name) for name in given):
            for name in ("carer_name", "carer_relationship", "parental_responsibility"):
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, self.fields[name].error_messages["required"])
        return data

    def rows(self) -> list[tuple[str, str]]:
        data = self.cleaned_data
        if not data.get("carer_name"):
            if self.own_consent_given:
                return [("Parent or carer", "Not given: the young person consents themselves")]
            return [("Parent or carer", NOT_GIVEN)]
        return [
            ("Name", data["carer_name"]),
            ("Relationship", data["carer_relationship"]),
            ("Phone number", data["carer_phone"] or NOT_GIVEN),
            ("Email address", data["carer_email"] or NOT_GIVEN),
            (
                "Parental responsibility",
                self.label_of("parental_responsibility", data["parental_responsibility"]),
            ),
        ]

    def answers(self) -> dict[str, Any]:
        data = self.cleaned_data
        if not data.get("carer_name"):
            return {"carers": ()}
        carer = CarerAnswers(
            name=data["carer_name"],
            relationship=data["carer_relationship"],
            phone=data["carer_phone"],
            email=data["carer_email"],
            parental_responsibility=data["parental_responsibility"],
        )
        return {"carers": (carer,)}


def _chosen(form: PageForm, name: str, choices: tuple[tuple[str, str], ...] | None) -> None:
    """Offer the alliance's list; without the database, accept what was chosen before."""
    if choices is None:
        if not form.is_bound:
            chosen = form.initial.get(name) or []
        elif hasattr(form.data, "getlist"):
            chosen = form.data.getlist(name)
        else:
            chosen = form.data.get(name) or []
        choices = tuple((value, value.replace("-", " ").capitalize()) for value in chosen)
    form.fields[name].choices = choices  # type: ignore[attr-defined]


class ReasonsForm(PageForm):
    reasons = text_field("Why you are asking for help", TEXT_LIMIT, rows=6)
    needs = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)
    what_tried = text_field("What has been tried", TEXT_LIMIT, required=False, rows=4)

    def setup(self) -> None:
        if self.ctx.route == Route.SELF:
            self.word(
                "reasons",
                "What would you like help with?",
                required="Tell us what you would like help with",
                hint="In your own words: what is happening, how long it has been going on, "
                "and how it affects you.",
            )
        else:
            self.word(
                "reasons",
                "Why are you asking for help for {who}?",
                required="Tell us why you are asking for help",
                hint="What is happening, how long it has been going on, and how it affects "
                "{who} day to day.",
            )
        self.word(
            "needs",
            "Which of these {is_} finding difficult?",
            hint="Select all that apply, or none.",
        )
        self.word(
            "what_tried",
            "What has been tried already? (optional)",
            hint="For example, support at school, a GP appointment, counselling or self-help.",
        )
        _chosen(self, "needs", self.ctx.choices.needs)

    def rows(self) -> list[tuple[str, str]]:
        data = self.cleaned_data
        needs = [self.label_of("needs", slug) for slug in data["needs"]]
        return [
            ("Why you are asking for help", data["reasons"]),
            ("Finding difficult", "\n".join(needs) or NOT_GIVEN),
            ("What has been tried", data["what_tried"] or NOT_GIVEN),
        ]

    def answers(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "reasons": data["reasons"],
            "needs": tuple(data["needs"]),
            "what_tried": data["what_tried"],
        }


class SafetyForm(PageForm):
    risks = forms.MultipleChoiceField(
        choices=[*RISK_INDICATORS.items(), (NONE, "None of these")],
        widget=forms.CheckboxSelectMultiple,
    )
    risk_details = text_field("Details about safety", TEXT_LIMIT, required=False, rows=4)

    def setup(self) -> None:
        self.word(
            "risks",
            "Are any of these happening now, or have they happened recently?",
            required="Select any that apply, or select 'None of these'",
            hint="This helps us decide how soon to contact you. Select all that apply.",
        )
        self.word(
            "risk_details",
            "Tell us more (optional)",
            hint="For example, what has happened, how recently, and what helps keep {who} safe.",
        )

    def clean_risks(self) -> list[str]:
        risks: list[str] = self.cleaned_data["risks"]
        if NONE in risks and len(risks) > 1:
            raise forms.ValidationError(
                "Select the ones that apply, or select 'None of these' on its own"
            )
        return risks

    def rows(self) -> list[tuple[str, str]]:
        data = self.cleaned_data
        return [
            ("Worries about safety", "\n".join(self.label_of("risks", r) for r in data["risks"])),
            ("More about safety", data["risk_details"] or NOT_GIVEN),
        ]

    def answers(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "risk_indicators": tuple(r for r in data["risks"] if r != NONE),
            "risk_details": data["risk_details"],
        }


class CommunicationForm(PageForm):
    language = text_field("Language", required=False, autocomplete="language")
    interpreter = radios_field(YES_NO)
    accessibility_needs = text_field("Accessibility needs", TEXT_LIMIT, required=False, rows=4)

    QUESTIONS = {
        Route.SELF: ("you", "Do you need an interpreter?"),
        Route.PARENT: ("you and your child", "Do you or your child need an interpreter?"),
        Route.PROFESSIONAL: (
            "the young person and their family",
            "Does the young person or their family need an interpreter?",
        ),
    }

    def setup(self) -> None:
        people, interpreter = self.QUESTIONS.get(self.ctx.route, self.QUESTIONS[Route.SELF])  # type: ignore[call-overload]
        self.word(
            "language",
            f"What language would {people} like us to use? (optional)",
            hint="For example, English, Polish, Romanian or British Sign Language.",
        )
        self.word("interpreter", interpreter, required="Select yes if an interpreter is needed")
        self.word(
            "accessibility_needs",
            "Is there anything that would make it easier for {who} to use our services? (optional)",
            hint="For example, easy read letters, a quiet waiting room, step-free access, or "
            "being contacted by text rather than phone.",
        )

    def rows(self) -> list[tuple[str, str]]:
        data = self.cleaned_data
        return [
            ("Language", data["language"] or NOT_GIVEN),
            ("Interpreter needed", self.label_of("interpreter", data["interpreter"])),
            ("Accessibility needs", data["accessibility_needs"] or NOT_GIVEN),
        ]

    def answers(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "language": data["language"],
            "interpreter_needed": data["interpreter"] == "yes",
            "accessibility_needs": data["accessibility_needs"],
        }


LGBTQIA = "lgbtqia"
RECORD_LGBTQIA = "yes_record"


class MoreAboutForm(PageForm):
    """Priority groups and SEND; then LGBTQIA+, optional and recorded only by agreement."""

    groups = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)
    lgbtqia = radios_field([], required=False)

    def setup(self) -> None:
        older = self.ctx.choices.extended_max_age
        self.word(
            "groups",
            "Do any of these apply to {who}?",
            hint="Select all that apply, or none. Young people in these groups can get support "
            "sooner" + (f", and some can get help up to the age of {older}." if older else "."),
        )
        _chosen(self, "groups", self.ctx.choices.groups)
        if not self.ctx.choices.lgbtqia:
            del self.fields["lgbtqia"]
            return
        if self.ctx.route == Route.SELF:
            question = "Do you identify as LGBTQIA+? (optional)"
            record, private = (
                "Yes, and I'm happy for you to record this",
                "Yes, but please do not record it",
            )
        else:
            question = "{Does} identify as LGBTQIA+? (optional)".format_map(self.words)
            record, private = (
                "Yes, and they are happy for it to be recorded",
                "Yes, but they do not want it recorded",
            )
        self.fields["lgbtqia"].choices = [  # type: ignore[attr-defined]
            (RECORD_LGBTQIA, record),
            ("yes_private", private),
            ("no", "No"),
            ("prefer_not", "Prefer not to say"),
        ]
        self.word(
            "lgbtqia",
            question,
            hint="LGBTQIA+ means lesbian, gay, bisexual, trans, queer or questioning, intersex, "
            "asexual and more. You do not have to answer. We ask because there is support for "
            "LGBTQIA+ young people, and we only record the answer if {who} agree"
            + ("" if self.ctx.route == Route.SELF else "s")
            + ".",
        )

    def rows(self) -> list[tuple[str, str]]:
        data = self.cleaned_data
        groups = "\n".join(self.label_of("groups", slug) for slug in data["groups"])
        rows = [("Groups that apply", groups or "None")]
        if "lgbtqia" in self.fields:
            answer = data.get("lgbtqia") or ""
            rows.append(("LGBTQIA+", self.label_of("lgbtqia", answer) if answer else NOT_GIVEN))
        return rows

    def answers(self) -> dict[str, Any]:
        data = self.cleaned_data
        groups = tuple(data["groups"])
        if data.get("lgbtqia") == RECORD_LGBTQIA:
            groups += (LGBTQIA,)
        return {"priority_groups": groups}
