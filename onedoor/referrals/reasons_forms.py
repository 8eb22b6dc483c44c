"""The referral form's pages about why help is asked: the reasons, the needs, what has been
tried, and the worries about safety (the risk indicators)."""

from __future__ import annotations

from typing import Any

from django import forms

from onedoor.referrals.form_parts import (
    NONE,
    NOT_GIVEN,
    TEXT_LIMIT,
    PageForm,
    offer_alliance_list,
    text_field,
)
from onedoor.referrals.models import RISK_INDICATORS, Route


class ReasonsForm(PageForm):
    reasons = text_field("Why you are asking for help", TEXT_LIMIT, rows=6)
    needs = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)
    what_tried = text_field("What has been tried", TEXT_LIMIT, required=False, rows=4)

    def setup(self) -> None:
        if self.ctx.route == Route.SELF:
            self.word(
                "reasons",
                "What would you like help with?",
                required="Tell us what you would like help with",
                hint="In your own words: what is happening, how long it has been going on, "
                "and how it affects you.",
            )
        else:
            self.word(
                "reasons",
                "Why are you asking for help for {who}?",
                required="Tell us why you are asking for help",
                hint="What is happening, how long it has been going on, and how it affects "
                "{who} day to day.",
            )
        self.word(
            "needs",
            "Which of these {is_} finding difficult?",
            hint="Select all that apply, or none.",
        )
        self.word(
            "what_tried",
            "What has been tried already? (optional)",
            hint="For example, support at school, a GP appointment, counselling or self-help.",
        )
        offer_alliance_list(self, "needs", self.ctx.choices.needs)

    def rows(self) -> list[tuple[str, str]]:
        data = self.cleaned_data
        needs = [self.label_of("needs", slug) for slug in data["needs"]]
        return [
            ("Why you are asking for help", data["reasons"]),
            ("Finding difficult", "\n".join(needs) or NOT_GIVEN),
            ("What has been tried", data["what_tried"] or NOT_GIVEN),
        ]

    def answers(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "reasons": data["reasons"],
            "needs": tuple(data["needs"]),
            "what_tried": data["what_tried"],
        }


class SafetyForm(PageForm):
    risks = forms.MultipleChoiceField(
        choices=[*RISK_INDICATORS.items(), (NONE, "None of these")],
        widget=forms.CheckboxSelectMultiple,
    )
    risk_details = text_field("Details about safety", TEXT_LIMIT, required=False, rows=4)

    def setup(self) -> None:
        self.word(
            "risks",
            "Are any of these happening now, or have they happened recently?",
            required="Select any that apply, or select 'None of these'",
            hint="This helps us decide how soon to contact you. Select all that apply.",
        )
        self.word(
            "risk_details",
            "Tell us more (optional)",
            hint="For example, what has happened, how recently, and what helps keep {who} safe.",
        )

    def clean_risks(self) -> list[str]:
        risks: list[str] = self.cleaned_data["risks"]
        if NONE in risks and len(risks) > 1:
            raise forms.ValidationError(
                "Select the ones that apply, or select 'None of these' on its own"
            )
        return risks

    def rows(self) -> list[tuple[str, str]]:
        data = self.cleaned_data
        return [
            ("Worries about safety", "\n".join(self.label_of("risks", r) for r in data["risks"])),
            ("More about safety", data["risk_details"] or NOT_GIVEN),
        ]

    def answers(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "risk_indicators": tuple(r for r in data["risks"] if r != NONE),
            "risk_details": data["risk_details"],
        }
