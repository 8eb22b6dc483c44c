from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms

from onedoor.alliance.models import DirectoryService, IThriveGrouping, Offer, Organisation
from onedoor.dates import DateField
from onedoor.record_choices import RecordsChoiceField
from onedoor.referrals.models import RISK_INDICATORS, RiskRating
from onedoor.triage.models import Outcome

BIGGEST_VERSION = 2**31 - 1  # what every database's integer column holds


class VersionedForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=BIGGEST_VERSION)


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
    # Each outcome's own fields (`OUTCOME_FIELDS`), shown under it: only the chosen
    # outcome's are read, and are required as `REQUIRED` says; the others are ignored.
    offer = forms.ModelChoiceField(
        label="Offer to allocate to",
        help_text="Offers that fit the child come first, each with its waiting list and "
        "capacity.",
        queryset=Offer.objects.none(), required=False, widget=forms.RadioSelect,
    )  # fmt: skip
    capacity_reason = forms.CharField(
        label="Why allocate to an offer over capacity",
        help_text="Needed only if you choose an offer over capacity: the child will wait for "
        "a place. The clinical lead sees this with the decision.",
        max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 2}),
    )  # fmt: skip
    receiving_service = forms.ModelChoiceField(
        label="Receiving service", queryset=Organisation.objects.none(), required=False
    )
    handover = forms.CharField(
        label="Handover for the receiving service", max_length=4000, required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip
    safeguarding_reason = forms.CharField(
        label="The safeguarding concern",
        help_text="It opens a safeguarding concern for the safeguarding lead.",
        max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip
    not_accepted_reason = forms.CharField(
        label="Why it is not accepted",
        help_text="The referrer is told this.",
        max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip
    materials_sent = forms.CharField(
        label="Advice given and materials sent", max_length=4000, required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )  # fmt: skip
    # A `RecordsChoiceField`: a hand-edited id too wide for the database is a field error.
    signposted = RecordsChoiceField(
        label="Signposted to",
        help_text="The wider services for someone of the child's age.",
        queryset=DirectoryService.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    information_requested = forms.CharField(
        label="Information needed", max_length=4000, required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )  # fmt: skip
    information_due = DateField(
        label="Information due by", subject="The date the information is due by",
        required=False, future=True,
    )  # fmt: skip
    complex = forms.BooleanField(
        label="Complex: ask the clinical lead to sign this decision off", required=False
    )

    def __init__(
        self,
        *args: Any,
        offers: Any,
        services: Any,
        directory: Any = None,
        full: Mapping[int, str] | None = None,
        **kwargs: Any,
    ) -> None:
        """`full`: the offers over capacity, by id, each with its words ("Over capacity
        (12 of 10)")."""
        super().__init__(*args, **kwargs)
        self.fields["offer"].queryset = offers  # type: ignore[attr-defined]
        self.fields["receiving_service"].queryset = services  # type: ignore[attr-defined]
        if directory is not None:  # those that fit the child's age
            self.fields["signposted"].queryset = directory  # type: ignore[attr-defined]
        self.full = dict(full or {})
        chosen = self.data.get("outcome") if self.is_bound else None
        self.initial = dict(self.initial)
        for outcome, names in OUTCOME_FIELDS.items():
            for name in names:
                field = self.fields[name]
                if name in REQUIRED:
                    field.error_messages["required"] = REQUIRED[name]
                if self.is_bound and outcome != chosen:
                    # Another outcome's: what was sent is ignored, read as left empty.
                    field.disabled = True
                    self.initial[name] = ""
                elif self.is_bound:
                    field.required = name in REQUIRED

    def clean(self) -> dict[str, Any]:
        """The chosen outcome's reason, as the decision keeps it (`TriageDecision.reason`),
        and an offer over capacity only with a reason."""
        cleaned = super().clean() or {}
        outcome = cleaned.get("outcome")
        offer: Offer | None = cleaned.get("offer")
        if (
            outcome == Outcome.ALLOCATE
            and offer is not None
            and offer.pk in self.full
            and not cleaned.get("capacity_reason")
        ):
            self.add_error(
                "capacity_reason",
                f"{offer.name} is {self.full[offer.pk].lower()}: say why you are "
                "allocating to it, or choose another offer",
            )
        cleaned["reason"] = cleaned.get(REASON_FIELD.get(str(outcome), ""), "") or ""
        return cleaned


# The fields each outcome shows under it; the others' are ignored when it is chosen.
OUTCOME_FIELDS: dict[str, tuple[str, ...]] = {
    Outcome.ADVICE: ("materials_sent", "signposted"),
    Outcome.ALLOCATE: ("offer", "capacity_reason"),
    Outcome.STEP_UP: ("receiving_service", "handover"),
    Outcome.SAFEGUARDING: ("safeguarding_reason",),
    Outcome.MORE_INFORMATION: ("information_requested", "information_due"),
    Outcome.NOT_ACCEPTED: ("not_accepted_reason",),
}
# Which of them the chosen outcome needs, and what is said when one is missing.
REQUIRED = {
    "materials_sent": "Record the advice given and what was sent",
    "offer": "Choose the offer to allocate to",
    "receiving_service": "Choose the receiving service",
    "handover": "Write the handover for the receiving service",
    "safeguarding_reason": "Write the safeguarding concern",
    "information_requested": "Say what information is needed",
    "information_due": "Say by when the information is needed",
    "not_accepted_reason": "Write why it is not accepted: the referrer is told this",
}
# The field that becomes the decision's reason, by outcome.
REASON_FIELD: dict[str, str] = {
    Outcome.ALLOCATE: "capacity_reason",
    Outcome.STEP_UP: "handover",
    Outcome.SAFEGUARDING: "safeguarding_reason",
    Outcome.NOT_ACCEPTED: "not_accepted_reason",
}


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
