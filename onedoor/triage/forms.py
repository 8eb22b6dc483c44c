from __future__ import annotations

from typing import Any

from django import forms

from onedoor.alliance.models import DirectoryService, IThriveGrouping, Offer, Organisation
from onedoor.referrals.models import RISK_INDICATORS, RiskRating
from onedoor.triage.models import Outcome


class VersionedForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class ScreeningForm(VersionedForm):
    rating = forms.ChoiceField(
        label="Risk rating",
        choices=RiskRating.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a risk rating: red, amber or green"},
    )
    indicators = forms.MultipleChoiceField(
        label="Risk indicators found",
        help_text="Those the referral described are ticked: review and add to them.",
        choices=list(RISK_INDICATORS.items()),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    other_indicators = forms.CharField(
        label="Other indicators (optional)", max_length=2000, required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )  # fmt: skip
    rationale = forms.CharField(
        label="Why this rating",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Write why you gave this rating"},
    )


class ReviewForm(VersionedForm):
    note = forms.CharField(
        label="What you found on review",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Write what you found on review"},
    )


class InformationForm(VersionedForm):
    note = forms.CharField(
        label="What information arrived",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say what information arrived"},
    )


class DecisionForm(VersionedForm):
    grouping = forms.ChoiceField(
        label="i-THRIVE grouping",
        choices=IThriveGrouping.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose an i-THRIVE grouping"},
    )
    outcome = forms.ChoiceField(
        label="Outcome",
        choices=Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose an outcome"},
    )
    offer = forms.ModelChoiceField(
        label="Offer (to allocate)", queryset=Offer.objects.none(), required=False
    )
    receiving_service = forms.ModelChoiceField(
        label="Receiving service (to step up)", queryset=Organisation.objects.none(), required=False
    )
    reason = forms.CharField(
        label="Reason or handover",
        help_text="For not accepted, this is what the referrer is told.",
        max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip
    materials_sent = forms.CharField(
        label="Advice given and materials sent", max_length=4000, required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )  # fmt: skip
    signposted = forms.ModelMultipleChoiceField(
        label="Signposted to (advice and signposting)",
        help_text="The wider services for someone of the child's age.",
        queryset=DirectoryService.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    information_requested = forms.CharField(
        label="Information needed", max_length=4000, required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )  # fmt: skip
    information_due = forms.DateField(
        label="Information due by",
        help_text="For example, 27 3 2027 (day month year)",
        input_formats=["%d %m %Y", "%d/%m/%Y", "%Y-%m-%d"],
        required=False,
        error_messages={"invalid": "Enter the date as day month year, like 27 3 2027"},
    )
    complex = forms.BooleanField(
        label="Complex: ask the clinical lead to sign this decision off", required=False
    )

    def __init__(
        self, *args: Any, offers: Any, services: Any, directory: Any = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["offer"].queryset = offers  # type: ignore[attr-defined]
        self.fields["receiving_service"].queryset = services  # type: ignore[attr-defined]
        if directory is not None:  # those that fit the child's age
            self.fields["signposted"].queryset = directory  # type: ignore[attr-defined]


class SignOffForm(VersionedForm):
    approve = forms.ChoiceField(
        label="Sign this decision off?",
        choices=[("yes", "Yes: it takes effect now"), ("no", "No: return it to triage")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether to sign the decision off"},
    )
    note = forms.CharField(
        label="Note (required when returning it)", max_length=4000, required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )  # fmt: skip


class AnswerForm(VersionedForm):
    answer = forms.ChoiceField(
        label="Will you take this child?",
        choices=[("accept", "Accept"), ("decline", "Decline: return to triage")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose accept or decline"},
    )
    reason = forms.CharField(
        label="Reason (required when declining)", max_length=2000, required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )  # fmt: skip
