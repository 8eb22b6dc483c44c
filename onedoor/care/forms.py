from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from onedoor.accounts.models import User
from onedoor.alliance.models import Offer, Organisation, external_services
from onedoor.care.models import (
    AppointmentOffer,
    ClinicalNote,
    Contact,
    Discharge,
    RiskRating,
    Transition,
)
from onedoor.content.models import ContentItem
from onedoor.dates import DateField, DateTimeField


class ContactForm(forms.Form):
    happened_at = DateTimeField(
        label="When",
        subject="The date of the contact",
        required_message="Enter when the contact was",
        past=True,
    )
    outcome = forms.ChoiceField(
        label="What happened", choices=Contact.Outcome.choices, widget=forms.RadioSelect,
        error_messages={"required": "Choose what happened"},
    )  # fmt: skip
    mode = forms.ChoiceField(
        label="How", choices=Contact.Mode.choices, widget=forms.RadioSelect,
        error_messages={"required": "Choose how the contact was made"},
    )  # fmt: skip
    duration_minutes = forms.IntegerField(
        label="Duration in minutes (if it happened)", required=False, min_value=1, max_value=600,
        error_messages={
            "invalid": "Enter the duration as a whole number of minutes",
            "min_value": "Enter a duration of at least 1 minute",
            "max_value": "Enter a duration of at most 600 minutes",
        },
    )  # fmt: skip


class AppointmentOfferForm(forms.Form):
    offered_for = DateTimeField(
        label="When is the appointment",
        subject="The date of the appointment",
        required_message="Enter when the appointment is",
    )
    mode = forms.ChoiceField(
        label="How", choices=AppointmentOffer.Mode.choices, widget=forms.RadioSelect,
        error_messages={"required": "Choose how the appointment will be"},
    )  # fmt: skip


class NoteForm(forms.Form):
    text = forms.CharField(
        label="Note", max_length=10000, widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "Write the note"},
    )  # fmt: skip
    sharing = forms.ChoiceField(
        label="Who can read it", choices=ClinicalNote.Sharing.choices, widget=forms.RadioSelect,
        error_messages={"required": "Choose who can read the note"},
    )  # fmt: skip


RELOAD = "Open this page again, and make your correction"


class NoteCorrectionForm(forms.Form):
    """A clinical note corrected (`care/corrections.py`): what it should say, and why."""

    seen = forms.IntegerField(
        widget=forms.HiddenInput, min_value=0, max_value=2**31 - 1,
        error_messages={"required": RELOAD, "invalid": RELOAD, "min_value": RELOAD,
                        "max_value": RELOAD},
    )  # fmt: skip
    text = forms.CharField(
        label="What the note should say", max_length=10000,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={
            "required": "Write the note as it should read",
            "max_length": "Keep the note to 10000 characters or fewer",
        },
    )  # fmt: skip
    reason = forms.CharField(
        label="Why are you correcting it?", max_length=2000,
        help_text="Kept with the earlier text, for everyone who may read the note.",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "Say why the note is being corrected",
            "max_length": "Keep the reason to 2000 characters or fewer",
        },
    )  # fmt: skip


class CheckInForm(forms.Form):
    contact_made = forms.ChoiceField(
        label="Did you reach them?", choices=[("yes", "Yes"), ("no", "No")],
        widget=forms.RadioSelect, error_messages={"required": "Say whether you reached them"},
    )  # fmt: skip
    rating = forms.ChoiceField(
        label="Risk now (if you reached them)", choices=RiskRating.choices,
        widget=forms.RadioSelect, required=False,
    )  # fmt: skip
    notes = forms.CharField(
        label="Notes", max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    content_items = forms.MultipleChoiceField(
        label="Waiting Well materials sent", required=False, choices=[],
        help_text="Signed-off materials from the clinical content library that fit their age.",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choose only materials that are signed off and in date"},
    )  # fmt: skip
    materials_sent = forms.CharField(
        label="Other materials sent", max_length=2000, required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.offered: dict[str, ContentItem] = {}

    def offer(self, items: list[ContentItem]) -> None:
        """The library materials to choose from (`content.actions.materials_for`)."""
        self.offered = {str(item.uuid): item for item in items}
        self.fields["content_items"].choices = [(key, i.title) for key, i in self.offered.items()]  # type: ignore[attr-defined]

    def clean_content_items(self) -> list[ContentItem]:
        return [self.offered[key] for key in self.cleaned_data["content_items"]]


class TransitionForm(forms.Form):
    kind = forms.ChoiceField(
        label="Kind of transition",
        choices=[c for c in Transition.Kind.choices if c[0] != Transition.Kind.STEP_DOWN],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the kind of transition"},
    )  # fmt: skip
    receiving_organisation = forms.ModelChoiceField(
        label="Receiving service", queryset=Organisation.objects.none(), empty_label="Choose",
        widget=forms.Select(attrs={"class": "nhsuk-select"}),
        error_messages={"required": "Choose the receiving service"},
    )  # fmt: skip
    receiving_offer = forms.ModelChoiceField(
        label="Receiving offer (for a move to another partner)", queryset=Offer.objects.none(),
        required=False, empty_label="None", widget=forms.Select(attrs={"class": "nhsuk-select"}),
    )  # fmt: skip
    reason = forms.CharField(
        label="Reason", max_length=4000, widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Write the reason"},
    )  # fmt: skip
    handover = forms.CharField(
        label="Handover", help_text="What the receiving service needs to know.",
        max_length=10000, widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Write the handover"},
    )  # fmt: skip

    def __init__(self, *args: Any, alliance: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["receiving_organisation"].queryset = (  # type: ignore[attr-defined]
            Organisation.objects.filter(alliance=alliance)
            .exclude(kind="lead_provider")
            # registered professional referrers' organisation is no service (hazard H45)
            .exclude(pk__in=[getattr(alliance, "referrer_organisation_id", None)])
        )
        self.fields["receiving_offer"].queryset = Offer.objects.filter(  # type: ignore[attr-defined]
            organisation__alliance=alliance, active=True
        ).select_related("organisation")


class StepDownForm(forms.Form):
    sending_organisation = forms.ModelChoiceField(
        label="Stepping down from", queryset=Organisation.objects.none(), empty_label="Choose",
        widget=forms.Select(attrs={"class": "nhsuk-select"}),
        error_messages={"required": "Choose the service the child is stepping down from"},
    )  # fmt: skip
    reason = forms.CharField(
        label="Reason", max_length=4000, widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Write the reason"},
    )  # fmt: skip
    handover = forms.CharField(
        label="Their handover",
        help_text="What the sending service says the partner needs to know.",
        max_length=10000, widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Write the handover"},
    )  # fmt: skip

    def __init__(self, *args: Any, alliance: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sending_organisation"].queryset = external_services(alliance)  # type: ignore[attr-defined]


class AcknowledgeForm(forms.Form):
    note = forms.CharField(
        label="Who acknowledged it, and how",
        help_text="Required when recording it for a service outside the alliance.",
        max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}),
    )  # fmt: skip


class CarePlanForm(forms.Form):
    summary = forms.CharField(
        label="The plan", max_length=4000, widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Write the plan"},
    )  # fmt: skip
    goals = forms.CharField(
        label="Goals", help_text="One goal a line, in the young person's words where you can.",
        max_length=4000, widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Write at least one goal"},
    )  # fmt: skip
    review_due = DateField(
        label="Review by",
        subject="The review date",
        required_message="Enter when the plan will be reviewed",
    )


class SafetyPlanForm(forms.Form):
    warning_signs = forms.CharField(
        label="Warning signs", max_length=4000, widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Write the warning signs"},
    )  # fmt: skip
    coping_strategies = forms.CharField(
        label="What helps", max_length=4000, widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Write what helps"},
    )  # fmt: skip
    people_and_places = forms.CharField(
        label="People and places that help (optional)", max_length=4000, required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )  # fmt: skip
    keeping_safe = forms.CharField(
        label="Keeping safe and who to call (optional)", max_length=4000, required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )  # fmt: skip


class RiskReviewForm(forms.Form):
    rating = forms.ChoiceField(
        label="Risk rating", choices=RiskRating.choices, widget=forms.RadioSelect,
        error_messages={"required": "Choose a risk rating: red, amber or green"},
    )  # fmt: skip
    rationale = forms.CharField(
        label="Why this rating", max_length=4000, widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Write why you gave this rating"},
    )  # fmt: skip


class DischargeForm(forms.Form):
    reason = forms.ChoiceField(
        label="Reason for discharge", choices=Discharge.Reason.choices, widget=forms.RadioSelect,
        error_messages={"required": "Choose the reason for discharge"},
    )  # fmt: skip
    summary = forms.CharField(
        label="Closing summary", max_length=4000, widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Write a closing summary"},
    )  # fmt: skip


class FeedbackForm(forms.Form):
    helpful = forms.ChoiceField(
        label="How helpful was the support?",
        choices=[("5", "Very helpful"), ("4", "Helpful"), ("3", "Neither helpful nor unhelpful"),
                 ("2", "Unhelpful"), ("1", "Very unhelpful")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how helpful the support was"},
    )  # fmt: skip
    comments = forms.CharField(
        label="Anything you would like to tell us (optional)", max_length=4000, required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )  # fmt: skip


# The Young Adult Support Offer


class CoordinatorChoice(forms.ModelChoiceField):
    """A care coordinator, by UUID (database ids never leave the server)."""

    def label_from_instance(self, obj: Any) -> str:
        return str(obj) if obj.is_active else f"{obj} (no longer active)"


def _coordinators(label: str, required_message: str, help_text: str = "") -> CoordinatorChoice:
    return CoordinatorChoice(
        label=label, help_text=help_text, queryset=User.objects.none(), to_field_name="uuid",
        empty_label="Choose", error_messages={
            "required": required_message, "invalid_choice": required_message,
        },
    )  # fmt: skip


class CoordinatorForm(forms.Form):
    coordinator = _coordinators("Named care coordinator", "Choose the care coordinator")

    def __init__(self, *args: Any, coordinators: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["coordinator"].queryset = coordinators  # type: ignore[attr-defined]


PATHWAY_CHOICES = [
    ("mentoring", "Trauma-informed mentoring"),
    ("advocacy", "Advocacy"),
    ("community_engagement", "Flexible community-based engagement"),
    ("local_offer_linked", "Linked with the Care Leaver Local Offer"),
]


class PathwayForm(forms.Form):
    parts = forms.MultipleChoiceField(
        label="What the young adult is offered", choices=PATHWAY_CHOICES,
        widget=forms.CheckboxSelectMultiple, help_text="Select all that apply.",
        error_messages={"required": "Choose at least one part of the pathway"},
    )  # fmt: skip
    local_offer_notes = forms.CharField(
        label="The link with the Care Leaver Local Offer (optional)",
        help_text="For example, which parts of the Local Offer and who the contact is.",
        max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}),
    )  # fmt: skip
    notes = forms.CharField(
        label="Notes (optional)", max_length=4000, required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip


class ReassignForm(forms.Form):
    leaving = _coordinators("Care coordinator who is leaving", "Choose who is leaving")
    receiving = _coordinators(
        "Care coordinator taking the caseload", "Choose who takes the caseload",
        "Every open case moves to them, with an audit record for each young adult.",
    )  # fmt: skip

    def __init__(
        self,
        *args: Any,
        leaving: QuerySet[User],
        receiving: QuerySet[User],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["leaving"].queryset = leaving  # type: ignore[attr-defined]
        self.fields["receiving"].queryset = receiving  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        leaving, receiving = cleaned.get("leaving"), cleaned.get("receiving")
        if leaving is not None and leaving == receiving:
            self.add_error("receiving", "Choose a different care coordinator to take the caseload")
        return cleaned


class HandoverAnswerForm(forms.Form):
    """Accepting a handover from another partner: the referral as the page showed it."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)


class HandoverDeclineForm(HandoverAnswerForm):
    reason = forms.CharField(
        label="Why you are declining",
        help_text="The sending partner reads this: the child goes back to them.",
        max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say why you are declining, for the sending partner"},
    )  # fmt: skip
