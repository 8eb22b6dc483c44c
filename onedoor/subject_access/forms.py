"""The subject access forms: finding the child, opening a request, withholding, disclosing and
withdrawing."""

from __future__ import annotations

from typing import Any

from django import forms

from onedoor.access.search import Terms, read
from onedoor.children.models import CarerContact, Child
from onedoor.dates import DateField
from onedoor.subject_access.gather import Item
from onedoor.subject_access.models import Exemption

CHILD = "child"
WHOLE = "whole"


class FindChildForm(forms.Form):
    q = forms.CharField(
        label="The child's name, date of birth, NHS number or referral reference",
        help_text="For example, Sam Example 14/3/2012, an NHS number or K7PX-3MQA",
        required=False,
        strip=False,
    )

    def clean_q(self) -> Terms:
        return read(self.cleaned_data["q"])


class OpenRequestForm(forms.Form):
    subject = forms.ChoiceField(
        label="Whose information is asked for",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whose information is asked for"},
    )
    requester_name = forms.CharField(
        label="Who asked",
        help_text="The name of the person who made the request (the young person, a parent, "
        "or someone acting for them)",
        max_length=200,
        error_messages={"required": "Enter who asked"},
    )
    requester_contact = forms.CharField(
        label="How to reach them",
        help_text="An address, email or phone number to send the response to",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter how to reach them"},
    )
    received_on = DateField(
        label="Date received", subject="The date it was received", past=True,
        required_message="Enter the date it was received",
    )  # fmt: skip

    def __init__(self, *args: Any, child: Child, carers: list[CarerContact], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.carers = {str(carer.pk): carer for carer in carers}
        choices = [(CHILD, f"{child.full_name} (the child)")] + [
            (key, f"{carer.name}, {carer.relationship} (a parent or carer)")
            for key, carer in self.carers.items()
        ]
        self.fields["subject"].choices = choices  # type: ignore[attr-defined]

    def carer(self) -> CarerContact | None:
        return self.carers.get(self.cleaned_data["subject"])


class WithholdForm(forms.Form):
    what = forms.ChoiceField(
        label="What to withhold",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what to withhold"},
    )
    reason = forms.ChoiceField(
        label="Why it is withheld",
        choices=Exemption.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose why it is withheld"},
    )
    reason_text = forms.CharField(
        label="The reason, if other",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )

    def __init__(self, *args: Any, item: Item, **kwargs: Any):
        super().__init__(*args, **kwargs)
        choices = [(WHOLE, "The whole record")] + [
            (field.name, f"{field.label}: {field.value[:60]}")
            for field in item.fields
            if field.name
        ]
        self.fields["what"].choices = choices  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("reason") == Exemption.OTHER and not cleaned.get("reason_text", "").strip():
            self.add_error("reason_text", "Enter the reason it is withheld")
        return cleaned

    def field(self) -> str:
        what = self.cleaned_data["what"]
        return "" if what == WHOLE else str(what)


class DiscloseForm(forms.Form):
    disclosed_to = forms.CharField(
        label="Who it is disclosed to",
        help_text="Their name, and how it is sent (by secure email, by post, in person)",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter who it is disclosed to"},
    )
    confirm = forms.BooleanField(
        label="I have checked every record and each redaction, and the identity of the person "
        "it is disclosed to",
        error_messages={"required": "Confirm you have checked the records and the recipient"},
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label="Why it is withdrawn",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter why it is withdrawn"},
    )
