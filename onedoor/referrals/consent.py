"""Who can consent to a referral.

At 16 and over, the young person's own consent is needed. Under 16, the young person's own
consent counts when they are judged competent to give it (Gillick competence); otherwise a
parent or carer's consent is needed.
"""

from __future__ import annotations

SELF_CONSENT_AGE = 16

# The values of `referrals.models.ConsentGivenBy`, kept here so that this module stays pure.
YOUNG_PERSON = "young_person"
PARENT_CARER = "parent_carer"


def consent_problem(
    *, age: int, consent_to_refer: bool, given_by: str, judged_competent: bool | None
) -> str | None:
    """None when the consent to refer is valid, else a message that says how to put it right."""
    if not consent_to_refer:
        return (
            "The referral needs consent to be made. Ask the young person, or a parent or "
            "carer if they are under 16, whether they agree to the referral."
        )
    if given_by not in (YOUNG_PERSON, PARENT_CARER):
        return "Say who gave consent to the referral: the young person, or a parent or carer."
    if age >= SELF_CONSENT_AGE:
        if given_by == PARENT_CARER:
            return (
                f"At {SELF_CONSENT_AGE} and over, young people agree to a referral themselves: "
                "a parent or carer's consent is not enough. Ask the young person for their "
                "consent."
            )
        return None
    if given_by == YOUNG_PERSON:
        if judged_competent is None:
            return (
                f"Under {SELF_CONSENT_AGE}, a young person can consent for themselves only when "
                "they are judged competent to. Say whether they are, or ask a parent or carer "
                "for consent."
            )
        if not judged_competent:
            return (
                "This young person has not been judged competent to consent for themselves, so "
                "a parent or carer needs to give consent."
            )
    return None
