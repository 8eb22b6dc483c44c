"""A competent young person refers themselves (issue 12, item 5): the competence questions on
the form, a professional recording a competent young person's consent without a parent's
details, consent recorded as who actually gave it (and flagged to triage when the adult has no
parental responsibility), and the triage team confirming or revisiting the young person's
competence, which allocation waits for."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import date

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from onedoor.alliance.models import Alliance, Offer
from onedoor.audit.models import AuditEvent
from onedoor.children.models import TimelineEvent
from onedoor.referrals.actions import submit_referral
from onedoor.referrals.answers import ReferralAnswers
from onedoor.referrals.consent import NO_PR_WARNING
from onedoor.referrals.models import Referral, Route, Source
from onedoor.referrals.states import Conflict, change
from onedoor.triage.actions import record_decision, sign_off
from onedoor.triage.consent_reviews import review_consent
from onedoor.triage.models import ConsentReview, Outcome, TriageDecision
from tests.personas import NOW, People, sign_in
from tests.test_referral_form import (
    PARENT,
    PROFESSIONAL,
    SELF,
    Answers,
    Journey,
    born,
    errors,
    heading,
    messages,
)

CHECK = "Check your answers before sending your referral"
OWN_CONSENT = "Agreeing to this yourself"
ALL_UNDERSTOOD = {
    "understands_support": "yes",
    "understands_next": "yes",
    "understands_who_is_told": "yes",
}
# A 15-year-old referring themselves: a parent or carer does not know, and is not to be told.
FIFTEEN: Answers = {
    **SELF,
    "young-person": {**SELF["young-person"], **born(15)},
    "consent": {
        "agreed": "young_person",
        "parent_agrees": "no",
        "share": "yes",
        "contact_family": "no",
    },
}


@pytest.fixture(autouse=True)
def _no_cached_choices() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def journey(client: Client, alliance: Alliance) -> Journey:
    return Journey(client)


# The form: a young person of 15, on their own consent.


def test_a_15_year_old_whose_parent_does_not_know_is_asked_the_competence_questions(
    journey: Journey,
) -> None:
    response = journey.walk(FIFTEEN)

    assert heading(response) == OWN_CONSENT
    page = response.content.decode()
    for question in (
        "Do you understand what getting support from us means?",
        "Do you understand what will happen after you send this?",
        "Do you understand who we may tell, and when?",
    ):
        assert question in page
    assert "If you are in danger or need help now" in page  # the crisis lines


def test_a_15_year_old_who_understands_sends_the_referral_on_their_own_consent(
    journey: Journey,
) -> None:
    journey.walk(FIFTEEN)
    check = journey.answer("own-consent", ALL_UNDERSTOOD)
    assert heading(check) == CHECK
    page = check.content.decode()
    assert "Understands who may be told, and when" in page

    journey.send()

    referral = Referral.objects.get()
    assert (referral.route, referral.consent_to_refer, referral.consent_given_by) == (
        "self",
        True,
        "young_person",
    )
    assert (referral.competence, referral.judged_competent) == ("to_confirm", None)
    assert referral.consent_parental_responsibility == ""
    assert referral.family_may_be_contacted is False
    assert list(referral.child.carers.all()) == []
    assert referral.consent_words == "the young person (competence to be confirmed)"
    assert referral.consent_warning is None


@pytest.mark.parametrize("not_sure", list(ALL_UNDERSTOOD))
def test_a_15_year_old_who_does_not_understand_cannot_send_alone_and_is_told_what_to_do(
    journey: Journey, not_sure: str
) -> None:
    journey.walk(FIFTEEN)

    response = journey.answer("own-consent", {**ALL_UNDERSTOOD, not_sure: "no"})

    assert response.status_code == 200
    assert heading(response) == OWN_CONSENT
    page = response.content.decode()
    assert "<title>Agreeing to this yourself" in page  # not "Error:": nothing to correct
    assert "It's OK not to be sure" in page
    assert "talk to an adult you trust, like a teacher, school nurse, GP or youth worker" in page
    assert "phone the Referral and Advice Point" in page
    assert "If you are in danger or need help now" in page
    assert "Childline" in page
    # Sending anyway comes back to the questions, and nothing is sent.
    assert heading(journey.send()) == OWN_CONSENT
    assert Referral.objects.count() == 0
    # Answering yes after all reaches the check page.
    assert heading(journey.answer("own-consent", ALL_UNDERSTOOD)) == CHECK


def test_each_competence_question_must_be_answered(journey: Journey) -> None:
    journey.walk(FIFTEEN)

    response = journey.answer("own-consent", {"understands_next": "yes"})

    assert errors(response) == [
        (
            "id_understands_support",
            "Select yes if you understand what getting support from us means",
        ),
        (
            "id_understands_who_is_told",
            "Select yes if you understand who we may tell, and when",
        ),
    ]


@pytest.mark.parametrize(
    ("age", "parent_agrees", "after_consent"),
    [(16, None, CHECK), (15, "yes", CHECK), (12, "rather_not_say", OWN_CONSENT)],
)
def test_the_competence_questions_are_asked_only_from_12_to_15_without_a_parents_agreement(
    journey: Journey, age: int, parent_agrees: str | None, after_consent: str
) -> None:
    answers = {**FIFTEEN, "young-person": {**SELF["young-person"], **born(age)}}
    consent = {k: v for k, v in FIFTEEN["consent"].items() if k != "parent_agrees"}
    answers["consent"] = {**consent, **({"parent_agrees": parent_agrees} if parent_agrees else {})}

    assert heading(journey.walk(answers)) == after_consent


def test_a_young_person_who_turns_out_to_be_16_is_not_asked_again(journey: Journey) -> None:
    """Changing the date of birth to 16 drops the competence questions: 16 consents alone."""
    journey.walk(FIFTEEN)
    journey.answer("own-consent", ALL_UNDERSTOOD)
    journey.get("/refer/young-person/?change=1")
    sixteen = {**FIFTEEN["young-person"], **born(16)}

    response = journey.answer("young-person", sixteen)

    assert heading(response) == CHECK
    assert OWN_CONSENT not in response.content.decode()
    journey.send()
    referral = Referral.objects.get()
    assert (referral.consent_given_by, referral.competence) == ("young_person", "")


def test_a_young_person_whose_parent_agrees_is_referred_on_that_parents_consent(
    journey: Journey,
) -> None:
    answers = {
        **FIFTEEN,
        "parents-and-carers": {
            "carer_name": "Ana Example",
            "carer_relationship": "Mother",
            "parental_responsibility": "yes",
        },
        "consent": {**FIFTEEN["consent"], "parent_agrees": "yes"},
    }
    journey.walk(answers)

    journey.send()

    referral = Referral.objects.get()
    assert (referral.consent_given_by, referral.consent_parental_responsibility) == (
        "parent_carer",
        "yes",
    )
    assert (referral.competence, referral.consent_warning) == ("", None)


# The form: a professional, and a parent without parental responsibility.


def test_a_professional_records_a_competent_young_persons_consent_without_parent_details(
    journey: Journey,
) -> None:
    answers = {**PROFESSIONAL, "parents-and-carers": {"own_consent": "yes"}}
    journey.walk(answers, until="consent")
    assert (
        "Not given: the young person consents themselves" not in journey.response.content.decode()
    )

    check = journey.answer(
        "consent",
        {"agreed": "young_person", "competent": "yes", "share": "yes", "contact_family": "no"},
    )
    assert heading(check) == CHECK
    assert "Not given: the young person consents themselves" in check.content.decode()
    journey.send()

    referral = Referral.objects.get()
    assert (referral.consent_given_by, referral.judged_competent, referral.competence) == (
        "young_person",
        True,
        "judged_by_referrer",
    )
    assert list(referral.child.carers.all()) == []
    assert referral.consent_words == "the young person (judged competent by the referrer)"


def test_without_parent_details_a_professional_must_record_the_young_persons_own_consent(
    journey: Journey,
) -> None:
    journey.walk({**PROFESSIONAL, "parents-and-carers": {"own_consent": "yes"}}, until="consent")
    answers = {"share": "yes", "contact_family": "no"}

    parent = journey.answer("consent", {**answers, "agreed": "parent_carer"})
    not_competent = journey.answer(
        "consent", {**answers, "agreed": "young_person", "competent": "no"}
    )

    assert messages(parent) == [
        "You did not give a parent or carer's details, because the young person consents "
        "themselves: select 'The young person has agreed', or go back to 'Parents and carers' "
        "to give their details"
    ]
    assert messages(not_competent) == [
        "You did not give a parent or carer's details, because you judge the young person "
        "competent to consent: select yes, or go back to 'Parents and carers' to give their "
        "details"
    ]


def test_without_the_young_persons_own_consent_a_professional_gives_a_parents_details(
    journey: Journey,
) -> None:
    journey.walk(PROFESSIONAL, until="parents-and-carers")

    response = journey.answer("parents-and-carers", {})

    assert messages(response) == [
        "Enter the parent or carer's full name",
        "Enter their relationship to the young person, like mother or foster carer",
        "Select whether they have parental responsibility, or 'I do not know'",
    ]


def test_a_parent_without_parental_responsibility_for_a_10_year_old_is_flagged(
    client: Client, journey: Journey, people: People
) -> None:
    ten = {
        **PARENT,
        "young-person": {**PARENT["young-person"], **born(10)},
        "parents-and-carers": {**PARENT["parents-and-carers"], "parental_responsibility": "no"},
    }
    journey.walk(ten)
    journey.send()

    referral = Referral.objects.get()
    assert (referral.consent_given_by, referral.consent_parental_responsibility) == (
        "other_adult",
        "no",
    )
    assert referral.consent_warning == NO_PR_WARNING
    sign_in(client, people.triage)
    triage_page = client.get(f"/triage/{referral.uuid}/").content.decode()
    assert NO_PR_WARNING in triage_page
    assert "Consent:</strong> another adult without parental responsibility" in triage_page
    queue = client.get("/triage/").content.decode()
    assert queue.count(NO_PR_WARNING) == 1


def test_a_parent_referring_for_a_child_they_named_another_carer_for_may_not_have_it(
    journey: Journey,
) -> None:
    grandparent = {
        **PARENT,
        "about-you": {**PARENT["about-you"], "name": "Gran Example", "relationship": "Grandmother"},
    }
    journey.walk(grandparent)
    journey.send()

    referral = Referral.objects.get()
    assert (referral.consent_given_by, referral.consent_parental_responsibility) == (
        "other_adult",
        "not_known",
    )
    assert referral.consent_warning == (
        "Consent given by someone who may not have parental responsibility: check"
    )


# Triage: the young person's competence confirmed or revisited.

ANSWERS = ReferralAnswers(
    route=Route.SELF,
    source=Source.SELF,
    given_name="Jo",
    family_name="Selfreferred",
    date_of_birth=date(NOW.year - 15, 1, 1),
    gender="female",
    ethnicity="Z",
    postcode="ME4 4AB",
    young_person_email="jo@example.org",
    reasons="I can't sleep and I feel on edge all the time.",
    consent_to_refer=True,
    consent_given_by="young_person",
    competence="to_confirm",
    consent_to_share=True,
)


@pytest.fixture
def referral(alliance: Alliance) -> Referral:
    return submit_referral(answers=ANSWERS, submission_key=uuid.uuid4())


def _written(referral: Referral) -> tuple[int, int, int]:
    return (
        ConsentReview.objects.count(),
        TimelineEvent.objects.filter(referral=referral).count(),
        AuditEvent.objects.filter(record_id=str(referral.uuid), action="change").count(),
    )


def test_the_triage_page_shows_competence_to_be_confirmed_and_a_triage_lead_confirms_it(
    client: Client, people: People, referral: Referral
) -> None:
    sign_in(client, people.triage)
    page = client.get(f"/triage/{referral.uuid}/").content.decode()
    assert "Consent:</strong> the young person (competence to be confirmed)" in page
    assert "Competence to be confirmed" in page
    assert (
        "Consent: the young person (competence to be confirmed)"
        in client.get("/triage/").content.decode()
    )
    assert client.get(f"/triage/{referral.uuid}/consent/").status_code == 200
    before = _written(referral)

    response = client.post(
        f"/triage/{referral.uuid}/consent/",
        {"version": 1, "result": "confirmed", "note": "Spoke to Jo by phone: understands."},
    )

    assert response.status_code == 302
    assert response["Location"] == f"/triage/{referral.uuid}/"
    referral.refresh_from_db()
    assert (referral.competence, referral.judged_competent, referral.version) == (
        "confirmed",
        True,
        2,
    )
    review = ConsentReview.objects.get()
    assert (review.result, review.note, review.reviewed_by) == (
        "confirmed",
        "Spoke to Jo by phone: understands.",
        people.triage,
    )
    assert _written(referral) == (before[0] + 1, before[1] + 1, before[2] + 1)
    event = TimelineEvent.objects.filter(referral=referral).first()
    assert event is not None
    assert (event.summary, event.actor) == (
        "The young person's competence to consent to the referral was confirmed by the triage "
        "team.",
        people.triage,
    )
    audit = AuditEvent.objects.filter(record_id=str(referral.uuid), action="change").get()
    assert audit.detail == {"consent_review": "confirmed"}
    page = client.get(f"/triage/{referral.uuid}/").content.decode()
    assert "Consent:</strong> the young person (competence confirmed)" in page
    assert "Competence to be confirmed" not in page


def test_the_consent_page_lists_its_reviews_in_the_same_queries_however_many(
    client: Client, people: People, referral: Referral
) -> None:
    sign_in(client, people.triage)
    url = f"/triage/{referral.uuid}/consent/"
    client.get(url)  # the first request after signing in also saves the session

    def revisit() -> int:
        referral.refresh_from_db()
        review_consent(
            user=people.triage,
            referral=referral,
            version=referral.version,
            result="revisit",
            note="No answer on the phone; try again with the school nurse.",
        )
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    one = revisit()
    revisit()
    assert revisit() == one
    assert ConsentReview.objects.count() == 3


def test_revisit_keeps_the_note_off_the_timeline_and_allocation_waits(
    alliance: Alliance, people: People, referral: Referral
) -> None:
    review_consent(
        user=people.triage,
        referral=referral,
        version=1,
        result="revisit",
        note="Not sure Jo understood who may be told. Ring again with the school nurse.",
    )

    referral.refresh_from_db()
    assert referral.competence == "revisit"
    assert referral.consent_words == (
        "the young person (to revisit: contact the young person or involve a parent or carer)"
    )
    event = TimelineEvent.objects.filter(referral=referral).first()
    assert event is not None
    assert event.summary == (
        "The young person's consent to the referral is to be revisited: contact the young "
        "person or involve a parent or carer."
    )
    change(referral=referral, version=referral.version, risk_rating="amber")
    offer = Offer.objects.filter(organisation__slug="kooth").first()
    with pytest.raises(ValidationError) as refused:
        record_decision(
            user=people.triage,
            referral=referral,
            version=referral.version,
            grouping="getting_help",
            outcome=Outcome.ALLOCATE,
            offer=offer,
        )
    assert refused.value.messages == [
        "The young person's consent is being revisited: confirm their competence, or record a "
        "parent or carer's consent, before allocating"
    ]
    assert TriageDecision.objects.count() == 0


def test_allocation_waits_for_competence_to_be_confirmed_then_goes_ahead(
    people: People, referral: Referral
) -> None:
    referral = change(referral=referral, version=1, risk_rating="green")
    offer = Offer.objects.filter(organisation__slug="kooth").first()
    allocate = {"grouping": "getting_help", "outcome": Outcome.ALLOCATE, "offer": offer}
    with pytest.raises(ValidationError) as refused:
        record_decision(user=people.triage, referral=referral, version=2, **allocate)  # type: ignore[arg-type]
    assert refused.value.messages == [
        "The young person's competence to consent is still to be confirmed: confirm it before "
        "allocating"
    ]
    assert (TriageDecision.objects.count(), referral.status) == (0, "awaiting_triage")

    review_consent(user=people.triage, referral=referral, version=2, result="confirmed", note="OK.")
    referral.refresh_from_db()
    record_decision(user=people.triage, referral=referral, version=3, **allocate)  # type: ignore[arg-type]

    referral.refresh_from_db()
    assert (referral.status, referral.allocated_offer) == ("allocated", offer)


def test_a_sign_off_that_would_allocate_on_unsettled_consent_is_refused(
    people: People, referral: Referral
) -> None:
    """Defence in depth: the decision could not be made on unsettled consent, and neither can
    its sign-off take effect if the consent became unsettled in between."""
    review_consent(user=people.triage, referral=referral, version=1, result="confirmed", note="OK.")
    referral = change(referral=referral, version=2, risk_rating="red")
    offer = Offer.objects.filter(organisation__slug="kooth").first()
    decision = record_decision(
        user=people.triage,
        referral=referral,
        version=3,
        grouping="getting_help",
        outcome=Outcome.ALLOCATE,
        offer=offer,
    )
    Referral.objects.filter(pk=referral.pk).update(competence="revisit")
    referral.refresh_from_db()

    with pytest.raises(ValidationError) as refused:
        sign_off(
            user=people.clinical_lead, decision=decision, version=referral.version, approve=True
        )

    assert refused.value.messages[0].startswith("The young person's consent is being revisited")
    decision.refresh_from_db()
    referral.refresh_from_db()
    assert (decision.sign_off, referral.status) == ("waiting", "awaiting_sign_off")


def test_a_parent_or_carer_agreeing_settles_the_consent(people: People, referral: Referral) -> None:
    review_consent(
        user=people.clinical_lead,
        referral=referral,
        version=1,
        result="parent_agreed",
        note="Jo asked us to call her mum, who agreed.",
    )

    referral.refresh_from_db()
    assert (
        referral.consent_given_by,
        referral.consent_parental_responsibility,
        referral.competence,
    ) == ("parent_carer", "yes", "")
    assert referral.consent_words == "a parent or carer with parental responsibility"


@pytest.mark.parametrize("persona", ["coordinator", "kooth_practitioner", "safeguarding"])
def test_only_the_triage_team_reviews_consent_and_a_denied_attempt_writes_nothing(
    client: Client, people: People, referral: Referral, persona: str
) -> None:
    user = getattr(people, persona)
    before = _written(referral)
    sign_in(client, user)

    response = client.post(
        f"/triage/{referral.uuid}/consent/",
        {"version": 1, "result": "confirmed", "note": "I think so."},
    )

    assert response.status_code == 403
    with pytest.raises(PermissionDenied):
        review_consent(user=user, referral=referral, version=1, result="confirmed", note="No.")
    referral.refresh_from_db()
    assert (referral.competence, referral.version) == ("to_confirm", 1)
    assert _written(referral) == before


@pytest.mark.parametrize(
    ("posted", "problem"),
    [
        ({"version": 1, "note": "Spoke to Jo."}, "Choose what you found"),
        ({"version": 1, "result": "maybe", "note": "Spoke to Jo."}, "Choose what you found"),
        ({"version": 1, "result": "confirmed", "note": "  "}, "Write a note: who you spoke to"),
        ({"version": "x", "result": "confirmed", "note": "Spoke to Jo."}, "Enter a whole number"),
    ],
)
def test_a_review_with_a_missing_answer_says_so_and_writes_nothing(
    client: Client, people: People, referral: Referral, posted: dict[str, object], problem: str
) -> None:
    sign_in(client, people.triage)
    before = _written(referral)

    response = client.post(f"/triage/{referral.uuid}/consent/", posted)

    assert response.status_code == 400
    assert problem in response.content.decode()
    referral.refresh_from_db()
    assert (referral.competence, referral.version) == ("to_confirm", 1)
    assert _written(referral) == before


def test_a_review_on_a_stale_page_is_a_conflict_and_writes_nothing(
    client: Client, people: People, referral: Referral
) -> None:
    sign_in(client, people.triage)
    change(referral=referral, version=1, risk_rating="green")
    before = _written(referral)

    response = client.post(
        f"/triage/{referral.uuid}/consent/",
        {"version": 1, "result": "confirmed", "note": "Spoke to Jo."},
    )

    assert response.status_code == 409
    assert "Someone else changed this referral" in response.content.decode()
    referral.refresh_from_db()
    assert (referral.competence, referral.version) == ("to_confirm", 2)
    assert _written(referral) == before
    with pytest.raises(Conflict):
        review_consent(user=people.triage, referral=referral, version=1, result="revisit", note="x")


def test_a_referral_with_nothing_to_confirm_is_not_reviewed(
    client: Client, people: People, referral: Referral
) -> None:
    settled = submit_referral(
        answers=replace(ANSWERS, given_name="Kai", competence="judged_by_referrer"),
        submission_key=uuid.uuid4(),
    )
    sign_in(client, people.triage)

    page = client.get(f"/triage/{settled.uuid}/consent/")
    response = client.post(
        f"/triage/{settled.uuid}/consent/", {"version": 1, "result": "revisit", "note": "Hm."}
    )

    assert "There is no young person's consent on this referral waiting" in page.content.decode()
    assert response.status_code == 400
    assert (
        "This referral has no young person&#x27;s consent waiting to be confirmed or revisited"
        in response.content.decode()
    )
    assert ConsentReview.objects.count() == 0
