"""The registration form and the password page of the emailed link."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError

from onedoor.alliance.contacts import uk_phone
from onedoor.referrals.models import Source
from onedoor.referrers.registration import Registration

# Where a professional works, as the referral form asks it.
WORKS_IN = [
    (Source.GP, "A GP practice"),
    (Source.SCHOOL, "A school or college"),
    (Source.SOCIAL_CARE, "Children's social care"),
    (Source.HEALTH, "Another health service"),
    (Source.YOUTH_JUSTICE, "Youth justice"),
    (Source.OTHER, "Somewhere else"),
]

NOT_ALLOWED = (
    "You can only register with a work email address from an organisation we work with, such "
    "as an nhs.net address. To refer without an account, use the referral form"
)


def _text(label: str, limit: int, required: str, **attrs: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=limit,
        widget=forms.TextInput(attrs=attrs),
        error_messages={
            "required": required,
            "max_length": f"{label} must be {limit} characters or less",
        },
    )


class RegistrationForm(forms.Form):
    name = _text("Your full name", 150, "Enter your full name", autocomplete="name")
    job_title = _text(
        "Your job title or role",
        100,
        "Enter your job title or role, like school nurse",
        autocomplete="organization-title",
    )
    workplace = _text(
        "Where you work",
        200,
        "Enter the name of your practice, school or team",
        autocomplete="organization",
    )
    works_in = forms.ChoiceField(
        label="What kind of organisation is it?",
        choices=WORKS_IN,
        widget=forms.RadioSelect,
        error_messages={"required": "Select what kind of organisation you work for"},
    )
    work_phone = forms.CharField(
        label="Your work phone number (optional)",
        required=False,
        max_length=40,
        help_text="For example, 01632 960 001",
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    email = forms.EmailField(
        label="Your work email address",
        max_length=150,
        help_text="We will send a link to this address to check it is yours",
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
        error_messages={
            "required": "Enter your work email address",
            "invalid": "Enter an email address in the correct format, like name@nhs.net",
            "max_length": "Your work email address must be 150 characters or less",
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["workplace"].help_text = "Your practice, school or team"

    def clean_work_phone(self) -> str:
        text = str(self.cleaned_data.get("work_phone") or "").strip()
        if not text:
            return ""
        try:
            return uk_phone(text)
        except ValueError as error:
            raise ValidationError("Enter a UK phone number, like 01632 960 001") from error

    def registration(self) -> Registration:
        data = self.cleaned_data
        return Registration(
            name=" ".join(data["name"].split()),
            job_title=data["job_title"].strip(),
            workplace=data["workplace"].strip(),
            works_in=data["works_in"],
            work_phone=data["work_phone"],
            email=data["email"].strip().lower(),
        )


class PasswordForm(forms.Form):
    password = forms.CharField(
        label="Choose a password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "Choose a password"},
    )
    again = forms.CharField(
        label="Type the password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "Type the password again"},
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["password"].help_text = " ".join(
            password_validation.password_validators_help_texts()
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        password, again = data.get("password"), data.get("again")
        if password and again and password != again:
            self.add_error("again", "The passwords are not the same. Type the password again")
        elif password:
            try:
                password_validation.validate_password(password, self.user)
            except ValidationError as error:
                self.add_error("password", error)
        return data
