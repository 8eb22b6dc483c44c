"""The governance forms: a supervision record, an incident report, its review and a
practice change."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from onedoor.accounts.models import User
from onedoor.dates import DateField
from onedoor.governance.models import IncidentKind, Severity
from onedoor.referrals.models import Referral
from onedoor.referrals.reference import display, is_valid, normalise


class PersonChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        name = obj.get_full_name() or obj.username
        return f"{name}, {obj.get_role_display()}, {obj.organisation.name}"


def _referrals(typed: str, visible: QuerySet[Referral]) -> list[Referral]:
    """The referrals with the typed references, among those visible; a form error names
    the first reference that is not one of them."""
    references = [normalise(part) for part in typed.split(",") if part.strip()]
    found = {r.reference: r for r in visible.filter(reference__in=references)}
    for reference in references:
        if reference not in found:
            raise forms.ValidationError(
                f"{display(reference) if is_valid(reference) else reference} is not the "
                "reference of a referral you can see"
            )
    return [found[reference] for reference in dict.fromkeys(references)]


def date_field(
    label: str, required: str, *, required_field: bool = True, subject: str | None = None
) -> DateField:
    """A date in the NHS.UK date input; `required` is the message when it is missing, and
    `subject` names it in the others ("The date it happened must include a month")."""
    return DateField(
        label=label, subject=subject, required_message=required, required=required_field
    )


def owner_field() -> PersonChoice:
    """Who owns an action: one of the people the form is given (`.queryset` set later)."""
    return PersonChoice(
        label="Owner",
        queryset=User.objects.none(),
        to_field_name="uuid",
        empty_label="Choose",
        error_messages={
            "required": "Choose the owner",
            "invalid_choice": "Choose the owner from the list",
        },
    )


class SupervisionForm(forms.Form):
    practitioner = PersonChoice(
        label="Who was supervised",
        queryset=User.objects.none(),
        to_field_name="uuid",
        empty_label="Choose",
        error_messages={
            "required": "Choose who was supervised",
            "invalid_choice": "Choose who was supervised from the list",
        },
    )
    held_on = date_field("Date of the supervision", "Enter the date of the supervision")
    cases = forms.CharField(
        label="Cases discussed (optional)",
        help_text="Referral references, separated by commas, like K7PX-3MQA, B2CD-EFG4. Only "
        "referrals you can see.",
        max_length=2000,
        required=False,
    )
    actions = forms.CharField(
        label="Actions agreed (optional)",
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"max_length": "Keep the actions to 4000 characters or fewer"},
    )
    reflections = forms.CharField(
        label="Reflective notes (optional)",
        help_text="Only you, the person supervised and the clinical lead can read these.",
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"max_length": "Keep the reflective notes to 4000 characters or fewer"},
    )

    def __init__(
        self, *args: Any, people: QuerySet[User], cases: QuerySet[Referral], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["practitioner"].queryset = people  # type: ignore[attr-defined]
        self.visible = cases

    def clean_cases(self) -> list[Referral]:
        return _referrals(self.cleaned_data["cases"], self.visible)


class IncidentForm(forms.Form):
    kind = forms.ChoiceField(
        label="Is this an incident or a near miss?",
        choices=IncidentKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether it is an incident or a near miss"},
    )
    severity = forms.ChoiceField(
        label="Severity",
        help_text="The harm caused, or for a near miss, the harm it could have caused.",
        choices=Severity.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the severity"},
    )
    title = forms.CharField(
        label="Title",
        help_text="A few words about what happened. Do not include a child's name.",
        max_length=200,
        error_messages={
            "required": "Enter a title",
            "max_length": "Keep the title to 200 characters or fewer",
        },
    )
    what_happened = forms.CharField(
        label="What happened",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={
            "required": "Enter what happened",
            "max_length": "Keep what happened to 4000 characters or fewer",
        },
    )
    occurred_on = date_field(
        "When it happened", "Enter when it happened", subject="The date it happened"
    )
    referral = forms.CharField(
        label="Referral reference (optional)",
        help_text="If a child was involved, their referral's reference, like K7PX-3MQA.",
        max_length=20,
        required=False,
    )

    def __init__(self, *args: Any, visible: QuerySet[Referral], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.visible = visible

    def clean_referral(self) -> Referral | None:
        found = _referrals(self.cleaned_data["referral"], self.visible)
        if len(found) > 1:
            raise forms.ValidationError("Enter one referral reference")
        return found[0] if found else None


class ReviewForm(forms.Form):
    findings = forms.CharField(
        label="Findings",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={
            "required": "Enter the findings",
            "max_length": "Keep the findings to 4000 characters or fewer",
        },
    )
    lessons = forms.CharField(
        label="Lessons learned",
        help_text="These can be shared with the whole alliance: no child's name or detail.",
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"max_length": "Keep the lessons to 4000 characters or fewer"},
    )


class PracticeChangeForm(forms.Form):
    change = forms.CharField(
        label="Practice change",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "Enter the practice change",
            "max_length": "Keep the change to 4000 characters or fewer",
        },
    )
    owner = owner_field()
    due_on = date_field(
        "Made by", "Enter the date the change is made by", subject="The date it is made by"
    )

    def __init__(self, *args: Any, owners: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners  # type: ignore[attr-defined]
