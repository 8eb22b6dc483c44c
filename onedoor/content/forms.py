"""The library's forms: an item, and the clinical lead's sign-off."""

from __future__ import annotations

from typing import Any

from django import forms

from onedoor.alliance.models import Alliance, Need
from onedoor.content.actions import OLDEST_AGE, Substance
from onedoor.content.models import ContentItem
from onedoor.dates import DateField
from onedoor.record_choices import RecordsChoiceField

AGE_ERRORS = {
    "required": "Enter an age",
    "invalid": "Enter the age as a whole number of years",
    "min_value": "Enter an age of 0 or more",
    "max_value": f"Enter an age of {OLDEST_AGE} or less",
}


class ItemForm(forms.Form):
    title = forms.CharField(
        label="Title", max_length=200, error_messages={"required": "Enter the title"}
    )
    kind = forms.ChoiceField(
        label="Kind of material", choices=ContentItem.Kind.choices, widget=forms.RadioSelect,
        error_messages={"required": "Choose the kind of material"},
    )  # fmt: skip
    description = forms.CharField(
        label="What it is and who it helps", max_length=4000, required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )  # fmt: skip
    link = forms.URLField(
        label="Link (if it is online)", max_length=500, required=False, assume_scheme="https",
        error_messages={"invalid": "Enter a full web address, like https://www.nhs.uk/"},
    )  # fmt: skip
    min_age = forms.IntegerField(
        label="Youngest age it is for", min_value=0, max_value=OLDEST_AGE, error_messages=AGE_ERRORS
    )
    max_age = forms.IntegerField(
        label="Oldest age it is for", min_value=0, max_value=OLDEST_AGE, error_messages=AGE_ERRORS
    )
    needs = RecordsChoiceField(
        label="Needs it speaks to", queryset=Need.objects.none(), required=False,
        help_text="Choose none if it is for any need.", widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip

    def __init__(self, *args: Any, alliance: Alliance, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["needs"].queryset = Need.objects.filter(alliance=alliance)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        values = super().clean() or {}
        youngest, oldest = values.get("min_age"), values.get("max_age")
        if youngest is not None and oldest is not None and youngest > oldest:
            self.add_error("max_age", "The oldest age must be the youngest age or more")
        return values

    def substance(self) -> Substance:
        values = self.cleaned_data
        return Substance(
            title=values["title"], kind=values["kind"], description=values["description"],
            link=values["link"], min_age=values["min_age"], max_age=values["max_age"],
            needs=list(values["needs"]),
        )  # fmt: skip

    @staticmethod
    def initial_for(item: ContentItem) -> dict[str, Any]:
        return {
            "title": item.title, "kind": item.kind, "description": item.description,
            "link": item.link, "min_age": item.min_age, "max_age": item.max_age,
            "needs": list(item.needs.all()),
        }  # fmt: skip


class SignOffForm(forms.Form):
    review_by = DateField(
        label="Review by",
        subject="The review date",
        required_message="Enter the date to review it by",
        help_text="For example, 1 11 2027: within 24 months",
    )
