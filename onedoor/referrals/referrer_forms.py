"""The referral form's pages about who is asking: the route (a young person for themselves, a
parent or carer, a professional) and the referrer's own details."""

from __future__ import annotations

from typing import Any

from onedoor.referrals.form_parts import (
    LONG_NAME_LIMIT,
    PageForm,
    PhoneField,
    email_field,
    radios_field,
    text_field,
)
from onedoor.referrals.models import Route, Source


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
