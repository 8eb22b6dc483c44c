"""What a referral says, as the form (or a member of staff) collected it.

This is the contract between the referral form's pages and `submit_referral`: the form
validates each answer on the server, then hands over one `ReferralAnswers`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from onedoor.referrals.models import ConsentGivenBy, Route, Source


@dataclass(frozen=True)
class CarerAnswers:
    name: str
    relationship: str  # "mother", "foster carer", ...
    phone: str = ""
    email: str = ""
    parental_responsibility: str = "not_known"  # CarerContact.ParentalResponsibility


@dataclass(frozen=True)
class ReferralAnswers:
    route: Route
    source: Source  # self, parent, gp, school, social_care, health, youth_justice, other
    # The child or young person.
    given_name: str
    family_name: str
    date_of_birth: date
    gender: str  # children.models.Gender
    ethnicity: str  # children.models.Ethnicity code, "Z" when not stated
    postcode: str  # normalised, e.g. "ME4 4AB"
    address_line_1: str = ""
    address_line_2: str = ""
    town: str = ""
    nhs_number: str = ""  # ten digits, valid check digit, or empty
    school: str = ""
    gp_practice: str = ""  # the GP practice in words: as listed, or as typed when not listed
    gp_ods_code: str = ""  # the practice chosen from the alliance's list, or "" when not listed
    young_person_phone: str = ""
    young_person_email: str = ""
    carers: tuple[CarerAnswers, ...] = ()
    # The referrer (empty on the self route: the young person is the referrer).
    referrer_name: str = ""
    referrer_relationship: str = ""
    referrer_role: str = ""
    referrer_organisation: str = ""
    referrer_email: str = ""
    referrer_phone: str = ""
    # Why.
    reasons: str = ""
    needs: tuple[str, ...] = ()  # Need slugs
    what_tried: str = ""
    risk_indicators: tuple[str, ...] = ()  # keys of referrals.models.RISK_INDICATORS
    risk_details: str = ""
    # Communication.
    language: str = ""
    interpreter_needed: bool = False
    accessibility_needs: str = ""
    # Priority groups and vulnerabilities (PriorityGroup slugs). LGBTQIA+ only when the
    # young person chose to tell us and agreed to it being recorded.
    priority_groups: tuple[str, ...] = ()
    # Consent.
    consent_to_refer: bool = False
    consent_given_by: ConsentGivenBy | str = ""
    judged_competent: bool | None = None
    competence: str = ""  # referrals.models.Competence: under 16, on their own consent
    consent_parental_responsibility: str = ""  # whether the adult who consented has it
    consent_to_share: bool = False
    family_may_be_contacted: bool = False
