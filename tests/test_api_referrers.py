"""A referrer's system (a GP system) sends referrals through the API, checked by the public
form's own rules, once per its key, and follows the ones it sent in the words families and
referrers get."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from onedoor.alliance.models import Alliance
from onedoor.audit.models import AuditEvent
from onedoor.integrations.models import ApiSubmission
from onedoor.integrations.scopes import Scope
from onedoor.referrals.answers import CarerAnswers, ReferralAnswers
from onedoor.referrals.models import Referral, Route, Source
from onedoor.referrals.status_sharing import withhold_status
from tests.api_support import call, registered
from tests.personas import People, make_child, organisation
from tests.referral_bodies import body

pytestmark = pytest.mark.django_db

SUBMISSIONS = "/api/v1/referrals/submissions"

RILEYS_ANSWERS = ReferralAnswers(
    route=Route.PROFESSIONAL,
    source=Source.GP,
    given_name="Riley",
    family_name="Example",
    date_of_birth=date(2013, 3, 14),
    gender="non_binary",
    ethnicity="A",
    postcode="ME4 4AB",
    address_line_1="1 Example Road",
    town="Chatham",
    nhs_number="9434765919",
    school="Example Academy",
    gp_practice="Illustrative Chatham Practice",
    gp_ods_code="Y99901",
    carers=(CarerAnswers("Sam Example", "Father", "07700900982", "sam@example.org", "yes"),),
    referrer_name="Dr Ada Example",
    referrer_role="GP",
    referrer_organisation="Illustrative Chatham Practice",
    referrer_email="ada.example@nhs.invalid",
    referrer_phone="01632960001",
    reasons="Low mood for three months; has stopped seeing friends.",
    needs=("low-mood", "school"),
    what_tried="School counsellor, twice.",
    risk_indicators=(),
    priority_groups=("send",),
    consent_to_refer=True,
    consent_given_by="parent_carer",
    judged_competent=None,
    consent_parental_responsibility="yes",
    consent_to_share=True,
    family_may_be_contacted=True,
)


def gp_client(alliance: Alliance, people: People, scopes: list[Scope] | None = None) -> Any:
    return registered(
        people.admin, organisation(alliance, "childrens-social-care"), scopes, name="GP system"
    )


def written() -> tuple[int, int]:
    return Referral.objects.count(), ApiSubmission.objects.count()


def test_a_referral_sent_is_made_by_the_forms_own_action_as_the_form_would_make_it(
    alliance: Alliance, people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    from onedoor.integrations import submissions

    seen: list[ReferralAnswers] = []
    real = submissions.submit_referral

    def watched(**kwargs: Any) -> Referral:
        seen.append(kwargs["answers"])
        return real(**kwargs)

    monkeypatch.setattr(submissions, "submit_referral", watched)
    client, secret = gp_client(alliance, people)
    response = call("POST", SUBMISSIONS, secret, body())
    assert response.status_code == 201
    referral = Referral.objects.get()
    assert seen == [RILEYS_ANSWERS]
    sent = response.json()
    received = datetime.fromisoformat(sent.pop("received_at"))
    assert received == referral.received_at.replace(
        microsecond=referral.received_at.microsecond // 1000 * 1000
    )
    assert sent == {
        "uuid": str(referral.uuid),
        "reference": referral.reference_display,
        "status": {
            "heading": "Received",
            "said": [
                "The triage team will look at the referral.",
                "We aim to decide by 27 November 2026.",
            ],
            "services": [],
        },
    }
    assert referral.referred_by == client.account
    assert (referral.route, referral.source, referral.child.nhs_number) == (
        "professional", "gp", "9434765919",
    )  # fmt: skip
    assert ApiSubmission.objects.get().key == "gp-0001"


def test_the_same_key_and_referral_again_is_the_same_referral(
    alliance: Alliance, people: People
) -> None:
    _, secret = gp_client(alliance, people)
    first = call("POST", SUBMISSIONS, secret, body())
    again = call("POST", SUBMISSIONS, secret, body())
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert written() == (1, 1)


def test_the_same_key_with_another_referral_is_refused_and_nothing_written(
    alliance: Alliance, people: People
) -> None:
    client, secret = gp_client(alliance, people)
    call("POST", SUBMISSIONS, secret, body())
    response = call("POST", SUBMISSIONS, secret, body(reasons="Something else entirely."))
    assert response.status_code == 409
    assert response.json() == {
        "type": "https://onedoor.invalid/problems/conflict",
        "title": "Conflict",
        "status": 409,
        "detail": "This key was used for a different referral",
        "instance": SUBMISSIONS,
    }
    assert written() == (1, 1)
    refusal = AuditEvent.objects.get(action="api_refused")
    assert refusal.actor_uuid == client.account.uuid
    assert refusal.detail["status"] == 409


def test_another_client_may_use_the_same_key(alliance: Alliance, people: People) -> None:
    _, first = gp_client(alliance, people)
    _, second = registered(people.admin, organisation(alliance, "specialist-camhs"))
    assert call("POST", SUBMISSIONS, first, body()).status_code == 201
    assert call("POST", SUBMISSIONS, second, body()).status_code == 201
    assert written() == (2, 2)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"child__nhs_number": "943 476 5918"}, "referral.child.nhs_number", "NHS number"),
        ({"child__postcode": "ME4"}, "referral.child.postcode", "Enter a full UK postcode"),
        ({"child__date_of_birth": "2030-01-01"}, "referral.child.date_of_birth", "in the past"),
        ({"child__given_name": ""}, "referral.child.given_name", "Enter the young person's"),
        ({"child__gp_ods_code": "Z00000"}, "referral.child.gp_ods_code", "Choose the GP"),
        ({"referrer__phone": "12345"}, "referral.referrer.phone", "Enter a phone number"),
        ({"referrer__email": "not-an-email"}, "referral.referrer.email", "Enter an email"),
        ({"carers": []}, "referral.consent.given_by", "You did not give a parent or carer"),
        ({"carers__0__name": ""}, "referral.carers.0.name", "Enter the parent or carer"),
        ({"needs": ["astrology"]}, "referral.needs", "astrology is not one of"),
        ({"priority_groups": ["vip"]}, "referral.priority_groups", "vip is not one of"),
        ({"consent__to_refer": False}, "referral.consent.to_refer", "needs consent"),
        (
            {"consent__given_by": "young_person"},
            "referral.consent.judged_competent",
            "judged competent",
        ),
        ({"reasons": "x" * 2001}, "referral.reasons", "2,000 characters or less"),
    ],
)
def test_the_forms_rules_refuse_the_referral_naming_the_field_and_nothing_is_written(
    alliance: Alliance, people: People, changes: dict[str, Any], field: str, message: str
) -> None:
    _, secret = gp_client(alliance, people)
    response = call("POST", SUBMISSIONS, secret, body(**changes))
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert [error["field"] for error in errors] == [field]
    assert message in errors[0]["message"]
    assert written() == (0, 0)
    assert AuditEvent.objects.get(action="api_refused").detail["fields"] == [field]


def test_a_young_person_of_16_consents_themselves(alliance: Alliance, people: People) -> None:
    _, secret = gp_client(alliance, people)
    response = call("POST", SUBMISSIONS, secret, body(child__date_of_birth="2009-01-02"))
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "field": "referral.consent.given_by",
            "message": "At 16 and over, young people agree to a referral themselves: a parent "
            "or carer's consent is not enough. Ask the young person for their consent.",
        }
    ]


def test_a_competent_young_person_without_a_carer_and_lgbtqia_recorded_by_agreement(
    alliance: Alliance, people: People
) -> None:
    _, secret = gp_client(alliance, people)
    sent = body(
        carers=[],
        priority_groups=["lgbtqia"],
        risk_indicators=["self_harm"],
        consent__given_by="young_person",
        consent__judged_competent=True,
    )
    assert call("POST", SUBMISSIONS, secret, sent).status_code == 201
    referral = Referral.objects.get()
    assert (referral.consent_given_by, referral.competence, referral.self_harm) == (
        "young_person", "judged_by_referrer", True,
    )  # fmt: skip
    assert list(referral.child.priority_groups.values_list("slug", flat=True)) == ["lgbtqia"]


@pytest.mark.parametrize(
    ("scopes", "method", "path"),
    [
        ([Scope.READ_REFERRALS], "POST", SUBMISSIONS),
        ([Scope.SUBMIT_REFERRALS], "GET", SUBMISSIONS),
    ],
)
def test_a_client_without_the_scope_is_refused(
    alliance: Alliance, people: People, scopes: list[Scope], method: str, path: str
) -> None:
    _, secret = gp_client(alliance, people, scopes)
    response = call(method, path, secret, body() if method == "POST" else None)
    assert response.status_code == 403
    assert response.json()["detail"].startswith("This client does not hold the scope")
    assert written() == (0, 0)


def test_a_partners_client_cannot_send_a_referral(alliance: Alliance, people: People) -> None:
    _, secret = registered(people.admin, organisation(alliance, "kooth"))
    response = call("POST", SUBMISSIONS, secret, body())
    assert response.status_code == 403
    assert written() == (0, 0)


def test_a_client_reads_its_own_referral_and_no_one_elses(
    alliance: Alliance, people: People
) -> None:
    _, secret = gp_client(alliance, people)
    _, other = registered(people.admin, organisation(alliance, "specialist-camhs"))
    made = call("POST", SUBMISSIONS, secret, body()).json()
    kai = make_child(alliance, "Kai", allocated_to="kooth").referrals.get()
    mine = call("GET", f"{SUBMISSIONS}/{made['uuid']}", secret)
    assert mine.status_code == 200
    assert mine.json() == made
    for secret_, uuid in ((other, made["uuid"]), (secret, str(kai.uuid))):
        refused = call("GET", f"{SUBMISSIONS}/{uuid}", secret_)
        assert refused.status_code == 404
        assert refused.json()["detail"] == "There is no such record"
    assert AuditEvent.objects.filter(action="deny", record_type="referral").count() == 2


def test_a_status_the_triage_team_holds_back_is_not_told(
    alliance: Alliance, people: People
) -> None:
    _, secret = gp_client(alliance, people)
    made = call("POST", SUBMISSIONS, secret, body()).json()
    referral = Referral.objects.get()
    withhold_status(
        user=people.triage, referral=referral, version=referral.version, reason="Family at risk"
    )
    status = call("GET", f"{SUBMISSIONS}/{made['uuid']}", secret).json()["status"]
    assert status == {
        "heading": "We have received the referral",
        "said": ["We will be in touch."],
        "services": [],
    }


def test_the_list_pages_through_this_clients_referrals_newest_first(
    alliance: Alliance, people: People, time_machine: Any, django_assert_max_num_queries: Any
) -> None:
    from datetime import timedelta

    from onedoor import clock
    from onedoor.api import referrer_routes

    _, secret = gp_client(alliance, people)
    _, other = registered(people.admin, organisation(alliance, "specialist-camhs"))
    start = clock.now()
    for n in range(3):
        time_machine.move_to(start + timedelta(minutes=n))
        call("POST", SUBMISSIONS, secret, body(key=f"k{n}", child__given_name=f"Child{n}"))
    call("POST", SUBMISSIONS, other, body())
    references = dict(
        Referral.objects.filter(api_submission__key__startswith="k").values_list(
            "api_submission__key", "reference"
        )
    )
    referrer_routes.NEWEST_FIRST = referrer_routes.Keyset(("-received_at", "-pk"), size=2)
    try:
        first = call("GET", SUBMISSIONS, secret).json()
        second = call("GET", f"{SUBMISSIONS}?after={first['next']}", secret).json()
    finally:
        referrer_routes.NEWEST_FIRST = referrer_routes.Keyset(("-received_at", "-pk"), size=50)
    shown = [item["reference"].replace("-", "") for item in first["items"] + second["items"]]
    assert shown == [references["k2"], references["k1"], references["k0"]]
    assert second["next"] is None
    bad = call("GET", f"{SUBMISSIONS}?after=nonsense", secret)
    assert bad.status_code == 400


def test_submissions_is_never_taken_for_a_referrals_uuid(
    alliance: Alliance, people: People
) -> None:
    _, secret = gp_client(alliance, people)
    assert call("GET", SUBMISSIONS, secret).json() == {"items": [], "next": None}
    unknown = call("GET", f"{SUBMISSIONS}/not-a-uuid", secret)
    assert unknown.status_code == 404
    assert unknown["Content-Type"] == "application/problem+json"
    assert unknown.json()["detail"] == "There is no such address in the API"
