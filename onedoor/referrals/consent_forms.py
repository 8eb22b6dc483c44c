"""The referral form's consent pages: who agrees to the referral, and, for a young person of
12 to 15 referring themselves without a parent or carer's agreement, whether they understand
what they agree to ("Agreeing to this yourself"). The rules are in `referrals/consent.py`.

Consent is recorded as who actually gave it. A parent or carer counts as one only with
parental responsibility (as the parents and carers page says); otherwise they are another
adult, and triage is told to check.
"""

from __future__ import annotations

from typing import Any

from django import forms

from onedoor.referrals import consent as rules
from onedoor.referrals.consent import SELF_CONSENT_AGE, consent_problem
from onedoor.referrals.form_parts import YES_NO, PageForm, radios_field
from onedoor.referrals.models import Competence, ConsentGivenBy, Route

PARENT_AGREES = "yes"
RATHER_NOT_SAY = "rather_not_say"
UNDERSTOOD = [("yes", "Yes"), ("no", "No, or I'm not sure")]


class ConsentForm(PageForm):
    agreed = radios_field([])
    competent = radios_field(YES_NO, required=False)
    parent_agrees = radios_field([*YES_NO, (RATHER_NOT_SAY, "I'd rather not say")])
    share = radios_field(YES_NO)
    contact_family = radios_field(YES_NO)

    def setup(self) -> None:
        route, age = self.ctx.route, self.ctx.age
        under_16 = age is None or age < SELF_CONSENT_AGE
        if route == Route.SELF:
            self.fields["agreed"].choices = [  # type: ignore[attr-defined]
                (ConsentGivenBy.YOUNG_PERSON, "Yes, I agree"),
                ("no", "No"),
            ]
            self.word(
                "agreed",
                "Do you agree to this referral?",
                required="Select yes if you agree to this referral",
                hint="Agreeing means the Referral and Advice Point can read what you have told "
                "us and contact you about getting support.",
            )
        else:
            parent = "I have agreed, as their parent or carer" if route == Route.PARENT else None
            choices = [
                (ConsentGivenBy.YOUNG_PERSON, "{Who} has agreed".format_map(self.words)),
                (ConsentGivenBy.PARENT_CARER, parent or "A parent or carer has agreed"),
            ]
            if route == Route.PROFESSIONAL:
                choices.append(
                    (
                        ConsentGivenBy.OTHER_ADULT,
                        "Another adult has agreed, for example a carer without parental "
                        "responsibility or a social worker",
                    )
                )
            self.fields["agreed"].choices = [*choices, ("no", "No one has agreed yet")]  # type: ignore[attr-defined]
            self.word(
                "agreed",
                "Who has agreed to this referral?",
                required="Select who has agreed to this referral",
                hint="Young people aged 16 or over agree for themselves. Under 16, a parent or "
                "carer agrees, unless the young person is judged competent to decide for "
                "themselves.",
            )
        if route == Route.PROFESSIONAL and under_16:
            self.word(
                "competent",
                "If the young person agreed themselves: do you judge them competent to consent "
                "to this referral?",
                hint="Competent means they understand what the referral is and what it means "
                "for them (Gillick competence). You can leave this if a parent or carer agreed.",
            )
        else:
            del self.fields["competent"]
        if route == Route.SELF and under_16:
            self.word(
                "parent_agrees",
                "Does a parent or carer know about this referral, and agree to it?",
                required="Select whether a parent or carer knows and agrees",
                hint="Because you are under 16, we ask. You can still get help if they do not.",
            )
        else:
            del self.fields["parent_agrees"]
        self.word(
            "share",
            "Can we share this referral with the alliance's partner organisations?",
            required="Select yes if we can share this referral with partner organisations",
            hint=f"{self.ctx.choices.alliance_name} is a group of organisations that work "
            "together. Sharing lets the one best placed to help read the referral, so nobody "
            "has to tell the story again. If the answer is no, we will ask again before "
            "passing it to a partner.",
        )
        if route == Route.SELF:
            self.word(
                "contact_family",
                "Can we contact your parent or carer about this referral?",
                required="Select yes if we can contact your parent or carer",
                hint="If you say no, we will talk with you first, unless we are worried about "
                "your safety.",
            )
        elif route == Route.PROFESSIONAL:
            self.word(
                "contact_family",
                "Can we contact the family to tell them we have received this referral?",
                required="Select yes if we can contact the family",
                hint="We will email the parent or carer you told us about, and the young person "
                "if they are 16 or over.",
            )
        else:
            del self.fields["contact_family"]  # the parent or carer is the family

    def _parental_responsibility(self, person: str) -> str:
        """The parental responsibility of the adult who agreed, from the parents and carers
        page: the parent or carer given there (a parent referring: only when it is them)."""
        ctx = self.ctx
        if person == ConsentGivenBy.OTHER_ADULT:
            return rules.PR_NOT_KNOWN
        if ctx.route == Route.PARENT and not ctx.carer_is_referrer:
            return rules.PR_NOT_KNOWN
        return ctx.carer_pr or rules.PR_NOT_KNOWN

    @staticmethod
    def _person(data: dict[str, Any]) -> str:
        """Who agreed, as the person chose it: the young person, a parent or carer, or
        another adult (their parental responsibility aside)."""
        if data.get("parent_agrees") == PARENT_AGREES:
            return ConsentGivenBy.PARENT_CARER  # a young person under 16, with a parent
        return str(data.get("agreed", ""))

    def consent(self) -> dict[str, Any]:
        """The answers as consent: who gave it, their parental responsibility, and the
        young person's competence when they consented themselves under 16."""
        data = self.cleaned_data
        if data.get("agreed", "") not in ConsentGivenBy.values:
            return {
                "consent_to_refer": False,
                "consent_given_by": "",
                "judged_competent": None,
                "competence": "",
                "consent_parental_responsibility": "",
            }
        person = self._person(data)
        pr = "" if person == ConsentGivenBy.YOUNG_PERSON else self._parental_responsibility(person)
        competent = data.get("competent")
        age = self.ctx.age if self.ctx.age is not None else 0
        competence = ""
        if person == ConsentGivenBy.YOUNG_PERSON and age < SELF_CONSENT_AGE:
            if self.ctx.route == Route.SELF:
                competence = Competence.TO_CONFIRM  # they answer the competence questions next
            elif competent == "yes":
                competence = Competence.JUDGED_BY_REFERRER
        return {
            "consent_to_refer": True,
            "consent_given_by": rules.given_by_for(person=person, parental_responsibility=pr),
            "judged_competent": competent == "yes" if competent else None,
            "competence": competence,
            "consent_parental_responsibility": pr,
        }

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if self.errors:
            return data
        if self.ctx.route == Route.PROFESSIONAL and self.ctx.no_parent_details:
            self._without_parent_details(data)
            if self.errors:
                return data
        consent = self.consent()
        age = self.ctx.age if self.ctx.age is not None else 0
        problem = consent_problem(
            age=age,
            consent_to_refer=consent["consent_to_refer"],
            given_by=self._person(data) if consent["consent_to_refer"] else "",
            judged_competent=consent["judged_competent"],
            competence=consent["competence"],
        )
        if problem is None:
            return data
        about_competence = consent["consent_to_refer"] and age < SELF_CONSENT_AGE
        if self.ctx.route == Route.SELF and about_competence:
            self.add_error(
                "parent_agrees",
                f"Because you are under {rules.OWN_CONSENT_FROM}, a parent or carer needs to "
                "agree to this referral. If you cannot ask them, phone the Referral and Advice "
                "Point, or talk to someone you trust, like a teacher, school nurse or GP: they "
                "can ask for help with you.",
            )
        elif self.ctx.route == Route.SELF:
            self.add_error("agreed", "Select yes if you agree to this referral")
        elif self.ctx.route == Route.PARENT and about_competence:
            self.add_error(
                "agreed",
                "Because your child is under 16, a parent or carer needs to agree to this "
                "referral. Select 'I have agreed, as their parent or carer' if you agree.",
            )
        elif "competent" in self.fields and about_competence:
            self.add_error("competent", problem)
        else:
            self.add_error("agreed", problem)
        return data

    def _without_parent_details(self, data: dict[str, Any]) -> None:
        """A professional gave no parent or carer's details because the young person consents
        themselves: so the young person agreed and, under 16, is judged competent."""
        if data.get("agreed") != ConsentGivenBy.YOUNG_PERSON:
            self.add_error(
                "agreed",
                "You did not give a parent or carer's details, because the young person "
                "consents themselves: select 'The young person has agreed', or go back to "
                "'Parents and carers' to give their details",
            )
        elif "competent" in self.fields and data.get("competent") != "yes":
            self.add_error(
                "competent",
                "You did not give a parent or carer's details, because you judge the young "
                "person competent to consent: select yes, or go back to 'Parents and carers' "
                "to give their details",
            )

    def rows(self) -> list[tuple[str, str]]:
        data = self.cleaned_data
        rows = [("Agreed to the referral", self.label_of("agreed", data["agreed"]))]
        if "competent" in self.fields and data.get("competent"):
            rows.append(
                ("Judged competent to consent", self.label_of("competent", data["competent"]))
            )
        if "parent_agrees" in self.fields:
            rows.append(
                (
                    "A parent or carer knows and agrees",
                    self.label_of("parent_agrees", data["parent_agrees"]),
                )
            )
        rows.append(("Share with partner organisations", self.label_of("share", data["share"])))
        if "contact_family" in self.fields:
            key = (
                "Contact your parent or carer"
                if self.ctx.route == Route.SELF
                else "Contact the family"
            )
            rows.append((key, self.label_of("contact_family", data["contact_family"])))
        return rows

    def answers(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            **self.consent(),
            "consent_to_share": data["share"] == "yes",
            "family_may_be_contacted": data.get("contact_family", "yes") == "yes",
        }


# The competence questions, in plain words: (field, question, short form for the check page,
# what to select when it is left, hint).
QUESTIONS = (
    (
        "understands_support",
        "Do you understand what getting support from us means?",
        "Understands what support means",
        "Select yes if you understand what getting support from us means",
        "Support means talking with someone from our team, or from one of our partner "
        "organisations, about how you feel and what might help. It could be in person, by "
        "phone, by video or online. You can say no to it, or stop, at any time.",
    ),
    (
        "understands_next",
        "Do you understand what will happen after you send this?",
        "Understands what will happen next",
        "Select yes if you understand what will happen after you send this",
        "Someone from the Referral and Advice Point will read what you have told us and "
        "contact you, using the phone number or email address you gave us. They will talk "
        "with you about the support that could help, and ask you before anything is arranged.",
    ),
    (
        "understands_who_is_told",
        "Do you understand who we may tell, and when?",
        "Understands who may be told, and when",
        "Select yes if you understand who we may tell, and when",
        "We keep what you tell us private. We only share it with the people in our alliance "
        "who will support you, if you said we can. But if we think you, or someone else, are "
        "in danger, we must tell people who can help keep you safe, such as a parent or "
        "carer, your GP or children's social care. We will try to talk with you first.",
    ),
)
NEEDS_AN_ADULT = (
    "You cannot send this referral on your own agreement yet. You can still get help: see "
    "what you can do below."
)


class OwnConsentForm(PageForm):
    """The competence questions for a young person of 12 to 15 referring themselves on their
    own consent. Every answer must be yes; otherwise they are told, kindly, what they can do
    instead (`needs_an_adult`): this page never simply stops them."""

    understands_support = radios_field(UNDERSTOOD)
    understands_next = radios_field(UNDERSTOOD)
    understands_who_is_told = radios_field(UNDERSTOOD)

    needs_an_adult = False

    def setup(self) -> None:
        for name, question, _short, required, hint in QUESTIONS:
            self.word(name, question, required=required, hint=hint)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if self.errors:
            return data
        answers = {name: data.get(name) == "yes" for name, *_ in QUESTIONS}
        if not rules.understands(answers):
            self.needs_an_adult = True
            raise forms.ValidationError(NEEDS_AN_ADULT)
        return data

    def rows(self) -> list[tuple[str, str]]:
        data = self.cleaned_data
        return [(short, self.label_of(name, data[name])) for name, _q, short, *_ in QUESTIONS]
