"""A professional's referral as a referrer's system sends it (`POST /referrals/submissions`),
checked by the public form's own pages and made into the form's `ReferralAnswers`.

The body is turned into the answers the form's pages would have been given on the
professional route, and every page the route asks is checked with its own form
(`referrals/*_forms.py`: names, date of birth, postcode, NHS number, phone numbers, GP
practice, needs and priority groups of the alliance, risk indicators, consent), so the API
can never accept a referral the form would refuse. Each error names the body's field
(`referral.child.nhs_number`). The answers come from `wizard.review`, as the form's do.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any

from pydantic import Field, StrictBool, StrictStr

from onedoor import clock
from onedoor.api.problems import Problem
from onedoor.api.schemas import Strict
from onedoor.children.models import CarerContact, Ethnicity, Gender
from onedoor.referrals.answers import ReferralAnswers
from onedoor.referrals.form_parts import NONE, Choices
from onedoor.referrals.models import RISK_INDICATORS, ConsentGivenBy, Route
from onedoor.referrals.more_about_forms import LGBTQIA, RECORD_LGBTQIA
from onedoor.referrals.referrer_forms import SOURCE_CHOICES
from onedoor.referrals.views import form_choices
from onedoor.referrals.wizard import State, context, pages_asked, review

MAX_KEY_LENGTH = 100

WorkSource = StrEnum(  # type: ignore[misc]
    "WorkSource", {str(value).upper(): str(value) for value, _label in SOURCE_CHOICES}
)
RiskIndicator = StrEnum(  # type: ignore[misc]
    "RiskIndicator", {key.upper(): key for key in RISK_INDICATORS}
)


class ChildIn(Strict):
    given_name: StrictStr
    family_name: StrictStr
    date_of_birth: date
    gender: Gender
    ethnicity: Ethnicity = Field(description='An NHS ethnic category code; "Z" when not stated')
    address_line_1: StrictStr
    address_line_2: StrictStr = ""
    town: StrictStr = ""
    postcode: StrictStr
    nhs_number: StrictStr = Field("", description="Ten digits, if known")
    school: StrictStr = ""
    gp_ods_code: StrictStr = Field(
        "", description="The GP practice's ODS code, when it is on the alliance's list"
    )
    gp_practice_name: StrictStr = Field(
        "", description="The GP practice's name and town, when it is not on the list"
    )
    phone: StrictStr = Field("", description="The young person's own phone number")
    email: StrictStr = Field("", description="The young person's own email address")


class CarerIn(Strict):
    name: StrictStr
    relationship: StrictStr
    phone: StrictStr = ""
    email: StrictStr = ""
    parental_responsibility: CarerContact.ParentalResponsibility


class ReferrerIn(Strict):
    name: StrictStr
    role: StrictStr
    organisation: StrictStr
    source: WorkSource = Field(description="Where the referrer works")  # type: ignore[valid-type]
    email: StrictStr
    phone: StrictStr = ""


class CommunicationIn(Strict):
    language: StrictStr = ""
    interpreter_needed: StrictBool
    accessibility_needs: StrictStr = ""


class ConsentIn(Strict):
    to_refer: StrictBool
    given_by: ConsentGivenBy | None = None
    judged_competent: StrictBool | None = Field(
        None,
        description="Under 16, when the young person agreed themselves: whether the referrer "
        "judges them competent to",
    )
    to_share: StrictBool
    family_may_be_contacted: StrictBool


class ReferralIn(Strict):
    child: ChildIn
    carers: list[CarerIn] = Field(
        default_factory=list,
        max_length=1,
        description="The parent or carer (the form takes one). None, for a young person under "
        "18, means the young person consents themselves and no parent or carer is involved.",
    )
    referrer: ReferrerIn
    reasons: StrictStr
    needs: list[StrictStr] = Field(
        default_factory=list, description="Slugs of the alliance's needs"
    )
    what_tried: StrictStr = ""
    risk_indicators: list[RiskIndicator] = Field(  # type: ignore[valid-type]
        description="Any happening now or recently; an empty list says none of them"
    )
    risk_details: StrictStr = ""
    communication: CommunicationIn
    priority_groups: list[StrictStr] = Field(
        default_factory=list,
        description='Slugs of the alliance\'s priority groups; "lgbtqia" only when the young '
        "person agreed to it being recorded",
    )
    consent: ConsentIn


class SubmissionIn(Strict):
    key: StrictStr = Field(
        min_length=1,
        max_length=MAX_KEY_LENGTH,
        description="The client's own key for this referral: sending it again is safe",
    )
    referral: ReferralIn


def _yes(value: bool) -> str:
    return "yes" if value else "no"


def _pages(referral: ReferralIn, choices: Choices) -> dict[str, dict[str, Any]]:
    """The answers the form's pages would have been given, page by page."""
    child, referrer, consent = referral.child, referral.referrer, referral.consent
    carer = referral.carers[0] if referral.carers else None
    groups = list(referral.priority_groups)
    lgbtqia = ""
    if choices.lgbtqia and LGBTQIA in groups:
        groups.remove(LGBTQIA)
        lgbtqia = RECORD_LGBTQIA
    agreed = (consent.given_by or "") if consent.to_refer else "no"
    competent = "" if consent.judged_competent is None else _yes(consent.judged_competent)
    return {
        "start": {"who": Route.PROFESSIONAL},
        "about-you": {
            "name": referrer.name,
            "role": referrer.role,
            "organisation": referrer.organisation,
            "source": referrer.source,
            "email": referrer.email,
            "phone": referrer.phone,
        },
        "young-person": {
            "given_name": child.given_name,
            "family_name": child.family_name,
            "dob_day": str(child.date_of_birth.day),
            "dob_month": str(child.date_of_birth.month),
            "dob_year": f"{child.date_of_birth.year:04d}",
            "gender": child.gender,
            "ethnicity": child.ethnicity,
            "address_line_1": child.address_line_1,
            "address_line_2": child.address_line_2,
            "town": child.town,
            "postcode": child.postcode,
            "nhs_number": child.nhs_number,
            "school": child.school,
            "gp_practice": child.gp_ods_code,
            "gp_practice_name": child.gp_practice_name,
            "phone": child.phone,
            "email": child.email,
        },
        "parents-and-carers": {
            "carer_name": carer.name if carer else "",
            "carer_relationship": carer.relationship if carer else "",
            "carer_phone": carer.phone if carer else "",
            "carer_email": carer.email if carer else "",
            "parental_responsibility": carer.parental_responsibility if carer else "",
            **({} if carer else {"own_consent": "on"}),
        },
        "reasons": {
            "reasons": referral.reasons,
            "needs": list(referral.needs),
            "what_tried": referral.what_tried,
        },
        "safety": {
            "risks": [str(r) for r in referral.risk_indicators] or [NONE],
            "risk_details": referral.risk_details,
        },
        "communication": {
            "language": referral.communication.language,
            "interpreter": _yes(referral.communication.interpreter_needed),
            "accessibility_needs": referral.communication.accessibility_needs,
        },
        "more-about": {"groups": groups, "lgbtqia": lgbtqia},
        "consent": {
            "agreed": agreed,
            "competent": competent,
            "share": _yes(consent.to_share),
            "contact_family": _yes(consent.family_may_be_contacted),
        },
    }


# Each page's fields, as the body names them (under `referral.`).
FIELDS: dict[str, dict[str, str]] = {
    "about-you": {name: f"referrer.{name}" for name in ReferrerIn.model_fields},
    "young-person": {
        **{name: f"child.{name}" for name in ChildIn.model_fields},
        "dob_day": "child.date_of_birth",
        "dob_month": "child.date_of_birth",
        "dob_year": "child.date_of_birth",
        "gp_practice": "child.gp_ods_code",
    },
    "parents-and-carers": {
        "carer_name": "carers.0.name",
        "carer_relationship": "carers.0.relationship",
        "carer_phone": "carers.0.phone",
        "carer_email": "carers.0.email",
        "parental_responsibility": "carers.0.parental_responsibility",
        "own_consent": "carers",
    },
    "reasons": {"reasons": "reasons", "needs": "needs", "what_tried": "what_tried"},
    "safety": {"risks": "risk_indicators", "risk_details": "risk_details"},
    "communication": {
        "language": "communication.language",
        "interpreter": "communication.interpreter_needed",
        "accessibility_needs": "communication.accessibility_needs",
    },
    "more-about": {"groups": "priority_groups", "lgbtqia": "priority_groups"},
    "consent": {
        "agreed": "consent.given_by",
        "competent": "consent.judged_competent",
        "share": "consent.to_share",
        "contact_family": "consent.family_may_be_contacted",
    },
}


def _field(page: str, name: str, consent: ConsentIn) -> str:
    if page == "consent" and name == "agreed" and not consent.to_refer:
        return "referral.consent.to_refer"
    return "referral." + FIELDS.get(page, {}).get(name, "") if name != "__all__" else "referral"


def referral_answers(referral: ReferralIn) -> ReferralAnswers:
    """The form's answers for `referral`, or a 422 `Problem` with every field at fault."""
    choices, today = form_choices(), clock.today()
    state = State(key="", pages=_pages(referral, choices))
    ctx = context(state, choices, today)
    errors: list[dict[str, str]] = []
    for page in pages_asked(state, ctx):
        form = page.form_class(state.pages[page.slug], ctx=ctx)
        if form.is_valid():
            continue
        for name, messages in form.errors.items():
            field = _field(page.slug, name, referral.consent).rstrip(".")
            errors.extend({"field": field, "message": str(message)} for message in messages)
    if errors:
        unique = list({(e["field"], e["message"]): e for e in errors}.values())
        detail = (
            unique[0]["message"] if len(unique) == 1 else "The referral has fields to put right"
        )
        raise Problem(422, detail, errors=unique)
    answers = review(state, choices, today).answers
    assert answers is not None  # every page was valid just now
    return answers
