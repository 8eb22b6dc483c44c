"""The administrator's forms: a client (its name, organisation and scopes), its scopes
changed, and how long a new token works."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from onedoor.alliance.models import Organisation
from onedoor.integrations.clients import MAX_TOKEN_DAYS, check_scopes
from onedoor.integrations.scopes import DESCRIPTIONS, Scope

SCOPE_CHOICES = [(scope.value, f"{DESCRIPTIONS[scope]} ({scope.value})") for scope in Scope]


class OrganisationChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Organisation) -> str:  # type: ignore[override]
        return f"{obj.name} ({obj.get_kind_display().lower()})"


def _scopes_field() -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label="What it may do",
        choices=SCOPE_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        help_text=(
            "A partner's or the lead provider's system works with the children allocated to "
            "it; an external organisation's system submits referrals and reads their status."
        ),
        error_messages={
            "required": "Choose at least one scope",
            "invalid_choice": "Choose scopes from the list",
        },
    )


def _refuse_scopes(form: forms.Form, organisation: Organisation | None) -> None:
    """The scopes the organisation's kind of client cannot hold, refused on the field."""
    scopes = form.cleaned_data.get("scopes")
    if organisation is None or not scopes:
        return
    try:
        check_scopes(organisation, scopes)
    except ValidationError as error:
        form.add_error("scopes", error.messages[0])


class ClientForm(forms.Form):
    name = forms.CharField(
        label="Name of the system",
        max_length=120,
        help_text="As staff know it, for example Kooth online.",
        error_messages={"required": "Enter the name of the system"},
    )
    organisation = OrganisationChoice(
        label="Organisation",
        queryset=Organisation.objects.none(),
        empty_label="Choose the organisation",
        error_messages={
            "required": "Choose the organisation",
            "invalid_choice": "Choose an organisation from the list",
        },
    )
    scopes = _scopes_field()

    def __init__(self, *args: Any, alliance_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.filter(  # type: ignore[attr-defined]
            alliance_id=alliance_id, active=True
        ).order_by("name")

    def clean(self) -> dict[str, Any]:
        values = super().clean() or {}
        _refuse_scopes(self, values.get("organisation"))
        return values


class ScopesForm(forms.Form):
    scopes = _scopes_field()

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organisation = organisation

    def clean(self) -> dict[str, Any]:
        values = super().clean() or {}
        _refuse_scopes(self, self.organisation)
        return values


class TokenForm(forms.Form):
    days = forms.IntegerField(
        label="How many days the token works for",
        min_value=1,
        max_value=MAX_TOKEN_DAYS,
        help_text=f"From 1 to {MAX_TOKEN_DAYS} days.",
        error_messages={
            "required": "Enter how many days the token works for",
            "invalid": "Enter the days as a whole number",
            "min_value": "A token works for 1 day or more",
            "max_value": f"A token works for {MAX_TOKEN_DAYS} days at most",
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"days": settings.API_TOKEN_DAYS})
        super().__init__(*args, **kwargs)
