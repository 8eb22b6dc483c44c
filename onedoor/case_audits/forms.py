"""The case audit forms: starting a round, scoring a sampled record, recording an action."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from onedoor.accounts.models import User
from onedoor.alliance.models import AuditCriterion, Organisation
from onedoor.case_audits.models import Result
from onedoor.case_audits.sampling import MAX_SEED
from onedoor.governance.forms import date_field, owner_field


class OrganisationChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class RoundForm(forms.Form):
    title = forms.CharField(
        label="Title",
        help_text="For example, Quarterly case audit, spring 2027.",
        max_length=200,
        error_messages={
            "required": "Enter a title",
            "max_length": "Keep the title to 200 characters or fewer",
        },
    )
    allocated_from = date_field(
        "Records allocated from", "Enter the start of the period", subject="The start of the period"
    )
    allocated_to = date_field(
        "Records allocated to", "Enter the end of the period", subject="The end of the period"
    )
    sample_size = forms.IntegerField(
        label="Records to sample from each organisation",
        min_value=1,
        max_value=50,
        error_messages={
            "required": "Enter how many records to sample from each organisation",
            "invalid": "Enter the sample size as a whole number, like 5",
            "min_value": "The sample size must be between 1 and 50 records",
            "max_value": "The sample size must be between 1 and 50 records",
        },
    )
    organisations = OrganisationChoice(
        label="Organisations to audit",
        queryset=Organisation.objects.none(),
        to_field_name="slug",
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Choose at least one organisation to audit",
            "invalid_choice": "Choose organisations from the list",
        },
    )
    seed = forms.IntegerField(
        label="Seed (optional)",
        help_text="Leave empty for a new random sample. To draw a round's sample again, enter "
        "its seed with the same period and size.",
        min_value=0,
        max_value=MAX_SEED,
        required=False,
        error_messages={
            "invalid": "Enter the seed as a whole number, like 4821",
            "min_value": f"The seed must be a whole number from 0 to {MAX_SEED}",
            "max_value": f"The seed must be a whole number from 0 to {MAX_SEED}",
        },
    )

    def __init__(self, *args: Any, organisations: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisations"].queryset = organisations  # type: ignore[attr-defined]


def _field_name(criterion: AuditCriterion) -> str:
    return f"criterion_{criterion.pk}"


class ScoreForm(forms.Form):
    """One result per criterion of the round, and a comment."""

    comment = forms.CharField(
        label="Comment (optional)",
        help_text="What the auditor found. No more of the child's details than needed.",
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"max_length": "Keep the comment to 4000 characters or fewer"},
    )

    def __init__(self, *args: Any, criteria: list[AuditCriterion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        comment = self.fields.pop("comment")
        for criterion in criteria:
            self.fields[_field_name(criterion)] = forms.ChoiceField(
                label=criterion.name,
                help_text=criterion.guidance,
                choices=Result.choices,
                widget=forms.RadioSelect,
                error_messages={
                    "required": f"Choose a result for “{criterion.name}”",
                    "invalid_choice": f"Choose a result for “{criterion.name}” from the list",
                },
            )
        self.fields["comment"] = comment

    def criterion_fields(self) -> list[forms.BoundField]:
        return [self[_field_name(criterion)] for criterion in self.criteria]

    def results(self) -> dict[int, str]:
        return {c.pk: self.cleaned_data[_field_name(c)] for c in self.criteria}

    @staticmethod
    def initial_for(criteria: list[AuditCriterion], scores: dict[int, str]) -> dict[str, str]:
        return {_field_name(c): scores[c.pk] for c in criteria if c.pk in scores}


class ActionForm(forms.Form):
    action = forms.CharField(
        label="Action",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "Enter the action",
            "max_length": "Keep the action to 4000 characters or fewer",
        },
    )
    organisation = forms.ModelChoiceField(
        label="For which organisation",
        queryset=Organisation.objects.none(),
        to_field_name="slug",
        required=False,
        empty_label="The whole alliance",
        error_messages={"invalid_choice": "Choose an organisation from the list"},
    )
    owner = owner_field()
    due_on = date_field("Due by", "Enter the date the action is due by", subject="The due date")

    def __init__(
        self,
        *args: Any,
        organisations: QuerySet[Organisation],
        owners: QuerySet[User],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]
        self.fields["owner"].queryset = owners  # type: ignore[attr-defined]
