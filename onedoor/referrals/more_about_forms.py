"""The referral form's pages about what helps the child or young person: communication needs,
priority groups and SEND, and LGBTQIA+ (recorded only by agreement)."""

from __future__ import annotations

from typing import Any

from django import forms

from onedoor.referrals.form_parts import (
    NOT_GIVEN,
    TEXT_LIMIT,
    YES_NO,
    PageForm,
    offer_alliance_list,
    radios_field,
    text_field,
)
from onedoor.referrals.models import Route


class CommunicationForm(PageForm):
    language = text_field("Language", required=False, autocomplete="language")
    interpreter = radios_field(YES_NO)
    accessibility_needs = text_field("Accessibility needs", TEXT_LIMIT, required=False, rows=4)

    QUESTIONS = {
        Route.SELF: ("you", "Do you need an interpreter?"),
        Route.PARENT: ("you and your child", "Do you or your child need an interpreter?"),
        Route.PROFESSIONAL: (
            "the young person and their family",
            "Does the young person or their family need an interpreter?",
        ),
    }

    def setup(self) -> None:
        people, interpreter = self.QUESTIONS.get(self.ctx.route, self.QUESTIONS[Route.SELF])  # type: ignore[call-overload]
        self.word(
            "language",
            f"What language would {people} like us to use? (optional)",
            hint="For example, English, Polish, Romanian or British Sign Language.",
        )
        self.word("interpreter", interpreter, required="Select yes if an interpreter is needed")
        self.word(
            "accessibility_needs",
            "Is there anything that would make it easier for {who} to use our services? (optional)",
            hint="For example, easy read letters, a quiet waiting room, step-free access, or "
            "being contacted by text rather than phone.",
        )

    def rows(self) -> list[tuple[str, str]]:
        data = self.cleaned_data
        return [
            ("Language", data["language"] or NOT_GIVEN),
            ("Interpreter needed", self.label_of("interpreter", data["interpreter"])),
            ("Accessibility needs", data["accessibility_needs"] or NOT_GIVEN),
        ]

    def answers(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "language": data["language"],
            "interpreter_needed": data["interpreter"] == "yes",
            "accessibility_needs": data["accessibility_needs"],
        }


LGBTQIA = "lgbtqia"
RECORD_LGBTQIA = "yes_record"


class MoreAboutForm(PageForm):
    """Priority groups and SEND; then LGBTQIA+, optional and recorded only by agreement."""

    groups = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)
    lgbtqia = radios_field([], required=False)

    def setup(self) -> None:
        older = self.ctx.choices.extended_max_age
        self.word(
            "groups",
            "Do any of these apply to {who}?",
            hint="Select all that apply, or none. Young people in these groups can get support "
            "sooner" + (f", and some can get help up to the age of {older}." if older else "."),
        )
        offer_alliance_list(self, "groups", self.ctx.choices.groups)
        if not self.ctx.choices.lgbtqia:
            del self.fields["lgbtqia"]
            return
        if self.ctx.route == Route.SELF:
            question = "Do you identify as LGBTQIA+? (optional)"
            record, private = (
                "Yes, and I'm happy for you to record this",
                "Yes, but please do not record it",
            )
        else:
            question = "{Does} identify as LGBTQIA+? (optional)".format_map(self.words)
            record, private = (
                "Yes, and they are happy for it to be recorded",
                "Yes, but they do not want it recorded",
            )
        self.fields["lgbtqia"].choices = [  # type: ignore[attr-defined]
            (RECORD_LGBTQIA, record),
            ("yes_private", private),
            ("no", "No"),
            ("prefer_not", "Prefer not to say"),
        ]
        self.word(
            "lgbtqia",
            question,
            hint="LGBTQIA+ means lesbian, gay, bisexual, trans, queer or questioning, intersex, "
            "asexual and more. You do not have to answer. We ask because there is support for "
            "LGBTQIA+ young people, and we only record the answer if {who} agree"
            + ("" if self.ctx.route == Route.SELF else "s")
            + ".",
        )

    def rows(self) -> list[tuple[str, str]]:
        data = self.cleaned_data
        groups = "\n".join(self.label_of("groups", slug) for slug in data["groups"])
        rows = [("Groups that apply", groups or "None")]
        if "lgbtqia" in self.fields:
            answer = data.get("lgbtqia") or ""
            rows.append(("LGBTQIA+", self.label_of("lgbtqia", answer) if answer else NOT_GIVEN))
        return rows

    def answers(self) -> dict[str, Any]:
        data = self.cleaned_data
        groups = tuple(data["groups"])
        if data.get("lgbtqia") == RECORD_LGBTQIA:
            groups += (LGBTQIA,)
        return {"priority_groups": groups}
