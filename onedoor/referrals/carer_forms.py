"""The referral form's page about a parent or carer, and their parental responsibility."""

from __future__ import annotations

from typing import Any

from django import forms

from onedoor.children.models import CarerContact
from onedoor.referrals.answers import CarerAnswers
from onedoor.referrals.consent import SELF_CONSENT_AGE
from onedoor.referrals.form_parts import (
    ADULT_AGE,
    NOT_GIVEN,
    PageForm,
    PhoneField,
    email_field,
    radios_field,
    text_field,
)
from onedoor.referrals.models import Route

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
