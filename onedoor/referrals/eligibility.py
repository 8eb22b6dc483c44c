"""Who the alliance can work with: age at the referral date, and living or registered in the area.

Pure: the caller builds `EligibilityRules` from the alliance's configuration.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from onedoor.children.postcode import district, normalise_postcode


@dataclass(frozen=True)
class EligibilityRules:
    min_age: int
    max_age: int
    extended_max_age: int  # for young people in a group that extends eligibility
    area_districts: frozenset[str]  # postcode districts, e.g. {"ME1", "ME2"}
    gp_practices: frozenset[str]  # ODS codes, upper case
    area_name: str  # "Medway", for messages
    extended_for: str = "young people with SEND and care leavers"  # for messages


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    reasons: tuple[str, ...]  # empty when eligible; otherwise in plain words for the referrer


def age_on(born: date, day: date) -> int:
    """Age in completed years on `day`; a 29 February birthday falls on 1 March in common years."""
    before_birthday = (day.month, day.day) < (born.month, born.day)
    return day.year - born.year - int(before_birthday)


def assess(
    *,
    date_of_birth: date,
    referral_date: date,
    extends_age: bool,
    postcode: str,
    gp_ods_code: str = "",
    gp_not_listed: str = "",
    rules: EligibilityRules,
) -> Eligibility:
    """Whether the alliance can accept this referral and, if not, why not. `gp_ods_code` is
    the practice chosen from the alliance's list; `gp_not_listed` a practice typed in words,
    which the rule cannot count but the reason mentions, so that staff can check it."""
    reasons = [
        reason
        for reason in (
            _age_problem(date_of_birth, referral_date, extends_age, rules),
            _area_problem(postcode, gp_ods_code, gp_not_listed, rules),
        )
        if reason
    ]
    return Eligibility(eligible=not reasons, reasons=tuple(reasons))


def _age_problem(
    born: date, referral_date: date, extends_age: bool, rules: EligibilityRules
) -> str | None:
    if born > referral_date:
        return "The date of birth is after the date of the referral. Please check it."
    age = age_on(born, referral_date)
    upper = rules.extended_max_age if extends_age else rules.max_age
    if rules.min_age <= age <= upper:
        return None
    served = (
        f"The alliance works with children and young people aged {rules.min_age} to {rules.max_age}"
    )
    if rules.extended_max_age > rules.max_age:
        served += f" (up to {rules.extended_max_age} for {rules.extended_for})"
    if age < rules.min_age:
        how_old = "under 1 year old" if age == 0 else str(age)
        return f"{served}. This child is {how_old} on the date of the referral."
    message = f"{served}. This young person is {age} on the date of the referral."
    if not extends_age and age <= rules.extended_max_age:
        message += " If the longer age range applies to them, please tell us."
    return message


def _area_problem(
    postcode: str, gp_ods_code: str, gp_not_listed: str, rules: EligibilityRules
) -> str | None:
    canonical = normalise_postcode(postcode)
    if canonical is not None and district(canonical) in rules.area_districts:
        return None
    if gp_ods_code.strip().upper() in rules.gp_practices:
        return None
    served = (
        f"The alliance serves children and young people who live in {rules.area_name} "
        "or are registered with a GP there."
    )
    if gp_not_listed.strip():
        served += (
            f" The GP practice given is not on our list of practices in {rules.area_name}: the "
            "Referral and Advice Point will check it, and if it is there, the referral will go "
            "ahead."
        )
    return served
