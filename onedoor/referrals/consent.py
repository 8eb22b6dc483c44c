"""Who can consent to a referral, and what triage must check about it.

At 16 and over, the young person's own consent is needed. Under 16, the young person's own
consent counts when they are competent to give it (Gillick competence); otherwise a parent or
carer's consent is needed. Consent is recorded as who actually gave it: the young person, a
parent or carer with parental responsibility, or another adult (a carer without parental
responsibility, or a professional), with whether that adult has parental responsibility.

Two ways a young person under 16 consents on their own:

- a professional referring judges them competent ("judged by the referrer"); or
- from 12 (`OWN_CONSENT_FROM`), a young person referring themselves, whose parent or carer
  does not know or agree, answers the competence questions in plain words, all "yes". Their
  consent stands, "to be confirmed": the triage team confirms it or revisits it (contacts the
  young person, or involves a parent or carer), and until it is confirmed the referral
  cannot be allocated to a partner (`allocation_problem`). Nothing else waits for it: risk is
  screened and acted on as for any referral.

Pure: ages come from `eligibility.age_on`; the values are the models' choices, kept here as
strings so that this module needs no database.
"""

from __future__ import annotations

from collections.abc import Mapping

SELF_CONSENT_AGE = 16
# The youngest a young person referring themselves can send the form on their own consent.
OWN_CONSENT_FROM = 12

# Who gave consent: the values of `referrals.models.ConsentGivenBy`.
YOUNG_PERSON = "young_person"
PARENT_CARER = "parent_carer"  # with parental responsibility
OTHER_ADULT = "other_adult"  # a carer without parental responsibility, or a professional
GIVERS = (YOUNG_PERSON, PARENT_CARER, OTHER_ADULT)

# Parental responsibility: the values of `children.CarerContact.ParentalResponsibility`.
HAS_PR = "yes"
NO_PR = "no"
PR_NOT_KNOWN = "not_known"

# The competence of a young person under 16 consenting themselves: `referrals.models.Competence`.
TO_CONFIRM = "to_confirm"
JUDGED_BY_REFERRER = "judged_by_referrer"
CONFIRMED = "confirmed"
REVISIT = "revisit"
UNSETTLED = frozenset({TO_CONFIRM, REVISIT})

# The competence questions a young person referring themselves answers (in their words on
# the form's "Agreeing to this yourself" page): what support from us means, what happens
# after they send the referral, and who we may tell and when.
COMPETENCE_QUESTIONS = ("understands_support", "understands_next", "understands_who_is_told")

NO_PR_WARNING = "Consent given by someone without parental responsibility: check"
PR_NOT_KNOWN_WARNING = "Consent given by someone who may not have parental responsibility: check"


def consent_problem(
    *,
    age: int,
    consent_to_refer: bool,
    given_by: str,
    judged_competent: bool | None,
    competence: str = "",
) -> str | None:
    """None when the consent to refer is valid, else a message that says how to put it right."""
    if not consent_to_refer:
        return (
            "The referral needs consent to be made. Ask the young person, or a parent or "
            "carer if they are under 16, whether they agree to the referral."
        )
    if given_by not in GIVERS:
        return (
            "Say who gave consent to the referral: the young person, a parent or carer, or "
            "another adult."
        )
    if age >= SELF_CONSENT_AGE:
        if given_by != YOUNG_PERSON:
            adult = "a parent or carer" if given_by == PARENT_CARER else "another adult"
            return (
                f"At {SELF_CONSENT_AGE} and over, young people agree to a referral themselves: "
                f"{adult}'s consent is not enough. Ask the young person for their consent."
            )
        return None
    if given_by != YOUNG_PERSON:
        return None  # an adult without parental responsibility is flagged to triage
    if competence == TO_CONFIRM:
        if age < OWN_CONSENT_FROM:
            return (
                f"Under {OWN_CONSENT_FROM}, a young person cannot send a referral on their own "
                "consent: a parent or carer, or a professional who knows them, needs to be "
                "involved."
            )
        return None
    if competence in (JUDGED_BY_REFERRER, CONFIRMED):
        return None
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


def asks_competence_questions(*, age: int | None, parent_agrees: bool) -> bool:
    """Whether a young person referring themselves is asked the competence questions: from
    12 to 15, when a parent or carer does not know and agree (or they would rather not say)."""
    if age is None or parent_agrees:
        return False
    return OWN_CONSENT_FROM <= age < SELF_CONSENT_AGE


def understands(answers: Mapping[str, bool]) -> bool:
    """A young person may send the referral on their own consent only when they say they
    understand all three: what support means, what will happen, and who may be told."""
    return all(answers.get(question) is True for question in COMPETENCE_QUESTIONS)


def given_by_for(*, person: str, parental_responsibility: str) -> str:
    """Who gave consent, as recorded: a parent or carer counts as one only with parental
    responsibility; without it (or not known) they are another adult."""
    if person == PARENT_CARER and parental_responsibility != HAS_PR:
        return OTHER_ADULT
    return person


def parental_responsibility_warning(
    *, age: int, given_by: str, parental_responsibility: str
) -> str | None:
    """For triage: an under-16's consent given by an adult without parental responsibility
    (or who may not have it). None when the young person consented, at 16 and over, with
    parental responsibility, and when it was not recorded (referrals before it was asked)."""
    if age >= SELF_CONSENT_AGE or given_by not in (PARENT_CARER, OTHER_ADULT):
        return None
    if parental_responsibility == NO_PR:
        return NO_PR_WARNING
    if parental_responsibility == PR_NOT_KNOWN:
        return PR_NOT_KNOWN_WARNING
    return None


_COMPETENCE_WORDS = {
    TO_CONFIRM: "competence to be confirmed",
    JUDGED_BY_REFERRER: "judged competent by the referrer",
    CONFIRMED: "competence confirmed",
    REVISIT: "to revisit: contact the young person or involve a parent or carer",
}
_PR_WORDS = {
    HAS_PR: "with parental responsibility",
    NO_PR: "without parental responsibility",
    PR_NOT_KNOWN: "who may not have parental responsibility",
}


def consent_words(
    *, consent_to_refer: bool, given_by: str, competence: str, parental_responsibility: str
) -> str:
    """Who consented, in words for the triage page: "the young person (competence to be
    confirmed)", "a parent or carer with parental responsibility", "another adult without
    parental responsibility"."""
    if not consent_to_refer or given_by not in GIVERS:
        return "not given"
    if given_by == YOUNG_PERSON:
        settled = _COMPETENCE_WORDS.get(competence)
        return f"the young person ({settled})" if settled else "the young person"
    if given_by == PARENT_CARER:
        return "a parent or carer with parental responsibility"
    pr = _PR_WORDS.get(parental_responsibility)
    return f"another adult {pr}" if pr else "another adult"


def reviewable(competence: str) -> bool:
    """Whether the triage team can confirm or revisit the young person's competence."""
    return competence in UNSETTLED


def allocation_problem(competence: str) -> str | None:
    """A referral on a young person's own consent, with competence not yet confirmed, is not
    allocated to a partner. None when nothing about consent stops the allocation."""
    if competence == TO_CONFIRM:
        return (
            "The young person's competence to consent is still to be confirmed: confirm it "
            "before allocating"
        )
    if competence == REVISIT:
        return (
            "The young person's consent is being revisited: confirm their competence, or "
            "record a parent or carer's consent, before allocating"
        )
    return None
