"""The forms for a measure, made from its definition: one set of radios per item, or one
box per score for a scores-only measure; and the form that sends a link."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from onedoor.children.models import Child
from onedoor.outcomes.measures import Measure
from onedoor.outcomes.models import Respondent

DECLINED = "declined"  # the practitioner's answer to a risk question the young person left


class MeasureForm(forms.Form):
    measure: Measure

    def risk_declined(self) -> bool:
        """The practitioner recorded that the young person chose not to answer a risk
        question."""
        return any(
            self.cleaned_data.get(f"item_{item.key}") == DECLINED
            for item in self.measure.risk_items
        )

    def answers(self) -> dict[str, int | float | None]:
        """The cleaned answers, keyed as `scoring.score` expects."""
        values: dict[str, int | float | None] = {}
        if self.measure.scores_only:
            for subscale in self.measure.entered:
                entered = self.cleaned_data.get(f"score_{subscale.slug}")
                values[subscale.slug] = None if entered is None else _number(entered)
        else:
            for item in self.measure.items:
                chosen = self.cleaned_data.get(f"item_{item.key}") or ""
                values[item.key] = int(chosen) if chosen and chosen != DECLINED else None
        return values


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def measure_form(
    measure: Measure, data: Any = None, *, public: bool = False, prefix: str = "response"
) -> MeasureForm:
    """The form for `measure`. On the public link every question needs an answer but a
    question about risk, which a young person may leave (it is saved and flagged for review:
    a link cannot refuse them); the practitioner, copying a paper form, may leave some out
    (prorated where allowed), but answers each question about risk or records that the young
    person chose not to answer it."""
    fields: dict[str, forms.Field] = {}
    if not public:
        fields["completed_by"] = forms.ChoiceField(
            label="Who completed it", choices=Respondent.choices, widget=forms.RadioSelect,
            error_messages={"required": "Choose who completed the measure"},
        )  # fmt: skip
    if measure.scores_only:
        for subscale in measure.entered:
            fields[f"score_{subscale.slug}"] = forms.DecimalField(
                label=subscale.name,
                help_text=f"{subscale.min:g} to {subscale.max:g}",
                required=False,
                min_value=Decimal(str(subscale.min)),
                max_value=Decimal(str(subscale.max)),
                decimal_places=subscale.decimals,
                error_messages={
                    "invalid": f"Enter the {subscale.name.lower()} score as a number",
                    "min_value": f"Enter a score from {subscale.min:g} to {subscale.max:g}",
                    "max_value": f"Enter a score from {subscale.min:g} to {subscale.max:g}",
                    "max_decimal_places": f"Use at most {subscale.decimals} decimal places",
                },
            )
    else:
        choices = [(str(option.value), option.label) for option in measure.options]
        for number, item in enumerate(measure.items, start=1):
            required, hint, offered = public, "", choices
            message = f"Answer question {number}"
            if item.risk and public:
                required, hint = False, "You can leave this question out if you would rather not."
            elif item.risk:
                required = True
                hint = "A question about risk: if the young person chose not to answer, say so."
                offered = [*choices, (DECLINED, "The young person chose not to answer")]
                message += ", or say that the young person chose not to answer it"
            fields[f"item_{item.key}"] = forms.ChoiceField(
                label=f"{number}. {item.text}", choices=offered, widget=forms.RadioSelect,
                required=required, help_text=hint, error_messages={"required": message},
            )  # fmt: skip
    form_class = type("MeasureForm", (MeasureForm,), {**fields, "measure": measure})
    return form_class(data, prefix=prefix)  # type: ignore[no-any-return]


def recipients(child: Child) -> list[tuple[str, str, str]]:
    """Who a link can go to: (choice, label, email), the young person first."""
    found = []
    if child.email:
        found.append(("young_person", f"The young person, at {child.email}", child.email))
    for index, carer in enumerate(child.carers.all()):
        if carer.email:
            label = f"{carer.name} ({carer.relationship}), at {carer.email}"
            found.append((f"parent-{index}", label, carer.email))
    return found


class InviteForm(forms.Form):
    measure = forms.ChoiceField(
        label="Measure", widget=forms.RadioSelect,
        error_messages={"required": "Choose a measure"},
    )  # fmt: skip
    recipient = forms.ChoiceField(
        label="Send the link to", widget=forms.RadioSelect,
        error_messages={"required": "Choose who to send the link to"},
    )  # fmt: skip

    def __init__(
        self, data: Any = None, *, measures: list[Measure], to: list[tuple[str, str, str]]
    ) -> None:
        super().__init__(data, prefix="invite")
        self.fields["measure"].choices = [(m.slug, m.name) for m in measures]  # type: ignore[attr-defined]
        self.fields["recipient"].choices = [(choice, label) for choice, label, _ in to]  # type: ignore[attr-defined]
        self.emails = {choice: email for choice, _, email in to}

    def respondent_and_email(self) -> tuple[str, str]:
        choice = self.cleaned_data["recipient"]
        who = Respondent.YOUNG_PERSON if choice == "young_person" else Respondent.PARENT
        return str(who), self.emails[choice]
