"""The tracking page's two forms: the reference and date of birth, then the code."""

from __future__ import annotations

import re

from django import forms

from onedoor.dates import DateField
from onedoor.referrals.reference import is_valid, normalise

_SPACES = re.compile(r"\s+")


class LookupForm(forms.Form):
    reference = forms.CharField(
        label="Reference number",
        help_text="This is on the page you saw when the referral was sent, and in our email. "
        "For example, K7PX-3MQA",
        max_length=20,
        error_messages={
            "required": "Enter the reference number",
            "max_length": "The reference number is 8 letters and numbers, like K7PX-3MQA",
        },
    )
    date_of_birth = DateField(
        label="The child or young person's date of birth",
        subject="The date of birth",
        past=True,
        help_text="For example, 15 3 2012",
    )

    def clean_reference(self) -> str:
        typed = self.cleaned_data["reference"]
        if not is_valid(typed):
            raise forms.ValidationError(
                "Enter the reference number as it was given, for example K7PX-3MQA"
            )
        return normalise(typed)


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        help_text="The 6 numbers in the email we sent",
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
        error_messages={
            "required": "Enter the 6-digit code",
            "max_length": "The code is 6 numbers",
        },
    )

    def clean_code(self) -> str:
        typed = _SPACES.sub("", self.cleaned_data["code"])
        if not (len(typed) == 6 and typed.isascii() and typed.isdigit()):
            raise forms.ValidationError("The code is 6 numbers, like 123456")
        return typed
