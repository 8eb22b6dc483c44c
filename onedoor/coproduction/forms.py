"""The co-production forms: the public feedback page, themes, and the log entry."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from onedoor.alliance.models import Alliance, Organisation
from onedoor.coproduction.experience import HELPFUL, FeedbackItem
from onedoor.coproduction.models import Theme
from onedoor.dates import DateField


class OrganisationChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class FeedbackForm(forms.Form):
    """How helpful the service was: the same scale as the invitation at discharge."""

    helpful = forms.ChoiceField(
        label="How helpful was the support?",
        choices=[(str(score), label) for score, label in HELPFUL.items()],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how helpful the support was"},
    )
    organisation = OrganisationChoice(
        label="Who supported you? (optional)",
        queryset=Organisation.objects.none(),
        to_field_name="slug",
        required=False,
        empty_label="I'd rather not say, or I'm not sure",
        error_messages={"invalid_choice": "Choose who supported you from the list"},
    )
    comments = forms.CharField(
        label="Anything you would like to tell us (optional)",
        help_text="Please do not write your name or anything else that could identify you "
        "or someone else.",
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"max_length": "Keep your comments to 4000 characters or fewer"},
    )

    def __init__(self, *args: Any, alliance: Alliance, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        organisations = Organisation.objects.filter(alliance=alliance, active=True)
        self.fields["organisation"].queryset = (  # type: ignore[attr-defined]
            organisations.exclude(kind=Organisation.Kind.EXTERNAL).order_by("name")
        )


class ThemesForm(forms.Form):
    themes = forms.ModelMultipleChoiceField(
        label="Themes",
        help_text="Choose every theme this feedback speaks to, or none.",
        queryset=Theme.objects.none(),
        to_field_name="slug",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choose themes from the list"},
    )

    def __init__(self, *args: Any, themes: QuerySet[Theme], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["themes"].queryset = themes  # type: ignore[attr-defined]


def feedback_label(item: FeedbackItem) -> str:
    """How a piece of feedback reads in the list of what an entry came from."""
    said = item.comments[:80] + ("…" if len(item.comments) > 80 else "") or "No comments"
    where = item.organisation.name if item.organisation else "organisation not said"
    themes = ", ".join(theme.name for theme in item.themes) or "no theme"
    return (
        f"{item.submitted_at:%-d %b %Y}, {item.source.label.lower()}, {where}, "
        f"{item.helpful} of 5 ({themes}): {said}"
    )


class EntryForm(forms.Form):
    theme = forms.ModelChoiceField(
        label="Theme",
        queryset=Theme.objects.none(),
        to_field_name="slug",
        empty_label="Choose",
        error_messages={
            "required": "Choose the theme",
            "invalid_choice": "Choose the theme from the list",
        },
    )
    you_said = forms.CharField(
        label="You said",
        help_text="What people told us, in your own words. It may be published: no names, "
        "no quotes that could identify anyone.",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Summarise what people told us"},
    )
    we_did = forms.CharField(
        label="We did",
        help_text="The change it caused.",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Say what we did"},
    )
    changed_on = DateField(
        label="When the change was made",
        subject="The date of the change",
        required_message="Enter when the change was made",
    )
    feedback = forms.MultipleChoiceField(
        label="The feedback it came from",
        help_text="Feedback tagged with the theme, newest first.",
        choices=[],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choose feedback from the list"},
    )
    published = forms.BooleanField(
        label="Publish on the public “You said, we did” page",
        required=False,
    )

    def __init__(
        self,
        *args: Any,
        themes: QuerySet[Theme],
        feedback: list[FeedbackItem],
        fixed_theme: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["theme"].queryset = themes  # type: ignore[attr-defined]
        if fixed_theme:
            del self.fields["theme"]
        self.fields["feedback"].choices = [  # type: ignore[attr-defined]
            (f"{item.source.value}:{item.uuid}", feedback_label(item)) for item in feedback
        ]
