"""Choosing a child's named practitioner on a form: as the partner accepts the child (an
allocation, or a handover from another partner), and when its lead changes who it is
(`care/practitioners.py`)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from onedoor.accounts.models import User

CHOOSE = "Choose the named practitioner"


class PractitionerChoice(forms.ModelChoiceField):
    """Someone who practises at the organisation, by UUID (database ids never leave the
    server), with their role."""

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj} ({obj.get_role_display().lower()})"

    def to_python(self, value: Any) -> Any:
        """Anything not on the list, a malformed UUID too, is a choice not on the list."""
        try:
            return super().to_python(value)
        except forms.ValidationError as error:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            ) from error


def practitioner_field(help_text: str = "") -> PractitionerChoice:
    return PractitionerChoice(
        label="Named practitioner", help_text=help_text, queryset=User.objects.none(),
        to_field_name="uuid", empty_label="Choose",
        error_messages={"required": CHOOSE, "invalid_choice": CHOOSE},
    )  # fmt: skip


class PractitionerForm(forms.Form):
    """Who holds the child: `practitioners` are those who may be named (the allocated
    organisation's active practitioners and partner leads); `version` is the referral's, as
    the page showed it."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    practitioner = practitioner_field(
        "They hold the child's care: the child's tasks are theirs first."
    )

    def __init__(self, *args: Any, practitioners: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["practitioner"].queryset = practitioners  # type: ignore[attr-defined]


class ChangePractitionerForm(PractitionerForm):
    reason = forms.CharField(
        label="Why (optional)", max_length=1000, required=False,
        help_text="It goes on the child's timeline, which everyone working with the child "
        "reads: no clinical detail.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip
