from django import forms

from onedoor.access.actions import MINIMUM_REASON_LENGTH
from onedoor.access.models import BreakGlassGrant
from onedoor.children import nhs_number
from onedoor.referrals import reference


class BreakGlassForm(forms.Form):
    identifier = forms.CharField(
        label="NHS number or referral reference",
        help_text="For example, 943 476 5919 or K7PX-3MQA",
        max_length=20,
        error_messages={"required": "Enter the child's NHS number or a referral reference"},
    )
    reason = forms.CharField(
        label="Why do you need to see this record now?",
        help_text=(
            "Your reason is recorded with your name and reviewed by the clinical lead. "
            f"At least {MINIMUM_REASON_LENGTH} characters."
        ),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        error_messages={"required": "Explain why you need emergency access"},
    )

    def clean_identifier(self) -> tuple[str, str]:
        value = self.cleaned_data["identifier"]
        if nhs_number.is_valid(value):
            return ("nhs_number", nhs_number.normalise(value))
        if reference.is_valid(value):
            return ("reference", reference.normalise(value))
        raise forms.ValidationError(
            "Enter a valid NHS number (10 digits) or referral reference (8 characters)"
        )

    def clean_reason(self) -> str:
        reason = str(self.cleaned_data["reason"]).strip()
        if len(reason) < MINIMUM_REASON_LENGTH:
            raise forms.ValidationError(
                "Explain why you need emergency access in at least "
                f"{MINIMUM_REASON_LENGTH} characters"
            )
        return reason


class _AnswerAndNote(forms.Form):
    """A choice, and a note required for one answer of it (`note_needed_for`)."""

    choice = ""  # the choice field's name
    note_needed_for = ""
    note_needed = ""  # the error when that answer comes without a note

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get(self.choice) == self.note_needed_for and not str(data.get("note", "")).strip():
            self.add_error("note", self.note_needed)
        return data


def _note(label: str, help_text: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
    )


class ReviewForm(_AnswerAndNote):
    choice = "outcome"
    note_needed_for = BreakGlassGrant.Outcome.INAPPROPRIATE
    note_needed = "Say what follow-up you have taken"

    outcome = forms.ChoiceField(
        label="Was this emergency access appropriate?",
        choices=BreakGlassGrant.Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether the access was appropriate"},
    )
    note = _note(
        "Review note",
        "Required when the access was not appropriate: say what follow-up you took.",
    )


class RoleDecisionForm(_AnswerAndNote):
    choice = "decision"
    note_needed_for = "refuse"
    note_needed = "Say why you are refusing"

    decision = forms.ChoiceField(
        label="Should this account have this role?",
        choices=[("approve", "Approve"), ("refuse", "Refuse")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether to approve or refuse"},
    )
    note = _note("Note", "Required when you refuse: say why, for the administrator who asked.")
