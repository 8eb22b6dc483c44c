"""The forms of a child's own writes: correcting their details (`children/corrections.py`)
and consent to share withdrawn or given again (`referrals/sharing.py`)."""

from __future__ import annotations

from typing import Any

from django import forms

from onedoor.children import nhs_number
from onedoor.children.corrections import DETAILS, limit_of
from onedoor.children.models import Child, Ethnicity, Gender
from onedoor.children.postcode import normalise_postcode
from onedoor.dates import DateField
from onedoor.referrals.form_parts import PhoneField, email_field

RELOAD = "Open this page again, and make your change"
BIGGEST = 2**31 - 1


def _seen() -> forms.IntegerField:
    """How many corrections the page showed: a correction made meanwhile is refused."""
    return forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=0,
        max_value=BIGGEST,
        error_messages=dict.fromkeys(("required", "invalid", "min_value", "max_value"), RELOAD),
    )


def _text(field: str, *, required: bool = False, hint: str = "") -> forms.CharField:
    label = DETAILS[field]
    limit = limit_of(field)
    return forms.CharField(
        label=label,
        required=required,
        max_length=limit,
        help_text=hint,
        error_messages={
            "required": f"Enter the {label.lower()}",
            "max_length": f"{label} must be {limit} characters or less",
        },
    )


def _reason(label: str, required: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": required,
            "max_length": "Keep the reason to 2000 characters or fewer",
        },
    )


class DetailsForm(forms.Form):
    """The child's details as they should be, and why they are being corrected."""

    seen = _seen()
    given_name = _text("given_name", required=True)
    family_name = _text("family_name", required=True)
    date_of_birth = DateField(label="Date of birth", past=True, help_text="For example, 14 3 2012")
    gender = forms.ChoiceField(
        label=DETAILS["gender"],
        choices=Gender.choices,
        error_messages={"required": "Choose the gender", "invalid_choice": "Choose the gender"},
    )
    ethnicity = forms.ChoiceField(
        label=DETAILS["ethnicity"],
        choices=Ethnicity.choices,
        error_messages={
            "required": "Choose the ethnicity",
            "invalid_choice": "Choose the ethnicity",
        },
    )
    nhs_number = forms.CharField(
        label=DETAILS["nhs_number"],
        required=False,
        max_length=20,
        help_text="10 digits, like 485 777 3456. Leave it empty if it is not known.",
        error_messages={"max_length": "An NHS number is 10 digits, like 485 777 3456"},
    )
    address_line_1 = _text("address_line_1")
    address_line_2 = _text("address_line_2")
    town = _text("town")
    postcode = forms.CharField(
        label=DETAILS["postcode"],
        required=False,
        max_length=10,
        error_messages={"max_length": "Enter a full UK postcode, like ME4 4AB"},
    )
    school = _text("school")
    gp_practice = _text("gp_practice", hint="The practice's name, as the family gave it.")
    phone = PhoneField(label=DETAILS["phone"])
    email = email_field()
    reason = _reason(
        "Why are you correcting these details?",
        "Say why the details are being corrected",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].label = DETAILS["email"]
        self.fields["reason"].help_text = (
            "For example, who told you the right details. Kept with the earlier values, for "
            "everyone who may see the child's record."
        )

    def clean_nhs_number(self) -> str:
        number = nhs_number.normalise(self.cleaned_data["nhs_number"])
        if not number:
            return ""
        problem = nhs_number.problem(number)
        if problem:
            raise forms.ValidationError(problem)
        return number

    def clean_postcode(self) -> str:
        typed = self.cleaned_data["postcode"].strip()
        if not typed:
            return ""
        postcode = normalise_postcode(typed)
        if postcode is None:
            raise forms.ValidationError("Enter a full UK postcode, like ME4 4AB")
        return postcode

    @property
    def details(self) -> dict[str, object]:
        return {field: self.cleaned_data[field] for field in DETAILS}


def details_of(child: Child) -> dict[str, object]:
    """The child's details as the form starts with them."""
    return {field: getattr(child, field) for field in DETAILS}


class SharingForm(forms.Form):
    """Consent to share withdrawn (and whether the partner working with the child keeps
    them), or given again."""

    reason = _reason("", "")

    def __init__(self, *args: Any, withdrawn: bool, partner: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        reason = self.fields["reason"]
        if withdrawn:
            reason.label = "How was consent to share given again?"
            reason.error_messages["required"] = "Say how consent to share was given again"
            reason.help_text = "For example, who gave it, and how they were told what it means."
            return
        reason.label = "Why is consent to share withdrawn?"
        reason.error_messages["required"] = "Say why consent to share is withdrawn"
        reason.help_text = "For example, who withdrew it, and what they asked for."
        if partner:
            self.fields["keep"] = forms.ChoiceField(
                label=f"May {partner} keep working with the child?",
                help_text=f"{partner} holds the child's waiting place now. Ask the family.",
                choices=[
                    ("yes", f"Yes: {partner} keeps working with the child and sees their record"),
                    ("no", f"No: {partner} stops, and no partner sees the child's record"),
                ],
                widget=forms.RadioSelect,
                error_messages={
                    "required": f"Choose whether {partner} may keep working with the child"
                },
            )
            self.order_fields(["keep", "reason"])

    @property
    def keeps_partner(self) -> bool:
        return self.cleaned_data.get("keep") == "yes"
