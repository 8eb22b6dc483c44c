from __future__ import annotations

from datetime import date
from typing import Any

from django import forms

from onedoor import clock
from onedoor.alliance.models import Alliance, DirectoryService
from onedoor.children import nhs_number
from onedoor.children.postcode import normalise_postcode
from onedoor.dates import DateField
from onedoor.record_choices import RecordsChoiceField


class AdviceContactForm(forms.Form):
    given_name = forms.CharField(
        label="Child's first name",
        max_length=100,
        error_messages={"required": "Enter the child's first name"},
    )
    family_name = forms.CharField(
        label="Child's last name",
        max_length=100,
        error_messages={"required": "Enter the child's last name"},
    )
    date_of_birth = DateField(
        label="Child's date of birth",
        subject="The child's date of birth",
        required_message="Enter the child's date of birth",
        help_text="For example, 27 3 2012",
    )
    postcode = forms.CharField(
        label="Postcode",
        max_length=20,
        error_messages={
            "required": "Enter the postcode",
            "max_length": "Enter a real UK postcode, like ME4 4AB",
        },
    )
    nhs_number = forms.CharField(label="NHS number (if known)", max_length=12, required=False)
    caller_name = forms.CharField(
        label="Who called", max_length=200, error_messages={"required": "Enter who called"}
    )
    caller_relationship = forms.CharField(
        label="Their relationship to the child",
        max_length=100,
        error_messages={"required": "Enter how the caller knows the child"},
    )
    advice_given = forms.CharField(
        label="Advice given",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={
            "required": "Describe the advice you gave",
            "max_length": "Advice must be 2,000 characters or fewer",
        },
    )
    signposted = RecordsChoiceField(
        label="Services signposted",
        queryset=DirectoryService.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, alliance: Alliance, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["signposted"].queryset = DirectoryService.objects.filter(alliance=alliance)  # type: ignore[attr-defined]

    def clean_date_of_birth(self) -> date:
        born: date = self.cleaned_data["date_of_birth"]
        if born > clock.today():
            raise forms.ValidationError("Date of birth must be in the past")
        return born

    def clean_postcode(self) -> str:
        postcode = normalise_postcode(self.cleaned_data["postcode"])
        if postcode is None:
            raise forms.ValidationError("Enter a real UK postcode, like ME4 4AB")
        return postcode

    def clean_nhs_number(self) -> str:
        value = self.cleaned_data["nhs_number"]
        problem = nhs_number.problem(value) if value else None
        if problem is not None:
            raise forms.ValidationError(problem)
        return nhs_number.normalise(value)


class UndoMatchForm(forms.Form):
    """Undoing a confirmed match: the referral is about another child."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label="Why is this referral not about this child?",
        help_text="For example, what the referrer told you when you checked two identifiers.",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Write why this referral is not about this child"},
    )


class StatusSharingForm(forms.Form):
    """The triage team's decision on what the family is told (`referrals/status_sharing.py`):
    its label follows whether the family is told now."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Seen by the triage team only: it is not on the timeline partners read.",
    )

    def __init__(self, *args: Any, withheld: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        reason = self.fields["reason"]
        if withheld:
            reason.label = "Why may the family be told again?"
            reason.error_messages["required"] = "Say why the family may be told again"
        else:
            reason.label = "Why should the family not be told?"
            reason.error_messages["required"] = "Say why the family should not be told"
